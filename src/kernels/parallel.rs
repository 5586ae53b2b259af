//! Parallel regions on the current rayon pool: GEMMs split over output-column panels (in
//! parts of decreasing size), and independent pieces (attention's (sequence, group of heads)
//! pairs, blocks of rows to quantize or to normalize) mapped in parallel.
//!
//! Each GEMM task runs the serial driver on its own range of weight panels, so every output
//! is computed by the same code, in the same summation order, as on one thread: results are
//! bit-identical for any thread count. Natively the pool is the caller's (the `Classifier`'s
//! own pool, or rayon's global one); in the wasm threads builds it is the Web Workers pool
//! that `PoolBuilder` starts, and in the single-threaded builds everything runs inline.
//!
//! **A forward pass is hot** ([`pass`]). A pass at 24 tokens is ~80 regions of 0.2–0.8 ms, and
//! rayon's idle workers fall asleep between two of them (a futex natively, `Atomics.wait` in a
//! Web Worker), so each region paid a wake-up and the woken worker joined late
//! (docs/threads.md, "Where the time went"). So for the length of a pass, the pool's other
//! threads run a *spinner* (a rayon broadcast job): it polls the pass's current region and
//! claims its tasks from one atomic word, runs any rayon job meanwhile (candle's own splits),
//! and returns to rayon — which parks it — when the pass ends or after [`SPIN_NS`] without
//! work. The pass's own thread publishes each region, works on it, and spin-waits for the
//! spinners' last tasks. Between classifications nothing spins. Which thread runs a task never
//! changes what the task computes.
//!
//! Why not a pool of our own (a 559-line spin-then-park pool was written and dropped): rayon
//! already owns the threads, their parking and the Web Workers protocol (`src/web/pool.rs`),
//! and candle's f32 matmul splits on it natively; the spinner adds the one thing it lacks, a
//! bounded spin during a pass, in a rayon job.

use std::any::Any;
use std::cell::Cell;
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex, PoisonError};

/// Multiply-adds below which a GEMM stays on the calling thread: about 50 µs of int8 work on
/// one core, several times the cost of handing tasks to the pool and waking its threads.
pub const MIN_PARALLEL_WORK: usize = 1 << 20;

/// Tasks per pool thread of a GEMM region outside a pass (through rayon): a few, so that a
/// thread slowed by another process (the cores are shared) does not hold the whole GEMM back.
/// Inside a pass the parts are claimed as the threads get free ([`Hot::run`]).
const TASKS_PER_THREAD: usize = 4;

/// How long a spinner waits for the next region of a pass before it returns to rayon (and
/// parks): longer than the serial stretches between two regions (LayerNorm, quantization,
/// GELU: tens of µs at 24 tokens, about a millisecond on a 512-token batch), short enough that
/// a pass busy elsewhere does not hold a core for long.
pub const SPIN_NS: u64 = 2_000_000;

/// Idle spins between two reads of the clock.
const SPIN_CHECK: u32 = 64;

/// Runs `f` on consecutive ranges that cover `0..panels` exactly once: on the calling thread
/// when the pool has one thread or `work` multiply-adds are below [`MIN_PARALLEL_WORK`],
/// else as parallel tasks on the current pool.
pub fn for_panel_ranges(panels: usize, work: usize, f: impl Fn(Range<usize>) + Sync) {
    for_panel_ranges_of(&[panels], work, |_, r| f(r));
}

/// [`for_panel_ranges`] over several products at once (one region instead of one each):
/// `f(i, range)` on ranges that cover `0..panels[i]` of every product `i` exactly once, the
/// tasks cutting through the products' panels laid end to end. In a pass the threads claim
/// parts of `⌈panels left / threads⌉` (guided self-scheduling); through rayon, 4 tasks per
/// thread of decreasing sizes ([`guided`]).
pub fn for_panel_ranges_of(panels: &[usize], work: usize, f: impl Fn(usize, Range<usize>) + Sync) {
    let total: usize = panels.iter().sum();
    let threads = rayon::current_num_threads();
    if threads <= 1 || total < 2 || work < MIN_PARALLEL_WORK {
        for (i, &n) in panels.iter().enumerate() {
            f(i, 0..n);
        }
        return;
    }
    let cut = |r: Range<usize>| {
        let (mut lo, hi) = (r.start, r.end);
        let mut offset = 0;
        for (i, &n) in panels.iter().enumerate() {
            if lo < offset + n && lo < hi {
                let end = hi.min(offset + n);
                f(i, lo - offset..end - offset);
                lo = end;
            }
            offset += n;
        }
    };
    if let Some(hot) = PASS.take() {
        // A pass's threads claim the panels in shrinking parts (below); taken while the region
        // runs, so a region started inside one of its tasks goes to rayon.
        hot.run(total, true, &cut);
        PASS.set(Some(hot));
        return;
    }
    let tasks = (threads * TASKS_PER_THREAD).min(total);
    rayon_region(tasks, &|t| {
        cut(guided(t, tasks, total)..guided(t + 1, tasks, total))
    });
}

/// Where task `t` of `tasks` starts in `0..total` (`total >= tasks`): every task gets one
/// unit, the rest is shared out in decreasing parts (sizes falling linearly, the last about
/// 1/tasks² of it). Threads claim tasks in order, so the tasks left when one thread runs out
/// of work are the small ones: the other waits less for the last of them than with equal
/// parts, for the same number of tasks.
fn guided(t: usize, tasks: usize, total: usize) -> usize {
    let left = tasks - t;
    t + (total - tasks) - (total - tasks) * left * left / (tasks * tasks)
}

/// `[f(0), …, f(n − 1)]`, computed in parallel on the current pool (in order on one thread).
pub fn map<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    if n < 2 || rayon::current_num_threads() <= 1 {
        return (0..n).map(f).collect();
    }
    let slots: Vec<Mutex<Option<T>>> = (0..n).map(|_| Mutex::new(None)).collect();
    region(n, &|i| {
        let v = f(i);
        *slots[i].lock().unwrap_or_else(PoisonError::into_inner) = Some(v);
    });
    slots
        .into_iter()
        .map(|s| {
            s.into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .expect("a region runs every task")
        })
        .collect()
}

/// Runs `f` as one forward pass on the current pool: on one of its threads (the calling
/// thread if it is one), with the other threads spinning on its regions (module doc). Inline
/// with one thread or inside another pass.
pub fn pass<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let spin = SPIN.load(Relaxed);
    if !spin || rayon::current_num_threads() <= 1 || OWNER.get() || SPINNING.get() {
        return f();
    }
    let Some(owner) = rayon::current_thread_index() else {
        // A thread outside the pool (the CLI's main thread, the page's model worker) hands the
        // pass to a pool thread instead of waking one per region, and waits once.
        return rayon::scope(|_| pass(f));
    };
    let hot = Arc::new(Hot::new(owner));
    let t0 = STATS.clock();
    let _owner = Flag::set(&OWNER);
    let previous = PASS.replace(Some(hot.clone()));
    struct End(Arc<Hot>, Option<Arc<Hot>>, u64);
    impl Drop for End {
        fn drop(&mut self) {
            self.0.done.store(true, Release);
            PASS.set(self.1.take());
            STATS.add(&STATS.passes, 1);
            STATS.since(&STATS.pass_ns, self.2);
        }
    }
    let _end = End(hot.clone(), previous, t0);
    hot.arm();
    f()
}

static SPIN: AtomicBool = AtomicBool::new(true);

/// Whether [`pass`] spins (on by default); off, every region goes to rayon as it comes, whose
/// idle threads park between regions: the baseline of the thread profile.
pub fn set_spinning(on: bool) {
    SPIN.store(on, Relaxed);
}

type Task<'a> = &'a (dyn Fn(usize) + Sync);
/// A part of a spun region: a range of its units.
type Part<'a> = &'a (dyn Fn(Range<usize>) + Sync);

/// Runs `f(0)`, …, `f(tasks − 1)` on the current pool and returns when all are done: through
/// the current pass's spinners on the thread that owns a pass, else as rayon tasks.
fn region(tasks: usize, f: Task) {
    if let Some(hot) = PASS.take() {
        // Taken while the region runs: a region started inside one of its tasks goes to rayon.
        hot.run(tasks, false, &|r: Range<usize>| r.for_each(f));
        PASS.set(Some(hot));
        return;
    }
    rayon_region(tasks, f);
}

/// [`region`] as rayon tasks.
fn rayon_region(tasks: usize, f: Task) {
    let t0 = STATS.clock();
    let owner = rayon::current_thread_index();
    let joined = AtomicU64::new(0);
    let others = AtomicUsize::new(0);
    use rayon::prelude::*;
    (0..tasks).into_par_iter().for_each(|t| {
        if rayon::current_thread_index() != owner {
            others.fetch_add(1, Relaxed);
            if t0 != 0 {
                let _ = joined.compare_exchange(0, now_ns(), Relaxed, Relaxed);
            }
        }
        f(t)
    });
    STATS.region(
        false,
        tasks,
        others.into_inner(),
        t0,
        joined.into_inner(),
        0,
    );
}

thread_local! {
    /// The pass this thread owns, while no region of it is running.
    static PASS: Cell<Option<Arc<Hot>>> = const { Cell::new(None) };
    /// This thread owns a pass (a spinner arriving here returns at once).
    static OWNER: Cell<bool> = const { Cell::new(false) };
    /// This thread runs a spinner (a nested one returns at once).
    static SPINNING: Cell<bool> = const { Cell::new(false) };
}

/// Sets a thread-local flag while alive.
struct Flag(&'static std::thread::LocalKey<Cell<bool>>, bool);

impl Flag {
    fn set(key: &'static std::thread::LocalKey<Cell<bool>>) -> Flag {
        Flag(key, key.replace(true))
    }
}

impl Drop for Flag {
    fn drop(&mut self) {
        self.0.set(self.1);
    }
}

const TASK_BITS: u32 = 16;
const TASK_MASK: u64 = (1 << TASK_BITS) - 1;

/// `state`: epoch (32 bits) | task count (16) | next task (16).
fn pack(epoch: u32, tasks: usize, next: usize) -> u64 {
    ((epoch as u64) << (2 * TASK_BITS)) | ((tasks as u64) << TASK_BITS) | next as u64
}

fn unpack(s: u64) -> (u32, usize, usize) {
    (
        (s >> (2 * TASK_BITS)) as u32,
        ((s >> TASK_BITS) & TASK_MASK) as usize,
        (s & TASK_MASK) as usize,
    )
}

/// A pass's state, shared by its thread and its spinners.
struct Hot {
    /// The pool index of the pass's thread.
    owner: usize,
    done: AtomicBool,
    /// Spinners spawned and not yet returned.
    spinners: AtomicUsize,
    /// The current region: [`pack`]ed epoch, unit count and next unclaimed unit.
    state: AtomicU64,
    /// How the current region's units are claimed: one at a time (0), or in parts of
    /// `⌈units left / split⌉` (guided self-scheduling over `split` threads).
    split: AtomicUsize,
    /// Claims of the current region (profiling: its tasks).
    claims: AtomicUsize,
    /// The current region's function (a `*const Part` on the owner's stack), alive while
    /// `left` is not 0: the owner does not return from the region before.
    job: AtomicPtr<()>,
    /// Units of the current region not finished yet.
    left: AtomicUsize,
    /// When another thread first claimed a task of the current region (profiling).
    joined: AtomicU64,
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

impl Hot {
    fn new(owner: usize) -> Hot {
        Hot {
            owner,
            done: AtomicBool::new(false),
            spinners: AtomicUsize::new(0),
            state: AtomicU64::new(0),
            split: AtomicUsize::new(0),
            claims: AtomicUsize::new(0),
            job: AtomicPtr::new(std::ptr::null_mut()),
            left: AtomicUsize::new(0),
            joined: AtomicU64::new(0),
            panic: Mutex::new(None),
        }
    }

    /// Starts a spinner on every other thread of the pool.
    fn arm(self: &Arc<Self>) {
        self.spinners
            .fetch_add(rayon::current_num_threads() - 1, SeqCst);
        STATS.add(&STATS.arms, 1);
        let hot = self.clone();
        rayon::spawn_broadcast(move |ctx| {
            if ctx.index() != hot.owner {
                hot.spin();
                hot.spinners.fetch_sub(1, SeqCst);
            }
        });
    }

    /// One region of `units`: publishes it, works on it, waits for the spinners' parts. Units
    /// are claimed one at a time, or (`guided`) in parts of `⌈units left / threads⌉`: large
    /// parts first, then ever smaller ones, so that the thread that runs out of units first
    /// waits at most for a small last part, whatever the region's size and however late the
    /// other threads join (guided self-scheduling, Polychronopoulos and Kuck, 1987).
    fn run(self: &Arc<Self>, units: usize, guided: bool, f: Part) {
        if units > TASK_MASK as usize {
            // Past the 16-bit unit count: groups of units (no region has that many today).
            let per = units.div_ceil(TASK_MASK as usize);
            let grouped = |g: Range<usize>| f(g.start * per..(g.end * per).min(units));
            return self.run(units.div_ceil(per), guided, &grouped);
        }
        // Re-armed as soon as one spinner has given up (not only the last): a pass must not
        // be left with fewer helpers than threads. A broadcast job reaching a thread that is
        // still spinning returns at once (`spin`), and the count stays that of live jobs.
        if self.spinners.load(SeqCst) < rayon::current_num_threads() - 1 {
            self.arm();
        }
        let t0 = STATS.clock();
        let f_ref: &Part = &f;
        self.job.store(f_ref as *const Part as *mut (), Relaxed);
        self.left.store(units, Relaxed);
        self.joined.store(0, Relaxed);
        self.claims.store(0, Relaxed);
        let split = if guided {
            rayon::current_num_threads()
        } else {
            0
        };
        self.split.store(split, Relaxed);
        let epoch = unpack(self.state.load(Relaxed)).0.wrapping_add(1);
        self.state.store(pack(epoch, units, 0), Release);
        let mut mine = 0;
        while let Some(k) = self.claim(epoch) {
            self.run_task(k);
            mine += 1;
        }
        let t1 = STATS.clock();
        let mut spins = 0u32;
        while self.left.load(Acquire) != 0 {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(SPIN_CHECK) {
                yield_cpu();
            }
            std::hint::spin_loop();
        }
        let tasks = self.claims.load(Relaxed);
        STATS.region(true, tasks, tasks - mine, t0, self.joined.load(Relaxed), t1);
        if let Some(p) = self
            .panic
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            std::panic::resume_unwind(p);
        }
    }

    /// The next unclaimed part of region `epoch` (any region: `None`), claimed.
    fn claim(&self, epoch: u32) -> Option<Range<usize>> {
        self.claim_any(Some(epoch)).map(|(_, k)| k)
    }

    fn claim_any(&self, epoch: Option<u32>) -> Option<(u32, Range<usize>)> {
        let mut s = self.state.load(Acquire);
        loop {
            let (e, n, k) = unpack(s);
            if k >= n || epoch.is_some_and(|want| want != e) {
                return None;
            }
            // `split` is the region's of `s`: a region is published (split, then state) only
            // once every unit of the one before is claimed, and a stale `s` fails the exchange.
            let part = match self.split.load(Relaxed) {
                0 => 1,
                threads => (n - k).div_ceil(threads),
            };
            let next = s + part as u64;
            match self.state.compare_exchange_weak(s, next, AcqRel, Acquire) {
                Ok(_) => {
                    self.claims.fetch_add(1, Relaxed);
                    return Some((e, k..k + part));
                }
                Err(now) => s = now,
            }
        }
    }

    fn run_task(&self, k: Range<usize>) {
        // SAFETY: the task was claimed from the current region (claim's CAS, which acquired
        // the owner's release of `job` with the region's state), and the owner does not return
        // from the region, so `job` stays alive, before `left` reaches 0, which this task's
        // decrement below is part of.
        let f: Part = unsafe { *(self.job.load(Relaxed) as *const Part) };
        let units = k.len();
        if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(k))) {
            self.panic
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get_or_insert(p);
        }
        self.left.fetch_sub(units, Release);
    }

    /// A spinner: claims the pass's tasks and runs rayon's jobs until the pass ends or
    /// [`SPIN_NS`] pass without either.
    fn spin(&self) {
        if OWNER.get() || SPINNING.get() {
            return;
        }
        let _spinning = Flag::set(&SPINNING);
        let started = now_ns();
        let mut idle_since = started;
        let mut spins = 0u32;
        let mut last_epoch = 0;
        loop {
            if self.done.load(Acquire) {
                break;
            }
            if let Some((epoch, k)) = self.claim_any(None) {
                if epoch != last_epoch && STATS.on() {
                    last_epoch = epoch;
                    let _ = self.joined.compare_exchange(0, now_ns(), Relaxed, Relaxed);
                }
                self.run_task(k);
                spins = 0;
                idle_since = now_ns();
                continue;
            }
            if let Some(rayon::Yield::Executed) = rayon::yield_now() {
                spins = 0;
                idle_since = now_ns();
                continue;
            }
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(SPIN_CHECK) && now_ns().saturating_sub(idle_since) >= SPIN_NS {
                STATS.add(&STATS.spin_timeouts, 1);
                break;
            }
            if spins.is_multiple_of(SPIN_CHECK) {
                yield_cpu();
            }
            std::hint::spin_loop();
        }
        STATS.add(&STATS.spinners, 1);
        STATS.add(&STATS.spinner_ns, now_ns().saturating_sub(started));
    }
}

/// Lets another thread that wants this core run (natively: the cores may be shared with
/// other processes, and a spinner must not hold a core its pass's own thread needs). A Web
/// Worker cannot yield without parking, so there it does nothing.
fn yield_cpu() {
    #[cfg(not(target_arch = "wasm32"))]
    std::thread::yield_now();
}

/// Nanoseconds on a monotonic clock.
#[cfg(not(target_arch = "wasm32"))]
fn now_ns() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_nanos() as u64
        + 1
}

/// Nanoseconds on a clock every Web Worker shares (`performance.now()` counts from each
/// worker's own origin, so the origin is added; 5 µs steps in an isolated page).
#[cfg(target_arch = "wasm32")]
fn now_ns() -> u64 {
    #[wasm_bindgen::prelude::wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = performance, js_name = now)]
        fn performance_now() -> f64;
        #[wasm_bindgen(js_namespace = performance, js_name = timeOrigin, thread_local_v2)]
        static TIME_ORIGIN: f64;
    }
    let origin = TIME_ORIGIN.with(|o| *o);
    ((origin + performance_now()) * 1e6) as u64
}

/// Counters of every pool since the last [`take_profile`], for the thread profile of
/// docs/threads.md. Times are summed in ns, and taken only while [`set_profiling`] is on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ThreadProfile {
    /// Forward passes ([`pass`]) and their wall time.
    pub passes: u64,
    pub pass_ns: u64,
    /// Regions run through a pass's spinners, and through rayon (no pass, or nested).
    pub regions_spun: u64,
    pub regions_rayon: u64,
    pub tasks: u64,
    /// Tasks run by a thread other than the region's own.
    pub tasks_others: u64,
    /// Regions another thread joined, and the summed delay from the region's start to its
    /// first task on another thread (the wake-up, for a parked rayon worker).
    pub joins_spun: u64,
    pub join_spun_ns: u64,
    pub joins_rayon: u64,
    pub join_rayon_ns: u64,
    /// The regions' wall time, and (spun regions) the owner's wait for the last tasks of
    /// others after running out of tasks to claim.
    pub region_ns: u64,
    pub wait_ns: u64,
    /// Spinners broadcast (one per pass, plus re-arms), spinners run, their summed life,
    /// and those that gave up for [`SPIN_NS`] without work.
    pub arms: u64,
    pub spinners: u64,
    pub spinner_ns: u64,
    pub spin_timeouts: u64,
}

static PROFILING: AtomicBool = AtomicBool::new(false);

/// Turns the timers of [`ThreadProfile`] on or off (off by default: they read the clock
/// several times per region).
pub fn set_profiling(on: bool) {
    PROFILING.store(on, Relaxed);
}

/// The counters since the last call (which resets them).
pub fn take_profile() -> ThreadProfile {
    STATS.take()
}

macro_rules! stats {
    ($($f:ident),*) => {
        struct Stats {
            $($f: AtomicU64,)*
        }
        static STATS: Stats = Stats { $($f: AtomicU64::new(0),)* };
        impl Stats {
            fn take(&self) -> ThreadProfile {
                ThreadProfile { $($f: self.$f.swap(0, Relaxed),)* }
            }
        }
    };
}

stats!(
    passes,
    pass_ns,
    regions_spun,
    regions_rayon,
    tasks,
    tasks_others,
    joins_spun,
    join_spun_ns,
    joins_rayon,
    join_rayon_ns,
    region_ns,
    wait_ns,
    arms,
    spinners,
    spinner_ns,
    spin_timeouts
);

impl Stats {
    fn on(&self) -> bool {
        PROFILING.load(Relaxed)
    }

    fn add(&self, counter: &AtomicU64, v: u64) {
        counter.fetch_add(v, Relaxed);
    }

    /// The clock when profiling, else 0.
    fn clock(&self) -> u64 {
        if self.on() {
            now_ns()
        } else {
            0
        }
    }

    /// Adds the time since `t0` (a [`Stats::clock`]) when profiling.
    fn since(&self, counter: &AtomicU64, t0: u64) {
        if t0 != 0 {
            self.add(counter, now_ns().saturating_sub(t0));
        }
    }

    /// One region: `spun` through a pass, started at `t0`, first joined by another thread at
    /// `joined` (0: never), the owner out of tasks at `idle` (0: not measured).
    fn region(&self, spun: bool, tasks: usize, others: usize, t0: u64, joined: u64, idle: u64) {
        let (regions, joins, join_ns) = match spun {
            true => (&self.regions_spun, &self.joins_spun, &self.join_spun_ns),
            false => (&self.regions_rayon, &self.joins_rayon, &self.join_rayon_ns),
        };
        self.add(regions, 1);
        self.add(&self.tasks, tasks as u64);
        self.add(&self.tasks_others, others as u64);
        if others > 0 {
            self.add(joins, 1);
        }
        if t0 != 0 {
            if joined != 0 {
                self.add(join_ns, joined.saturating_sub(t0));
            }
            self.since(&self.region_ns, t0);
            self.since(&self.wait_ns, idle);
        }
    }
}

/// A `&mut [T]` that parallel tasks write in disjoint parts (an output matrix whose column
/// ranges belong to different tasks, so no task owns a contiguous slice of it).
pub struct SharedOut<'a, T = f32> {
    ptr: *mut T,
    len: usize,
    _borrow: PhantomData<&'a mut [T]>,
}

impl<T> Clone for SharedOut<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for SharedOut<'_, T> {}

// SAFETY: SharedOut is a borrowed `&mut [T]`; the only access is `part`, whose contract makes
// callers write disjoint elements.
unsafe impl<T: Send> Send for SharedOut<'_, T> {}
unsafe impl<T: Send> Sync for SharedOut<'_, T> {}

impl<'a, T> SharedOut<'a, T> {
    pub fn new(y: &'a mut [T]) -> Self {
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
    pub unsafe fn part(&self, start: usize, len: usize) -> &mut [T] {
        assert!(
            start.checked_add(len).is_some_and(|end| end <= self.len),
            "SharedOut::part out of bounds"
        );
        // SAFETY: in bounds (checked above); exclusivity is the caller's contract.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(start), len) }
    }
}
