//! Named tensors from a safetensors buffer, checked against the shapes the config implies.
//! Every lookup failure names the tensor, so a wrong checkpoint is diagnosed in one line.

use crate::error::{Error, Result};
use candle_core::{safetensors::Load, DType, Device, Tensor};
use safetensors::SafeTensors;

pub struct Weights<'a> {
    st: SafeTensors<'a>,
    device: Device,
}

impl<'a> Weights<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let st = SafeTensors::deserialize(bytes).map_err(|e| Error::Safetensors(e.to_string()))?;
        Ok(Self {
            st,
            device: Device::Cpu,
        })
    }

    pub fn contains(&self, name: &str) -> bool {
        self.st.tensor(name).is_ok()
    }

    pub fn shape(&self, name: &str) -> Option<Vec<usize>> {
        self.st.tensor(name).ok().map(|t| t.shape().to_vec())
    }

    /// The tensor `name`, after checking it has exactly `shape`.
    fn view(&self, name: &str, shape: &[usize]) -> Result<safetensors::tensor::TensorView<'a>> {
        let view = self.st.tensor(name).map_err(|_| self.missing(name))?;
        if view.shape() != shape {
            return Err(Error::ShapeMismatch {
                name: name.to_owned(),
                expected: shape.to_vec(),
                found: view.shape().to_vec(),
            });
        }
        Ok(view)
    }

    /// The tensor `name` as f32, after checking it has exactly `shape`.
    pub fn get(&self, name: &str, shape: &[usize]) -> Result<Tensor> {
        let view = self.view(name, shape)?;
        use safetensors::Dtype;
        if !matches!(view.dtype(), Dtype::F32 | Dtype::F16 | Dtype::BF16) {
            return Err(Error::UnsupportedDtype {
                name: name.to_owned(),
                dtype: format!("{:?}", view.dtype()),
            });
        }
        Ok(view.load(&self.device)?.to_dtype(DType::F32)?)
    }

    /// The raw little-endian bytes of `name`, after checking its dtype and shape.
    pub fn raw(&self, name: &str, dtype: safetensors::Dtype, shape: &[usize]) -> Result<&'a [u8]> {
        let view = self.view(name, shape)?;
        if view.dtype() != dtype {
            return Err(Error::UnsupportedDtype {
                name: name.to_owned(),
                dtype: format!("{:?}", view.dtype()),
            });
        }
        Ok(view.data())
    }

    /// The tensor `name` as a flat f32 vector (any float dtype), after checking its shape.
    pub fn get_vec(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        Ok(self.get(name, shape)?.flatten_all()?.to_vec1()?)
    }

    fn missing(&self, name: &str) -> Error {
        // Point at the likely cause: the right tensor under another prefix.
        let suffix = name
            .rsplit_once("embeddings.")
            .map(|(_, s)| s)
            .unwrap_or(name);
        let similar = self
            .st
            .names()
            .into_iter()
            .find(|n| n.ends_with(suffix) && *n != name);
        let hint = match similar {
            Some(other) => format!(" (found `{other}`: is this a different model layout?)"),
            None => String::new(),
        };
        Error::MissingTensor {
            name: name.to_owned(),
            hint,
        }
    }

    pub fn scope(&self, prefix: &str) -> Scope<'_, 'a> {
        Scope {
            weights: self,
            prefix: prefix.to_owned(),
        }
    }
}

/// A view of the weights under a dotted name prefix, like `bert.encoder.layer.3`.
#[derive(Clone)]
pub struct Scope<'w, 'a> {
    weights: &'w Weights<'a>,
    prefix: String,
}

impl<'w, 'a> Scope<'w, 'a> {
    pub fn pp(&self, name: impl std::fmt::Display) -> Self {
        let prefix = if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.prefix)
        };
        Scope {
            weights: self.weights,
            prefix,
        }
    }

    pub fn name(&self, leaf: &str) -> String {
        if self.prefix.is_empty() {
            leaf.to_owned()
        } else {
            format!("{}.{leaf}", self.prefix)
        }
    }

    pub fn get(&self, leaf: &str, shape: &[usize]) -> Result<Tensor> {
        self.weights.get(&self.name(leaf), shape)
    }

    pub fn get_vec(&self, leaf: &str, shape: &[usize]) -> Result<Vec<f32>> {
        self.weights.get_vec(&self.name(leaf), shape)
    }

    pub fn raw(&self, leaf: &str, dtype: safetensors::Dtype, shape: &[usize]) -> Result<&'a [u8]> {
        self.weights.raw(&self.name(leaf), dtype, shape)
    }

    pub fn contains(&self, leaf: &str) -> bool {
        self.weights.contains(&self.name(leaf))
    }

    pub fn shape(&self, leaf: &str) -> Option<Vec<usize>> {
        self.weights.shape(&self.name(leaf))
    }
}
