//! A weight for `--dtype bf16` on the CPU backend: every value rounded to bf16 once at load
//! (from f32, f16, bf16 or dequantized GGUF values, as PyTorch's `.to(torch.bfloat16)` rounds)
//! and packed into panels of bf16 pairs, `[panel][k / 2][PANEL]`: the operand layout of
//! [`crate::cpu::bf16_kernel`] and of AMX's second tile operand
//! ([`crate::cpu::amx_kernel`]). Half the memory of f32 whatever the checkpoint stored.

use rayon::prelude::*;

use crate::cpu::bf16_kernel::{pair_at, widen};
use crate::cpu::quant_matrix::{PANEL, fused_rows};
use crate::quantized::GroupedQuants;

/// A matrix's rows as a checkpoint stores them, for rounding to bf16.
pub(crate) enum RowsToRound {
    /// Grouped quants, expanded a row at a time.
    Quantized(GroupedQuants),
    /// f32 values, row-major.
    Values(Vec<f32>),
}

impl RowsToRound {
    /// RowsToRound of `k` values.
    pub(crate) fn count(&self, k: usize) -> usize {
        match self {
            RowsToRound::Quantized(grouped) => grouped.rows,
            RowsToRound::Values(values) => values.len() / k.max(1),
        }
    }

    /// Row `row` (`k` values) as f32 into `out`, the values the dequantization gives.
    pub(crate) fn row_into(&self, row: usize, out: &mut [f32]) {
        let k = out.len();
        match self {
            RowsToRound::Quantized(grouped) => {
                for (c, o) in out.iter_mut().enumerate() {
                    *o = grouped.value(row, c);
                }
            }
            RowsToRound::Values(values) => out.copy_from_slice(&values[row * k..(row + 1) * k]),
        }
    }
}

/// An `[out, in]` weight as bf16 pairs in panels (see the module docs).
#[derive(Debug)]
pub(crate) struct Bf16Matrix {
    /// Output features.
    n: usize,
    /// Input features.
    k: usize,
    /// `[panel][k.div_ceil(2)][PANEL]`; features past `n`, up to a whole panel, and the input
    /// past an odd `k` are zero.
    pairs: Vec<u32>,
}

impl Bf16Matrix {
    /// The matrix whose rows are the rows of `parts` in order (several projections fused into
    /// one), each part `k` values wide, rounded to bf16.
    pub(crate) fn from_parts(parts: &[RowsToRound], k: usize) -> Self {
        let width = k.div_ceil(2);
        let rows = fused_rows(parts.iter().map(|part| part.count(k)));
        let n = rows.len();
        let mut pairs = vec![0u32; n.div_ceil(PANEL) * width * PANEL];
        pairs
            .par_chunks_mut((width * PANEL).max(1))
            .enumerate()
            .for_each_init(
                || vec![0.0f32; k],
                |row, (panel, out)| {
                    for lane in 0..PANEL.min(n - panel * PANEL) {
                        let (p, r) = rows[panel * PANEL + lane];
                        parts[p].row_into(r, row);
                        for c in 0..width {
                            out[c * PANEL + lane] = pair_at(row, c);
                        }
                    }
                },
            );
        Self { n, k, pairs }
    }

    /// Output features.
    pub(crate) fn out_features(&self) -> usize {
        self.n
    }

    /// Input features.
    pub(crate) fn in_features(&self) -> usize {
        self.k
    }

    /// The pairs of panel `panel`, `[k.div_ceil(2)][PANEL]`.
    pub(crate) fn panel(&self, panel: usize) -> &[u32] {
        let len = self.k.div_ceil(2) * PANEL;
        &self.pairs[panel * len..(panel + 1) * len]
    }

    /// Row `row` of the weight (output feature `row`, all inputs) into `out` (`k` values), as
    /// the f32 values of its bf16 weights.
    pub(crate) fn row_into(&self, row: usize, out: &mut [f32]) {
        let (panel, lane) = (self.panel(row / PANEL), row % PANEL);
        for (c, o) in out.iter_mut().enumerate() {
            let pair = panel[c / 2 * PANEL + lane];
            *o = widen((pair >> (16 * (c % 2))) as u16);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::bf16_kernel::round;

    #[test]
    fn rows_come_back_rounded_to_bf16() {
        // 40 + 30 rows of an odd width: a ragged last panel and a padded last pair.
        let k = 9;
        let values: Vec<f32> = (0..70 * k).map(|i| (i % 97) as f32 / 7.0 - 6.0).collect();
        let (first, second) = values.split_at(40 * k);
        let parts = [
            RowsToRound::Values(first.to_vec()),
            RowsToRound::Values(second.to_vec()),
        ];
        let m = Bf16Matrix::from_parts(&parts, k);
        assert_eq!((m.out_features(), m.in_features()), (70, k));
        let mut row = vec![f32::NAN; k];
        for r in 0..70 {
            m.row_into(r, &mut row);
            let want: Vec<f32> = values[r * k..(r + 1) * k]
                .iter()
                .map(|&v| widen(round(v)))
                .collect();
            assert_eq!(row, want, "row {r}");
        }
        // Past the last feature, and past the last input, the panel is zero.
        assert!(
            m.panel(2)
                .chunks_exact(PANEL)
                .all(|c| c[6..].iter().all(|&p| p == 0))
        );
        assert!(m.panel(0)[4 * PANEL..].iter().all(|&p| p >> 16 == 0));
    }
}
