//! GEMMs split over output-column panels on the current rayon pool.
//!
//! Each task runs the serial driver on its own range of weight panels, so every output is
//! computed by the same code, in the same summation order, as on one thread: results are
//! bit-identical for any thread count. Natively the pool is the caller's (the `Classifier`'s
//! own pool, or rayon's global one); in the wasm threads build it is the Web Workers pool
//! that `initThreadPool` starts, and in the plain wasm build rayon runs everything inline.

use std::marker::PhantomData;
use std::ops::Range;

/// Multiply-adds below which a GEMM stays on the calling thread: about 50 µs of int8 work on
/// one core, several times the cost of handing tasks to the pool and waking its threads.
pub const MIN_PARALLEL_WORK: usize = 1 << 20;

/// Tasks per pool thread: a few, so that a thread slowed by another process (the cores are
/// shared) does not hold the whole GEMM back.
const TASKS_PER_THREAD: usize = 4;

/// Runs `f` on consecutive ranges that cover `0..panels` exactly once: on the calling thread
/// when the pool has one thread or `work` multiply-adds are below [`MIN_PARALLEL_WORK`],
/// else as parallel tasks on the current rayon pool.
pub fn for_panel_ranges(panels: usize, work: usize, f: impl Fn(Range<usize>) + Sync) {
    let threads = rayon::current_num_threads();
    if threads <= 1 || panels < 2 || work < MIN_PARALLEL_WORK {
        return f(0..panels);
    }
    let tasks = (threads * TASKS_PER_THREAD).min(panels);
    use rayon::prelude::*;
    (0..tasks)
        .into_par_iter()
        .for_each(|t| f(t * panels / tasks..(t + 1) * panels / tasks));
}

/// A `&mut [f32]` that parallel tasks write in disjoint parts (an output matrix whose column
/// ranges belong to different tasks, so no task owns a contiguous slice of it).
#[derive(Clone, Copy)]
pub struct SharedOut<'a> {
    ptr: *mut f32,
    len: usize,
    _borrow: PhantomData<&'a mut [f32]>,
}

// SAFETY: SharedOut is a borrowed `&mut [f32]`; the only access is `part`, whose contract makes
// callers write disjoint elements.
unsafe impl Send for SharedOut<'_> {}
unsafe impl Sync for SharedOut<'_> {}

impl<'a> SharedOut<'a> {
    pub fn new(y: &'a mut [f32]) -> Self {
        Self {
            ptr: y.as_mut_ptr(),
            len: y.len(),
            _borrow: PhantomData,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `y[start..start + len]`.
    ///
    /// # Safety
    /// No other live reference (from any thread) may overlap the returned range.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn part(&self, start: usize, len: usize) -> &mut [f32] {
        assert!(
            start.checked_add(len).is_some_and(|end| end <= self.len),
            "SharedOut::part out of bounds"
        );
        // SAFETY: in bounds (checked above); exclusivity is the caller's contract.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(start), len) }
    }
}
