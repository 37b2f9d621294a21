//! Feed-forward blocks: the gated `down(act(gate(x)) · up(x))` of Llama and Gemma with gate
//! and up fused into one product, and GPT-2's `proj(act(fc(x)))`.

use burn::tensor::Tensor;

use crate::cpu::host::{for_each_row, from_host, to_host};
use crate::error::ForwardError;
use crate::layers::linear::Linear;

/// Element-wise nonlinearity of a feed-forward block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activation {
    /// `x·sigmoid(x)` (HF `silu`).
    Silu,
    /// The tanh approximation of GELU (HF `gelu_pytorch_tanh`, `gelu_new`).
    GeluTanh,
}

impl Activation {
    /// The activation of `x`, rounded in f32 as PyTorch does.
    fn apply(self, x: f32) -> f32 {
        match self {
            Self::Silu => x * (1.0 / (1.0 + (-x).exp())),
            // 0.5·x·(1 + tanh(u)) = x·sigmoid(2u): one exp instead of a tanh.
            Self::GeluTanh => {
                const SQRT_2_OVER_PI: f32 = 0.797_884_6;
                let inner = SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x);
                x / (1.0 + (-2.0 * inner).exp())
            }
        }
    }
}

/// `down(act(gate(x)) · up(x))`.
#[derive(Debug, Clone)]
pub(crate) struct GatedMlp {
    /// `hidden → 2·intermediate`: gate columns then up columns.
    gate_up: Linear,
    down: Linear,
    intermediate: usize,
    activation: Activation,
}

impl GatedMlp {
    /// A gated block from its fused gate/up projection (gate columns first).
    pub(crate) fn new(
        gate_up: Linear,
        down: Linear,
        intermediate: usize,
        activation: Activation,
    ) -> Self {
        Self {
            gate_up,
            down,
            intermediate,
            activation,
        }
    }

    /// Applies the block to `x` (`[rows, seq, hidden]`).
    pub(crate) fn forward(&self, x: Tensor<3>) -> Result<Tensor<3>, ForwardError> {
        let [rows, seq, _] = x.dims();
        let device = x.device();
        let fused = to_host(self.gate_up.forward(x)?)?;
        let inter = self.intermediate;
        let mut gated = vec![0.0f32; rows * seq * inter];
        for_each_row(&mut gated, inter, |token, out| {
            let row = &fused[token * 2 * inter..(token + 1) * 2 * inter];
            let (gate, up) = row.split_at(inter);
            for ((o, &g), &u) in out.iter_mut().zip(gate).zip(up) {
                *o = self.activation.apply(g) * u;
            }
        });
        let gated = from_host(gated, [rows, seq, inter], &device);
        self.down.forward(gated)
    }
}

/// `proj(act(fc(x)))`.
#[derive(Debug, Clone)]
pub(crate) struct Mlp {
    fc: Linear,
    proj: Linear,
    activation: Activation,
}

impl Mlp {
    /// A plain two-layer block.
    pub(crate) fn new(fc: Linear, proj: Linear, activation: Activation) -> Self {
        Self {
            fc,
            proj,
            activation,
        }
    }

    /// Applies the block to `x` (`[rows, seq, hidden]`).
    pub(crate) fn forward(&self, x: Tensor<3>) -> Result<Tensor<3>, ForwardError> {
        let hidden = self.fc.forward(x)?;
        let shape = hidden.dims();
        let device = hidden.device();
        let mut values = to_host(hidden)?;
        for_each_row(&mut values, shape[2], |_, row| {
            row.iter_mut().for_each(|v| *v = self.activation.apply(*v));
        });
        self.proj.forward(from_host(values, shape, &device))
    }
}

#[cfg(test)]
mod tests {
    use super::Activation;

    #[test]
    fn activations_match_reference_values() {
        // torch.nn.functional.silu / gelu(approximate="tanh") at 1.0 and -2.0.
        assert!((Activation::Silu.apply(1.0) - 0.731_058_6).abs() < 1e-6);
        assert!((Activation::Silu.apply(-2.0) - -0.238_405_84).abs() < 1e-6);
        assert!((Activation::GeluTanh.apply(1.0) - 0.841_191_97).abs() < 1e-6);
        assert!((Activation::GeluTanh.apply(-2.0) - -0.045_402_3).abs() < 1e-6);
    }
}
