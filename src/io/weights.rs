//! Named tensors from a safetensors buffer, checked against the shapes the config implies.
//! Every lookup failure names the tensor, so a wrong checkpoint is diagnosed in one line.

use super::safetensors::parse_file;
use super::{CheckpointStream, Collect, Format, TensorInfo};
use crate::error::{Error, Result};
use candle_core::{safetensors::Load, DType, Device, Tensor};
use safetensors::tensor::TensorView;
use safetensors::Dtype;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

/// One tensor: its header entry and its bytes, borrowed from a file buffer or owned (the
/// streaming loader). `data` is `None` once [`Weights::take`] moved the bytes into the model.
struct Entry<'a> {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Option<Cow<'a, [u8]>>,
}

pub struct Weights<'a> {
    // RefCell: `take` moves a payload out through the shared `Scope`s the model loads with.
    tensors: RefCell<HashMap<String, Entry<'a>>>,
    device: Device,
}

impl<'a> Weights<'a> {
    /// Views into a whole safetensors file (the header is parsed by [`super::safetensors`],
    /// the one safetensors reader of the crate).
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let (header, payload) = parse_file(bytes)?;
        Ok(Self::from_entries(header.tensors.into_iter().map(|t| {
            let data = Cow::Borrowed(&payload[t.start..t.end]);
            (t, data)
        })))
    }

    /// Weights from a whole weights file of either format (safetensors, or a PyTorch
    /// checkpoint, read through the same stream the quantizer uses).
    pub fn load(bytes: &'a [u8]) -> Result<Self> {
        if Format::sniff(bytes).is_pytorch() {
            let mut c = Collect::<CheckpointStream>::new();
            c.push(bytes)?;
            return Ok(c.finish()?.weights);
        }
        Self::parse(bytes)
    }

    /// Weights from tensors received one by one (the streaming loader).
    pub fn owned(tensors: impl IntoIterator<Item = (TensorInfo, Vec<u8>)>) -> Self {
        Self::from_entries(tensors.into_iter().map(|(t, data)| (t, Cow::Owned(data))))
    }

    fn from_entries(entries: impl Iterator<Item = (TensorInfo, Cow<'a, [u8]>)>) -> Self {
        let tensors = entries
            .map(|(t, data)| {
                let entry = Entry {
                    dtype: t.dtype,
                    shape: t.shape,
                    data: Some(data),
                };
                (t.name, entry)
            })
            .collect();
        Self {
            tensors: RefCell::new(tensors),
            device: Device::Cpu,
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.tensors.borrow().contains_key(name)
    }

    pub fn shape(&self, name: &str) -> Option<Vec<usize>> {
        self.tensors.borrow().get(name).map(|t| t.shape.clone())
    }

    /// Runs `f` on the tensor `name`, after checking it has exactly `shape`.
    fn with_view<R>(
        &self,
        name: &str,
        shape: &[usize],
        f: impl FnOnce(TensorView<'_>) -> Result<R>,
    ) -> Result<R> {
        let map = self.tensors.borrow();
        let t = map.get(name).ok_or_else(|| self.missing(name))?;
        check_shape(name, &t.shape, shape)?;
        let data = t.data.as_deref().ok_or_else(|| taken(name))?;
        let view = TensorView::new(t.dtype, t.shape.clone(), data)
            .map_err(|e| Error::Safetensors(format!("`{name}`: {e}")))?;
        f(view)
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

    /// Moves the raw little-endian bytes of `name` out (borrowed from a file buffer, or the
    /// owned allocation itself: never copied), after checking its dtype and shape. A tensor is
    /// taken once; `contains` and `shape` still answer for it afterwards.
    pub fn take(&self, name: &str, dtype: Dtype, shape: &[usize]) -> Result<Cow<'a, [u8]>> {
        let mut map = self.tensors.borrow_mut();
        let Some(t) = map.get_mut(name) else {
            drop(map);
            return Err(self.missing(name));
        };
        check_shape(name, &t.shape, shape)?;
        if t.dtype != dtype {
            return Err(Error::UnsupportedDtype {
                name: name.to_owned(),
                dtype: format!("{:?}", t.dtype),
            });
        }
        t.data.take().ok_or_else(|| taken(name))
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
            .tensors
            .borrow()
            .keys()
            .filter(|n| n.ends_with(suffix) && *n != name)
            .min()
            .cloned();
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

    pub fn take(&self, leaf: &str, dtype: Dtype, shape: &[usize]) -> Result<Cow<'a, [u8]>> {
        self.weights.take(&self.name(leaf), dtype, shape)
    }

    pub fn contains(&self, leaf: &str) -> bool {
        self.weights.contains(&self.name(leaf))
    }

    pub fn shape(&self, leaf: &str) -> Option<Vec<usize>> {
        self.weights.shape(&self.name(leaf))
    }
}

fn check_shape(name: &str, found: &[usize], shape: &[usize]) -> Result<()> {
    if found != shape {
        return Err(Error::ShapeMismatch {
            name: name.to_owned(),
            expected: shape.to_vec(),
            found: found.to_vec(),
        });
    }
    Ok(())
}

fn taken(name: &str) -> Error {
    Error::Safetensors(format!("tensor `{name}` was read twice"))
}
