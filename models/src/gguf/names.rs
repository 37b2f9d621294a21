//! GGUF tensor names (llama.cpp's `blk.N.attn_q.weight`) to HF transformers names
//! (`model.layers.N.self_attn.q_proj.weight`).

use super::architecture::GgufArchitecture;

/// The HF name of a tensor inside decoder block `N`, given its GGUF name after `blk.N.`
/// without the `.weight`/`.bias` suffix; `None` for tensors HF has no counterpart for.
fn block_tensor(arch: GgufArchitecture, stem: &str) -> Option<&'static str> {
    let gemma = matches!(arch, GgufArchitecture::Gemma3 | GgufArchitecture::Gemma2);
    let qk_norm = matches!(arch, GgufArchitecture::Gemma3 | GgufArchitecture::Qwen3);
    let phi3 = arch == GgufArchitecture::Phi3;
    Some(match stem {
        // Phi-3 keeps HF's fused projections: Q, K, V rows in `attn_qkv`, gate then up rows
        // in `ffn_up`.
        "attn_qkv" if phi3 => "self_attn.qkv_proj",
        "ffn_up" if phi3 => "mlp.gate_up_proj",
        "attn_q" => "self_attn.q_proj",
        "attn_k" => "self_attn.k_proj",
        "attn_v" => "self_attn.v_proj",
        "attn_output" => "self_attn.o_proj",
        "attn_norm" => "input_layernorm",
        "ffn_gate" => "mlp.gate_proj",
        "ffn_up" => "mlp.up_proj",
        "ffn_down" => "mlp.down_proj",
        // llama.cpp's `ffn_norm` is the norm before the MLP: Llama/Qwen/Phi-3 call it
        // post_attention_layernorm, Gemma 2/3 (which also norm after attention)
        // pre_feedforward.
        "ffn_norm" if gemma => "pre_feedforward_layernorm",
        "ffn_norm" => "post_attention_layernorm",
        "post_attention_norm" if gemma => "post_attention_layernorm",
        "post_ffw_norm" if gemma => "post_feedforward_layernorm",
        "attn_q_norm" if qk_norm => "self_attn.q_norm",
        "attn_k_norm" if qk_norm => "self_attn.k_norm",
        _ => return None,
    })
}

/// The HF transformers name of GGUF tensor `gguf_name` in a model of architecture `arch`,
/// or `None` when HF has no such tensor (e.g. llama.cpp's precomputed `rope_freqs.weight`).
pub fn hf_name(arch: GgufArchitecture, gguf_name: &str) -> Option<String> {
    let (stem, kind) = gguf_name.rsplit_once('.')?;
    if kind != "weight" && kind != "bias" {
        return None;
    }
    let top = match stem {
        "token_embd" => Some("model.embed_tokens"),
        "output_norm" => Some("model.norm"),
        "output" => Some("lm_head"),
        _ => None,
    };
    if let Some(hf) = top {
        return Some(format!("{hf}.{kind}"));
    }
    let (layer, rest) = stem.strip_prefix("blk.")?.split_once('.')?;
    if layer.is_empty() || !layer.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let layer: usize = layer.parse().ok()?;
    let hf = block_tensor(arch, rest)?;
    Some(format!("model.layers.{layer}.{hf}.{kind}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use GgufArchitecture::{Gemma2, Gemma3, Llama, Phi3, Qwen2, Qwen3};

    fn name(arch: GgufArchitecture, gguf: &str) -> Option<String> {
        hf_name(arch, gguf)
    }

    #[test]
    fn maps_top_level_and_block_tensors() {
        assert_eq!(
            name(Gemma3, "token_embd.weight").unwrap(),
            "model.embed_tokens.weight"
        );
        assert_eq!(
            name(Llama, "output_norm.weight").unwrap(),
            "model.norm.weight"
        );
        assert_eq!(name(Llama, "output.weight").unwrap(), "lm_head.weight");
        assert_eq!(
            name(Llama, "blk.12.attn_q.weight").unwrap(),
            "model.layers.12.self_attn.q_proj.weight"
        );
        assert_eq!(
            name(Qwen2, "blk.0.attn_k.bias").unwrap(),
            "model.layers.0.self_attn.k_proj.bias"
        );
        assert_eq!(
            name(Llama, "blk.3.attn_output.weight").unwrap(),
            "model.layers.3.self_attn.o_proj.weight"
        );
        assert_eq!(
            name(Qwen2, "blk.1.ffn_down.weight").unwrap(),
            "model.layers.1.mlp.down_proj.weight"
        );
    }

    #[test]
    fn ffn_norm_depends_on_the_architecture() {
        assert_eq!(
            name(Llama, "blk.0.ffn_norm.weight").unwrap(),
            "model.layers.0.post_attention_layernorm.weight"
        );
        assert_eq!(
            name(Gemma3, "blk.0.ffn_norm.weight").unwrap(),
            "model.layers.0.pre_feedforward_layernorm.weight"
        );
        assert_eq!(
            name(Gemma3, "blk.0.post_attention_norm.weight").unwrap(),
            "model.layers.0.post_attention_layernorm.weight"
        );
        assert_eq!(
            name(Gemma3, "blk.17.post_ffw_norm.weight").unwrap(),
            "model.layers.17.post_feedforward_layernorm.weight"
        );
        assert_eq!(
            name(Gemma3, "blk.2.attn_k_norm.weight").unwrap(),
            "model.layers.2.self_attn.k_norm.weight"
        );
        // Llama has no post-attention norm of its own: the name would collide with ffn_norm.
        assert_eq!(name(Llama, "blk.0.post_attention_norm.weight"), None);
    }

    #[test]
    fn qwen3_gemma2_and_phi3_names_as_llama_cpp_writes_them() {
        assert_eq!(
            name(Qwen3, "blk.1.attn_q_norm.weight").unwrap(),
            "model.layers.1.self_attn.q_norm.weight"
        );
        assert_eq!(name(Qwen2, "blk.1.attn_q_norm.weight"), None);
        assert_eq!(
            name(Gemma2, "blk.0.ffn_norm.weight").unwrap(),
            "model.layers.0.pre_feedforward_layernorm.weight"
        );
        assert_eq!(name(Gemma2, "blk.0.attn_q_norm.weight"), None);
        assert_eq!(
            name(Phi3, "blk.2.attn_qkv.weight").unwrap(),
            "model.layers.2.self_attn.qkv_proj.weight"
        );
        assert_eq!(
            name(Phi3, "blk.2.ffn_up.weight").unwrap(),
            "model.layers.2.mlp.gate_up_proj.weight"
        );
        assert_eq!(
            name(Llama, "blk.2.ffn_up.weight").unwrap(),
            "model.layers.2.mlp.up_proj.weight"
        );
    }

    #[test]
    fn unknown_or_malformed_names_have_no_hf_counterpart() {
        assert_eq!(name(Llama, "rope_freqs.weight"), None);
        assert_eq!(name(Llama, "blk.x.attn_q.weight"), None);
        assert_eq!(name(Llama, "blk..attn_q.weight"), None);
        assert_eq!(name(Llama, "blk.0.attn_q.scale"), None);
        assert_eq!(name(Llama, "token_embd"), None);
    }
}
