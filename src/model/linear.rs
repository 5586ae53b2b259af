//! Dense layers. The weight is an enum so that quantized storage can replace the f32
//! matrix without a second copy of the BERT code: layers only ever call `forward`.

use crate::error::Result;
use crate::weights::Scope;
use candle_core::{Module, Tensor};

pub enum LinearWeight {
    /// `[out, in]`, as stored by PyTorch.
    F32(Tensor),
}

pub struct Linear {
    weight: LinearWeight,
    bias: Tensor,
    out_dim: usize,
}

impl Linear {
    /// Loads `{scope}.weight` `[out, in]` and `{scope}.bias` `[out]`.
    pub fn load(scope: &Scope, in_dim: usize, out_dim: usize) -> Result<Self> {
        let weight = LinearWeight::F32(scope.get("weight", &[out_dim, in_dim])?);
        let bias = scope.get("bias", &[out_dim])?;
        Ok(Self { weight, bias, out_dim })
    }

    pub fn out_dim(&self) -> usize {
        self.out_dim
    }

    /// `x` is `[..., in]`; the result is `[..., out]`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (&in_dim, lead) = x
            .dims()
            .split_last()
            .ok_or_else(|| candle_core::Error::Msg("linear input must have rank >= 1".into()))?;
        let rows: usize = lead.iter().product();
        let x2 = x.reshape((rows, in_dim))?;
        let y = match &self.weight {
            LinearWeight::F32(w) => x2.matmul(&w.t()?)?,
        };
        let y = y.broadcast_add(&self.bias)?;
        let mut out_dims = lead.to_vec();
        out_dims.push(self.out_dim);
        Ok(y.reshape(out_dims)?)
    }
}

pub struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f32,
}

impl LayerNorm {
    pub fn load(scope: &Scope, dim: usize, eps: f64) -> Result<Self> {
        Ok(Self {
            weight: scope.get("weight", &[dim])?,
            bias: scope.get("bias", &[dim])?,
            eps: eps as f32,
        })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::ops::layer_norm(x, &self.weight, &self.bias, self.eps)?)
    }
}

/// A lookup table `[rows, dim]`.
pub struct Embedding {
    table: Tensor,
}

impl Embedding {
    pub fn load(scope: &Scope, rows: usize, dim: usize) -> Result<Self> {
        Ok(Self { table: scope.get("weight", &[rows, dim])? })
    }
}

impl Module for Embedding {
    fn forward(&self, ids: &Tensor) -> candle_core::Result<Tensor> {
        let mut dims = ids.dims().to_vec();
        dims.push(self.table.dim(1)?);
        self.table.index_select(&ids.flatten_all()?, 0)?.reshape(dims)
    }
}
