//! Qwen2: the Llama block with biases on the Q/K/V projections and optional sliding-window
//! layers (`layer_types`, or `use_sliding_window` from `max_window_layers` on).

use burn::tensor::Device;

use crate::arch::config::ConfigReader;
use crate::arch::decoder_model::DecoderModel;
use crate::arch::llama::base_spec;
use crate::arch::{Architecture, Checkpoint};
use crate::error::LoadError;
use crate::layers::param::ParamLoader;

/// Loads a Qwen2 checkpoint.
pub(super) fn load(
    checkpoint: &Checkpoint<'_>,
    device: &Device,
) -> Result<DecoderModel, LoadError> {
    let reader = ConfigReader::new(checkpoint.config, checkpoint.config_path);
    let mut spec = base_spec(&reader, Architecture::Qwen2)?;
    // Qwen2 always has biases on Q/K/V and never on the output projection.
    spec.qkv_bias = true;
    spec.out_bias = false;
    let num_layers = spec.layers.len();
    let sliding: Vec<bool> = match reader.opt_str_list("layer_types")? {
        Some(types) => {
            if types.len() != num_layers {
                return Err(reader.error(
                    "layer_types",
                    format!("{} entries for {num_layers} layers", types.len()),
                ));
            }
            types
                .iter()
                .map(|t| match *t {
                    "full_attention" => Ok(false),
                    "sliding_attention" => Ok(true),
                    other => Err(reader.error(
                        "layer_types",
                        format!("unknown layer type {other:?}; expected full_attention or sliding_attention"),
                    )),
                })
                .collect::<Result<_, _>>()?
        }
        None => {
            let enabled = reader.bool_or("use_sliding_window", false)?;
            let first = reader.usize_or("max_window_layers", num_layers)?;
            (0..num_layers).map(|i| enabled && i >= first).collect()
        }
    };
    if sliding.iter().any(|&s| s) {
        let window = reader.opt_usize("sliding_window")?.ok_or_else(|| {
            reader.error("sliding_window", "missing but layers use sliding attention")
        })?;
        let window = reader.positive("sliding_window", window)?;
        for (layer, sliding) in spec.layers.iter_mut().zip(sliding) {
            layer.window = sliding.then_some(window);
        }
    }
    let loader = ParamLoader::new(checkpoint.weights, checkpoint.weights_path, device);
    DecoderModel::load(&spec, &loader)
}
