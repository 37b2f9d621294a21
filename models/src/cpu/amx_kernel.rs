//! `--dtype bf16` products on Intel AMX tiles (`tdpbf16ps`): a block of [`ROWS`] input rows,
//! rounded to bf16, against one panel of [`PANEL`] output features of a
//! [`crate::cpu::bf16_matrix::Bf16Matrix`], whose bf16 pairs are already the layout AMX
//! wants for its second operand. One tile multiply does 16 × 16 × 32 multiply-adds, eight times
//! what `vdpbf16ps` does per instruction on the same CPUs.
//!
//! How a tile multiply sums its 32 products into an f32 accumulator is the hardware's own (it
//! is not the pairwise chain of [`crate::cpu::bf16_kernel`], nor one rounding of the exact
//! sum; tests bound it against the exact sum). It does not depend on the other rows of the
//! tile, and every product of a weight on a given CPU takes this path, whatever its number of
//! rows, so results still do not depend on the batch; on CPUs without AMX they differ from
//! these in the last bits, as PyTorch's bf16 results do between CPUs.

use std::arch::asm;
use std::sync::OnceLock;

use crate::cpu::bf16_kernel::round;
use crate::cpu::quant_matrix::PANEL;

/// Input rows per block: two tiles of sixteen.
pub(crate) const ROWS: usize = 32;
/// Inputs per tile multiply: a tile row holds 64 bytes of bf16.
pub(crate) const DEPTH: usize = 32;

/// Whether this CPU and kernel run AMX tile multiplies for this process (asked once: Linux
/// grants a process the tile state on request).
pub(crate) fn usable() -> bool {
    static USABLE: OnceLock<bool> = OnceLock::new();
    *USABLE.get_or_init(|| cpu_has_amx_bf16() && request_tile_state())
}

/// CPUID leaf 7: AMX-BF16 (EDX bit 22) and AMX-TILE (EDX bit 24).
fn cpu_has_amx_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        let leaf = std::arch::x86_64::__cpuid_count(7, 0);
        leaf.edx & (1 << 22) != 0 && leaf.edx & (1 << 24) != 0
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Asks Linux for the AMX tile data state (`arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA)`);
/// false where the kernel refuses or is not Linux.
fn request_tile_state() -> bool {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    {
        const ARCH_REQ_XCOMP_PERM: libc::c_long = 0x1023;
        const XFEATURE_XTILEDATA: libc::c_long = 18;
        // SAFETY: arch_prctl with these arguments only changes which XSAVE features the
        // process may use; it reads and writes no memory of ours.
        let status = unsafe {
            libc::syscall(
                libc::SYS_arch_prctl,
                ARCH_REQ_XCOMP_PERM,
                XFEATURE_XTILEDATA,
            )
        };
        status == 0
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    {
        false
    }
}

/// bf16 values between the rows of a block beyond `k`, so that the sixteen rows a tile load
/// reads do not all fall into one set of the L1 cache when `k` is a multiple of 2048.
const ROW_PAD: usize = 32;

/// `rows` (at most [`ROWS`]) input rows of `x` (`[rows, k]`) rounded to bf16, row-major with
/// `k + ROW_PAD` values a row, with zero rows after them up to [`ROWS`]: the first operand of
/// [`panel_sums`].
pub(crate) fn block(x: &[f32], rows: usize, k: usize) -> Vec<u16> {
    let mut out = vec![0u16; ROWS * (k + ROW_PAD)];
    for (row, values) in out
        .chunks_exact_mut(k + ROW_PAD)
        .zip(x[..rows * k].chunks_exact(k))
    {
        for (o, &v) in row.iter_mut().zip(values) {
            *o = round(v);
        }
    }
    out
}

/// The tile configuration: palette 1, eight tiles of 16 rows × 64 bytes.
#[repr(C, align(64))]
struct TileConfig([u8; 64]);

impl TileConfig {
    fn new() -> Self {
        let mut bytes = [0u8; 64];
        bytes[0] = 1;
        for tile in 0..8 {
            bytes[16 + 2 * tile] = 64;
            bytes[48 + tile] = 16;
        }
        Self(bytes)
    }
}

/// The sums of every block of rows (each from [`block`], `[ROWS, k]` bf16, with its first row)
/// with the panel (`[k / 2][PANEL]` bf16 pairs), handed to `put` a block at a time as
/// `[ROWS][PANEL]` f32 in `sums`; the tiles are configured once for all blocks.
pub(crate) fn panel_sums(
    panel: &[u32],
    blocks: &[(usize, Vec<u16>)],
    k: usize,
    sums: &mut [[f32; PANEL]],
    mut put: impl FnMut(usize, &[[f32; PANEL]]),
) {
    assert!(usable(), "AMX products on a CPU or process without AMX");
    assert!(k.is_multiple_of(DEPTH) && panel.len() == k / 2 * PANEL && sums.len() == ROWS);
    assert!(blocks.iter().all(|(_, x)| x.len() == ROWS * (k + ROW_PAD)));
    let config = TileConfig::new();
    // SAFETY: AMX is usable in this process (asserted); this configures this thread's tiles,
    // which nothing else in the program uses.
    unsafe { asm!("ldtilecfg [{0}]", in(reg) config.0.as_ptr(), options(nostack, readonly)) };
    for (first, x) in blocks {
        // SAFETY: the tiles are configured above; the lengths of `x`, `panel` and `sums` are
        // asserted above, as `block_sums` requires.
        unsafe { block_sums(panel, x, k, sums) };
        put(*first, sums);
    }
    // SAFETY: releases this thread's tile state, configured above.
    unsafe { asm!("tilerelease", options(nostack, nomem)) };
}

/// The sums of the [`ROWS`] rows of `x` with the panel into `sums`.
///
/// # Safety
/// AMX is usable and this thread's tiles are configured as [`TileConfig`] says; `x` holds
/// `ROWS · (k + ROW_PAD)` bf16, `panel` `k / 2 · PANEL` pairs and `sums` [`ROWS`] rows, `k.is_multiple_of(DEPTH)`.
unsafe fn block_sums(panel: &[u32], x: &[u16], k: usize, sums: &mut [[f32; PANEL]]) {
    let (x_stride, panel_stride, out_stride) = ((k + ROW_PAD) * 2, PANEL * 4, PANEL * 4);
    // SAFETY: tiles 0-3 accumulate rows 0-15 and 16-31 by output features 0-15 and 16-31,
    // tiles 4-5 hold the two halves of the rows and tiles 6-7 the two halves of the panel;
    // nothing else in the program uses tile registers, so they keep their values from one asm
    // block to the next. Every load reads 16 rows of 64 bytes inside `x` (rows `16h .. 16h +
    // 16`, inputs `DEPTH·c .. + DEPTH`) or `panel` (pairs `16c .. 16c + 16`, features `16h ..
    // 16h + 16`), and the stores write the 32 × 32 f32 of `sums` (the caller's contract).
    unsafe {
        asm!(
            "tilezero tmm0",
            "tilezero tmm1",
            "tilezero tmm2",
            "tilezero tmm3",
            options(nostack, nomem),
        );
        for chunk in 0..k / DEPTH {
            let rows = x.as_ptr().add(chunk * DEPTH);
            let weights = panel.as_ptr().add(chunk * DEPTH / 2 * PANEL);
            asm!(
                "tileloadd tmm4, [{x0} + {xs}*1]",
                "tileloadd tmm5, [{x1} + {xs}*1]",
                "tileloadd tmm6, [{w0} + {ws}*1]",
                "tileloadd tmm7, [{w1} + {ws}*1]",
                "tdpbf16ps tmm0, tmm4, tmm6",
                "tdpbf16ps tmm1, tmm4, tmm7",
                "tdpbf16ps tmm2, tmm5, tmm6",
                "tdpbf16ps tmm3, tmm5, tmm7",
                x0 = in(reg) rows,
                x1 = in(reg) rows.add(16 * (k + ROW_PAD)),
                w0 = in(reg) weights,
                w1 = in(reg) weights.add(16),
                xs = in(reg) x_stride,
                ws = in(reg) panel_stride,
                options(nostack, readonly),
            );
        }
        let out = sums.as_mut_ptr().cast::<f32>();
        asm!(
            "tilestored [{c0} + {cs}*1], tmm0",
            "tilestored [{c1} + {cs}*1], tmm1",
            "tilestored [{c2} + {cs}*1], tmm2",
            "tilestored [{c3} + {cs}*1], tmm3",
            c0 = in(reg) out,
            c1 = in(reg) out.add(16),
            c2 = in(reg) out.add(16 * PANEL),
            c3 = in(reg) out.add(16 * PANEL + 16),
            cs = in(reg) out_stride,
            options(nostack),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::bf16_kernel::{pair_at, widen};

    /// Exact sums of the bf16-rounded rows and weights, in f64.
    fn exact(x: &[f32], w: &[f32], k: usize, r: usize, n: usize) -> f64 {
        (0..k)
            .map(|c| f64::from(widen(round(x[r * k + c]))) * f64::from(widen(round(w[n * k + c]))))
            .sum()
    }

    #[test]
    fn tile_sums_are_near_the_exact_sums_and_do_not_depend_on_the_other_rows() {
        if !usable() {
            eprintln!("skipped: this CPU or process has no AMX");
            return;
        }
        let k = 96;
        let value = |i: usize| ((i * 7919 % 263) as f32 - 131.0) / 97.0;
        let x: Vec<f32> = (0..ROWS * k).map(value).collect();
        let w: Vec<f32> = (0..PANEL * k).map(|i| value(i + 4099)).collect();
        let panel: Vec<u32> = (0..k / 2 * PANEL)
            .map(|i| pair_at(&w[(i % PANEL) * k..(i % PANEL + 1) * k], i / PANEL))
            .collect();
        let blocks = [
            (0, block(&x, ROWS, k)),
            (1, block(&x[20 * k..21 * k], 1, k)),
        ];
        let mut found = Vec::new();
        let mut buffer = [[f32::NAN; PANEL]; ROWS];
        panel_sums(&panel, &blocks, k, &mut buffer, |first, sums| {
            found.push((first, sums.to_vec()));
        });
        let (sums, alone) = (&found[0].1, &found[1].1);
        for (r, row) in sums.iter().enumerate() {
            for (n, &v) in row.iter().enumerate() {
                let want = exact(&x, &w, k, r, n);
                let scale: f64 = (0..k)
                    .map(|c| f64::from(x[r * k + c].abs() * w[n * k + c].abs()))
                    .sum();
                assert!(
                    (f64::from(v) - want).abs() <= 1e-6 * scale,
                    "row {r} lane {n}"
                );
            }
        }
        // Row 20 alone at row 0 of a block, the other rows zero: the same bits.
        assert_eq!(alone[0].map(f32::to_bits), sums[20].map(f32::to_bits));
    }
}
