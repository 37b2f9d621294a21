//! Rotary position embeddings in HF's half-split layout (`rotate_half`), with the inverse
//! frequencies, angles and products rounded in f32 as transformers 5.25's
//! `modeling_rope_utils.py` computes them, for every `rope_type` it defines for decoder-only
//! text models: default, linear, llama3, dynamic (NTK), yarn and longrope.

use std::borrow::Cow;

/// How the inverse frequencies are rescaled for long contexts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RopeScaling {
    /// Plain RoPE.
    None,
    /// Positions divided by `factor` (Gemma 3 global layers of the larger models).
    Linear {
        /// Divisor of every inverse frequency.
        factor: f64,
    },
    /// Llama 3.x frequency-dependent rescaling.
    Llama3 {
        /// Divisor of the low frequencies.
        factor: f64,
        /// Wavelength threshold (as context / factor) above which frequencies are divided.
        low_freq_factor: f64,
        /// Wavelength threshold below which frequencies are kept.
        high_freq_factor: f64,
        /// Context length the model was trained with.
        original_max_position_embeddings: f64,
    },
    /// Dynamic NTK: a pass longer than `max_position_embeddings` tokens raises the base with its
    /// length; shorter passes use the plain frequencies.
    Dynamic {
        /// Scaling factor of the base.
        factor: f64,
        /// The length up to which frequencies are not rescaled.
        max_position_embeddings: usize,
    },
    /// YaRN: interpolated low frequencies, extrapolated high ones, a linear ramp between.
    Yarn(Yarn),
    /// LongRoPE (Phi-3): per-frequency divisors, `short_factor` for passes up to
    /// `original_max_position_embeddings` tokens, `long_factor` beyond.
    LongRope {
        /// Divisors of a pass within the original context, one per frequency.
        short_factor: Vec<f64>,
        /// Divisors of a longer pass.
        long_factor: Vec<f64>,
        /// The length up to which `short_factor` applies.
        original_max_position_embeddings: usize,
        /// Multiplier of cos and sin.
        attention_factor: f64,
    },
}

/// YaRN's parameters, with HF's defaults already applied.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Yarn {
    /// Divisor of the interpolated frequencies.
    pub(crate) factor: f64,
    /// Context length the model was trained with.
    pub(crate) original_max_position_embeddings: f64,
    /// Rotations at the boundary of extrapolation (HF default 32).
    pub(crate) beta_fast: f64,
    /// Rotations at the boundary of interpolation (HF default 1).
    pub(crate) beta_slow: f64,
    /// Whether the correction range is rounded out to whole dimensions.
    pub(crate) truncate: bool,
    /// Multiplier of cos and sin.
    pub(crate) attention_factor: f64,
}

/// RoPE parameters of one attention type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RopeConfig {
    /// Base of the geometric frequency progression.
    pub(crate) theta: f64,
    /// Long-context rescaling.
    pub(crate) scaling: RopeScaling,
}

/// Inverse frequencies for one head size.
#[derive(Debug, Clone)]
pub(crate) struct Rope {
    /// The frequencies of a pass within the original context (of every pass where they do not
    /// depend on the length).
    inv_freq: Vec<f32>,
    /// The frequencies of longer passes.
    longer: Longer,
    /// Multiplier of cos and sin (YaRN's and LongRoPE's attention factor).
    attention_scaling: f32,
}

/// How passes longer than the original context change the frequencies.
#[derive(Debug, Clone)]
enum Longer {
    /// They do not.
    Same,
    /// Dynamic NTK: the base grows with the length.
    Dynamic {
        theta: f64,
        factor: f64,
        context: usize,
        head_dim: usize,
    },
    /// LongRoPE: another fixed set beyond `context` tokens.
    Fixed { context: usize, inv_freq: Vec<f32> },
}

/// `base ** (2i / head_dim)` for each frequency `i`, in f32 as torch raises a base to the
/// float32 `arange(0, dim, 2) / dim`.
fn base_powers(base: f64, head_dim: usize) -> Vec<f32> {
    let dim = head_dim as f32;
    (0..head_dim / 2)
        .map(|i| {
            let exponent = (2 * i) as f32 / dim;
            base.powf(f64::from(exponent)) as f32
        })
        .collect()
}

/// `1 / (factor · power)` for each power, in f32 (`factor` 1 gives the plain frequencies).
fn divided(powers: &[f32], factors: impl Iterator<Item = f64>) -> Vec<f32> {
    powers
        .iter()
        .zip(factors)
        .map(|(p, factor)| 1.0 / (factor as f32 * p))
        .collect()
}

/// The plain frequencies of base `theta`.
fn plain(theta: f64, head_dim: usize) -> Vec<f32> {
    base_powers(theta, head_dim)
        .iter()
        .map(|p| 1.0 / p)
        .collect()
}

impl Rope {
    /// Frequencies for heads of `head_dim` (even) values.
    pub(crate) fn new(config: &RopeConfig, head_dim: usize) -> Self {
        let theta = config.theta;
        let mut rope = Self {
            inv_freq: plain(theta, head_dim),
            longer: Longer::Same,
            attention_scaling: 1.0,
        };
        match &config.scaling {
            RopeScaling::None => {}
            RopeScaling::Linear { factor } => {
                let factor = *factor as f32;
                rope.inv_freq.iter_mut().for_each(|f| *f /= factor);
            }
            RopeScaling::Llama3 {
                factor,
                low_freq_factor,
                high_freq_factor,
                original_max_position_embeddings,
            } => {
                let (factor, low, high, context) = (
                    *factor as f32,
                    *low_freq_factor as f32,
                    *high_freq_factor as f32,
                    *original_max_position_embeddings as f32,
                );
                let low_freq_wavelen = context / low;
                let high_freq_wavelen = context / high;
                for f in &mut rope.inv_freq {
                    let wavelen = 2.0 * std::f32::consts::PI / *f;
                    if wavelen > low_freq_wavelen {
                        *f /= factor;
                    } else if wavelen >= high_freq_wavelen {
                        let smooth = (context / wavelen - low) / (high - low);
                        *f = (1.0 - smooth) * *f / factor + smooth * *f;
                    }
                }
            }
            RopeScaling::Dynamic {
                factor,
                max_position_embeddings,
            } => {
                // At initialisation HF evaluates the formula in Python floats at the length
                // `max_position_embeddings`, where it leaves the base (almost) as it is.
                let context = *max_position_embeddings as f64;
                let exponent = head_dim as f64 / (head_dim as f64 - 2.0);
                let base = theta * ((factor * context / context) - (factor - 1.0)).powf(exponent);
                rope.inv_freq = plain(base, head_dim);
                rope.longer = Longer::Dynamic {
                    theta,
                    factor: *factor,
                    context: *max_position_embeddings,
                    head_dim,
                };
            }
            RopeScaling::Yarn(yarn) => {
                rope.inv_freq = yarn.inv_freq(theta, head_dim);
                rope.attention_scaling = yarn.attention_factor as f32;
            }
            RopeScaling::LongRope {
                short_factor,
                long_factor,
                original_max_position_embeddings,
                attention_factor,
            } => {
                let powers = base_powers(theta, head_dim);
                rope.inv_freq = divided(&powers, short_factor.iter().copied());
                rope.longer = Longer::Fixed {
                    context: *original_max_position_embeddings,
                    inv_freq: divided(&powers, long_factor.iter().copied()),
                };
                rope.attention_scaling = *attention_factor as f32;
            }
        }
        rope
    }

    /// The frequencies of a forward pass over `length` tokens (HF's `dynamic_rope_update` with
    /// `seq_len = max(position_ids) + 1`, on a model that has seen no longer pass).
    fn inv_freq_for(&self, length: usize) -> Cow<'_, [f32]> {
        match &self.longer {
            Longer::Dynamic {
                theta,
                factor,
                context,
                head_dim,
            } if length > *context => {
                // The length is a tensor here, so the new base is a float32 computation.
                let dim = *head_dim as f64;
                let ratio =
                    *factor as f32 * length as f32 / *context as f32 - (*factor - 1.0) as f32;
                let grown = f64::from(ratio).powf(dim / (dim - 2.0)) as f32;
                Cow::Owned(plain(f64::from(*theta as f32 * grown), *head_dim))
            }
            Longer::Fixed { context, inv_freq } if length > *context => Cow::Borrowed(inv_freq),
            _ => Cow::Borrowed(&self.inv_freq),
        }
    }

    /// LongRoPE's original context: the longest pass rotated with the short factors.
    pub(crate) fn short_context(&self) -> Option<usize> {
        match self.longer {
            Longer::Fixed { context, .. } => Some(context),
            _ => None,
        }
    }

    /// Cosines and sines for tokens at `positions` (`[rows × q_len]`), where row `r` holds
    /// `lengths[r]` real tokens in all (cached plus new).
    pub(crate) fn table(&self, positions: &[usize], lengths: &[usize]) -> RopeTable {
        let half = self.inv_freq.len();
        let q_len = positions.len().checked_div(lengths.len()).unwrap_or(0);
        let mut cos = Vec::with_capacity(positions.len() * half);
        let mut sin = Vec::with_capacity(positions.len() * half);
        for (row, &length) in positions.chunks(q_len.max(1)).zip(lengths) {
            let inv_freq = self.inv_freq_for(length);
            for &p in row {
                let p = p as f32;
                for &f in inv_freq.iter() {
                    let angle = f64::from(f * p);
                    cos.push(angle.cos() as f32 * self.attention_scaling);
                    sin.push(angle.sin() as f32 * self.attention_scaling);
                }
            }
        }
        RopeTable { half, cos, sin }
    }
}

impl Yarn {
    /// YaRN's frequencies (`_compute_yarn_parameters`).
    fn inv_freq(&self, theta: f64, head_dim: usize) -> Vec<f32> {
        let powers = base_powers(theta, head_dim);
        let dim = head_dim as f64;
        let correction_dim = |rotations: f64| {
            dim * (self.original_max_position_embeddings / (rotations * 2.0 * std::f64::consts::PI))
                .ln()
                / (2.0 * theta.ln())
        };
        let (mut low, mut high) = (
            correction_dim(self.beta_fast),
            correction_dim(self.beta_slow),
        );
        if self.truncate {
            (low, high) = (low.floor(), high.ceil());
        }
        let (low, mut high) = (low.max(0.0), high.min(dim - 1.0));
        if low == high {
            high += 0.001;
        }
        let factor = self.factor as f32;
        powers
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let extrapolation = 1.0 / p;
                let interpolation = 1.0 / (factor * p);
                let ramp = ((i as f32 - low as f32) / (high - low) as f32).clamp(0.0, 1.0);
                let extrapolation_factor = 1.0 - ramp;
                interpolation * (1.0 - extrapolation_factor) + extrapolation * extrapolation_factor
            })
            .collect()
    }
}

/// Per-token cosines and sines of a batch.
#[derive(Debug, Clone)]
pub(crate) struct RopeTable {
    half: usize,
    cos: Vec<f32>,
    sin: Vec<f32>,
}

impl RopeTable {
    /// Rotates one head vector of token `token` in place.
    pub(crate) fn rotate(&self, token: usize, head: &mut [f32]) {
        let cos = &self.cos[token * self.half..(token + 1) * self.half];
        let sin = &self.sin[token * self.half..(token + 1) * self.half];
        let (first, second) = head.split_at_mut(self.half);
        for i in 0..self.half {
            let (a, b) = (first[i], second[i]);
            first[i] = a * cos[i] - b * sin[i];
            second[i] = b * cos[i] + a * sin[i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_zero_is_identity_and_rotation_keeps_norm() {
        let rope = Rope::new(
            &RopeConfig {
                theta: 10_000.0,
                scaling: RopeScaling::None,
            },
            4,
        );
        let table = rope.table(&[0, 3], &[2]);
        let mut v = [1.0, 2.0, 3.0, 4.0];
        table.rotate(0, &mut v);
        assert_eq!(v, [1.0, 2.0, 3.0, 4.0]);
        table.rotate(1, &mut v);
        // Pair (v0, v2) turns by 3 rad, pair (v1, v3) by 3/100 rad.
        let expected0 = 1.0 * 3f32.cos() - 3.0 * 3f32.sin();
        assert!((v[0] - expected0).abs() < 1e-6, "{v:?}");
        let norm: f32 = v.iter().map(|x| x * x).sum();
        assert!((norm - 30.0).abs() < 1e-4);
    }

    #[test]
    fn llama3_scaling_divides_only_low_frequencies() {
        let plain = Rope::new(
            &RopeConfig {
                theta: 500_000.0,
                scaling: RopeScaling::None,
            },
            64,
        );
        let scaled = Rope::new(
            &RopeConfig {
                theta: 500_000.0,
                scaling: RopeScaling::Llama3 {
                    factor: 8.0,
                    low_freq_factor: 1.0,
                    high_freq_factor: 4.0,
                    original_max_position_embeddings: 8192.0,
                },
            },
            64,
        );
        assert_eq!(scaled.inv_freq[0], plain.inv_freq[0]);
        assert_eq!(scaled.inv_freq[31], plain.inv_freq[31] / 8.0);
        let mid = (0..32)
            .find(|&i| scaled.inv_freq[i] != plain.inv_freq[i])
            .expect("some frequency is rescaled");
        assert!(scaled.inv_freq[mid] > plain.inv_freq[mid] / 8.0);
    }
}
