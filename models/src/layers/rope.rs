//! Rotary position embeddings in HF's half-split layout (`rotate_half`), with the inverse
//! frequencies, angles and products rounded in f32 as transformers computes them.

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
    inv_freq: Vec<f32>,
}

impl Rope {
    /// Frequencies for heads of `head_dim` (even) values.
    pub(crate) fn new(config: &RopeConfig, head_dim: usize) -> Self {
        let base = config.theta as f32;
        let dim = head_dim as f32;
        let mut inv_freq: Vec<f32> = (0..head_dim / 2)
            .map(|i| {
                let exponent = (2 * i) as f32 / dim;
                let power = f64::from(base).powf(f64::from(exponent)) as f32;
                1.0 / power
            })
            .collect();
        match config.scaling {
            RopeScaling::None => {}
            RopeScaling::Linear { factor } => {
                let factor = factor as f32;
                inv_freq.iter_mut().for_each(|f| *f /= factor);
            }
            RopeScaling::Llama3 {
                factor,
                low_freq_factor,
                high_freq_factor,
                original_max_position_embeddings,
            } => {
                let (factor, low, high, context) = (
                    factor as f32,
                    low_freq_factor as f32,
                    high_freq_factor as f32,
                    original_max_position_embeddings as f32,
                );
                let low_freq_wavelen = context / low;
                let high_freq_wavelen = context / high;
                for f in &mut inv_freq {
                    let wavelen = 2.0 * std::f32::consts::PI / *f;
                    if wavelen > low_freq_wavelen {
                        *f /= factor;
                    } else if wavelen >= high_freq_wavelen {
                        let smooth = (context / wavelen - low) / (high - low);
                        *f = (1.0 - smooth) * *f / factor + smooth * *f;
                    }
                }
            }
        }
        Self { inv_freq }
    }

    /// Cosines and sines for tokens at `positions`.
    pub(crate) fn table(&self, positions: &[usize]) -> RopeTable {
        let half = self.inv_freq.len();
        let mut cos = Vec::with_capacity(positions.len() * half);
        let mut sin = Vec::with_capacity(positions.len() * half);
        for &p in positions {
            let p = p as f32;
            for &f in &self.inv_freq {
                let angle = f64::from(f * p);
                cos.push(angle.cos() as f32);
                sin.push(angle.sin() as f32);
            }
        }
        RopeTable { half, cos, sin }
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
        let table = rope.table(&[0, 3]);
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
