//! LayerNorm, with the residual add before it and the quantization of its output for the next
//! int8 layer done in the same pass over each row, over blocks of rows in parallel.
//!
//! The arithmetic is candle's `layer_norm` (which this replaces) operation for operation, so the
//! results are the same bits: per row, `sum` and `sum2` accumulated in column order in f32,
//! `var = sum2 / n − mean²`, `inv_std = 1 / √(var + eps)`, `(x − mean) · inv_std · α + β`. Only
//! which rows run side by side changes: a few rows at a time, so that their independent sums
//! overlap instead of each waiting on its own chain of additions.

use super::buf::Buf;
use super::linear::{with_f32_slice, Linear, Prequantized};
use crate::error::Result;
use crate::io::Scope;
use crate::kernels::{self, parallel};
use candle_core::Tensor;

pub struct LayerNorm {
    weight: Vec<f32>,
    bias: Vec<f32>,
    eps: f32,
}

/// A LayerNorm's output (rows of `dim` values, row-major, in a buffer of the pool), and the same
/// rows quantized for the int8 layer that reads them next, when there is one (that layer then
/// skips its own quantization pass).
pub struct Normed {
    pub hidden: Buf,
    pub quantized: Option<Prequantized>,
}

/// Rows whose sums are accumulated side by side.
const LANES: usize = 4;

/// A value's share of a region's work, in the GEMMs' unit (int8 multiply-adds): the add, the
/// two sums, the normalization and the quantization of one value cost about as much as the
/// quantization alone (16, `linear::quantize_rows_parallel`) twice over.
const WORK_PER_VALUE: usize = 32;

impl LayerNorm {
    pub fn load(scope: &Scope, dim: usize, eps: f64) -> Result<Self> {
        Ok(Self {
            weight: scope.get_vec("weight", &[dim])?,
            bias: scope.get_vec("bias", &[dim])?,
            eps: eps as f32,
        })
    }

    fn dim(&self) -> usize {
        self.weight.len()
    }

    /// LayerNorm of `x` `[..., dim]`, quantized for `next` where it is int8.
    pub fn forward(&self, x: &Tensor, next: Option<&Linear>) -> Result<Normed> {
        let y = with_f32_slice(x, |xs| Ok(Buf::copy_of(xs)))?;
        self.run(y, None, next)
    }

    /// LayerNorm(`y` + `residual`): `y` a layer's output (rows of `dim` values, as many as
    /// `residual`'s), normalized in place; quantized for `next` where it is int8.
    pub fn forward_residual(
        &self,
        y: Buf,
        residual: &[f32],
        next: Option<&Linear>,
    ) -> Result<Normed> {
        self.run(y, Some(residual), next)
    }

    fn run(&self, mut y: Buf, residual: Option<&[f32]>, next: Option<&Linear>) -> Result<Normed> {
        let dim = self.dim();
        let rows = y.len() / dim.max(1);
        let shape_ok = rows * dim == y.len() && residual.is_none_or(|r| r.len() == y.len());
        if !shape_ok {
            return Err(candle_core::Error::Msg(format!(
                "layer norm over {dim} values: input of {} values, residual of {:?}",
                y.len(),
                residual.map(<[f32]>::len)
            ))
            .into());
        }
        let mut quantized = next.and_then(|l| Prequantized::start(l, rows));
        {
            let out = parallel::SharedOut::new(&mut y);
            let target = quantized.as_mut().zip(next).and_then(|(q, l)| q.target(l));
            let failed = std::sync::atomic::AtomicBool::new(false);
            parallel::for_panel_ranges(rows, rows * dim * WORK_PER_VALUE, |r| {
                let n = r.end - r.start;
                // SAFETY: rows r of the output: this task's only.
                let ys = unsafe { out.part(r.start * dim, n * dim) };
                let res = residual.map(|x| &x[r.start * dim..r.end * dim]);
                self.rows(ys, res);
                if let Some(t) = &target {
                    // SAFETY: rows r of the quantized input: this task's only.
                    let (q, s) = unsafe { t.rows(r.clone()) };
                    if kernels::quantize_for(t.w, t.acts, ys, n, q, s).is_err() {
                        failed.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
            if failed.into_inner() {
                // Non-finite values: the next layer quantizes on its own and reports the row.
                if let Some(q) = quantized.take() {
                    q.give_back();
                }
            }
        }
        Ok(Normed {
            hidden: y,
            quantized,
        })
    }

    /// Rows `ys` (+ `res`, added first) normalized in place, LANES rows at a time.
    fn rows(&self, ys: &mut [f32], res: Option<&[f32]>) {
        let dim = self.dim();
        let mut start = 0;
        for group in ys.chunks_mut(LANES * dim) {
            let res = res.map(|r| &r[start..start + group.len()]);
            start += group.len();
            match group.len() / dim {
                4 => self.lanes::<4>(group, res),
                3 => self.lanes::<3>(group, res),
                2 => self.lanes::<2>(group, res),
                _ => self.lanes::<1>(group, res),
            }
        }
    }

    #[inline(always)]
    fn lanes<const R: usize>(&self, ys: &mut [f32], res: Option<&[f32]>) {
        let dim = self.dim();
        if let Some(res) = res {
            // candle's `a + b`, element-wise.
            for (y, &r) in ys.iter_mut().zip(res) {
                *y += r;
            }
        }
        let mut sum = [0f32; R];
        let mut sum2 = [0f32; R];
        for j in 0..dim {
            for r in 0..R {
                let v = ys[r * dim + j];
                sum[r] += v;
                sum2[r] += v * v;
            }
        }
        let n = dim as f32;
        for (r, row) in ys.chunks_exact_mut(dim).enumerate() {
            let mean = sum[r] / n;
            let var = sum2[r] / n - mean * mean;
            let inv_std = 1.0 / (var + self.eps).sqrt();
            for ((d, &a), &b) in row.iter_mut().zip(&self.weight).zip(&self.bias) {
                *d = (*d - mean) * inv_std * a + b;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(len: usize, mut s: u32, scale: f32) -> Vec<f32> {
        (0..len)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                ((s >> 8) as f32 / (1 << 24) as f32 - 0.5) * scale
            })
            .collect()
    }

    /// An f32 layer's outputs come from the buffer pool they go back to, as the int8 layers'
    /// do (they were fresh vectors that attention then gave to the pool, which kept up to 3 per
    /// thread that only int8 layers took), and hold x·W + b.
    #[test]
    fn f32_linear_outputs_come_from_the_pool() {
        let dev = candle_core::Device::Cpu;
        let (rows, k, n) = (2, 4, 3);
        let w = Tensor::from_vec(values(k * n, 13, 1.0), (k, n), &dev).unwrap();
        let bias = Tensor::from_vec(values(n, 17, 1.0), n, &dev).unwrap();
        let layer = Linear::f32_for_tests(w.clone(), bias.clone()).unwrap();
        let x = values(rows * k, 11, 1.0);
        let xt = Tensor::from_vec(x.clone(), (rows, k), &dev).unwrap();
        let want: Vec<f32> = xt
            .matmul(&w)
            .unwrap()
            .broadcast_add(&bias)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        // Other tests take and give buffers meanwhile: one of a few tries must get back the
        // buffer just returned (the smallest that fits). A fresh output never is that buffer.
        let from_pool = (0..20).any(|_| {
            let mark = Buf::take(rows * n);
            let at = mark.as_ptr();
            drop(mark);
            let [y] = Linear::forward_shared([&layer], &x, rows, None).unwrap();
            assert_eq!(&y[..], &want[..]);
            y.as_ptr() == at
        });
        assert!(from_pool, "the f32 outputs did not come from the pool");
    }

    /// The same bits as candle's `x + residual` then `layer_norm`, for every row-group tail.
    #[test]
    fn layer_norm_is_candles_bit_for_bit() {
        let dev = candle_core::Device::Cpu;
        for (rows, dim) in [(1, 768), (7, 768), (13, 32), (4, 5), (33, 384)] {
            let norm = LayerNorm {
                weight: values(dim, 3, 2.0),
                bias: values(dim, 5, 0.5),
                eps: 1e-12,
            };
            let (x, r) = (values(rows * dim, 7, 40.0), values(rows * dim, 9, 3.0));
            let t = |v: &[f32]| Tensor::from_vec(v.to_vec(), (rows, dim), &dev).unwrap();
            let (w, b) = (
                Tensor::from_vec(norm.weight.clone(), dim, &dev).unwrap(),
                Tensor::from_vec(norm.bias.clone(), dim, &dev).unwrap(),
            );
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<u32>>();
            let tensor_bits =
                |t: &Tensor| bits(&t.flatten_all().unwrap().to_vec1::<f32>().unwrap());
            let want = candle_nn::ops::layer_norm(&(t(&x) + t(&r)).unwrap(), &w, &b, 1e-12);
            let got = norm.forward_residual(Buf::copy_of(&x), &r, None).unwrap();
            assert_eq!(
                bits(&got.hidden),
                tensor_bits(&want.unwrap()),
                "{rows} x {dim}"
            );
            let want = candle_nn::ops::layer_norm(&t(&x), &w, &b, 1e-12).unwrap();
            let got = norm.forward(&t(&x), None).unwrap();
            assert_eq!(
                bits(&got.hidden),
                tensor_bits(&want),
                "{rows} x {dim}, no residual"
            );
        }
    }
}
