// The wasm builds at run time: which ones this engine can run (feature probes), which one a
// load uses (the table in builds.js), how many threads, and the pool of workers the threads
// builds share their memory with (src/web/pool.rs, docs/threads.md).
import { BUILDS, buildOf } from './builds.js';
import { GamjeongError } from './errors.js';
import { platform } from './platform.js';

/** A module per target feature that validates only where the engine has it. */
const PROBES = {
  // (v128, v128) -> v128 with i8x16.swizzle: valid wherever fixed-width SIMD is.
  simd128: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 123, 123, 1, 123,
    3, 2, 1, 0, 10, 10, 1, 8, 0, 32, 0, 32, 1, 253, 14, 11]),
  // (v128, v128, v128) -> v128 with i32x4.relaxed_dot_i8x16_i7x16_add_s (0xfd 0x113), the
  // instruction the relaxed builds' int8 kernel is made of.
  'relaxed-simd': new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123,
    3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 147, 2, 11]),
};
const FEATURE_NAMES = { simd128: 'WebAssembly SIMD', 'relaxed-simd': 'relaxed SIMD' };

/**
 * (i32, i32) -> i32, exported as `f`: lane 0 of i32x4.relaxed_dot_i8x16_i7x16_add_s(i8x16.splat(a),
 * i8x16.splat(b), 0). With a = 127 and b = 255 (the i7 operand's top bit set: the result is the
 * engine's own choice) it tells how the engine lowers the instruction (relaxedDotLowering).
 */
const DOT_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 127, 127, 1, 127,
  3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 36, 1, 34, 0, 32, 0, 253, 15, 32, 1, 253, 15, 253, 12,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 253, 147, 2, 253, 27, 0, 11]);
/** 127 · 255 summed over a lane's 4 bytes by each lowering. */
const DOT_LOWERINGS = { 129540: 'exact', 65534: 'saturating', [-508]: 'signed' };

/**
 * How this engine computes the relaxed dot product: 'saturating' where it adds pairs of products
 * in 16 bits with saturation (x86 without AVX-VNNI: pmaddubsw, then pmaddwd), 'exact' (x86's
 * vpdpbusd), 'signed' (Arm's sdot), 'other', or null without relaxed SIMD. The relaxed builds'
 * kernel never reaches the saturation (activations are 7-bit, docs/quantization.md), but the
 * saturating lowering costs more instructions per product than the SIMD128 kernel's: measured
 * there, the relaxed build is the slower one (docs/threads.md, "AMD EPYC without AVX-VNNI").
 */
function relaxedDotLowering() {
  try {
    const { f } = new WebAssembly.Instance(new WebAssembly.Module(DOT_PROBE)).exports;
    return DOT_LOWERINGS[f(127, 255)] ?? 'other';
  } catch {
    return null;
  }
}

let probed;
/**
 * Which wasm builds this browser can run, and whether `auto` takes the relaxed ones: where the
 * engine has relaxed SIMD and does not lower its dot product to the saturating x86 sequence.
 */
export function wasmSupport() {
  if (probed) return { ...probed };
  const wasm = typeof WebAssembly === 'object';
  const simd = wasm && WebAssembly.validate(PROBES.simd128);
  const relaxed = simd && WebAssembly.validate(PROBES['relaxed-simd']);
  const relaxedDot = relaxed ? relaxedDotLowering() : null;
  probed = { wasm, simd, relaxed, relaxedDot, relaxedPreferred: relaxed && relaxedDot !== 'saturating' };
  return { ...probed };
}

/** The field of wasmSupport() that answers for each target feature of the build table. */
const SUPPORT_OF = { simd128: 'simd', 'relaxed-simd': 'relaxed' };

/** The features of `build` this engine lacks (none: it can run it), from wasmSupport()'s probes. */
function missing(build) {
  const support = wasmSupport();
  return build.features.filter((f) => !support[SUPPORT_OF[f]]);
}

/** The `variant`s LoadOptions take: 'auto' and the builds of the table. */
export const VARIANTS = ['auto', ...BUILDS.map((b) => b.variant)];

/** `variant` as LoadOptions take it: 'auto' or a build of the table; anything else is BAD_INPUT. */
export function checkVariant(variant) {
  if (VARIANTS.includes(variant)) return variant;
  throw new GamjeongError(`Unknown variant ${JSON.stringify(variant)}: use ${VARIANTS.map((v) => `'${v}'`).join(', ')}.`, 'BAD_INPUT');
}

/** Most threads a load starts; more only costs memory (a stack each) on today's devices. */
export const MAX_THREADS = 16;
/** Pool workers that have not reported ready by then are taken as failed. */
const POOL_START_MS = 20000;

/**
 * How many threads this context can run the model on: `requested` (default
 * min(4, hardwareConcurrency)) when memory can be shared and the calling thread may block,
 * else 1 with the reason (docs/threads.md). `pool`: whether a threads build runs, which a
 * threads `variant` asks for even with one thread.
 */
export function threadPlan(requested, variant = 'auto') {
  checkVariant(variant);
  if (requested != null && !(Number.isInteger(requested) && requested >= 1 && requested <= MAX_THREADS)) {
    throw new GamjeongError(`threads must be a whole number from 1 to ${MAX_THREADS}, got ${requested}.`, 'BAD_INPUT');
  }
  const explicit = buildOf(variant)?.threads === true;
  const one = (reason) => ({ threads: 1, reason, pool: false });
  if (requested === 1 && !explicit) return one('threads: 1 was asked for');
  if (variant !== 'auto' && !explicit) return one(`variant: '${variant}' is a single-threaded build`);
  if (platform.host === 'node') {
    return one('Node.js runs the model in-process on one thread (the threads builds need Web Workers sharing memory)');
  }
  if (globalThis.crossOriginIsolated !== true) {
    return one('the page is not cross-origin isolated (it needs the Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers)');
  }
  if (typeof SharedArrayBuffer !== 'function') return one('this browser has no SharedArrayBuffer');
  if (typeof WorkerGlobalScope === 'undefined' || !(globalThis instanceof WorkerGlobalScope)) {
    return one('the model runs on the page (worker: false), whose thread may not wait for others');
  }
  const n = requested ?? Math.min(4, globalThis.navigator?.hardwareConcurrency || 1);
  if (n < 2 && !explicit) return one('this device reports a single core');
  return { threads: n, reason: null, pool: true };
}

/** Starts `threads` pool workers on the threads build's shared memory (src/web/pool.rs). */
async function startPool(mod, threads, build) {
  const builder = new mod.PoolBuilder(threads);
  const init = {
    type: 'gamjeong-pool-init', variant: build.variant, module: builder.module(), memory: builder.memory(), receiver: builder.receiver(),
  };
  const workers = [];
  try {
    await Promise.all(Array.from({ length: threads }, () => new Promise((resolve, reject) => {
      const w = new Worker(new URL('./pool-worker.js', import.meta.url), { type: 'module', name: 'gamjeong-pool' });
      workers.push(w);
      const timer = setTimeout(() => reject(new Error(`a pool worker did not start within ${POOL_START_MS / 1000} s`)), POOL_START_MS);
      w.addEventListener('message', ({ data }) => {
        clearTimeout(timer);
        if (data?.type === 'gamjeong-pool-ready') resolve();
        else reject(new Error(`a pool worker failed: ${data?.message}`));
      });
      w.addEventListener('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`a pool worker could not start${e.message ? `: ${e.message}` : ' (blocked, or pool-worker.js missing)'}`));
      });
      w.postMessage(init);
    })));
  } catch (e) {
    workers.forEach((w) => w.terminate());
    throw e;
  }
  builder.build();
}

/**
 * A build's module, instantiated. Its files missing where the package is served (a bundler that
 * left them out, a copy without them) is NO_WASM naming the build, not a bare `Error`.
 */
async function instantiate(build) {
  try {
    const mod = await build.load();
    await platform.initWasm(mod, build.dir);
    return mod;
  } catch (e) {
    if (e instanceof GamjeongError) throw e;
    throw new GamjeongError(`gamjeong's WebAssembly build ${build.dir}/ could not be started (${e?.message || e}). Serve the package's files as installed, side by side; a bundler that does not follow new URL('…', import.meta.url), such as esbuild, must leave gamjeong out of the bundle (gamjeong's README: “A web page with esbuild”).`, 'NO_WASM');
  }
}

const wasmPromises = new Map();
/**
 * Imports and instantiates a wasm build once per `variant`: a build of the table, or `auto` /
 * `threads-auto`: the most capable single-threaded / threads build whose features validate
 * here (relaxed SIMD where the engine has it and `wasmSupport().relaxedPreferred`). A site
 * deployed without the relaxed build falls back to its SIMD128 twin. A threads build starts a pool of `threads` workers.
 */
export function loadWasm(variant = 'auto', threads = 1) {
  if (wasmPromises.has(variant)) return wasmPromises.get(variant);
  const wasmPromise = (async () => {
    const support = wasmSupport();
    if (!support.wasm) throw new GamjeongError(`${platform.name()} has no WebAssembly.`, 'NO_WASM');
    if (!support.simd) {
      throw new GamjeongError(`${platform.name()} does not support WebAssembly SIMD, which gamjeong needs.`, 'NO_SIMD');
    }
    const auto = variant === 'auto' || variant === 'threads-auto';
    const pool = variant === 'threads-auto' || (!auto && buildOf(checkVariant(variant)).threads);
    // The builds of this kind, most features first; the last (fewest) is what `auto` falls back to.
    const kind = BUILDS.filter((b) => b.threads === pool).sort((a, b) => b.features.length - a.features.length);
    const plain = kind[kind.length - 1];
    const preferred = (b) => support.relaxedPreferred || !b.features.includes('relaxed-simd');
    let build = auto ? kind.find((b) => !missing(b).length && preferred(b)) ?? plain : buildOf(variant);
    const lacks = missing(build);
    if (lacks.length) {
      throw new GamjeongError(`${platform.name()} does not support ${lacks.map((f) => FEATURE_NAMES[f] || f).join(' and ')}, which variant '${build.variant}' needs: use variant 'auto' (or '${plain.variant}').`, 'NO_SIMD');
    }
    let mod;
    try {
      mod = await instantiate(build);
    } catch (e) {
      if (!auto || build === plain) throw e;
      build = plain;
      mod = await instantiate(build);
    }
    // Before anything else runs on the module: its first parallel operation would otherwise
    // settle rayon on one thread.
    if (pool) await startPool(mod, threads, build);
    return { mod, variant: build.variant, build: mod.buildInfo(), threads: pool ? threads : 1 };
  })();
  wasmPromises.set(variant, wasmPromise);
  wasmPromise.catch(() => wasmPromises.delete(variant));
  return wasmPromise;
}
