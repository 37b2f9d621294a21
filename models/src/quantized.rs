//! A quantized matrix in one form for every ggml block type: signed 8-bit quants with a scale
//! and an offset per group of consecutive values of a row, value = scale · q − offset.
//!
//! Each ggml type's dequantization is exactly this product and difference in f32 (Q8_0, Q4_0,
//! Q5_0 and Q6_K have no offset; Q4_1 and Q5_1 add their minimum, which is subtracting its
//! negation; Q4_K and Q5_K subtract theirs), so [`GroupedQuants::to_f32`] gives the same bits
//! as dequantizing the block data, and kernels that expand quants on the fly compute with the
//! very weights an f32 copy would hold.

/// The value of quant `q` with its group's `scale` and `offset`: the product, then the
/// difference, each rounded to f32, as ggml computes it.
pub fn expand(q: i8, scale: f32, offset: Option<f32>) -> f32 {
    let scaled = f32::from(q) * scale;
    match offset {
        Some(offset) => scaled - offset,
        None => scaled,
    }
}

/// A `rows × cols` matrix as grouped 8-bit quants (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupedQuants {
    /// Rows (output features of a projection).
    pub rows: usize,
    /// Values per row (input features).
    pub cols: usize,
    /// Consecutive values of a row that share a scale and an offset; divides `cols`.
    pub group: usize,
    /// `rows × cols` quants, row-major.
    pub quants: Vec<i8>,
    /// `rows × cols / group` scales, row-major.
    pub scales: Vec<f32>,
    /// Offsets laid out as `scales`; `None` when every offset is zero.
    pub offsets: Option<Vec<f32>>,
}

impl GroupedQuants {
    /// Value `col` of row `row`, computed as the dequantization does.
    pub fn value(&self, row: usize, col: usize) -> f32 {
        let g = (row * self.cols + col) / self.group;
        let offset = self.offsets.as_ref().map(|o| o[g]);
        expand(self.quants[row * self.cols + col], self.scales[g], offset)
    }

    /// All values, row-major.
    pub fn to_f32(&self) -> Vec<f32> {
        (0..self.rows)
            .flat_map(|row| (0..self.cols).map(move |col| (row, col)))
            .map(|(row, col)| self.value(row, col))
            .collect()
    }

    /// The same matrix with groups of `group` values, which must divide the current group
    /// (each scale and offset repeated over the smaller groups).
    pub fn regrouped(mut self, group: usize) -> Self {
        assert!(
            group > 0 && self.group.is_multiple_of(group),
            "groups of {} cannot be split into groups of {group}",
            self.group
        );
        let times = self.group / group;
        if times > 1 {
            self.scales = repeat_each(&self.scales, times);
            self.offsets = self.offsets.map(|o| repeat_each(&o, times));
            self.group = group;
        }
        self
    }

    /// Reorders the rows: row `i` of the result is row `order[i]` of `self`.
    pub fn reorder_rows(&mut self, order: &[usize]) {
        let groups = self.cols / self.group;
        self.quants = reorder(&self.quants, order, self.cols);
        self.scales = reorder(&self.scales, order, groups);
        self.offsets = self.offsets.take().map(|o| reorder(&o, order, groups));
    }
}

/// Every value of `values` `times` times in a row.
fn repeat_each(values: &[f32], times: usize) -> Vec<f32> {
    values
        .iter()
        .flat_map(|&v| std::iter::repeat_n(v, times))
        .collect()
}

/// The rows (`width` values each) of `values` in `order`.
fn reorder<T: Copy>(values: &[T], order: &[usize], width: usize) -> Vec<T> {
    order
        .iter()
        .flat_map(|&r| &values[r * width..(r + 1) * width])
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> GroupedQuants {
        GroupedQuants {
            rows: 2,
            cols: 4,
            group: 4,
            quants: vec![1, -2, 3, 0, 5, 6, -7, 8],
            scales: vec![0.5, 2.0],
            offsets: Some(vec![1.0, -1.0]),
        }
    }

    #[test]
    fn values_are_scale_times_quant_minus_offset() {
        assert_eq!(
            sample().to_f32(),
            [-0.5, -2.0, 0.5, -1.0, 11.0, 13.0, -13.0, 17.0]
        );
        let mut plain = sample();
        plain.offsets = None;
        assert_eq!(plain.value(1, 2), -14.0);
    }

    #[test]
    fn regrouping_and_reordering_keep_every_value() {
        let original = sample();
        let split = original.clone().regrouped(2);
        assert_eq!(split.scales, [0.5, 0.5, 2.0, 2.0]);
        assert_eq!(split.to_f32(), original.to_f32());
        let mut swapped = split;
        swapped.reorder_rows(&[1, 0]);
        let values = original.to_f32();
        assert_eq!(swapped.to_f32(), [&values[4..], &values[..4]].concat());
    }
}
