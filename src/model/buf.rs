//! The forward pass's activation buffers (every product's output, attention's context, the
//! hidden state between layers), kept from one layer and one pass to the next instead of
//! allocated and zero-filled per product: a fresh `vec![0; n]` per product was most of the
//! native pass's memset and page faults (docs/benchmarks.md, "Where the time goes on an AMD
//! EPYC"). Whoever takes a buffer writes every value it reads: the int8 GEMM, sgemm and the
//! copies below all do, so what a buffer held before never reaches a result.

use crate::kernels::Reuse;
use std::ops::{Deref, DerefMut};

/// Buffers one forward pass holds at once: the layer's input, query, key, value and context
/// (the feed-forward block holds fewer: input, attention output, GELU rows, its output).
const PER_PASS: usize = 5;

/// Sized by their initialized length (`Vec::len`), the most a buffer serves without a fill.
static BUFS: Reuse<Vec<f32>> = Reuse::new(Vec::len, PER_PASS);

/// `len` values from [`BUFS`], back to it when dropped.
pub(crate) struct Buf {
    /// At least `len` values, all initialized: a buffer grown once keeps its length.
    v: Vec<f32>,
    len: usize,
}

impl Buf {
    /// `len` values holding whatever the buffer held before (only a buffer grown here is
    /// zero-filled, in its new part): the caller overwrites them.
    pub(crate) fn take(len: usize) -> Self {
        let mut v = BUFS.take_fit(len);
        if v.len() < len {
            v.resize(len, 0.0);
        }
        Self { v, len }
    }

    /// A copy of `xs` in a buffer from the pool.
    pub(crate) fn copy_of(xs: &[f32]) -> Self {
        let mut b = Self::take(xs.len());
        b.copy_from_slice(xs);
        b
    }
}

impl Deref for Buf {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        &self.v[..self.len]
    }
}

impl DerefMut for Buf {
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.v[..self.len]
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        if self.v.capacity() > 0 {
            BUFS.give(std::mem::take(&mut self.v));
        }
    }
}
