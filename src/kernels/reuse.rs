//! Scratch buffers kept from one product or layer to the next, shared by every thread.
//!
//! Shared rather than kept per thread: a forward pass runs on whichever pool thread rayon hands
//! it to, so buffers kept per thread each grow to the longest input *that* thread has run, and
//! memory can still grow late in a session, when a thread first meets an input as long as one
//! another thread ran long before (seen in the page's 2-thread soak test: one more wasm page
//! after 7,500 classifications). Shared, they grow only with the longest input so far. No
//! thread ever waits for the lock (a browser thread may not block): when another holds it, the
//! taker gets a new empty buffer and the giver drops its own.

use std::sync::Mutex;

pub(crate) struct Reuse<T> {
    kept: Mutex<Vec<T>>,
    /// The buffers' size, for keeping the largest.
    size: fn(&T) -> usize,
    /// Buffers in use at once by one forward pass.
    per_pass: usize,
}

impl<T: Default> Reuse<T> {
    pub(crate) const fn new(size: fn(&T) -> usize, per_pass: usize) -> Self {
        Self {
            kept: Mutex::new(Vec::new()),
            size,
            per_pass,
        }
    }

    /// The largest buffer kept, else a new empty one.
    pub(crate) fn take(&self) -> T {
        let Ok(mut kept) = self.kept.try_lock() else {
            return T::default();
        };
        match (0..kept.len()).max_by_key(|&i| (self.size)(&kept[i])) {
            Some(i) => kept.swap_remove(i),
            None => T::default(),
        }
    }

    /// The smallest kept buffer of at least `need`, else the largest (which the caller replaces
    /// with one that fits, `model::buf`): buffers of several sizes share one pool (a layer's
    /// hidden-state rows and its 4× wider feed-forward rows), and taking the largest for every
    /// need would bring each of them to the widest.
    pub(crate) fn take_fit(&self, need: usize) -> T {
        let Ok(mut kept) = self.kept.try_lock() else {
            return T::default();
        };
        let size = |i: usize| (self.size)(&kept[i]);
        let fit = (0..kept.len())
            .filter(|&i| size(i) >= need)
            .min_by_key(|&i| size(i));
        match fit.or_else(|| (0..kept.len()).max_by_key(|&i| size(i))) {
            Some(i) => kept.swap_remove(i),
            None => T::default(),
        }
    }

    /// Keeps `t` for a later [`Reuse::take`]; beyond what passes on every pool thread could use
    /// at once, the smallest kept buffer is dropped.
    pub(crate) fn give(&self, t: T) {
        let Ok(mut kept) = self.kept.try_lock() else {
            return;
        };
        kept.push(t);
        let most = self.per_pass * rayon::current_num_threads().max(1);
        if kept.len() > most {
            if let Some(i) = (0..kept.len()).min_by_key(|&i| (self.size)(&kept[i])) {
                kept.swap_remove(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Reuse;

    #[test]
    fn take_returns_the_largest_and_give_drops_the_smallest_beyond_the_bound() {
        static R: Reuse<Vec<u8>> = Reuse::new(Vec::capacity, 1);
        let most = rayon::current_num_threads().max(1);
        for n in 1..=most + 1 {
            R.give(Vec::with_capacity(n * 100));
        }
        // The smallest (100) went; the largest comes first.
        assert_eq!(R.take().capacity(), (most + 1) * 100);
        let mut rest: Vec<usize> = (0..most).map(|_| R.take().capacity()).collect();
        rest.sort_unstable();
        let want: Vec<usize> = (2..=most).map(|n| n * 100).chain([0]).collect();
        let mut want = want;
        want.sort_unstable();
        assert_eq!(rest, want, "kept {rest:?}");
    }

    #[test]
    fn take_fit_returns_the_smallest_that_fits_else_the_largest() {
        static R: Reuse<Vec<u8>> = Reuse::new(Vec::capacity, 3);
        for n in [300, 100, 200] {
            R.give(Vec::with_capacity(n));
        }
        assert_eq!(R.take_fit(150).capacity(), 200);
        assert_eq!(R.take_fit(1000).capacity(), 300);
        assert_eq!(R.take_fit(0).capacity(), 100);
        assert_eq!(R.take_fit(1).capacity(), 0, "empty: a new buffer");
    }
}
