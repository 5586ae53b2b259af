// The wasm builds: the one table that says which exist. build.sh's build loop (through
// scripts/builds.mjs), the runtime's choice (wasm.js), the pool workers (pool-worker.js), the
// service worker (sw.js, through the site-files.json the build writes) and the npm package's
// file list are all derived from it (docs/build.md).
//
// - variant: the name users pass as `variant` and see as `info.variant`
// - dir: the folder of the site / package holding the wasm-bindgen output
// - features: wasm target features beyond the MVP (each needs its probe to validate, wasm.js)
// - threads: built with atomics on a shared memory, run with a pool of workers (docs/threads.md)
// - load: imports the build's JS glue; a literal path each, so that bundlers see every build
export const BUILDS = [
  { variant: 'simd128', dir: 'pkg', features: ['simd128'], threads: false, load: () => import('../pkg/gamjeong.js') },
  { variant: 'relaxed', dir: 'pkg-relaxed', features: ['simd128', 'relaxed-simd'], threads: false, load: () => import('../pkg-relaxed/gamjeong.js') },
  { variant: 'threads', dir: 'pkg-threads', features: ['simd128'], threads: true, load: () => import('../pkg-threads/gamjeong.js') },
  { variant: 'threads-relaxed', dir: 'pkg-threads-relaxed', features: ['simd128', 'relaxed-simd'], threads: true, load: () => import('../pkg-threads-relaxed/gamjeong.js') },
];

export const buildOf = (variant) => BUILDS.find((b) => b.variant === variant);
