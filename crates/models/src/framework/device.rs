//! Where a model's tensors live during training: the CPU, or a CUDA GPU when gnnrec is built
//! with the `cuda` feature.

use crate::framework::error::{ModelError, Result, bail};
use candle_core::Device;
use serde::{Deserialize, Serialize};

/// The training device, as named on the command line (`cpu`, `cuda`, `cuda:N`).
///
/// On the CPU the propagation runs as gnnrec's CSR custom op; on a CUDA device it is built
/// from candle's own ops (`index_select`, `broadcast_mul`, `index_add`), which candle runs
/// with its CUDA kernels. The optimiser, sampling and evaluation stay on the CPU.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceSpec {
    /// The CPU (the default).
    #[default]
    Cpu,
    /// The CUDA GPU with this ordinal.
    Cuda(usize),
}

impl DeviceSpec {
    /// Parses `cpu`, `cuda` (GPU 0) or `cuda:N`.
    ///
    /// ```
    /// use gnnrec_models::DeviceSpec;
    /// assert_eq!(DeviceSpec::parse("cpu").unwrap(), DeviceSpec::Cpu);
    /// assert_eq!(DeviceSpec::parse("cuda").unwrap(), DeviceSpec::Cuda(0));
    /// assert_eq!(DeviceSpec::parse("cuda:1").unwrap(), DeviceSpec::Cuda(1));
    /// assert!(DeviceSpec::parse("gpu").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<DeviceSpec> {
        match s.trim() {
            "cpu" => Ok(DeviceSpec::Cpu),
            "cuda" => Ok(DeviceSpec::Cuda(0)),
            other => match other.strip_prefix("cuda:").map(str::parse) {
                Some(Ok(n)) => Ok(DeviceSpec::Cuda(n)),
                _ => bail!("unknown device `{other}`; use cpu, cuda or cuda:N"),
            },
        }
    }

    /// Opens the device. A CUDA device in a build without the `cuda` feature is an error that
    /// says how to rebuild.
    pub fn open(self) -> Result<Device> {
        match self {
            DeviceSpec::Cpu => Ok(Device::Cpu),
            DeviceSpec::Cuda(n) => {
                if !candle_core::utils::cuda_is_available() {
                    bail!(
                        "this gnnrec was built without CUDA support; rebuild with \
                         `cargo build --release --features cuda` (needs a CUDA toolkit)"
                    );
                }
                Device::new_cuda(n)
                    .map_err(|e| ModelError::Invalid(format!("cannot open CUDA device {n}: {e}")))
            }
        }
    }
}

impl std::fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceSpec::Cpu => write!(f, "cpu"),
            DeviceSpec::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_opens_and_names_round_trip() {
        assert!(DeviceSpec::Cpu.open().unwrap().is_cpu());
        for d in [DeviceSpec::Cpu, DeviceSpec::Cuda(0), DeviceSpec::Cuda(3)] {
            assert_eq!(DeviceSpec::parse(&d.to_string()).unwrap(), d);
        }
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cuda_without_the_feature_says_how_to_rebuild() {
        let e = DeviceSpec::Cuda(0).open().unwrap_err().to_string();
        assert!(e.contains("--features cuda"), "{e}");
    }
}
