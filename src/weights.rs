//! Named tensors from a safetensors buffer, checked against the shapes the config implies.
//! Every lookup failure names the tensor, so a wrong checkpoint is diagnosed in one line.

use crate::error::{Error, Result};
use crate::tensor_stream::{TensorInfo, TensorSink};
use candle_core::{safetensors::Load, DType, Device, Tensor};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

/// One tensor held on its own (see [`Weights::owned`]).
pub struct OwnedTensor {
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    pub data: Vec<u8>,
}

impl OwnedTensor {
    /// The tensor `info` describes, holding `data`.
    pub fn new(info: &TensorInfo, data: Vec<u8>) -> Self {
        Self {
            dtype: info.dtype,
            shape: info.shape.clone(),
            data,
        }
    }
}

enum Backing<'a> {
    /// Views into one file buffer.
    File(SafeTensors<'a>),
    /// Separately allocated tensors; large payloads are moved out when the model takes them,
    /// so loading never holds the file and the model in full at once.
    Owned(RefCell<HashMap<String, OwnedTensor>>),
}

pub struct Weights<'a> {
    backing: Backing<'a>,
    device: Device,
}

impl<'a> Weights<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let st = SafeTensors::deserialize(bytes).map_err(|e| Error::Safetensors(e.to_string()))?;
        Ok(Self {
            backing: Backing::File(st),
            device: Device::Cpu,
        })
    }

    /// Weights from a whole weights file of either format (safetensors, or a PyTorch
    /// checkpoint, read through the same stream the quantizer uses).
    pub fn load(bytes: &'a [u8]) -> Result<Self> {
        if crate::pytorch::is_zip(bytes) || crate::pytorch::is_legacy(bytes) {
            let mut c = Collect::default();
            c.push(bytes)?;
            return c.finish();
        }
        Self::parse(bytes)
    }

    /// Weights from tensors received one by one (the streaming loader).
    pub fn owned(tensors: HashMap<String, OwnedTensor>) -> Weights<'static> {
        Weights {
            backing: Backing::Owned(RefCell::new(tensors)),
            device: Device::Cpu,
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.shape(name).is_some()
    }

    pub fn shape(&self, name: &str) -> Option<Vec<usize>> {
        match &self.backing {
            Backing::File(st) => st.tensor(name).ok().map(|t| t.shape().to_vec()),
            Backing::Owned(map) => map.borrow().get(name).map(|t| t.shape.clone()),
        }
    }

    fn names(&self) -> Vec<String> {
        match &self.backing {
            Backing::File(st) => st.names().into_iter().map(str::to_owned).collect(),
            Backing::Owned(map) => map.borrow().keys().cloned().collect(),
        }
    }

    /// Runs `f` on the tensor `name`, after checking it has exactly `shape`.
    fn with_view<R>(
        &self,
        name: &str,
        shape: &[usize],
        f: impl FnOnce(TensorView<'_>) -> Result<R>,
    ) -> Result<R> {
        match &self.backing {
            Backing::File(st) => {
                let view = st.tensor(name).map_err(|_| self.missing(name))?;
                self.check_shape(name, view.shape(), shape)?;
                f(view)
            }
            Backing::Owned(map) => {
                let map = map.borrow();
                let t = map.get(name).ok_or_else(|| self.missing(name))?;
                self.check_shape(name, &t.shape, shape)?;
                let view = TensorView::new(t.dtype, t.shape.clone(), &t.data)
                    .map_err(|e| Error::Safetensors(format!("`{name}`: {e}")))?;
                f(view)
            }
        }
    }

    fn check_shape(&self, name: &str, found: &[usize], shape: &[usize]) -> Result<()> {
        if found != shape {
            return Err(Error::ShapeMismatch {
                name: name.to_owned(),
                expected: shape.to_vec(),
                found: found.to_vec(),
            });
        }
        Ok(())
    }

    /// The tensor `name` as f32, after checking it has exactly `shape`.
    pub fn get(&self, name: &str, shape: &[usize]) -> Result<Tensor> {
        self.with_view(name, shape, |view| {
            if !matches!(view.dtype(), Dtype::F32 | Dtype::F16 | Dtype::BF16) {
                return Err(Error::UnsupportedDtype {
                    name: name.to_owned(),
                    dtype: format!("{:?}", view.dtype()),
                });
            }
            Ok(view.load(&self.device)?.to_dtype(DType::F32)?)
        })
    }

    /// The raw little-endian bytes of `name`, after checking its dtype and shape. From owned
    /// weights the bytes are moved out (each payload is read once), not copied.
    pub fn raw(&self, name: &str, dtype: Dtype, shape: &[usize]) -> Result<Cow<'a, [u8]>> {
        let check = |found: Dtype| {
            if found != dtype {
                return Err(Error::UnsupportedDtype {
                    name: name.to_owned(),
                    dtype: format!("{found:?}"),
                });
            }
            Ok(())
        };
        match &self.backing {
            Backing::File(st) => {
                let view = st.tensor(name).map_err(|_| self.missing(name))?;
                self.check_shape(name, view.shape(), shape)?;
                check(view.dtype())?;
                Ok(Cow::Borrowed(view.data()))
            }
            Backing::Owned(map) => {
                {
                    let m = map.borrow();
                    let t = m.get(name).ok_or_else(|| self.missing(name))?;
                    self.check_shape(name, &t.shape, shape)?;
                    check(t.dtype)?;
                }
                let t = map
                    .borrow_mut()
                    .remove(name)
                    .ok_or_else(|| self.missing(name))?;
                Ok(Cow::Owned(t.data))
            }
        }
    }

    /// The tensor `name` as a flat f32 vector (any float dtype), after checking its shape.
    pub fn get_vec(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        Ok(self.get(name, shape)?.flatten_all()?.to_vec1()?)
    }

    fn missing(&self, name: &str) -> Error {
        // Point at the likely cause: the right tensor under another prefix. The suffix keeps
        // its `embeddings.` (a bare leaf like `weight` would match any tensor), and the
        // first match by name keeps the message the same on every load.
        let suffix = name.find("embeddings.").map_or(name, |i| &name[i..]);
        let similar = self
            .names()
            .into_iter()
            .filter(|n| n.ends_with(suffix) && *n != name)
            .min();
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

/// Collects every tensor of a weights stream (safetensors or PyTorch) as owned tensors.
#[derive(Default)]
pub struct Collect {
    stream: crate::checkpoint::CheckpointStream,
    tensors: HashMap<String, OwnedTensor>,
}

impl Collect {
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        let Collect { stream, tensors } = self;
        stream.push(chunk, &mut Sink(tensors))
    }

    pub fn finish(self) -> Result<Weights<'static>> {
        self.stream.check_complete()?;
        Ok(Weights::owned(self.tensors))
    }
}

struct Sink<'m>(&'m mut HashMap<String, OwnedTensor>);

impl TensorSink for Sink<'_> {
    fn header(
        &mut self,
        _metadata: Option<&serde_json::Map<String, serde_json::Value>>,
        tensors: &[TensorInfo],
    ) -> Result<Vec<bool>> {
        Ok(vec![true; tensors.len()])
    }

    fn tensor(&mut self, _index: usize, info: &TensorInfo, data: Vec<u8>) -> Result<()> {
        self.0
            .insert(info.name.clone(), OwnedTensor::new(info, data));
        Ok(())
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

    pub fn raw(&self, leaf: &str, dtype: Dtype, shape: &[usize]) -> Result<Cow<'a, [u8]>> {
        self.weights.raw(&self.name(leaf), dtype, shape)
    }

    pub fn contains(&self, leaf: &str) -> bool {
        self.weights.contains(&self.name(leaf))
    }

    pub fn shape(&self, leaf: &str) -> Option<Vec<usize>> {
        self.weights.shape(&self.name(leaf))
    }
}
