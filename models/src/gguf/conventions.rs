//! llama.cpp's converter changes some tensors on their way into a GGUF; these functions undo
//! that so the values equal the HF checkpoint's.
//!
//! - Gemma 2 and 3 RMSNorm weights are stored as `1 + w` (the converter adds 1 to every tensor whose
//!   name ends in `norm.weight`, since llama.cpp's norm multiplies by the weight directly).
//! - Llama Q and K projections (weights and biases) have the rows of each head reordered from
//!   HF's "first half, second half" rotary layout to interleaved pairs: HF row `h * d/2 + i`
//!   of a head of `d` rows is stored as row `2 * i + h`. Qwen2/3, Gemma 2/3 and Phi-3 are not
//!   reordered.

use super::architecture::GgufArchitecture;

/// What to undo on a tensor after dequantization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fixup {
    /// Stored as in HF.
    None,
    /// Subtract 1 from every value.
    NormShift,
    /// Restore HF's row order within each of `heads` heads.
    Unpermute {
        /// Number of heads the rows are split into.
        heads: usize,
    },
}

/// The fixup for HF tensor `hf_name` of a model with `heads` query and `kv_heads` key heads.
pub(crate) fn fixup_for(
    arch: GgufArchitecture,
    hf_name: &str,
    heads: usize,
    kv_heads: usize,
) -> Fixup {
    match arch {
        GgufArchitecture::Gemma3 | GgufArchitecture::Gemma2 if hf_name.ends_with("norm.weight") => {
            Fixup::NormShift
        }
        GgufArchitecture::Llama if is_projection(hf_name, "q_proj") => Fixup::Unpermute { heads },
        GgufArchitecture::Llama if is_projection(hf_name, "k_proj") => {
            Fixup::Unpermute { heads: kv_heads }
        }
        _ => Fixup::None,
    }
}

/// Whether `hf_name` is the weight or bias of attention projection `proj`.
fn is_projection(hf_name: &str, proj: &str) -> bool {
    hf_name
        .strip_suffix(".weight")
        .or_else(|| hf_name.strip_suffix(".bias"))
        .is_some_and(|stem| stem.ends_with(&format!("self_attn.{proj}")))
}

/// Applies `fixup` to `data`, a row-major tensor of PyTorch shape `shape`. Fails with a
/// description when the rows cannot be split into heads of even size.
pub(crate) fn apply(fixup: Fixup, shape: &[usize], data: &mut [f32]) -> Result<(), String> {
    match fixup {
        Fixup::None => Ok(()),
        Fixup::NormShift => {
            data.iter_mut().for_each(|v| *v -= 1.0);
            Ok(())
        }
        Fixup::Unpermute { heads } => unpermute(shape, data, heads),
    }
}

/// Restores HF's row order within each head (see the module docs).
fn unpermute(shape: &[usize], data: &mut [f32], heads: usize) -> Result<(), String> {
    if data.is_empty() {
        return Ok(());
    }
    let rows = shape.first().copied().unwrap_or(0);
    let order = unpermuted_order(rows, heads)?;
    let cols = data.len().checked_div(rows).unwrap_or(0);
    let stored = data.to_vec();
    for (row, &from) in data.chunks_exact_mut(cols.max(1)).zip(&order) {
        row.copy_from_slice(&stored[from * cols..(from + 1) * cols]);
    }
    Ok(())
}

/// For `rows` rows stored in llama.cpp's interleaved order within each of `heads` heads, the
/// stored row that each HF row comes from. Fails with a description when the rows cannot be
/// split into heads of even size.
pub(crate) fn unpermuted_order(rows: usize, heads: usize) -> Result<Vec<usize>, String> {
    if heads == 0 || !rows.is_multiple_of(heads) || !(rows / heads).is_multiple_of(2) {
        return Err(format!(
            "its {rows} rows cannot be split into {heads} heads of an even number of rows, as \
             the head counts in the metadata require"
        ));
    }
    let head_rows = rows / heads;
    let half = head_rows / 2;
    Ok((0..rows)
        .map(|row| {
            let (head, within) = (row / head_rows, row % head_rows);
            let (part, i) = (within / half, within % half);
            head * head_rows + 2 * i + part
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use GgufArchitecture::{Gemma3, Llama, Qwen2};

    #[test]
    fn chooses_fixups_by_architecture_and_tensor() {
        let f = |arch, name| fixup_for(arch, name, 8, 2);
        assert_eq!(
            f(Gemma3, "model.layers.0.input_layernorm.weight"),
            Fixup::NormShift
        );
        assert_eq!(
            f(Gemma3, "model.layers.0.self_attn.q_norm.weight"),
            Fixup::NormShift
        );
        assert_eq!(f(Gemma3, "model.norm.weight"), Fixup::NormShift);
        assert_eq!(
            f(Gemma3, "model.layers.0.self_attn.q_proj.weight"),
            Fixup::None
        );
        assert_eq!(
            f(Llama, "model.layers.0.self_attn.q_proj.weight"),
            Fixup::Unpermute { heads: 8 }
        );
        assert_eq!(
            f(Llama, "model.layers.0.self_attn.k_proj.bias"),
            Fixup::Unpermute { heads: 2 }
        );
        assert_eq!(
            f(Llama, "model.layers.0.self_attn.v_proj.weight"),
            Fixup::None
        );
        assert_eq!(f(Llama, "model.norm.weight"), Fixup::None);
        assert_eq!(
            f(Qwen2, "model.layers.0.self_attn.q_proj.weight"),
            Fixup::None
        );
    }

    #[test]
    fn unpermute_restores_half_split_rows_per_head() {
        // Two heads of 4 rows, 2 columns; stored row r of a head holds HF row
        // (r % 2) * 2 + r / 2, i.e. stored order is HF rows 0, 2, 1, 3.
        let hf: Vec<f32> = (0..16).map(|v| v as f32).collect();
        let stored_rows = [0, 2, 1, 3, 4, 6, 5, 7];
        let mut data: Vec<f32> = stored_rows
            .iter()
            .flat_map(|&r| [hf[2 * r], hf[2 * r + 1]])
            .collect();
        apply(Fixup::Unpermute { heads: 2 }, &[8, 2], &mut data).unwrap();
        assert_eq!(data, hf);
    }

    #[test]
    fn unpermute_of_a_bias_and_bad_head_counts() {
        let mut bias = vec![10.0, 12.0, 11.0, 13.0];
        apply(Fixup::Unpermute { heads: 1 }, &[4], &mut bias).unwrap();
        assert_eq!(bias, [10.0, 11.0, 12.0, 13.0]);
        let err = apply(Fixup::Unpermute { heads: 3 }, &[4], &mut bias).unwrap_err();
        assert!(err.contains("4 rows cannot be split into 3 heads"), "{err}");
        let mut empty: Vec<f32> = Vec::new();
        apply(Fixup::Unpermute { heads: 2 }, &[0, 4], &mut empty).unwrap();
        let mut norm = vec![1.5, 0.25];
        apply(Fixup::NormShift, &[2], &mut norm).unwrap();
        assert_eq!(norm, [0.5, -0.75]);
    }
}
