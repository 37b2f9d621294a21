//! A dense weight on the CPU backend, packed once at load into the panels the panel GEMM reads
//! (`[panel][input][PANEL]`, the layout of [`QuantMatrix`](crate::cpu::quant_matrix)), in
//! its checkpoint's precision: f32, or bf16/f16 kept as 16-bit values (half the memory, half
//! the bytes streamed per decoding step) and widened exactly inside the kernel. Every product,
//! whatever its number of rows, reads these panels and sums each output as one chain of fused
//! multiply-adds in input order ([`crate::cpu::panel_kernel`]).

use half::{bf16, f16};

use crate::cpu::panel_kernel::PanelValues;
use crate::cpu::quant_matrix::{PANEL, fused_rows, to_panels};
use crate::weights::HalfFormat;

/// Row-major `[rows, k]` values of one checkpoint matrix, as stored.
#[derive(Debug)]
pub(crate) enum DenseRows {
    /// f32 values.
    F32(Vec<f32>),
    /// 16-bit values as their bit patterns.
    Half(HalfFormat, Vec<u16>),
}

impl DenseRows {
    /// Stored values.
    fn len(&self) -> usize {
        match self {
            Self::F32(v) => v.len(),
            Self::Half(_, v) => v.len(),
        }
    }

    /// The values as f32 (exact).
    fn into_f32(self) -> Vec<f32> {
        match self {
            Self::F32(v) => v,
            Self::Half(HalfFormat::Bf16, v) => {
                v.into_iter().map(|b| bf16::from_bits(b).to_f32()).collect()
            }
            Self::Half(HalfFormat::F16, v) => {
                v.into_iter().map(|b| f16::from_bits(b).to_f32()).collect()
            }
        }
    }
}

/// The packed values.
#[derive(Debug)]
enum Panels {
    /// f32 values.
    F32(Vec<f32>),
    /// 16-bit bit patterns of `format`.
    Half(HalfFormat, Vec<u16>),
}

/// An `[out, in]` weight in panels (see the module docs).
#[derive(Debug)]
pub(crate) struct DenseMatrix {
    /// Output features.
    n: usize,
    /// Input features.
    k: usize,
    /// `[panel][k][PANEL]`; output features past `n`, up to a whole panel, are zero.
    values: Panels,
}

impl DenseMatrix {
    /// The matrix whose rows are the rows of `parts` in order (several projections fused into
    /// one), each part `k` values wide. The parts stay 16-bit when all of them are stored in
    /// the same 16-bit format, and are widened to f32 otherwise.
    pub(crate) fn from_parts(parts: Vec<DenseRows>, k: usize) -> Self {
        let n = if k == 0 {
            0
        } else {
            parts.iter().map(|p| p.len() / k).sum()
        };
        let common = match parts.first() {
            Some(DenseRows::Half(format, _))
                if parts
                    .iter()
                    .all(|p| matches!(p, DenseRows::Half(f, _) if f == format)) =>
            {
                Some(*format)
            }
            _ => None,
        };
        let values = match common {
            Some(format) => {
                let parts: Vec<Vec<u16>> = parts
                    .into_iter()
                    .filter_map(|p| match p {
                        DenseRows::Half(_, v) => Some(v),
                        DenseRows::F32(_) => None,
                    })
                    .collect();
                Panels::Half(format, pack(&parts, n, k))
            }
            None => {
                let parts: Vec<Vec<f32>> = parts.into_iter().map(DenseRows::into_f32).collect();
                Panels::F32(pack(&parts, n, k))
            }
        };
        Self { n, k, values }
    }

    /// Output features.
    pub(crate) fn out_features(&self) -> usize {
        self.n
    }

    /// Input features.
    pub(crate) fn in_features(&self) -> usize {
        self.k
    }

    /// The values of panel `panel`, `[k][PANEL]`.
    pub(crate) fn panel(&self, panel: usize) -> PanelValues<'_> {
        let range = panel * self.k * PANEL..(panel + 1) * self.k * PANEL;
        match &self.values {
            Panels::F32(v) => PanelValues::F32(&v[range]),
            Panels::Half(HalfFormat::Bf16, v) => PanelValues::Bf16(&v[range]),
            Panels::Half(HalfFormat::F16, v) => PanelValues::F16(&v[range]),
        }
    }

    /// Row `row` of the weight (output feature `row`, all inputs) into `out` (`k` values), as
    /// f32.
    pub(crate) fn row_into(&self, row: usize, out: &mut [f32]) {
        let (panel, lane) = (self.panel(row / PANEL), row % PANEL);
        for (c, o) in out.iter_mut().enumerate() {
            *o = panel.get(c * PANEL + lane);
        }
    }
}

/// The rows of `parts` (each `k` values wide, `n` rows in all) in panels.
fn pack<T: Copy + Default + Send + Sync>(parts: &[Vec<T>], n: usize, k: usize) -> Vec<T> {
    let rows = fused_rows(parts.iter().map(|part| part.len() / k.max(1)));
    to_panels(n, k, |i| {
        let (p, r) = rows[i];
        Some(&parts[p][r * k..(r + 1) * k])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_from_the_panels_in_every_precision() {
        // 40 + 30 rows: a ragged last panel; values every format holds exactly.
        let k = 9;
        let values: Vec<f32> = (0..70 * k).map(|i| (i % 97) as f32 / 8.0 - 6.0).collect();
        let (first, second) = values.split_at(40 * k);
        let bits = |format: HalfFormat, v: &[f32]| -> DenseRows {
            let bits = v
                .iter()
                .map(|&x| match format {
                    HalfFormat::Bf16 => bf16::from_f32(x).to_bits(),
                    HalfFormat::F16 => f16::from_f32(x).to_bits(),
                })
                .collect();
            DenseRows::Half(format, bits)
        };
        let cases = [
            vec![
                DenseRows::F32(first.to_vec()),
                DenseRows::F32(second.to_vec()),
            ],
            vec![
                bits(HalfFormat::Bf16, first),
                bits(HalfFormat::Bf16, second),
            ],
            vec![bits(HalfFormat::F16, first), bits(HalfFormat::F16, second)],
            // Mixed formats widen to f32.
            vec![bits(HalfFormat::Bf16, first), bits(HalfFormat::F16, second)],
        ];
        for (case, parts) in cases.into_iter().enumerate() {
            let m = DenseMatrix::from_parts(parts, k);
            assert_eq!((m.out_features(), m.in_features()), (70, k));
            assert_eq!(
                matches!(m.values, Panels::F32(_)),
                case == 0 || case == 3,
                "case {case}"
            );
            let mut row = vec![f32::NAN; k];
            for r in 0..70 {
                m.row_into(r, &mut row);
                assert_eq!(row, values[r * k..(r + 1) * k], "case {case} row {r}");
            }
            // Past the last feature the panel is zero.
            let last = m.panel(2);
            assert!((0..k).all(|c| (6..PANEL).all(|lane| last.get(c * PANEL + lane) == 0.0)));
        }
    }
}
