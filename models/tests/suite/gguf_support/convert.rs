//! Converts the tiny HF fixtures to F32 GGUF files the way llama.cpp's converter does:
//! GGUF tensor names, dimensions innermost first, Gemma norms stored as `1 + w`, Llama Q/K
//! rows interleaved per head, hyperparameters as `{arch}.*` metadata.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::writer::GgufWriter;

/// A tensor of the HF checkpoint: PyTorch shape and row-major values.
pub type HfTensors = BTreeMap<String, (Vec<usize>, Vec<f32>)>;

/// The float32 tensors of a safetensors file.
pub fn read_safetensors(path: &Path) -> HfTensors {
    let bytes = std::fs::read(path).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    st.tensors()
        .into_iter()
        .map(|(name, view)| {
            assert_eq!(view.dtype(), safetensors::Dtype::F32, "{name}");
            let values = view
                .data()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            (name, (view.shape().to_vec(), values))
        })
        .collect()
}

/// The GGUF name llama.cpp gives HF tensor `hf` of a `gguf_arch` model.
fn gguf_name(gguf_arch: &str, hf: &str) -> String {
    let (stem, kind) = hf.rsplit_once('.').unwrap();
    let top = match stem {
        "model.embed_tokens" => Some("token_embd"),
        "model.norm" => Some("output_norm"),
        "lm_head" => Some("output"),
        _ => None,
    };
    if let Some(top) = top {
        return format!("{top}.{kind}");
    }
    let rest = stem.strip_prefix("model.layers.").unwrap();
    let (layer, part) = rest.split_once('.').unwrap();
    let gguf = match part {
        "self_attn.q_proj" => "attn_q",
        "self_attn.k_proj" => "attn_k",
        "self_attn.v_proj" => "attn_v",
        "self_attn.o_proj" => "attn_output",
        "self_attn.q_norm" => "attn_q_norm",
        "self_attn.k_norm" => "attn_k_norm",
        "input_layernorm" => "attn_norm",
        "post_attention_layernorm" if gguf_arch == "gemma3" => "post_attention_norm",
        "post_attention_layernorm" => "ffn_norm",
        "pre_feedforward_layernorm" => "ffn_norm",
        "post_feedforward_layernorm" => "post_ffw_norm",
        "mlp.gate_proj" => "ffn_gate",
        "mlp.up_proj" => "ffn_up",
        "mlp.down_proj" => "ffn_down",
        other => panic!("no GGUF name for {other}"),
    };
    format!("blk.{layer}.{gguf}.{kind}")
}

/// llama.cpp's row interleaving of a Q or K projection with `heads` heads.
fn permute(shape: &[usize], values: &[f32], heads: usize) -> Vec<f32> {
    let rows = shape[0];
    let cols = values.len() / rows;
    let head_rows = rows / heads;
    let half = head_rows / 2;
    let mut out = vec![0.0; values.len()];
    for head in 0..heads {
        for part in 0..2 {
            for i in 0..half {
                let src = head * head_rows + part * half + i;
                let dst = head * head_rows + 2 * i + part;
                out[dst * cols..(dst + 1) * cols]
                    .copy_from_slice(&values[src * cols..(src + 1) * cols]);
            }
        }
    }
    out
}

/// The GGUF architecture name of a fixture's config.json.
fn gguf_arch(config: &Value) -> &'static str {
    match config["model_type"].as_str().unwrap() {
        "llama" => "llama",
        "qwen2" => "qwen2",
        "gemma3_text" => "gemma3",
        other => panic!("unsupported fixture {other}"),
    }
}

/// A GGUF writer holding the fixture with config `config` and tensors `tensors`.
pub fn to_gguf(config: &Value, tensors: &HfTensors) -> GgufWriter {
    let arch = gguf_arch(config);
    let n = |k: &str| config[k].as_u64().unwrap() as u32;
    let heads = n("num_attention_heads");
    let kv_heads = n("num_key_value_heads");
    let mut w = GgufWriter::new();
    w.string("general.architecture", arch)
        .u32(
            &format!("{arch}.context_length"),
            n("max_position_embeddings"),
        )
        .u32(&format!("{arch}.embedding_length"), n("hidden_size"))
        .u32(&format!("{arch}.block_count"), n("num_hidden_layers"))
        .u32(
            &format!("{arch}.feed_forward_length"),
            n("intermediate_size"),
        )
        .u32(&format!("{arch}.attention.head_count"), heads)
        .u32(&format!("{arch}.attention.head_count_kv"), kv_heads)
        .f32(
            &format!("{arch}.attention.layer_norm_rms_epsilon"),
            config["rms_norm_eps"].as_f64().unwrap() as f32,
        );
    if let Some(head_dim) = config["head_dim"].as_u64() {
        w.u32(&format!("{arch}.attention.key_length"), head_dim as u32)
            .u32(&format!("{arch}.attention.value_length"), head_dim as u32);
    }
    let rope = &config["rope_parameters"];
    let theta = if arch == "gemma3" {
        w.u32(
            &format!("{arch}.attention.sliding_window"),
            n("sliding_window"),
        );
        rope["full_attention"]["rope_theta"].as_f64().unwrap()
    } else {
        rope["rope_theta"].as_f64().unwrap()
    };
    w.f32(&format!("{arch}.rope.freq_base"), theta as f32);
    for (key, field) in [
        ("bos", "bos_token_id"),
        ("eos", "eos_token_id"),
        ("padding", "pad_token_id"),
    ] {
        if let Some(id) = config[field].as_u64() {
            w.u32(&format!("tokenizer.ggml.{key}_token_id"), id as u32);
        }
    }
    for (hf, (shape, values)) in tensors {
        let mut values = values.clone();
        if arch == "gemma3" && hf.ends_with("norm.weight") {
            values.iter_mut().for_each(|v| *v += 1.0);
        }
        if arch == "llama" && hf.contains("self_attn.q_proj") {
            values = permute(shape, &values, heads as usize);
        }
        if arch == "llama" && hf.contains("self_attn.k_proj") {
            values = permute(shape, &values, kv_heads as usize);
        }
        w.f32_tensor(&gguf_name(arch, hf), shape, &values);
    }
    w
}
