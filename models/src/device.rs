//! `--device`: which burn device a model runs on. `cpu` is burn's `flex` backend with
//! babelbench's fused kernels; `wgpu` (any Vulkan, Metal or DX12 adapter, Mesa's lavapipe
//! included) and `cuda` are burn's cubecl backends, compiled in by the cargo features of the
//! same names.

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;

/// A device named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// The CPU (`flex`).
    #[default]
    Cpu,
    /// wgpu's default adapter (`wgpu`), or its discrete GPU N (`wgpu:N`).
    Wgpu(Option<usize>),
    /// CUDA GPU N (`cuda`, `cuda:N`).
    Cuda(usize),
}

/// Whether `device` is the CPU backend, where babelbench's host kernels run: weights packed into
/// panels at load, grouped key/value heads shared inside burn-flex's attention.
pub(crate) fn is_cpu(device: &Device) -> bool {
    *device == Device::flex()
}

/// A device that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The name is not a device.
    #[error("`{0}` is not a device; use cpu, wgpu, wgpu:N, cuda or cuda:N")]
    Unknown(String),
    /// This build has no backend for the device.
    #[error(
        "this babelbench was built without the `{feature}` feature; rebuild with \
         `cargo build --release --features {feature}`, or use --device cpu"
    )]
    NotBuilt {
        /// The cargo feature that adds the backend.
        feature: &'static str,
    },
    /// The backend is built but the device could not be opened.
    #[error("cannot open device {device}: {message}")]
    Unavailable {
        /// The device as named.
        device: DeviceChoice,
        /// What the backend said.
        message: String,
    },
}

impl FromStr for DeviceChoice {
    type Err = DeviceError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unknown = || DeviceError::Unknown(text.to_string());
        let (name, index) = match text.split_once(':') {
            Some((name, index)) => (name, Some(index.parse().map_err(|_| unknown())?)),
            None => (text, None),
        };
        match name {
            "cpu" if index.is_none() => Ok(DeviceChoice::Cpu),
            "wgpu" => Ok(DeviceChoice::Wgpu(index)),
            "cuda" => Ok(DeviceChoice::Cuda(index.unwrap_or(0))),
            _ => Err(unknown()),
        }
    }
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceChoice::Cpu => write!(f, "cpu"),
            DeviceChoice::Wgpu(None) => write!(f, "wgpu"),
            DeviceChoice::Wgpu(Some(index)) => write!(f, "wgpu:{index}"),
            DeviceChoice::Cuda(index) => write!(f, "cuda:{index}"),
        }
    }
}

impl DeviceChoice {
    /// Opens the device: a GPU backend is initialized here, so that a missing driver or
    /// adapter is an error before the model loads.
    pub fn open(self) -> Result<Device, DeviceError> {
        match self {
            DeviceChoice::Cpu => Ok(Device::flex()),
            DeviceChoice::Wgpu(index) => open_wgpu(self, index),
            DeviceChoice::Cuda(index) => open_cuda(self, index),
        }
    }
}

#[cfg(feature = "wgpu")]
fn open_wgpu(choice: DeviceChoice, index: Option<usize>) -> Result<Device, DeviceError> {
    use burn::tensor::DeviceKind;
    let kind = index.map_or(DeviceKind::DefaultDevice, DeviceKind::DiscreteGpu);
    Device::wgpu_options()
        .device_kind(kind)
        .init()
        .map_err(|e| DeviceError::Unavailable {
            device: choice,
            message: e.to_string(),
        })
}

#[cfg(not(feature = "wgpu"))]
fn open_wgpu(_: DeviceChoice, _: Option<usize>) -> Result<Device, DeviceError> {
    Err(DeviceError::NotBuilt { feature: "wgpu" })
}

#[cfg(feature = "cuda")]
fn open_cuda(choice: DeviceChoice, index: usize) -> Result<Device, DeviceError> {
    // cubecl opens CUDA on the first operation and panics when it cannot; that first
    // operation happens here, where the panic becomes an error.
    let device = Device::cuda(index);
    let probe = device.clone();
    std::panic::catch_unwind(move || {
        burn::tensor::Tensor::<1>::zeros([1], &probe).into_data();
    })
    .map_err(|panic| DeviceError::Unavailable {
        device: choice,
        message: panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "the CUDA runtime failed to start".into()),
    })?;
    Ok(device)
}

#[cfg(not(feature = "cuda"))]
fn open_cuda(_: DeviceChoice, _: usize) -> Result<Device, DeviceError> {
    Err(DeviceError::NotBuilt { feature: "cuda" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print_back() {
        for (text, choice) in [
            ("cpu", DeviceChoice::Cpu),
            ("wgpu", DeviceChoice::Wgpu(None)),
            ("wgpu:1", DeviceChoice::Wgpu(Some(1))),
            ("cuda:2", DeviceChoice::Cuda(2)),
        ] {
            assert_eq!(text.parse::<DeviceChoice>().unwrap(), choice);
            assert_eq!(choice.to_string(), text);
        }
        assert_eq!(
            "cuda".parse::<DeviceChoice>().unwrap(),
            DeviceChoice::Cuda(0)
        );
        for bad in ["gpu", "cpu:0", "cuda:x", "wgpu:", ""] {
            let error = bad.parse::<DeviceChoice>().unwrap_err().to_string();
            assert!(error.contains("use cpu, wgpu"), "{bad}: {error}");
        }
    }

    #[test]
    fn the_cpu_opens_and_a_backend_not_built_says_which_feature() {
        assert_eq!(DeviceChoice::Cpu.open().unwrap(), Device::flex());
        #[cfg(not(feature = "cuda"))]
        {
            let error = DeviceChoice::Cuda(0).open().unwrap_err().to_string();
            assert!(error.contains("--features cuda"), "{error}");
        }
        #[cfg(not(feature = "wgpu"))]
        {
            let error = DeviceChoice::Wgpu(None).open().unwrap_err().to_string();
            assert!(error.contains("--features wgpu"), "{error}");
        }
    }

    /// Only in a build with the backend: the adapter opens and computes (scripts/wgpu-check.sh
    /// runs this on lavapipe).
    #[cfg(feature = "wgpu")]
    #[test]
    fn wgpu_opens_and_computes() {
        let device = DeviceChoice::Wgpu(None).open().unwrap();
        let sum: f32 = burn::tensor::Tensor::<1>::from_floats([1.0, 2.0, 3.5], &device)
            .sum()
            .into_scalar();
        assert_eq!(sum, 6.5);
    }
}
