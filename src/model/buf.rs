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
    /// At least `len` values, all initialized, its length its capacity: every buffer is
    /// allocated at its exact size and keeps it.
    v: Vec<f32>,
    len: usize,
}

impl Buf {
    /// `len` values holding whatever the buffer held before (only a new buffer is zero-filled):
    /// the caller overwrites them.
    pub(crate) fn take(len: usize) -> Self {
        let mut v = BUFS.take_fit(len);
        if v.len() < len {
            // The kept buffer (the largest, none fits) is replaced by one of exactly `len`, not
            // grown: `resize` reserves amortized, up to twice `len`, room the pool (sized by
            // length) never uses — a third of what it kept in wasm after a 512-token text
            // (docs/benchmarks.md, "Pooled activation buffers") — and its `realloc` copies
            // values nobody reads. Freed first, its block can merge with free neighbours.
            drop(v);
            v = vec![0.0; len];
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

#[cfg(test)]
mod tests {
    use super::Buf;

    /// A kept buffer too small for a take is replaced at the exact size asked, never grown
    /// with `Vec`'s amortized room (up to twice the length), which the pool never counts or
    /// uses. Other tests take and give buffers meanwhile; whichever buffer comes back, its
    /// capacity must be its length.
    #[test]
    fn a_buffer_that_does_not_fit_is_replaced_at_its_exact_size() {
        for (small, big) in [(600_001, 1_000_003), (700_001, 1_300_007)] {
            drop(Buf::take(small));
            let b = Buf::take(big);
            assert_eq!(b.len(), big);
            assert_eq!(b.v.capacity(), b.v.len(), "{small} then {big} values");
        }
    }
}
