//! `x·Wᵀ` for many rows of `x` through OpenBLAS's `cblas_sgemm`, about three times as fast as
//! burn-flex's GEMM on AVX-512 CPUs. The system's OpenBLAS (Debian/Ubuntu: `libopenblas0`) is
//! loaded at run time; without it (or with `BABELBENCH_OPENBLAS=off`) products go through
//! burn's GEMM. OpenBLAS is kept single-threaded (its idle threads spin and would take the
//! cores from the rayon work between products); the output columns are split into two blocks
//! per thread, one sgemm call each, on rayon's threads. Every output value is a dot product over
//! the whole of `k` in one call, and no call is small enough for OpenBLAS's small-matrix kernel,
//! so the result depends neither on the number of threads or blocks nor on the other rows.

use std::cell::RefCell;
use std::ffi::{CStr, c_char};
use std::sync::OnceLock;

use libloading::Library;
use rayon::prelude::*;

use crate::error::ForwardError;
use crate::layers::host::SharedOut;
use crate::layers::quant_matrix::{PANEL, QuantMatrix};

/// Multiply-adds below which the product runs as one call on the calling thread.
const PARALLEL_MIN_WORK: usize = 1 << 20;

/// OpenBLAS's AVX-512 builds send sgemm calls of at most this many multiply-adds (m·n·k) to a
/// "small matrix" kernel that sums in another order than the blocked one, so a row's result
/// would depend on how many rows share its call. Calls are padded with zero rows above it.
const SMALL_KERNEL_MAX_WORK: usize = 1_000_000;

/// Widest column block of a quantized weight expanded to f32 for one call (5 MiB at k = 640).
const MAX_EXPANDED_COLUMNS: usize = 2048;

const CBLAS_ROW_MAJOR: i32 = 101;
const CBLAS_NO_TRANS: i32 = 111;
const CBLAS_TRANS: i32 = 112;

/// File names tried, in order.
const LIBRARY_NAMES: [&str; 2] = ["libopenblas.so.0", "libopenblas.so"];

type Sgemm = unsafe extern "C" fn(
    i32,
    i32,
    i32,
    i32,
    i32,
    i32,
    f32,
    *const f32,
    i32,
    *const f32,
    i32,
    f32,
    *mut f32,
    i32,
);

/// The loaded library, its sgemm and the kernel core it runs.
struct OpenBlas {
    sgemm: Sgemm,
    /// What `openblas_get_corename` said at load, say "SkylakeX".
    core: String,
    /// Keeps `sgemm` loaded.
    _library: Library,
}

static OPENBLAS: OnceLock<Option<OpenBlas>> = OnceLock::new();

/// Loads OpenBLAS if it is installed and not switched off; returns the kernel core it uses
/// (say "SkylakeX"), or `None` when products go through burn's GEMM. Call it before the first
/// product, while no other thread reads the environment (it may set `OPENBLAS_CORETYPE`).
pub(crate) fn init() -> Option<String> {
    OPENBLAS
        .get_or_init(load)
        .as_ref()
        .map(|blas| blas.core.clone())
}

/// Whether products of many rows go through OpenBLAS (loading it on first call).
pub(crate) fn loaded() -> bool {
    OPENBLAS.get_or_init(load).is_some()
}

fn load() -> Option<OpenBlas> {
    if std::env::var("BABELBENCH_OPENBLAS").is_ok_and(|v| v == "off" || v == "0") {
        return None;
    }
    // OpenBLAS builds for many CPUs pick their kernels when loaded, and older ones take a
    // recent AVX-512 CPU for a Pentium 4 ("Prescott", 6× slower); name the core unless the
    // user did.
    if std::env::var_os("OPENBLAS_CORETYPE").is_none()
        && let Some(core) = core_for_this_cpu()
    {
        // SAFETY: called from `init`, before the library loads and while no other thread
        // reads or writes the environment.
        unsafe { std::env::set_var("OPENBLAS_CORETYPE", core) };
    }
    let library = LIBRARY_NAMES.iter().find_map(|name| {
        // SAFETY: loading OpenBLAS runs its initialisers, which only set up its own state.
        unsafe { Library::new(name) }.ok()
    })?;
    // SAFETY: the symbols have these C signatures in every OpenBLAS release, and
    // `openblas_get_corename` returns a static NUL-terminated string.
    let (sgemm, set_threads, core) = unsafe {
        let sgemm: Sgemm = *library.get::<Sgemm>(b"cblas_sgemm\0").ok()?;
        let set_threads: unsafe extern "C" fn(i32) =
            *library.get(b"openblas_set_num_threads\0").ok()?;
        let core_name: unsafe extern "C" fn() -> *const c_char =
            *library.get(b"openblas_get_corename\0").ok()?;
        let name = core_name();
        let core = if name.is_null() {
            String::from("unknown")
        } else {
            CStr::from_ptr(name).to_string_lossy().into_owned()
        };
        (sgemm, set_threads, core)
    };
    // SAFETY: sets OpenBLAS's own thread count, before any product.
    unsafe { set_threads(1) };
    Some(OpenBlas {
        sgemm,
        core,
        _library: library,
    })
}

/// The OpenBLAS kernel core for this CPU: "SkylakeX" with AVX-512, "Haswell" with AVX2 and FMA.
fn core_for_this_cpu() -> Option<&'static str> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx512f") && has!("avx512bw") && has!("avx512dq") && has!("avx512vl") {
            return Some("SkylakeX");
        }
        if has!("avx2") && has!("fma") {
            return Some("Haswell");
        }
    }
    None
}

/// The weight of a product through OpenBLAS.
#[derive(Clone, Copy)]
pub(crate) enum BlasWeight<'a> {
    /// Row-major `[n, k]` f32 values.
    OutIn(&'a [f32]),
    /// Grouped 8-bit quants, expanded to f32 one column block at a time (into a buffer kept
    /// by each thread) right before the block's call.
    Quantized(&'a QuantMatrix),
}

thread_local! {
    /// The expanded column block of a quantized weight.
    static EXPANDED: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// `x` (`[rows, k]`) times the transpose of `weight` (`[n, k]`), plus `bias` (`[n]`) when
/// given; returns `[rows, n]`, or an error when OpenBLAS is not loaded or a dimension does not
/// fit its 32-bit integers.
pub(crate) fn matmul_transposed(
    x: &[f32],
    rows: usize,
    weight: BlasWeight<'_>,
    n: usize,
    bias: Option<&[f32]>,
) -> Result<Vec<f32>, ForwardError> {
    let k = x.len() / rows.max(1);
    let mut width = if rows * n * k < PARALLEL_MIN_WORK {
        n
    } else {
        // Two blocks per thread, whole registers wide.
        n.div_ceil(2 * rayon::current_num_threads())
            .next_multiple_of(16)
    };
    if let BlasWeight::Quantized(_) = weight {
        width = width.next_multiple_of(PANEL).min(MAX_EXPANDED_COLUMNS);
    }
    product(x, rows, weight, n, bias, width)
}

/// [`matmul_transposed`] with the columns split into blocks of `width` (the last one narrower;
/// a multiple of [`PANEL`] for a quantized weight unless it spans all columns).
fn product(
    x: &[f32],
    rows: usize,
    weight: BlasWeight<'_>,
    n: usize,
    bias: Option<&[f32]>,
    width: usize,
) -> Result<Vec<f32>, ForwardError> {
    let sgemm = OPENBLAS
        .get_or_init(load)
        .as_ref()
        .ok_or_else(|| ForwardError::Backend("OpenBLAS is not loaded".into()))?
        .sgemm;
    if rows == 0 || n == 0 {
        return Ok(Vec::new());
    }
    let k = x.len() / rows;
    // Zero rows that lift the narrowest call above the small-matrix kernel's bound.
    let narrowest = match n % width {
        0 => width.min(n),
        rest => rest,
    };
    let padded_rows = rows.max(SMALL_KERNEL_MAX_WORK / (narrowest * k).max(1) + 1);
    let padded;
    let x = if padded_rows > rows {
        padded = [x, &vec![0.0f32; (padded_rows - rows) * k]].concat();
        &padded[..]
    } else {
        x
    };
    let too_large = || {
        ForwardError::Backend(format!(
            "a {rows} × {k} by {k} × {n} product does not fit BLAS's 32-bit sizes; use a \
             smaller batch"
        ))
    };
    let to_i32 = |v: usize| i32::try_from(v).map_err(|_| too_large());
    let (m32, n32, k32) = (to_i32(padded_rows)?, to_i32(n)?, to_i32(k)?);
    to_i32(width.next_multiple_of(PANEL))?;
    let mut out = vec![0.0f32; padded_rows * n];
    let target = SharedOut::new(&mut out);
    // The columns `first ..` of every row of `out`, from `columns` columns of the weight laid
    // out as `transpose` says at `weight` with leading dimension `ld`.
    let call = |first: usize, columns: i32, transpose: i32, weight: *const f32, ld: i32| {
        // SAFETY: `x` holds `padded_rows × k` values; the callers pass a weight block with
        // `columns` columns of `k` values each at leading dimension `ld`; the call writes those
        // columns of every row of `out` (`padded_rows × n`, leading dimension `n`), and no two
        // blocks share a column, so the concurrent writes never overlap.
        unsafe {
            sgemm(
                CBLAS_ROW_MAJOR,
                CBLAS_NO_TRANS,
                transpose,
                m32,
                columns,
                k32,
                1.0,
                x.as_ptr(),
                k32,
                weight,
                ld,
                0.0,
                target.at(first),
                n32,
            );
        }
    };
    let block = |first: usize| {
        let columns = width.min(n - first) as i32;
        match weight {
            // Rows `first .. first + columns` of the `[n, k]` weight, transposed.
            BlasWeight::OutIn(weight) => {
                let rows = &weight[first * k..(first + columns as usize) * k];
                call(first, columns, CBLAS_TRANS, rows.as_ptr(), k32);
            }
            // The block expanded to `[k, panels · PANEL]` (whose width fits i32, checked
            // above), of which the call reads the first `columns` of each row.
            BlasWeight::Quantized(matrix) => EXPANDED.with_borrow_mut(|expanded| {
                let panels = (columns as usize).div_ceil(PANEL);
                expanded.resize(k * panels * PANEL, 0.0);
                matrix.expand_panels(first / PANEL, panels, expanded);
                let ld = (panels * PANEL) as i32;
                call(first, columns, CBLAS_NO_TRANS, expanded.as_ptr(), ld);
            }),
        }
    };
    let starts: Vec<usize> = (0..n).step_by(width.max(1)).collect();
    if starts.len() == 1 {
        block(0);
    } else {
        starts.into_par_iter().for_each(block);
    }
    out.truncate(rows * n);
    if let Some(bias) = bias {
        for row in out.chunks_exact_mut(n) {
            row.iter_mut().zip(bias).for_each(|(o, b)| *o += b);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether OpenBLAS is there to test; outside CI a machine without it skips these tests
    /// (with a note), in CI (`CI` set) that is a failure.
    fn installed() -> bool {
        let core = init();
        if core.is_none() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must install OpenBLAS (apt-get install libopenblas0)"
            );
            eprintln!("OpenBLAS is not installed; skipping");
        }
        core.is_some()
    }

    fn naive(x: &[f32], rows: usize, w: &[f32], n: usize, bias: &[f32]) -> Vec<f32> {
        let k = x.len() / rows;
        let mut out = vec![0.0; rows * n];
        for r in 0..rows {
            for j in 0..n {
                out[r * n + j] = (0..k).map(|i| x[r * k + i] * w[j * k + i]).sum::<f32>() + bias[j];
            }
        }
        out
    }

    #[test]
    fn matches_naive_product_split_or_whole() {
        if !installed() {
            return;
        }
        // 40 × 300 × 70 runs as one call; 40 × 300 × 700 splits into column blocks.
        for n in [70, 700] {
            let (rows, k) = (40, 300);
            let x: Vec<f32> = (0..rows * k)
                .map(|i| ((i * 7 % 13) as f32 - 6.0) / 8.0)
                .collect();
            let w: Vec<f32> = (0..n * k)
                .map(|i| ((i * 5 % 11) as f32 - 5.0) / 4.0)
                .collect();
            let bias: Vec<f32> = (0..n).map(|j| j as f32 / 10.0).collect();
            let got = matmul_transposed(&x, rows, BlasWeight::OutIn(&w), n, Some(&bias))
                .expect("OpenBLAS product");
            let expected = naive(&x, rows, &w, n, &bias);
            for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
                assert!((g - e).abs() < 1e-3 * e.abs().max(1.0), "{i}: {g} vs {e}");
            }
        }
    }

    #[test]
    fn a_row_does_not_depend_on_the_other_rows() {
        if !installed() {
            return;
        }
        let (k, n) = (256, 1024);
        let x: Vec<f32> = (0..64 * k)
            .map(|i| ((i * 7 % 29) as f32 - 14.0) / 9.0)
            .collect();
        let w: Vec<f32> = (0..n * k)
            .map(|i| ((i * 3 % 17) as f32 - 8.0) / 5.0)
            .collect();
        let all =
            matmul_transposed(&x, 64, BlasWeight::OutIn(&w), n, None).expect("OpenBLAS product");
        for (first, rows) in [(5, 20), (0, 17), (40, 1)] {
            let some = matmul_transposed(
                &x[first * k..(first + rows) * k],
                rows,
                BlasWeight::OutIn(&w),
                n,
                None,
            )
            .expect("OpenBLAS product");
            assert_eq!(some, all[first * n..(first + rows) * n], "{rows} rows");
        }
        // A narrow layer (64 → 48, as in the tiny test models) in small and large batches.
        let (k, n) = (64, 48);
        let x: Vec<f32> = (0..300 * k)
            .map(|i| ((i * 5 % 23) as f32 - 11.0) / 7.0)
            .collect();
        let all = matmul_transposed(&x, 300, BlasWeight::OutIn(&w[..n * k]), n, None)
            .expect("OpenBLAS product");
        let some = matmul_transposed(&x[..17 * k], 17, BlasWeight::OutIn(&w[..n * k]), n, None)
            .expect("OpenBLAS product");
        assert_eq!(some, all[..17 * n]);
    }

    #[test]
    fn the_column_blocks_do_not_change_the_result() {
        if !installed() {
            return;
        }
        // 17 × 64 × 200 and 33 × 24 × 200 blocks would take the small-matrix kernel unpadded.
        let (rows, k, n) = (33, 200, 1000);
        let x: Vec<f32> = (0..rows * k)
            .map(|i| ((i * 7 % 29) as f32 - 14.0) / 9.0)
            .collect();
        let w: Vec<f32> = (0..n * k)
            .map(|i| ((i * 3 % 17) as f32 - 8.0) / 5.0)
            .collect();
        let whole = product(&x, rows, BlasWeight::OutIn(&w), n, None, n).expect("OpenBLAS product");
        for width in [16, 64, 112, 256, 488, 999] {
            let split =
                product(&x, rows, BlasWeight::OutIn(&w), n, None, width).expect("OpenBLAS product");
            assert_eq!(split, whole, "blocks of {width} columns");
        }
    }

    #[test]
    fn a_quantized_weight_gives_the_bits_of_its_dequantized_copy() {
        if !installed() {
            return;
        }
        use crate::layers::quant_matrix::tests::part;
        // 200 outputs: a ragged last panel; 96 rows and 256 inputs split the columns.
        let parts = vec![part(136, 256, 32, true), part(64, 256, 16, false)];
        let dense: Vec<f32> = parts.iter().flat_map(|p| p.to_f32()).collect();
        let matrix = QuantMatrix::from_parts(parts);
        let (rows, k, n) = (96, 256, 200);
        let x: Vec<f32> = (0..rows * k)
            .map(|i| ((i * 7 % 29) as f32 - 14.0) / 9.0)
            .collect();
        let bias: Vec<f32> = (0..n).map(|j| j as f32 / 10.0).collect();
        let want = product(&x, rows, BlasWeight::OutIn(&dense), n, Some(&bias), n).unwrap();
        for width in [n, 32, 64, 160] {
            let got = product(
                &x,
                rows,
                BlasWeight::Quantized(&matrix),
                n,
                Some(&bias),
                width,
            )
            .expect("OpenBLAS product");
            assert_eq!(got, want, "blocks of {width} columns");
        }
    }
}
