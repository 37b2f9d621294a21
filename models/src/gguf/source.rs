//! A [`WeightSource`] over a GGUF file: tensors looked up by their HF names, dequantized to
//! f32 one at a time on request, with llama.cpp's conventions undone.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::architecture::GgufArchitecture;
use super::config::synthesize;
use super::conventions::{Fixup, apply, fixup_for, unpermuted_order};
use super::names::hf_name;
use super::reader::{GgufFile, TensorInfo};
use crate::error::LoadError;
use crate::quantized::GroupedQuants;
use crate::weights::{HostTensor, WeightSource};

/// A GGUF model ready for [`crate::arch::load`]: its architecture, an HF-style config and
/// its weights.
#[derive(Debug)]
pub struct GgufCheckpoint {
    /// The architecture in `general.architecture`.
    pub architecture: GgufArchitecture,
    /// The config.json-shaped config synthesized from the metadata.
    pub config: Value,
    /// The tensors, by HF name.
    pub weights: GgufSource,
}

/// Opens the GGUF file at `path`: parses it, synthesizes its config and maps its tensors to
/// HF names. Tensor data stays in the memory map until a tensor is requested.
pub fn open(path: &Path) -> Result<GgufCheckpoint, LoadError> {
    let file = GgufFile::open(path)?;
    let architecture = GgufArchitecture::of(&file)?;
    let config = synthesize(&file, architecture)?;
    let heads = |field: &str| config[field].as_u64().map_or(0, |n| n as usize);
    let weights = GgufSource::new(
        file,
        architecture,
        heads("num_attention_heads"),
        heads("num_key_value_heads"),
    )?;
    Ok(GgufCheckpoint {
        architecture,
        config,
        weights,
    })
}

/// Where an HF-named tensor lies in the file, and what to undo after reading it.
#[derive(Debug)]
struct Entry {
    index: usize,
    fixup: Fixup,
}

/// The tensors of a GGUF file under their HF names.
#[derive(Debug)]
pub struct GgufSource {
    file: GgufFile,
    by_hf_name: HashMap<String, Entry>,
}

impl GgufSource {
    /// Maps the tensors of `file` (architecture `arch`, with `heads` query and `kv_heads`
    /// key/value heads) to HF names. GGUF tensors without an HF counterpart are left out.
    pub fn new(
        file: GgufFile,
        arch: GgufArchitecture,
        heads: usize,
        kv_heads: usize,
    ) -> Result<Self, LoadError> {
        let mut by_hf_name = HashMap::new();
        for (index, info) in file.tensors().iter().enumerate() {
            let Some(name) = hf_name(arch, info.name()) else {
                continue;
            };
            let fixup = fixup_for(arch, &name, heads, kv_heads);
            if let Some(previous) = by_hf_name.insert(name.clone(), Entry { index, fixup }) {
                return Err(LoadError::Format {
                    path: file.path().to_path_buf(),
                    message: format!(
                        "tensors `{}` and `{}` both map to `{name}`; the file is damaged",
                        file.tensors()[previous.index].name(),
                        info.name()
                    ),
                });
            }
        }
        Ok(Self { file, by_hf_name })
    }

    /// The GGUF file.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The parsed file (metadata and tensor infos).
    pub fn file(&self) -> &GgufFile {
        &self.file
    }

    /// HF names of all tensors, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.by_hf_name.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// The PyTorch-order shape of HF tensor `name`, without reading its data.
    pub fn shape(&self, name: &str) -> Option<Vec<usize>> {
        self.info(name).map(TensorInfo::shape)
    }

    /// The GGUF tensor info behind HF tensor `name`.
    pub fn info(&self, name: &str) -> Option<&TensorInfo> {
        self.by_hf_name
            .get(name)
            .map(|entry| &self.file.tensors()[entry.index])
    }
}

impl WeightSource for GgufSource {
    fn tensor(&self, name: &str) -> Result<HostTensor, LoadError> {
        let entry = self
            .by_hf_name
            .get(name)
            .ok_or_else(|| LoadError::MissingTensor {
                path: self.path().to_path_buf(),
                name: name.to_string(),
            })?;
        let info = &self.file.tensors()[entry.index];
        let shape = info.shape();
        let mut data = self.file.dequantize(info)?;
        apply(entry.fixup, &shape, &mut data).map_err(|message| LoadError::Format {
            path: self.path().to_path_buf(),
            message: format!("tensor `{}` ({name}): {message}", info.name()),
        })?;
        Ok(HostTensor { shape, data })
    }

    fn grouped(&self, name: &str) -> Result<Option<GroupedQuants>, LoadError> {
        let Some(entry) = self.by_hf_name.get(name) else {
            return Ok(None);
        };
        let info = &self.file.tensors()[entry.index];
        if entry.fixup == Fixup::NormShift {
            return Ok(None);
        }
        let Some(mut grouped) = self.file.grouped(info)? else {
            return Ok(None);
        };
        if let Fixup::Unpermute { heads } = entry.fixup {
            let order =
                unpermuted_order(grouped.rows, heads).map_err(|message| LoadError::Format {
                    path: self.path().to_path_buf(),
                    message: format!("tensor `{}` ({name}): {message}", info.name()),
                })?;
            grouped.reorder_rows(&order);
        }
        Ok(Some(grouped))
    }

    fn contains(&self, name: &str) -> bool {
        self.by_hf_name.contains_key(name)
    }
}
