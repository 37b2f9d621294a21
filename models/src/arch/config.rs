//! Typed reads of config.json fields, with errors that name the file and the field.

use std::path::Path;

use serde_json::Value;

use crate::error::LoadError;
use crate::layers::rope::{RopeConfig, RopeScaling};

/// Reads fields of one config.json object.
#[derive(Clone)]
pub(crate) struct ConfigReader<'a> {
    value: &'a Value,
    path: &'a Path,
    /// Dotted path of `value` inside the file (empty at the top level).
    scope: String,
}

impl<'a> ConfigReader<'a> {
    /// A reader over the top-level object of the config at `path`.
    pub(crate) fn new(value: &'a Value, path: &'a Path) -> Self {
        Self {
            value,
            path,
            scope: String::new(),
        }
    }

    /// An error about `field`.
    pub(crate) fn error(&self, field: &str, message: impl Into<String>) -> LoadError {
        LoadError::InvalidConfig {
            path: self.path.to_path_buf(),
            field: self.scoped(field),
            message: message.into(),
        }
    }

    /// `field` prefixed with the dotted path of this object.
    fn scoped(&self, field: &str) -> String {
        if self.scope.is_empty() {
            field.to_string()
        } else {
            format!("{}.{field}", self.scope)
        }
    }

    /// The raw value of `field`; JSON `null` reads as absent.
    pub(crate) fn raw(&self, field: &str) -> Option<&'a Value> {
        self.value.get(field).filter(|v| !v.is_null())
    }

    /// A reader over the object in `field`, if present.
    pub(crate) fn object(&self, field: &str) -> Result<Option<ConfigReader<'a>>, LoadError> {
        match self.raw(field) {
            None => Ok(None),
            Some(v) if v.is_object() => Ok(Some(ConfigReader {
                value: v,
                path: self.path,
                scope: self.scoped(field),
            })),
            Some(v) => Err(self.error(field, format!("expected an object, found {v}"))),
        }
    }

    /// A required non-negative integer.
    pub(crate) fn usize(&self, field: &str) -> Result<usize, LoadError> {
        self.opt_usize(field)?
            .ok_or_else(|| self.error(field, "missing; config.json must set it"))
    }

    /// A non-negative integer, or `default` when absent.
    pub(crate) fn usize_or(&self, field: &str, default: usize) -> Result<usize, LoadError> {
        Ok(self.opt_usize(field)?.unwrap_or(default))
    }

    /// An optional non-negative integer.
    pub(crate) fn opt_usize(&self, field: &str) -> Result<Option<usize>, LoadError> {
        self.raw(field)
            .map(|v| {
                v.as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| {
                        self.error(field, format!("expected a non-negative integer, found {v}"))
                    })
            })
            .transpose()
    }

    /// A number, or `default` when absent.
    pub(crate) fn f64_or(&self, field: &str, default: f64) -> Result<f64, LoadError> {
        Ok(self.opt_f64(field)?.unwrap_or(default))
    }

    /// An optional number.
    pub(crate) fn opt_f64(&self, field: &str) -> Result<Option<f64>, LoadError> {
        self.raw(field)
            .map(|v| {
                v.as_f64()
                    .ok_or_else(|| self.error(field, format!("expected a number, found {v}")))
            })
            .transpose()
    }

    /// A required number.
    pub(crate) fn f64(&self, field: &str) -> Result<f64, LoadError> {
        self.opt_f64(field)?
            .ok_or_else(|| self.error(field, "missing; config.json must set it"))
    }

    /// A boolean, or `default` when absent.
    pub(crate) fn bool_or(&self, field: &str, default: bool) -> Result<bool, LoadError> {
        self.raw(field)
            .map(|v| {
                v.as_bool()
                    .ok_or_else(|| self.error(field, format!("expected true or false, found {v}")))
            })
            .transpose()
            .map(|b| b.unwrap_or(default))
    }

    /// An optional string.
    pub(crate) fn opt_str(&self, field: &str) -> Result<Option<&'a str>, LoadError> {
        self.raw(field)
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| self.error(field, format!("expected a string, found {v}")))
            })
            .transpose()
    }

    /// An optional list of strings.
    pub(crate) fn opt_str_list(&self, field: &str) -> Result<Option<Vec<&'a str>>, LoadError> {
        let Some(v) = self.raw(field) else {
            return Ok(None);
        };
        let not_list = || self.error(field, format!("expected a list of strings, found {v}"));
        v.as_array()
            .ok_or_else(not_list)?
            .iter()
            .map(|item| item.as_str().ok_or_else(not_list))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// `value` of `field`, rejected when 0.
    pub(crate) fn positive(&self, field: &str, value: usize) -> Result<usize, LoadError> {
        if value == 0 {
            return Err(self.error(field, "must be at least 1"));
        }
        Ok(value)
    }

    /// RoPE parameters from this object: `rope_theta` (or `default_theta` when absent) and
    /// the scaling in `rope_type`/`type` with its factors.
    pub(crate) fn rope(&self, default_theta: Option<f64>) -> Result<RopeConfig, LoadError> {
        let theta = match default_theta {
            Some(default) => self.f64_or("rope_theta", default)?,
            None => self.f64("rope_theta")?,
        };
        if theta <= 1.0 {
            return Err(self.error("rope_theta", format!("{theta} is not a valid RoPE base")));
        }
        let scaling = self.rope_scaling()?;
        Ok(RopeConfig { theta, scaling })
    }

    /// The scaling described by this object's `rope_type` (or legacy `type`).
    pub(crate) fn rope_scaling(&self) -> Result<RopeScaling, LoadError> {
        let kind_field = if self.raw("rope_type").is_some() {
            "rope_type"
        } else {
            "type"
        };
        let factor = |reader: &Self| -> Result<f64, LoadError> {
            let factor = reader.f64("factor")?;
            if factor <= 0.0 {
                return Err(reader.error("factor", format!("{factor} must be positive")));
            }
            Ok(factor)
        };
        match self.opt_str(kind_field)?.unwrap_or("default") {
            "default" => Ok(RopeScaling::None),
            "linear" => Ok(RopeScaling::Linear {
                factor: factor(self)?,
            }),
            "llama3" => {
                let low_freq_factor = self.f64("low_freq_factor")?;
                let high_freq_factor = self.f64("high_freq_factor")?;
                if high_freq_factor <= low_freq_factor {
                    return Err(self.error(
                        "high_freq_factor",
                        format!("{high_freq_factor} must exceed low_freq_factor {low_freq_factor}"),
                    ));
                }
                Ok(RopeScaling::Llama3 {
                    factor: factor(self)?,
                    low_freq_factor,
                    high_freq_factor,
                    original_max_position_embeddings: self
                        .usize("original_max_position_embeddings")?
                        as f64,
                })
            }
            other => Err(self.error(
                kind_field,
                format!("RoPE type {other:?} is not supported; supported: default, linear, llama3"),
            )),
        }
    }
}
