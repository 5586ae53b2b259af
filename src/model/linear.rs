//! Dense layers and lookup tables over f32 or quantized storage. BERT code only calls
//! `forward`, so one model implementation serves every scheme (docs/FORMAT.md).

use super::buf::Buf;
use crate::error::Result;
use crate::io::Scope;
use crate::kernels::parallel::SharedOut;
use crate::kernels::sgemm::{sgemm, PackedF32, PACKED_F32};
use crate::kernels::{self, Activations, PackedWeights, Reuse};
use crate::quant::stored::{read_matrix, StoredMatrix};
use candle_core::{Device, Module, Tensor};

/// A stored matrix with the scales the int8 kernels take: q8's per-row scales repeated per
/// K-block (the kernels' block: the activation block of relaxed-SIMD builds, else a block that
/// keeps int32 sums exact).
fn kernel_blocks(m: StoredMatrix, cols: usize) -> Matrix {
    match m {
        StoredMatrix::F32(t) => Matrix::F32(t),
        StoredMatrix::RowScaled { q, scales } => {
            let block = kernels::q8_block(cols);
            let nb = cols / block;
            let scales = scales
                .iter()
                .flat_map(|&s| std::iter::repeat_n(s, nb))
                .collect();
            Matrix::Int8 { q, scales, block }
        }
        StoredMatrix::BlockScaled { q, scales, block } => Matrix::Int8 { q, scales, block },
    }
}

/// A matrix as the layers hold it: f32, or int8 with one scale per `block` inputs of a row.
enum Matrix {
    F32(Tensor),
    Int8 {
        q: Vec<i8>,
        scales: Vec<f32>,
        block: usize,
    },
}

pub enum LinearWeight {
    /// `weight_t` is `[in, out]`: PyTorch's `[out, in]` transposed once at load, so the f32
    /// gemm reads it contiguously instead of re-packing a strided view on every call.
    F32 { weight_t: Tensor, bias: Tensor },
    /// f32 weights packed for [`sgemm`] (wasm32 SIMD128 builds, see [`PACKED_F32`]).
    F32Packed { weight: PackedF32, bias: Vec<f32> },
    /// int8 weights run by the int8 GEMM on dynamically quantized activations.
    Int8 {
        weight: PackedWeights,
        bias: Vec<f32>,
    },
}

pub struct Linear {
    weight: LinearWeight,
    in_dim: usize,
    out_dim: usize,
    /// How an int8 layer quantizes its input ([`Linear::set_activations`]).
    acts: Activations,
}

impl Linear {
    /// Loads `{scope}.weight` `[out, in]` (in any stored form) and `{scope}.bias` `[out]`.
    pub fn load(scope: &Scope, in_dim: usize, out_dim: usize) -> Result<Self> {
        let stored = read_matrix(scope, "weight", out_dim, in_dim)?;
        let weight = match kernel_blocks(stored, in_dim) {
            Matrix::F32(weight) if PACKED_F32 => LinearWeight::F32Packed {
                weight: PackedF32::new(&weight.flatten_all()?.to_vec1()?, out_dim, in_dim)?,
                bias: scope.get_vec("bias", &[out_dim])?,
            },
            Matrix::F32(weight) => LinearWeight::F32 {
                weight_t: weight.t()?.contiguous()?,
                bias: scope.get("bias", &[out_dim])?,
            },
            Matrix::Int8 { q, scales, block } => LinearWeight::Int8 {
                weight: PackedWeights::new(q, scales, out_dim, in_dim, block)?,
                bias: scope.get_vec("bias", &[out_dim])?,
            },
        };
        Ok(Self {
            weight,
            in_dim,
            out_dim,
            acts: Activations::default(),
        })
    }

    pub fn out_dim(&self) -> usize {
        self.out_dim
    }

    /// How an int8 layer quantizes its input from now on (f32 layers ignore it).
    /// Also re-arranges the weights in place for the kernel that format runs on
    /// ([`PackedWeights::set_layout_for`]); forcing another kernel afterwards makes the
    /// forward pass an error, not a wrong result.
    pub fn set_activations(&mut self, acts: Activations) {
        self.acts = acts;
        if let LinearWeight::Int8 { weight, .. } = &mut self.weight {
            weight.set_layout_for(kernels::best_kernel_for(acts));
        }
    }

    /// `x` is `[..., in]`; the result is `[..., out]`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_then(x, None)
    }

    /// [`Linear::forward`], then `act` applied in place on the output buffer (the heads and
    /// the pooler: the encoder's layers call [`Linear::run`] on their buffers).
    pub fn forward_then(&self, x: &Tensor, act: Option<fn(&mut [f32])>) -> Result<Tensor> {
        let (&got, lead) = x
            .dims()
            .split_last()
            .ok_or_else(|| candle_core::Error::Msg("linear input must have rank >= 1".into()))?;
        if got != self.in_dim {
            return Err(input_width(self.in_dim, got));
        }
        let rows = lead.iter().product();
        let y = with_f32_slice(x, |xs| self.run(xs, rows, act, None))?;
        let mut dims = lead.to_vec();
        dims.push(self.out_dim);
        Ok(Tensor::from_slice(&y, dims, &Device::Cpu)?)
    }

    /// `xs` `[rows, in]` row-major → `[rows, out]` in a buffer of the pool, `act` applied;
    /// `pre` may hold `xs` already quantized (used where it was quantized for this layer's
    /// weights and activation format, else ignored).
    pub(crate) fn run(
        &self,
        xs: &[f32],
        rows: usize,
        act: Option<fn(&mut [f32])>,
        pre: Option<QuantView>,
    ) -> Result<Buf> {
        let mut y = Buf::take(rows * self.out_dim);
        self.run_into(xs, rows, act, pre, &mut y)?;
        Ok(y)
    }

    /// [`Linear::run`] into `y` (`rows × out` values, all overwritten).
    pub(crate) fn run_into(
        &self,
        xs: &[f32],
        rows: usize,
        act: Option<fn(&mut [f32])>,
        pre: Option<QuantView>,
        y: &mut [f32],
    ) -> Result<()> {
        let input = Input::new(xs, rows, self.in_dim)?;
        let mut quantized = Quantized::take_unless(pre.is_some());
        let done = self.forward_raw(&input, act, pre, &mut quantized, y);
        quantized.give_back();
        done
    }

    /// [`Linear::run`] of each of `layers` on the same `xs` (attention's query, key and
    /// value): the int8 layers among them quantize `xs` once, not once each (not at all where
    /// `pre` holds it quantized for them).
    pub(crate) fn forward_shared<const N: usize>(
        layers: [&Linear; N],
        xs: &[f32],
        rows: usize,
        pre: Option<QuantView>,
    ) -> Result<[Buf; N]> {
        let in_dim = layers.first().map_or(0, |l| l.in_dim);
        let input = Input::new(xs, rows, in_dim)?;
        if let Some(l) = layers.iter().find(|l| l.in_dim != in_dim) {
            return Err(input_width(l.in_dim, in_dim));
        }
        let mut quantized = Quantized::take_unless(pre.is_some());
        let outs: Result<Vec<Buf>> = match Self::int8_alike(&layers) {
            // One parallel region for all of them (kernels::qgemm_many).
            Some(acts) => Self::forward_int8_shared(&layers, acts, &input, pre, &mut quantized),
            None => layers
                .iter()
                .map(|l| {
                    let mut y = Buf::take(rows * l.out_dim);
                    l.forward_raw(&input, None, pre, &mut quantized, &mut y)?;
                    Ok(y)
                })
                .collect(),
        };
        quantized.give_back();
        outs?
            .try_into()
            .map_err(|_| candle_core::Error::Msg("one output per layer".into()).into())
    }

    /// `y` = `[rows, out]` row-major, `act` applied; every value of `y` is written.
    fn forward_raw(
        &self,
        input: &Input,
        act: Option<fn(&mut [f32])>,
        pre: Option<QuantView>,
        quantized: &mut Quantized,
        y: &mut [f32],
    ) -> Result<()> {
        let rows = input.rows;
        if y.len() != rows * self.out_dim {
            return Err(candle_core::Error::Msg(format!(
                "linear output of {} values for {rows} rows of {}",
                y.len(),
                self.out_dim
            ))
            .into());
        }
        match &self.weight {
            LinearWeight::F32 { weight_t, bias } => {
                let x = Tensor::from_slice(input.xs, (rows, self.in_dim), &Device::Cpu)?;
                let out = x.matmul(weight_t)?.broadcast_add(bias)?;
                with_f32_slice(&out, |v| {
                    y.copy_from_slice(v);
                    Ok(())
                })?;
            }
            LinearWeight::F32Packed { weight, bias } => sgemm(input.xs, rows, weight, bias, y)?,
            LinearWeight::Int8 { weight, bias } => {
                let (xq, scale) = self.quantize(weight, input, pre, quantized)?;
                // `act` runs inside the product's tasks, on the columns each computed.
                let out = kernels::QgemmOut {
                    w: weight,
                    bias: Some(bias),
                    y,
                    act,
                };
                let kernel = kernels::best_kernel_for(self.acts);
                kernels::qgemm_many(kernel, xq, scale, rows, &mut [out])?;
                return Ok(());
            }
        }
        if let Some(act) = act {
            act(y);
        }
        Ok(())
    }
}

#[cfg(test)]
impl Linear {
    /// An f32 layer of `weight_t` `[in, out]` and `bias` `[out]`.
    pub(crate) fn f32_for_tests(weight_t: Tensor, bias: Tensor) -> Result<Self> {
        let (in_dim, out_dim) = weight_t.dims2()?;
        Ok(Self {
            weight: LinearWeight::F32 { weight_t, bias },
            in_dim,
            out_dim,
            acts: Activations::default(),
        })
    }
}

/// A layer input: `rows` rows of `in` values, row-major.
struct Input<'a> {
    xs: &'a [f32],
    rows: usize,
}

impl<'a> Input<'a> {
    fn new(xs: &'a [f32], rows: usize, in_dim: usize) -> Result<Self> {
        if xs.len() != rows * in_dim {
            return Err(candle_core::Error::Msg(format!(
                "linear input of {} values is not {rows} rows of {in_dim}",
                xs.len()
            ))
            .into());
        }
        Ok(Self { xs, rows })
    }
}

fn input_width(want: usize, got: usize) -> crate::error::Error {
    candle_core::Error::Msg(format!("linear expects {want} inputs, got {got}")).into()
}

/// An input quantized for the int8 layers, kept while the layers that share the input run:
/// `key` says for which (activation format, weight K-block) `xq` and `scale` hold.
struct Quantized {
    key: Option<(Activations, usize)>,
    xq: Vec<i16>,
    scale: Vec<f32>,
}

/// The buffers of [`Quantized`], reused from layer to layer instead of allocated and
/// zero-filled per call. Taken out while in use: a forward pass started meanwhile (another
/// pass, rayon work stealing while a GEMM waits) finds fewer and allocates.
static SCRATCH: Reuse<(Vec<i16>, Vec<f32>)> = Reuse::new(scratch_size, SCRATCH_SETS);

fn scratch_size(set: &(Vec<i16>, Vec<f32>)) -> usize {
    set.0.capacity()
}

/// Sets of buffers a forward pass uses at once: a LayerNorm's quantized output, held while the
/// feed-forward input product reads it, and the set of the layers that quantize their own.
const SCRATCH_SETS: usize = 2;

impl Quantized {
    fn take() -> Self {
        let (xq, scale) = SCRATCH.take();
        Self {
            key: None,
            xq,
            scale,
        }
    }

    /// [`Quantized::take`], or empty buffers when the input comes quantized already (`pre`):
    /// only sets that are used are grown and kept.
    fn take_unless(pre: bool) -> Self {
        match pre {
            true => Self {
                key: None,
                xq: Vec::new(),
                scale: Vec::new(),
            },
            false => Self::take(),
        }
    }

    fn give_back(self) {
        if self.xq.capacity() > 0 {
            SCRATCH.give((self.xq, self.scale));
        }
    }
}

/// A LayerNorm's output quantized, while it runs, for the int8 layer that reads it next
/// ([`Linear::run`], [`Linear::forward_shared`]): that layer skips its own pass over
/// the input. Rows are quantized alone, so this is the same quantization to the bit.
pub struct Prequantized {
    q: Quantized,
    rows: usize,
}

/// Rows of a [`Prequantized`] input, for the layers that read them.
#[derive(Clone, Copy)]
pub struct QuantView<'a> {
    key: (Activations, usize),
    xq: &'a [i16],
    scale: &'a [f32],
}

/// Where the tasks of a LayerNorm write the quantized rows of its output.
pub(super) struct QuantTarget<'a> {
    pub w: &'a PackedWeights,
    pub acts: Activations,
    xq: SharedOut<'a, i16>,
    scale: SharedOut<'a, f32>,
}

impl QuantTarget<'_> {
    /// Rows `r` of the quantized values and their scales.
    ///
    /// # Safety
    /// No other live reference may overlap these rows (one task per row block).
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn rows(&self, r: std::ops::Range<usize>) -> (&mut [i16], &mut [f32]) {
        let (k, nb, n) = (self.w.k(), self.w.nblocks(), r.end - r.start);
        // SAFETY: the caller's contract.
        unsafe {
            (
                self.xq.part(r.start * k, n * k),
                self.scale.part(r.start * nb, n * nb),
            )
        }
    }
}

impl Prequantized {
    /// Buffers for `rows` inputs of `next`, when it is an int8 layer.
    pub(super) fn start(next: &Linear, rows: usize) -> Option<Self> {
        let LinearWeight::Int8 { weight, .. } = &next.weight else {
            return None;
        };
        let mut q = Quantized::take();
        q.xq.resize(rows * weight.k(), 0);
        q.scale.resize(rows * weight.nblocks(), 0.0);
        q.key = Some((next.acts, weight.block()));
        Some(Self { q, rows })
    }

    /// Where to write the rows (`next`: the layer given to [`Prequantized::start`]).
    pub(super) fn target<'a>(&'a mut self, next: &'a Linear) -> Option<QuantTarget<'a>> {
        let LinearWeight::Int8 { weight, .. } = &next.weight else {
            return None;
        };
        Some(QuantTarget {
            w: weight,
            acts: next.acts,
            xq: SharedOut::new(&mut self.q.xq),
            scale: SharedOut::new(&mut self.q.scale),
        })
    }

    /// Rows `r0..r0 + n` of the input (an input cut into chunks of rows).
    pub fn rows(&self, r0: usize, n: usize) -> Option<QuantView<'_>> {
        let (q, rows) = (&self.q, self.rows.max(1));
        let (k, nb) = (q.xq.len() / rows, q.scale.len() / rows);
        (r0 + n <= self.rows).then_some(())?;
        Some(QuantView {
            key: q.key?,
            xq: &q.xq[r0 * k..(r0 + n) * k],
            scale: &q.scale[r0 * nb..(r0 + n) * nb],
        })
    }

    /// Every row.
    pub fn all(&self) -> Option<QuantView<'_>> {
        self.rows(0, self.rows)
    }

    pub fn give_back(self) {
        self.q.give_back();
    }
}
/// Elements of an input below which it is quantized on the calling thread (a region costs
/// more than it saves there): a 24-token feed-forward input (24 × 3072) is split, a 24-token
/// hidden state (24 × 768) is not.
const PARALLEL_QUANTIZE: usize = 1 << 16;

/// [`kernels::quantize_for`] on blocks of rows in parallel (every row is quantized alone, so
/// the blocks change no bit): a batch's inputs are 0.4–1.6 M values, which one thread would
/// quantize while the others wait.
fn quantize_rows_parallel(
    w: &PackedWeights,
    acts: Activations,
    xs: &[f32],
    rows: usize,
    q: &mut [i16],
    scale: &mut [f32],
) -> Result<()> {
    let (k, nb) = (w.k(), w.nblocks());
    let ok_lens = xs.len() == rows * k && q.len() == rows * k && scale.len() == rows * nb;
    if rows * k < PARALLEL_QUANTIZE || !ok_lens {
        return Ok(kernels::quantize_for(w, acts, xs, rows, q, scale)?);
    }
    let failed = std::sync::atomic::AtomicBool::new(false);
    let (qs, ss) = (SharedOut::new(q), SharedOut::new(scale));
    // The work of a region in the GEMMs' unit (multiply-adds): quantizing a value costs
    // about as much as a few dozen int8 multiply-adds.
    kernels::parallel::for_panel_ranges(rows, rows * k * 16, |r| {
        let n = r.end - r.start;
        // SAFETY: rows r of q and scale: this task's only.
        let (qr, sr) = unsafe { (qs.part(r.start * k, n * k), ss.part(r.start * nb, n * nb)) };
        let xr = &xs[r.start * k..r.end * k];
        if kernels::quantize_for(w, acts, xr, n, qr, sr).is_err() {
            failed.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    if failed.into_inner() {
        // Again on one thread, for the error with the row of the whole input.
        kernels::quantize_for(w, acts, xs, rows, q, scale)?;
    }
    Ok(())
}

/// Runs `f` on an f32 tensor's values where they lie (contiguous CPU storage), else on a copy.
pub(super) fn with_f32_slice<T>(x: &Tensor, f: impl FnOnce(&[f32]) -> Result<T>) -> Result<T> {
    {
        let (storage, layout) = x.storage_and_layout();
        if let (candle_core::Storage::Cpu(candle_core::CpuStorage::F32(v)), Some((a, b))) =
            (&*storage, layout.contiguous_offsets())
        {
            if let Some(values) = v.get(a..b) {
                return f(values);
            }
        }
    }
    let copy: Vec<f32> = x.flatten_all()?.to_vec1()?;
    f(&copy)
}

impl Linear {
    /// The activation format shared by `layers` if all are int8 with the same K-block (one
    /// quantized input serves them all), else `None`.
    fn int8_alike(layers: &[&Linear]) -> Option<Activations> {
        let key = |l: &Linear| match &l.weight {
            LinearWeight::Int8 { weight, .. } => Some((l.acts, weight.block())),
            _ => None,
        };
        let first = key(layers.first()?)?;
        layers
            .iter()
            .all(|l| key(l) == Some(first))
            .then_some(first.0)
    }

    /// [`Linear::forward_raw`] of int8 `layers` alike ([`Linear::int8_alike`]) on one input:
    /// one quantization, one parallel region.
    fn forward_int8_shared(
        layers: &[&Linear],
        acts: Activations,
        input: &Input,
        pre: Option<QuantView>,
        quantized: &mut Quantized,
    ) -> Result<Vec<Buf>> {
        fn int8(l: &Linear) -> Option<(&PackedWeights, &[f32])> {
            match &l.weight {
                LinearWeight::Int8 { weight, bias } => Some((weight, bias)),
                _ => None,
            }
        }
        let parts: Vec<_> = layers.iter().filter_map(|l| int8(l)).collect();
        let (first, _) = parts[0];
        let (xq, scale) = layers[0].quantize(first, input, pre, quantized)?;
        let rows = input.rows;
        let mut ys: Vec<Buf> = layers.iter().map(|l| Buf::take(rows * l.out_dim)).collect();
        let mut outs: Vec<kernels::QgemmOut> = parts
            .iter()
            .zip(&mut ys)
            .map(|(&(w, bias), y)| kernels::QgemmOut {
                w,
                bias: Some(bias),
                y,
                act: None,
            })
            .collect();
        let kernel = kernels::best_kernel_for(acts);
        // On an error the outputs go back to the pool as they drop.
        kernels::qgemm_many(kernel, xq, scale, rows, &mut outs)?;
        drop(outs);
        Ok(ys)
    }

    /// `input` quantized for `weight`: `pre` where it holds exactly that, else quantized into
    /// `quantized` (unless it already holds it).
    fn quantize<'q>(
        &self,
        weight: &PackedWeights,
        input: &Input,
        pre: Option<QuantView<'q>>,
        quantized: &'q mut Quantized,
    ) -> Result<(&'q [i16], &'q [f32])> {
        let key = (self.acts, weight.block());
        let rows = input.rows;
        if let Some(p) = pre {
            if p.key == key
                && p.xq.len() == rows * self.in_dim
                && p.scale.len() == rows * weight.nblocks()
            {
                return Ok((p.xq, p.scale));
            }
        }
        if quantized.key != Some(key) || quantized.xq.len() != rows * self.in_dim {
            quantized.key = None;
            quantized.xq.resize(rows * self.in_dim, 0);
            quantized.scale.resize(rows * weight.nblocks(), 0.0);
            let (q, s) = (&mut quantized.xq[..], &mut quantized.scale[..]);
            quantize_rows_parallel(weight, self.acts, input.xs, rows, q, s)?;
            quantized.key = Some(key);
        }
        Ok((&quantized.xq, &quantized.scale))
    }
}

/// A lookup table `[rows, dim]`; quantized tables dequantize only the rows looked up.
pub enum EmbeddingTable {
    F32(Tensor),
    Int8 {
        q: Vec<i8>,
        scales: Vec<f32>,
        block: usize,
        dim: usize,
    },
}

impl EmbeddingTable {
    pub fn load(scope: &Scope, rows: usize, dim: usize) -> Result<Self> {
        Ok(match read_matrix(scope, "weight", rows, dim)? {
            StoredMatrix::F32(t) => EmbeddingTable::F32(t),
            StoredMatrix::RowScaled { q, scales } => EmbeddingTable::Int8 {
                q,
                scales,
                block: dim,
                dim,
            },
            StoredMatrix::BlockScaled { q, scales, block } => EmbeddingTable::Int8 {
                q,
                scales,
                block,
                dim,
            },
        })
    }
}

impl Module for EmbeddingTable {
    fn forward(&self, ids: &Tensor) -> candle_core::Result<Tensor> {
        let mut dims = ids.dims().to_vec();
        match self {
            EmbeddingTable::F32(table) => {
                dims.push(table.dim(1)?);
                table.index_select(&ids.flatten_all()?, 0)?.reshape(dims)
            }
            EmbeddingTable::Int8 {
                q,
                scales,
                block,
                dim,
            } => {
                let ids: Vec<u32> = ids.flatten_all()?.to_vec1()?;
                let blocks = dim / block;
                let mut out = Vec::with_capacity(ids.len() * dim);
                for &id in &ids {
                    let id = id as usize;
                    let row = q.get(id * dim..(id + 1) * dim).ok_or_else(|| {
                        candle_core::Error::Msg(format!(
                            "token id {id} is outside the embedding table"
                        ))
                    })?;
                    let s = &scales[id * blocks..(id + 1) * blocks];
                    out.extend(
                        row.iter()
                            .enumerate()
                            .map(|(j, &v)| v as f32 * s[j / block]),
                    );
                }
                dims.push(*dim);
                Tensor::from_vec(out, dims, &Device::Cpu)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Linear, LinearWeight};
    use crate::kernels::{best_kernel_for, Activations, PackedWeights};

    /// The activation format picks the weights' layout (the zmm `vpdpbusd` kernel's own where
    /// it is the 8-bit kernel here), and back: without it the layout would only be tested, never
    /// used (that kernel also reads the shared one, slower).
    #[test]
    fn set_activations_lays_the_weights_out_for_their_kernel() {
        let (n, k) = (16, 64);
        let q = (0..n * k).map(|i| (i % 255) as i8).collect();
        let weight = PackedWeights::new(q, vec![0.01; n], n, k, k).unwrap();
        let mut layer = Linear {
            weight: LinearWeight::Int8 {
                weight,
                bias: vec![0.0; n],
            },
            in_dim: k,
            out_dim: n,
            acts: Activations::default(),
        };
        let paired = |l: &Linear| match &l.weight {
            LinearWeight::Int8 { weight, .. } => weight.is_paired(),
            _ => panic!("an int8 layer"),
        };
        assert!(!paired(&layer));
        for acts in [Activations::Bits8, Activations::Bits15] {
            layer.set_activations(acts);
            assert_eq!(
                paired(&layer),
                best_kernel_for(acts).pairs_records(),
                "{acts:?}"
            );
        }
    }
}
