//! bf16 and f16 copies of the tiny HF checkpoints, built in temporary folders: each gives bit
//! for bit the hidden states and logits of an f32 checkpoint holding the widened values (the
//! 16-bit weights stay 16-bit in memory and are widened inside the kernels, exactly).

use std::path::Path;

use burn::tensor::{Device, Tensor};
use half::{bf16, f16};
use models::arch::{PadSide, TokenBatch, load_hf_folder};
use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};
use tempfile::TempDir;

const ARCHS: [&str; 7] = [
    "llama", "qwen2", "gemma3", "gpt2", "qwen3", "gemma2", "phi3",
];

/// A copy of fixture `arch` whose every tensor is rounded to `dtype` (BF16 or F16) and
/// written as `written` (that dtype, or F32 holding the rounded values).
fn rounded_copy(arch: &str, dtype: Dtype, written: Dtype) -> TempDir {
    let fixture = testdata::fixtures().join("models/tiny").join(arch);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture.join("config.json"), dir.path().join("config.json")).unwrap();
    let bytes = std::fs::read(fixture.join("model.safetensors")).unwrap();
    let tensors = SafeTensors::deserialize(&bytes).unwrap();
    let data: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .tensors()
        .into_iter()
        .map(|(name, view)| {
            assert_eq!(view.dtype(), Dtype::F32, "{arch} {name}");
            let values = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            let bits: Vec<u16> = match dtype {
                Dtype::BF16 => values.map(|v| bf16::from_f32(v).to_bits()).collect(),
                _ => values.map(|v| f16::from_f32(v).to_bits()).collect(),
            };
            let out: Vec<u8> = if written == Dtype::F32 {
                bits.iter()
                    .flat_map(|&b| match dtype {
                        Dtype::BF16 => bf16::from_bits(b).to_f32().to_le_bytes(),
                        _ => f16::from_bits(b).to_f32().to_le_bytes(),
                    })
                    .collect()
            } else {
                bits.iter().flat_map(|b| b.to_le_bytes()).collect()
            };
            (name, view.shape().to_vec(), out)
        })
        .collect();
    let views = data.iter().map(|(name, shape, bytes)| {
        (
            name.clone(),
            TensorView::new(written, shape.clone(), bytes).unwrap(),
        )
    });
    safetensors::serialize_to_file(views, None, &dir.path().join("model.safetensors")).unwrap();
    dir
}

/// The final hidden states and logits of a padded batch of three rows (4, 9 and 20 tokens:
/// the few-row and the many-row paths).
fn outputs(dir: &Path) -> (Vec<f32>, Vec<f32>) {
    let model = load_hf_folder(dir, &Device::default()).unwrap();
    let rows: Vec<Vec<u32>> = [4u32, 9, 20]
        .iter()
        .map(|&len| (0..len).map(|i| (i * 37 + len) % 500 + 3).collect())
        .collect();
    let batch = TokenBatch::padded(&rows, PadSide::Right).unwrap();
    let out = model.forward(&batch, None, false).unwrap();
    let [r, seq, hidden] = out.last_hidden_state.dims();
    let logits = model
        .lm_head(out.last_hidden_state.clone().reshape([r * seq, hidden]))
        .unwrap();
    (values(out.last_hidden_state), values(logits))
}

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().as_slice::<f32>().unwrap().to_vec()
}

#[test]
fn sixteen_bit_checkpoints_equal_f32_checkpoints_of_the_widened_values() {
    for arch in ARCHS {
        for dtype in [Dtype::BF16, Dtype::F16] {
            let (half_hidden, half_logits) = outputs(rounded_copy(arch, dtype, dtype).path());
            let (f32_hidden, f32_logits) = outputs(rounded_copy(arch, dtype, Dtype::F32).path());
            let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert!(
                half_hidden.iter().all(|v| v.is_finite()),
                "{arch} {dtype:?}"
            );
            assert_eq!(
                bits(&half_hidden),
                bits(&f32_hidden),
                "{arch} {dtype:?}: hidden"
            );
            assert_eq!(
                bits(&half_logits),
                bits(&f32_logits),
                "{arch} {dtype:?}: logits"
            );
        }
    }
}
