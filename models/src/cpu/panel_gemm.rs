//! `x·Wᵀ` on the host for any number of rows, every output summed as one chain of fused
//! multiply-adds in input order ([`panel_kernel::panel_sums`], [`quant_kernel::panel_sums`]). A row's result therefore depends only on that
//! row and the weight — not on the other rows of the batch, their number, the threads, the
//! blocking, or the CPU's vector width — which is what makes babelbench's results independent
//! of the batch size. (A BLAS library sums in an order that depends on where a row falls in
//! its tiles: OpenBLAS's Haswell and Zen kernels give a row other bits at another row index
//! modulo 12.)
//!
//! The weight is taken a panel of [`PANEL`] output features at a time, from panels packed at
//! load ([`DenseMatrix`], [`QuantMatrix`]). An f32 panel is read in place. For many rows a
//! 16-bit panel is widened into a buffer and a quantized one expanded into it (the f32 values a
//! dequantized copy holds), once per panel for all rows; for a few rows (decoding steps, small
//! LM-head calls) the kernels read the 16-bit values or the quants themselves, fewer bytes
//! summed in the same order, so the bits are the same either way. Every panel is streamed once,
//! all row blocks passing over it while it sits in cache. Rows go in blocks of up to twelve
//! (eight for the quantized kernel), interleaved once for all panels. Panels are spread over
//! rayon's threads. Under `--dtype bf16` ([`matmul_bf16`]) the panels hold bf16 pairs
//! ([`Bf16Matrix`]) and the rows are rounded to bf16 pairs as they are interleaved; the
//! driver is the same, each output one chain in input order ([`bf16_kernel`]).

use rayon::prelude::*;

use crate::cpu::amx_kernel;
use crate::cpu::bf16_kernel;
use crate::cpu::bf16_matrix::Bf16Matrix;
use crate::cpu::dense_matrix::DenseMatrix;
use crate::cpu::host::SharedOut;
use crate::cpu::panel_kernel::{self, MAX_ROWS, PanelValues};
use crate::cpu::quant_kernel;
use crate::cpu::quant_matrix::{PANEL, QuantMatrix};

/// Panels computed by one parallel task.
const PANELS_PER_TASK: usize = 2;

/// Most rows for which a 16-bit or quantized panel is read as stored rather than widened into
/// a buffer first.
const FEW_ROWS: usize = 16;

/// The weight of a product.
#[derive(Clone, Copy)]
pub(crate) enum PanelWeight<'a> {
    /// Dense values in panels.
    Dense(&'a DenseMatrix),
    /// Grouped 8-bit quants in panels.
    Quantized(&'a QuantMatrix),
}

/// How input rows are laid out for a kernel: f32 values, or bf16 pairs.
trait Interleaved: Sized + Send + Sync {
    /// `R` rows of `x` (`[R, k]`) interleaved for the kernel.
    fn interleave<const R: usize>(x: &[f32], k: usize) -> Vec<Self>;
}

impl Interleaved for f32 {
    fn interleave<const R: usize>(x: &[f32], k: usize) -> Vec<f32> {
        quant_kernel::interleave::<R>(x, k)
    }
}

impl Interleaved for u32 {
    fn interleave<const R: usize>(x: &[f32], k: usize) -> Vec<u32> {
        bf16_kernel::interleave::<R>(x, k)
    }
}

/// Input rows interleaved for one kernel call.
enum RowBlock<T> {
    Twelve(Vec<T>),
    Eight(Vec<T>),
    Four(Vec<T>),
    Two(Vec<T>),
    One(Vec<T>),
}

impl<T: Interleaved> RowBlock<T> {
    /// The blocks of all `rows` rows of `x` (`k` values each), each with its first row, at
    /// most `widest` rows a block.
    fn all(x: &[f32], rows: usize, k: usize, widest: usize) -> Vec<(usize, RowBlock<T>)> {
        let mut blocks = Vec::new();
        let mut r = 0;
        while r < rows {
            let x = &x[r * k..];
            let block = match (rows - r).min(widest) {
                MAX_ROWS.. => RowBlock::Twelve(T::interleave::<MAX_ROWS>(x, k)),
                8.. => RowBlock::Eight(T::interleave::<8>(x, k)),
                4.. => RowBlock::Four(T::interleave::<4>(x, k)),
                2 | 3 => RowBlock::Two(T::interleave::<2>(x, k)),
                _ => RowBlock::One(T::interleave::<1>(x, k)),
            };
            let taken = block.rows();
            blocks.push((r, block));
            r += taken;
        }
        blocks
    }

    fn rows(&self) -> usize {
        match self {
            RowBlock::Twelve(_) => MAX_ROWS,
            RowBlock::Eight(_) => 8,
            RowBlock::Four(_) => 4,
            RowBlock::Two(_) => 2,
            RowBlock::One(_) => 1,
        }
    }

    /// Hands `put` the first row and the sums of this block with `panel`.
    fn sums(&self, first: usize, panel: &impl PanelSums<T>, put: &mut Put<'_>) {
        match self {
            RowBlock::Twelve(x) => put(first, &panel.sums::<MAX_ROWS>(x)),
            RowBlock::Eight(x) => put(first, &panel.sums::<8>(x)),
            RowBlock::Four(x) => put(first, &panel.sums::<4>(x)),
            RowBlock::Two(x) => put(first, &panel.sums::<2>(x)),
            RowBlock::One(x) => put(first, &panel.sums::<1>(x)),
        }
    }
}

/// One panel's weights, as a kernel reads them with input rows laid out as `T`.
trait PanelSums<T> {
    /// The sums of `R` interleaved input rows with this panel.
    fn sums<const R: usize>(&self, x: &[T]) -> [[f32; PANEL]; R];
}

/// `x` (`[rows, k]`) times the transpose of `weight` (`[n, k]`), plus `bias` (`[n]`) when
/// given; returns `[rows, n]`.
pub(crate) fn matmul(
    x: &[f32],
    rows: usize,
    weight: PanelWeight<'_>,
    n: usize,
    bias: Option<&[f32]>,
) -> Vec<f32> {
    if rows == 0 || n == 0 {
        return vec![0.0f32; rows * n];
    }
    let k = x.len() / rows;
    // Whether the kernels read the panels as stored (f32 always; 16-bit values and quants
    // for a few rows) rather than from a buffer of f32.
    let direct = match weight {
        PanelWeight::Dense(matrix) => {
            rows <= FEW_ROWS || matches!(matrix.panel(0), PanelValues::F32(_))
        }
        PanelWeight::Quantized(_) => rows <= FEW_ROWS,
    };
    let widest = match weight {
        PanelWeight::Quantized(_) if direct => quant_kernel::MAX_ROWS,
        _ => MAX_ROWS,
    };
    let blocks = RowBlock::<f32>::all(x, rows, k, widest);
    let buffer = if direct { 0 } else { k * PANEL };
    by_panels(rows, n, bias, buffer, |panel, buffer, put| {
        let source = match weight {
            PanelWeight::Dense(matrix) if direct => Source::Values(matrix.panel(panel), k),
            PanelWeight::Quantized(matrix) if direct => Source::Quants(matrix.panel(panel)),
            PanelWeight::Dense(matrix) => {
                matrix.panel(panel).widen_into(buffer);
                Source::Values(PanelValues::F32(buffer), k)
            }
            PanelWeight::Quantized(matrix) => {
                quant_kernel::expand(&matrix.panel(panel), buffer, PANEL);
                Source::Values(PanelValues::F32(buffer), k)
            }
        };
        for (r, block) in &blocks {
            block.sums(*r, &source, put);
        }
    })
}

/// `x` (`[rows, k]`) rounded to bf16 times the transpose of `weight` (`[n, k]`), summed in
/// f32 ([`bf16_kernel`]), plus `bias` (`[n]`) when given; returns `[rows, n]`.
pub(crate) fn matmul_bf16(
    x: &[f32],
    rows: usize,
    weight: &Bf16Matrix,
    n: usize,
    bias: Option<&[f32]>,
) -> Vec<f32> {
    if rows == 0 || n == 0 {
        return vec![0.0f32; rows * n];
    }
    let k = x.len() / rows;
    if amx_kernel::usable() && k.is_multiple_of(amx_kernel::DEPTH) {
        let blocks: Vec<(usize, Vec<u16>)> = (0..rows)
            .step_by(amx_kernel::ROWS)
            .map(|r| {
                let taken = (rows - r).min(amx_kernel::ROWS);
                (r, amx_kernel::block(&x[r * k..], taken, k))
            })
            .collect();
        return by_panels(
            rows,
            n,
            bias,
            amx_kernel::ROWS * PANEL,
            |panel, buffer, put| {
                let (sums, _) = buffer.as_chunks_mut::<PANEL>();
                amx_kernel::panel_sums(weight.panel(panel), &blocks, k, sums, |r, sums| {
                    put(r, &sums[..(rows - r).min(amx_kernel::ROWS)]);
                });
            },
        );
    }
    let blocks = RowBlock::<u32>::all(x, rows, k, bf16_kernel::MAX_ROWS);
    by_panels(rows, n, bias, 0, |panel, _, put| {
        let source = Pairs(weight.panel(panel));
        for (r, block) in &blocks {
            block.sums(*r, &source, put);
        }
    })
}

/// Output sums of a block of rows: its first row and one array of sums per row.
type Put<'a> = dyn FnMut(usize, &[[f32; PANEL]]) + 'a;

/// The `[rows, n]` product plus `bias`, a task per [`PANELS_PER_TASK`] panels spread over
/// rayon's threads: `panel_sums(panel, buffer, put)` hands `put` the sums of every block of
/// rows with panel `panel` (`buffer`, `buffer_len` f32 per task, is free for it to use).
fn by_panels(
    rows: usize,
    n: usize,
    bias: Option<&[f32]>,
    buffer_len: usize,
    panel_sums: impl Fn(usize, &mut [f32], &mut Put<'_>) + Sync,
) -> Vec<f32> {
    let mut out = vec![0.0f32; rows * n];
    let target = SharedOut::new(&mut out);
    let panels = n.div_ceil(PANEL);
    (0..panels.div_ceil(PANELS_PER_TASK))
        .into_par_iter()
        .for_each_init(
            || vec![0.0f32; buffer_len],
            |buffer, task| {
                let first = task * PANELS_PER_TASK;
                for panel in first..(first + PANELS_PER_TASK).min(panels) {
                    let columns = panel * PANEL..((panel + 1) * PANEL).min(n);
                    let bias = bias.map(|b| &b[columns.clone()]);
                    let mut put = |r: usize, sums: &[[f32; PANEL]]| {
                        for (i, sums) in sums.iter().enumerate() {
                            // SAFETY: this task alone writes columns `columns` of every row of
                            // `out` (`rows × n`), which outlives the loop.
                            let row =
                                unsafe { target.slice((r + i) * n + columns.start, columns.len()) };
                            let sums = &sums[..row.len()];
                            match bias {
                                Some(bias) => {
                                    for ((o, &v), &b) in row.iter_mut().zip(sums).zip(bias) {
                                        *o = v + b;
                                    }
                                }
                                None => row.copy_from_slice(sums),
                            }
                        }
                    };
                    panel_sums(panel, buffer, &mut put);
                }
            },
        );
    out
}

/// Where one panel's f32-input weights come from.
enum Source<'a> {
    /// Values, `[k][PANEL]`, and `k`.
    Values(PanelValues<'a>, usize),
    /// The quants, for the quantized kernel.
    Quants(quant_kernel::Panel<'a>),
}

impl PanelSums<f32> for Source<'_> {
    fn sums<const R: usize>(&self, x: &[f32]) -> [[f32; PANEL]; R] {
        match self {
            Source::Values(values, k) => panel_kernel::panel_sums::<R>(*values, x, *k),
            Source::Quants(panel) => quant_kernel::panel_sums::<R>(panel, x),
        }
    }
}

/// One panel of bf16 pairs, `[k / 2][PANEL]`.
struct Pairs<'a>(&'a [u32]);

impl PanelSums<u32> for Pairs<'_> {
    fn sums<const R: usize>(&self, x: &[u32]) -> [[f32; PANEL]; R] {
        bf16_kernel::panel_sums::<R>(self.0, x)
    }
}

#[cfg(test)]
mod tests {
    use half::{bf16, f16};

    use super::*;
    use crate::cpu::dense_matrix::DenseRows;
    use crate::weights::HalfFormat;

    /// `w` (`[n, k]`, row-major) packed as f32.
    fn dense(w: &[f32], k: usize) -> DenseMatrix {
        DenseMatrix::from_parts(vec![DenseRows::F32(w.to_vec())], k)
    }

    fn operands(rows: usize, k: usize, n: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let x = (0..rows * k)
            .map(|i| ((i * 7 % 29) as f32 - 14.0) / 9.0)
            .collect();
        let w = (0..n * k)
            .map(|i| ((i * 3 % 17) as f32 - 8.0) / 5.0)
            .collect();
        let bias = (0..n).map(|j| j as f32 / 10.0).collect();
        (x, w, bias)
    }

    /// `f` on a rayon pool of `threads` threads.
    fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
            .install(f)
    }

    #[test]
    fn matches_the_naive_product() {
        // k = 45 and n = 70: ragged everywhere.
        let (rows, k, n) = (29, 45, 70);
        let (x, w, bias) = operands(rows, k, n);
        let got = matmul(&x, rows, PanelWeight::Dense(&dense(&w, k)), n, Some(&bias));
        for r in 0..rows {
            for j in 0..n {
                let want: f32 = (0..k).map(|i| x[r * k + i] * w[j * k + i]).sum::<f32>() + bias[j];
                let g = got[r * n + j];
                assert!(
                    (g - want).abs() < 1e-3 * want.abs().max(1.0),
                    "({r}, {j}): {g} vs {want}"
                );
            }
        }
    }

    #[test]
    fn a_row_gives_the_same_bits_at_any_place_in_any_batch_on_any_thread_count() {
        let (k, n) = (256, 200);
        let (x, w, bias) = operands(64, k, n);
        let w = dense(&w, k);
        let all = matmul(&x, 64, PanelWeight::Dense(&w), n, Some(&bias));
        for (first, rows) in [(5, 20), (0, 17), (40, 1), (13, 3), (1, 63)] {
            let some = matmul(
                &x[first * k..(first + rows) * k],
                rows,
                PanelWeight::Dense(&w),
                n,
                Some(&bias),
            );
            assert!(
                some == all[first * n..(first + rows) * n],
                "{rows} rows from row {first}"
            );
        }
        for threads in [1, 3] {
            let again = on_threads(threads, || {
                matmul(&x, 64, PanelWeight::Dense(&w), n, Some(&bias))
            });
            assert!(again == all, "{threads} threads");
        }
    }

    #[test]
    fn a_quantized_weight_gives_the_bits_of_the_quantized_kernel() {
        use crate::cpu::quant_matrix::tests::part;
        // 200 outputs: a ragged last panel.
        let parts = vec![part(136, 256, 32, true), part(64, 256, 16, false)];
        let values: Vec<f32> = parts.iter().flat_map(|p| p.to_f32()).collect();
        let matrix = QuantMatrix::from_parts(parts);
        let (rows, k, n) = (40, 256, 200);
        let (x, _, bias) = operands(rows, k, n);
        let panels = matmul(&x, rows, PanelWeight::Quantized(&matrix), n, Some(&bias));
        for few in [1, 7, 16] {
            let direct = matmul(
                &x[..few * k],
                few,
                PanelWeight::Quantized(&matrix),
                n,
                Some(&bias),
            );
            assert!(
                direct == panels[..few * n],
                "{few} rows through the quantized kernel"
            );
        }
        assert!(
            panels
                == matmul(
                    &x,
                    rows,
                    PanelWeight::Dense(&dense(&values, k)),
                    n,
                    Some(&bias)
                ),
            "dequantized copy"
        );
    }

    /// The product as one scalar chain of fused multiply-adds per output, in input order from
    /// zero, plus the bias: the order every kernel promises.
    fn fma_chain(x: &[f32], rows: usize, w: &[f32], n: usize, bias: &[f32]) -> Vec<f32> {
        let k = x.len() / rows;
        let mut out = Vec::with_capacity(rows * n);
        for r in 0..rows {
            for j in 0..n {
                let sum = (0..k).fold(0.0f32, |acc, c| x[r * k + c].mul_add(w[j * k + c], acc));
                out.push(sum + bias[j]);
            }
        }
        out
    }

    #[test]
    fn every_row_count_gives_the_bits_of_the_scalar_fma_chain_in_every_precision() {
        // k = 45 and n = 70: ragged panels; values bf16 and f16 hold exactly, so the three
        // precisions hold the same weights.
        let (k, n) = (45, 70);
        let (x, _, bias) = operands(40, k, n);
        let w: Vec<f32> = (0..n * k)
            .map(|i| ((i * 3 % 17) as f32 - 8.0) / 16.0)
            .collect();
        let half = |format: HalfFormat| {
            let bits = w
                .iter()
                .map(|&v| match format {
                    HalfFormat::Bf16 => bf16::from_f32(v).to_bits(),
                    HalfFormat::F16 => f16::from_f32(v).to_bits(),
                })
                .collect();
            DenseMatrix::from_parts(vec![DenseRows::Half(format, bits)], k)
        };
        let weights = [dense(&w, k), half(HalfFormat::Bf16), half(HalfFormat::F16)];
        let want = fma_chain(&x, 40, &w, n, &bias);
        for (p, weight) in weights.iter().enumerate() {
            for rows in [1, 3, 16, 17, 40] {
                let got = matmul(
                    &x[..rows * k],
                    rows,
                    PanelWeight::Dense(weight),
                    n,
                    Some(&bias),
                );
                let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&got),
                    bits(&want[..rows * n]),
                    "precision {p}, {rows} rows"
                );
            }
        }
    }

    /// Milliseconds of dense products in f32 and bf16 panels, median of a few calls, for
    /// BENCHMARKS.md: `cargo test --workspace -- --ignored --nocapture dense_product_timing`.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn dense_product_timing() {
        for (n, k) in [(640, 2048), (2048, 640), (262_144, 640)] {
            let w: Vec<f32> = (0..n * k)
                .map(|i| ((i * 3 % 17) as f32 - 8.0) / 64.0)
                .collect();
            let bits = w.iter().map(|&v| bf16::from_f32(v).to_bits()).collect();
            let weights = [
                ("f32", dense(&w, k)),
                (
                    "bf16",
                    DenseMatrix::from_parts(vec![DenseRows::Half(HalfFormat::Bf16, bits)], k),
                ),
            ];
            drop(w);
            for rows in [1, 4, 16, 64, 512] {
                let x: Vec<f32> = (0..rows * k).map(|i| (i % 13) as f32 / 13.0).collect();
                for (name, weight) in &weights {
                    let reps = if n * rows > 1 << 24 { 3 } else { 9 };
                    let mut times: Vec<f64> = (0..reps)
                        .map(|_| {
                            let start = std::time::Instant::now();
                            std::hint::black_box(matmul(
                                &x,
                                rows,
                                PanelWeight::Dense(weight),
                                n,
                                None,
                            ));
                            start.elapsed().as_secs_f64() * 1e3
                        })
                        .collect();
                    times.sort_by(f64::total_cmp);
                    println!("{n}x{k} {rows} rows {name}: {:.2} ms", times[reps / 2]);
                }
            }
        }
    }
}
