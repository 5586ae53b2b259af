//! The wasm thread pool (threads build only: `target_feature = "atomics"`): rayon's global
//! pool with one Web Worker per thread, all on this module's shared memory.
//!
//! The same protocol as wasm-bindgen-rayon, which we do not use because its bundler-free
//! helper starts its workers from `blob:` URLs (the page's CSP allows `worker-src 'self'`
//! only) and resolves the package through a path our layout does not have. Here the workers
//! run `www/pool-worker.js`, a same-origin module:
//!
//! 1. JS (in the Web Worker that owns the model) creates `PoolBuilder(n)` and starts n
//!    pool workers, handing each `{module, memory, receiver}`;
//! 2. each pool worker instantiates the module on the shared memory and calls
//!    [`pool_worker_run`], which blocks until it is given a rayon thread, then runs it;
//! 3. once every worker is ready, JS calls [`PoolBuilder::build`], which builds rayon's
//!    global pool with a spawn handler that hands its n threads to the waiting workers.
//!
//! A classification runs as one pass on a pool worker while the model worker waits for it
//! once, and the other pool workers spin on its regions (`kernels::parallel::pass`).
//! Everything that blocks or spins (`Atomics.wait` under the channel, rayon's sleep, a pass's
//! spinners) runs in workers, never on a page's main thread.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;
use wasm_bindgen::prelude::*;

type Slot = Mutex<Receiver<rayon::ThreadBuilder>>;

/// Starts rayon's global pool on Web Workers (see the module doc).
#[wasm_bindgen]
pub struct PoolBuilder {
    threads: usize,
    sender: Sender<rayon::ThreadBuilder>,
    /// Boxed so its address, handed to the pool workers, stays put; leaked by `build`,
    /// since the workers read it for as long as the module lives.
    receiver: Option<Box<Slot>>,
}

#[wasm_bindgen]
impl PoolBuilder {
    #[wasm_bindgen(constructor)]
    pub fn new(threads: usize) -> Result<PoolBuilder, JsError> {
        if threads == 0 {
            return Err(JsError::new("threads must be at least 1"));
        }
        let (sender, receiver) = channel();
        Ok(Self {
            threads,
            sender,
            receiver: Some(Box::new(Mutex::new(receiver))),
        })
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The address pool workers pass to [`pool_worker_run`].
    pub fn receiver(&self) -> Result<usize, JsError> {
        match &self.receiver {
            Some(r) => Ok(&**r as *const Slot as usize),
            None => Err(JsError::new("the pool is already built")),
        }
    }

    /// The compiled module and the shared memory, for the pool workers.
    pub fn module(&self) -> JsValue {
        wasm_bindgen::module()
    }

    pub fn memory(&self) -> JsValue {
        wasm_bindgen::memory()
    }

    /// Builds rayon's global pool on the (ready) pool workers. Call once, after every pool
    /// worker reported ready.
    pub fn build(&mut self) -> Result<(), JsError> {
        let receiver = self
            .receiver
            .take()
            .ok_or_else(|| JsError::new("the pool is already built"))?;
        // The workers hold its address from now on.
        Box::leak(receiver);
        let sender = self.sender.clone();
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads)
            .spawn_handler(move |thread| {
                sender
                    .send(thread)
                    .map_err(|_| std::io::Error::other("the pool workers are gone"))
            })
            .build_global()
            .map_err(|e| JsError::new(&format!("cannot start the thread pool: {e}")))
    }
}

/// Run by each pool worker: waits for its rayon thread, then runs it (never returns while
/// the pool lives).
///
/// # Safety (not marked: wasm-bindgen exports cannot be `unsafe fn`)
/// `receiver` must be [`PoolBuilder::receiver`] of a builder whose `build` was or will be
/// called; pool-worker.js passes nothing else.
#[wasm_bindgen]
pub fn pool_worker_run(receiver: usize) -> Result<(), JsError> {
    // SAFETY: see above; the slot is leaked by `build` and never freed.
    let slot = unsafe { &*(receiver as *const Slot) };
    let thread = slot
        .lock()
        .map_err(|_| JsError::new("the pool channel is poisoned"))?
        .recv()
        .map_err(|_| JsError::new("the pool was dropped before it started"))?;
    thread.run();
    Ok(())
}

/// The thread profile of docs/threads.md (`bench/threads_profile.mjs`): sets whether forward
/// passes spin (`spin`, on by default) and whether the pool's timers run (`timers`), and
/// returns the counters since the last call (`kernels::parallel::ThreadProfile`, times in ns).
#[wasm_bindgen(js_name = threadProfile)]
pub fn thread_profile(timers: bool, spin: bool) -> Result<JsValue, JsValue> {
    use crate::kernels::parallel;
    let profile = parallel::take_profile();
    parallel::set_profiling(timers);
    parallel::set_spinning(spin);
    super::to_js(&profile)
}
