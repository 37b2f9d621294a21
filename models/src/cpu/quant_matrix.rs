//! A quantized weight kept in memory as grouped 8-bit quants ([`GroupedQuants`]) instead of
//! f32: a quarter of the bytes to stream per decoding step, and values expanded in registers
//! exactly as the dequantization computes them, so every product uses the same f32 weights a
//! dequantized copy would hold.
//!
//! The layout is in panels of [`PANEL`] output features: for each panel, the quants of all
//! inputs in order, 32 bytes (one per output feature) per input; then one scale (and offset)
//! per output feature per group of inputs. A kernel expands one input's 32 weights into two
//! registers and multiplies them into up to eight input rows at once, so the sums need no
//! horizontal reduction, and each output is summed in input order whatever the number of rows
//! (products go through [`crate::cpu::panel_gemm`]). Dense weights use the same layout
//! ([`crate::cpu::dense_matrix`]).

use rayon::prelude::*;

use crate::cpu::quant_kernel::Panel;
use crate::quantized::{GroupedQuants, expand};

/// Output features per panel: two 512-bit registers of f32, so that each broadcast input
/// feeds two independent multiply-adds.
pub(crate) const PANEL: usize = 32;

/// An `[out, in]` weight as grouped 8-bit quants in panels (see the module docs).
#[derive(Debug)]
pub(crate) struct QuantMatrix {
    /// Output features.
    n: usize,
    /// Input features.
    k: usize,
    /// Inputs per scale; divides `k`.
    group: usize,
    /// `[panel][input][PANEL]`.
    quants: Vec<i8>,
    /// `[panel][input / group][PANEL]`.
    scales: Vec<f32>,
    /// As `scales`; `None` when every offset is zero.
    offsets: Option<Vec<f32>>,
}

impl QuantMatrix {
    /// The matrix whose rows are the rows of `parts` in order (several projections fused into
    /// one); every part has the same number of columns. Output features past the last row,
    /// up to a whole panel, are zero.
    pub(crate) fn from_parts(parts: Vec<GroupedQuants>) -> Self {
        let k = parts.first().map_or(0, |p| p.cols);
        assert!(
            parts.iter().all(|p| p.cols == k),
            "fused parts differ in width"
        );
        let group = parts.iter().map(|p| p.group).fold(0, gcd).max(1);
        let parts: Vec<GroupedQuants> = parts.into_iter().map(|p| p.regrouped(group)).collect();
        let has_offsets = parts.iter().any(|p| p.offsets.is_some());
        let n: usize = parts.iter().map(|p| p.rows).sum();
        let groups = k / group;
        let rows = fused_rows(parts.iter().map(|part| part.rows));
        let (quants, scales, offsets) = (
            to_panels(n, k, |i| {
                let (p, r) = rows[i];
                Some(&parts[p].quants[r * k..(r + 1) * k])
            }),
            to_panels(n, groups, |i| {
                let (p, r) = rows[i];
                Some(&parts[p].scales[r * groups..(r + 1) * groups])
            }),
            has_offsets.then(|| {
                to_panels(n, groups, |i| {
                    let (p, r) = rows[i];
                    let offsets = parts[p].offsets.as_ref()?;
                    Some(&offsets[r * groups..(r + 1) * groups])
                })
            }),
        );
        Self {
            n,
            k,
            group,
            quants,
            scales,
            offsets,
        }
    }

    /// Output features.
    pub(crate) fn out_features(&self) -> usize {
        self.n
    }

    /// Input features.
    pub(crate) fn in_features(&self) -> usize {
        self.k
    }

    /// The operands of panel `panel`.
    pub(crate) fn panel(&self, panel: usize) -> Panel<'_> {
        let groups = self.k / self.group;
        let scales = panel * groups * PANEL..(panel + 1) * groups * PANEL;
        Panel {
            k: self.k,
            group: self.group,
            quants: &self.quants[panel * self.k * PANEL..(panel + 1) * self.k * PANEL],
            scales: &self.scales[scales.clone()],
            offsets: self.offsets.as_ref().map(|o| &o[scales]),
        }
    }

    /// Row `row` of the weight (output feature `row`, all inputs) into `out` (`k` values).
    pub(crate) fn row_into(&self, row: usize, out: &mut [f32]) {
        let (panel, lane) = (row / PANEL, row % PANEL);
        let p = self.panel(panel);
        for (c, o) in out.iter_mut().enumerate() {
            let g = c / self.group * PANEL + lane;
            *o = expand(
                p.quants[c * PANEL + lane],
                p.scales[g],
                p.offsets.map(|o| o[g]),
            );
        }
    }
}

/// Row `i` of a matrix fused from parts of `counts` rows each: its part and its row within the
/// part.
pub(crate) fn fused_rows(counts: impl Iterator<Item = usize>) -> Vec<(usize, usize)> {
    counts
        .enumerate()
        .flat_map(|(p, count)| (0..count).map(move |r| (p, r)))
        .collect()
}

/// `width` values per output feature laid out in panels, `[panel][width][PANEL]`: the values
/// of feature `i` (`row(i)`, zeros for `None` and past the last of the `n` features) go to lane
/// `i % PANEL` of panel `i / PANEL`.
pub(crate) fn to_panels<'a, T: Copy + Default + Send + Sync + 'a>(
    n: usize,
    width: usize,
    row: impl Fn(usize) -> Option<&'a [T]> + Sync,
) -> Vec<T> {
    let mut out = vec![T::default(); n.div_ceil(PANEL) * width * PANEL];
    out.par_chunks_mut(width * PANEL)
        .enumerate()
        .for_each(|(panel, out)| {
            for lane in 0..PANEL.min(n - panel * PANEL) {
                if let Some(values) = row(panel * PANEL + lane) {
                    for (c, &v) in values.iter().enumerate() {
                        out[c * PANEL + lane] = v;
                    }
                }
            }
        });
    out
}

/// The greatest common divisor.
fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cpu::panel_gemm::PanelWeight;
    use crate::cpu::quant_kernel;

    /// A pseudo-random `rows × cols` part with groups of `group` and optional offsets.
    pub(crate) fn part(rows: usize, cols: usize, group: usize, offsets: bool) -> GroupedQuants {
        let mut state = (rows * 31 + cols * 7 + group) as u32;
        let mut next = move || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            state >> 8
        };
        let groups = rows * cols / group;
        GroupedQuants {
            rows,
            cols,
            group,
            quants: (0..rows * cols)
                .map(|_| (next() % 256) as u8 as i8)
                .collect(),
            scales: (0..groups).map(|_| (next() % 1000) as f32 / 3e4).collect(),
            offsets: offsets.then(|| {
                (0..groups)
                    .map(|_| (next() % 1000) as f32 / 7e3 - 0.07)
                    .collect()
            }),
        }
    }

    fn input(rows: usize, k: usize) -> Vec<f32> {
        (0..rows * k)
            .map(|i| ((i * 7919 % 263) as f32 - 131.0) / 97.0)
            .collect()
    }

    /// Three fused parts of mixed groups and offsets, 72 outputs (a ragged last panel).
    fn fused() -> (QuantMatrix, Vec<f32>) {
        let parts = vec![
            part(40, 64, 32, true),
            part(16, 64, 16, false),
            part(16, 64, 32, false),
        ];
        let dense: Vec<f32> = parts.iter().flat_map(GroupedQuants::to_f32).collect();
        (QuantMatrix::from_parts(parts), dense)
    }

    #[test]
    fn rows_and_expanded_panels_hold_the_dequantized_values() {
        let (m, dense) = fused();
        let k = m.in_features();
        assert_eq!((m.out_features(), k, m.group), (72, 64, 16));
        let mut row = vec![0.0; k];
        for r in 0..72 {
            m.row_into(r, &mut row);
            assert_eq!(row, dense[r * k..(r + 1) * k], "row {r}");
        }
        let mut expanded = vec![f32::NAN; k * 2 * PANEL];
        // Panels 1 and 2 side by side, each input's 64 weights in a row.
        quant_kernel::expand(&m.panel(1), &mut expanded, 2 * PANEL);
        quant_kernel::expand(&m.panel(2), &mut expanded[PANEL..], 2 * PANEL);
        for c in 0..k {
            for j in 0..2 * PANEL {
                let want = dense.get((PANEL + j) * k + c).copied().unwrap_or(0.0);
                assert_eq!(expanded[c * 2 * PANEL + j], want, "input {c}, column {j}");
            }
        }
    }

    #[test]
    fn products_match_the_dense_weight_and_ignore_other_rows() {
        let (m, dense) = fused();
        let (k, n) = (64, 72);
        let bias: Vec<f32> = (0..n).map(|j| j as f32 / 8.0).collect();
        let x = input(11, k);
        let product = |x: &[f32], rows| {
            crate::cpu::panel_gemm::matmul(x, rows, PanelWeight::Quantized(&m), n, Some(&bias))
        };
        let all = product(&x, 11);
        for r in 0..11 {
            for j in 0..n {
                let want: f64 = (0..k)
                    .map(|c| f64::from(x[r * k + c]) * f64::from(dense[j * k + c]))
                    .sum::<f64>()
                    + f64::from(bias[j]);
                let got = all[r * n + j];
                assert!(
                    (f64::from(got) - want).abs() < 1e-4,
                    "({r}, {j}): {got} vs {want}"
                );
            }
        }
        for rows in 1..11 {
            let some = product(&x[..rows * k], rows);
            assert_eq!(some, all[..rows * n], "{rows} rows");
        }
    }
}
