// gamjeong runtime core: picks the wasm build, fetches (streaming) or reads the model from
// the Cache API, converts f32 weights to q8/q4 while they download, verifies before caching.
// Runs inside the module Web Worker (worker.js) or, with `worker: false`, in the page.
// The public API is gamjeong.js; this module's exports are internal.

import { browserStorage } from './storage.js';

export const DEFAULT_MODEL = 'hun3359/klue-bert-base-sentiment';
export const DEFAULT_REVISION = 'main';
export const DEFAULT_QUANT = 'q8';
/** Versioned cache name; bump the suffix when the cache layout changes. */
export const CACHE_NAME = 'gamjeong-v1';
export const CACHE_PREFIX = 'gamjeong-v'; // not gamjeong-app-* (sw.js: the page's own files)
/** Pre-quantized files inside a model folder: `{folder}/gamjeong/model.{q8,q4}.safetensors`. */
export const QUANT_DIR = 'gamjeong';
/** Cache keys are synthetic URLs under this (never fetched). */
const KEY_BASE = 'https://cache.gamjeong.invalid/';
const HUB = 'https://huggingface.co';
/** Source weights of a model folder, in the order transformers tries them. */
export const WEIGHT_FILES = ['model.safetensors', 'pytorch_model.bin'];
const TEXT_FILES = ['config.json', 'tokenizer.json'];
/**
 * Header of a cached f32 file (those have no checksum of their own, unlike the quantized
 * files, which WasmLoader verifies): `sha256-8MiB-blocks:<hex>`, see digestOf.
 */
const DIGEST_HEADER = 'x-gamjeong-digest';
const DIGEST_SCHEME = 'sha256-8MiB-blocks';
const DIGEST_BLOCK = 8 << 20;
const PROGRESS_EVERY_MS = 60;

// (v128, v128) -> v128 with i8x16.swizzle: valid wherever fixed-width SIMD is.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 123, 123, 1, 123,
  3, 2, 1, 0, 10, 10, 1, 8, 0, 32, 0, 32, 1, 253, 14, 11]);
// (v128, v128, v128) -> v128 with i32x4.relaxed_dot_i8x16_i7x16_add_s (0xfd 0x113), the
// instruction the relaxed build's int8 kernel is made of.
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123,
  3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 147, 2, 11]);

/**
 * What differs between hosts, and nothing else: the browser defaults here; node.js (selected by
 * package.json's `node` export condition) replaces them with file reads and a cache directory,
 * so Node runs this same loading, conversion and verification code.
 * - fetch(url, init): a Response (Node: also file: URLs)
 * - initWasm(mod, dir): instantiates a wasm-bindgen module (`dir`: its folder, e.g. pkg)
 * - cacheStorage(options): a CacheStorage (open/keys/delete, whose caches have
 *   match/put/delete/keys), or null when there is none; browsers: the Cache API, else
 *   IndexedDB (storage.js)
 * - baseUrl(): what relative model URLs resolve against
 * - localModel(spec): a file: URL when `spec` names a local path, else null
 */
export const platform = {
  fetch: (url, init) => fetch(url, init),
  initWasm: (mod) => mod.default(),
  cacheStorage: () => browserStorage(),
  baseUrl: () => globalThis.location?.href,
  localModel: () => null,
};

/** An error with a machine-readable `code` that survives postMessage (see toPlain). */
export class GamjeongError extends Error {
  constructor(message, code, extra = {}) {
    super(message);
    // A cancelled load is also an AbortError, as fetch's is: `e.name === 'AbortError'` works.
    this.name = code === 'ABORTED' ? 'AbortError' : 'GamjeongError';
    this.code = code;
    Object.assign(this, extra);
  }
}

/** The error a load cancelled through its AbortSignal rejects with. */
export function abortError(signal) {
  const why = signal?.reason instanceof Error && signal.reason.name !== 'AbortError' ? ` (${signal.reason.message})` : '';
  return new GamjeongError(`Loading the model was cancelled${why}.`, 'ABORTED');
}

function throwIfAborted(signal) {
  if (signal?.aborted) throw abortError(signal);
}

// A captive portal, a proxy's error page or a single-page-app host's fallback answers 200
// with a web page instead of the file.
const HTML_START = /^[\s\ufeff]*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|!--)/i;
function looksHtml(chunk) {
  const n = Math.min(chunk.length, 256);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(chunk[i]);
  return HTML_START.test(s);
}

function hostOf(url) {
  try { return new URL(url).host; } catch { return url; }
}

function htmlError(file, url) {
  return new GamjeongError(
    `${file} from ${hostOf(url)} came back as a web page (HTML) instead of the file: a Wi-Fi sign-in page (captive portal), a proxy or the host's error page answered. Sign in to the network or check the model address, then reload.`,
    'HTML', { url });
}

/** The stable code a wasm error carries (Rust `Error::code`); BAD_MODEL for anything else. */
export function wasmCode(e) {
  return typeof e?.code === 'string' ? e.code : 'BAD_MODEL';
}

export function toPlain(e) {
  return {
    message: e?.message || String(e),
    code: e?.code || 'MODEL',
    url: e?.url, status: e?.status, name: e?.name, schemes: e?.schemes,
  };
}

export function fromPlain(p) {
  return new GamjeongError(p.message, p.code, { url: p.url, status: p.status, schemes: p.schemes });
}

/** A model's page on the Hugging Face hub, or one of its files at `revision`. */
export function hubUrl(id, revision, file) {
  return file === undefined ? `${HUB}/${id}` : `${HUB}/${id}/resolve/${encodeURIComponent(revision)}/${file}`;
}

/** Which wasm builds this browser can run. */
export function wasmSupport() {
  const wasm = typeof WebAssembly === 'object';
  const simd = wasm && WebAssembly.validate(SIMD_PROBE);
  const relaxed = simd && WebAssembly.validate(RELAXED_PROBE);
  return { wasm, simd, relaxed };
}

/**
 * The wasm builds by variant: folder and import (literal paths, so that bundlers see each one);
 * `pool` builds share their memory with a pool of workers (docs/threads.md).
 */
const BUILDS = {
  simd128: { dir: 'pkg', load: () => import('./pkg/gamjeong.js') },
  relaxed: { dir: 'pkg-relaxed', load: () => import('./pkg-relaxed/gamjeong.js') },
  threads: { dir: 'pkg-threads', load: () => import('./pkg-threads/gamjeong.js'), pool: true },
  'threads-relaxed': { dir: 'pkg-threads-relaxed', load: () => import('./pkg-threads-relaxed/gamjeong.js'), pool: true },
};
const isThreadsVariant = (v) => BUILDS[v]?.pool === true;

/** Most threads a load starts; more only costs memory (a stack each) on today's devices. */
const MAX_THREADS = 16;
/** Pool workers that have not reported ready by then are taken as failed. */
const POOL_START_MS = 20000;

/**
 * How many threads this context can run the model on: `requested` (default
 * min(4, hardwareConcurrency)) when memory can be shared and the calling thread may block,
 * else 1 with the reason (docs/threads.md). `pool`: whether the threads build runs, which
 * `variant: 'threads'` or `'threads-relaxed'` asks for even with one thread.
 */
export function threadPlan(requested, variant = 'auto') {
  if (requested != null && !(Number.isInteger(requested) && requested >= 1 && requested <= MAX_THREADS)) {
    throw new GamjeongError(`threads must be a whole number from 1 to ${MAX_THREADS}, got ${requested}.`, 'BAD_INPUT');
  }
  const explicit = isThreadsVariant(variant);
  const one = (reason) => ({ threads: 1, reason, pool: false });
  if (requested === 1 && !explicit) return one('threads: 1 was asked for');
  if (variant !== 'auto' && !explicit) return one(`variant: '${variant}' is a single-threaded build`);
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
async function startPool(mod, threads, pkg) {
  const builder = new mod.PoolBuilder(threads);
  const init = {
    type: 'gamjeong-pool-init', pkg, module: builder.module(), memory: builder.memory(), receiver: builder.receiver(),
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

const wasmPromises = new Map();
/**
 * Imports and instantiates a wasm build once per variant: `auto` = pkg-relaxed/ if relaxed SIMD
 * validates, else pkg/; `threads-auto` = the same choice between pkg-threads-relaxed/ and
 * pkg-threads/ (shared memory), with a pool of `threads` workers. A site deployed without the
 * relaxed build falls back to its SIMD128 twin.
 */
export function loadWasm(variant = 'auto', threads = 1) {
  if (wasmPromises.has(variant)) return wasmPromises.get(variant);
  const wasmPromise = (async () => {
    const support = wasmSupport();
    if (!support.wasm) throw new GamjeongError('This browser has no WebAssembly.', 'NO_WASM');
    if (!support.simd) {
      throw new GamjeongError('This browser does not support WebAssembly SIMD, which gamjeong needs.', 'NO_SIMD');
    }
    const pool = variant === 'threads-auto' || isThreadsVariant(variant);
    const relaxed = pool ? 'threads-relaxed' : 'relaxed';
    const plain = pool ? 'threads' : 'simd128';
    let use = variant === 'auto' || variant === 'threads-auto' ? (support.relaxed ? relaxed : plain) : variant;
    if (use === relaxed && !support.relaxed) {
      throw new GamjeongError('This browser does not support relaxed SIMD.', 'NO_SIMD');
    }
    const instantiate = async (v) => {
      const build = BUILDS[v] ?? BUILDS.simd128; // an unrecognised variant has always run pkg/
      const mod = await build.load();
      await platform.initWasm(mod, build.dir);
      return mod;
    };
    let mod = null;
    if (use === relaxed) {
      try {
        mod = await instantiate(use);
      } catch (e) {
        if (variant === relaxed) throw e;
        use = plain;
      }
    }
    if (!mod) mod = await instantiate(use);
    if (!pool) return { mod, variant: use, build: mod.buildInfo(), threads: 1 };
    // Before anything else runs on the module: its first parallel operation would otherwise
    // settle rayon on one thread.
    await startPool(mod, threads, BUILDS[use].dir);
    return { mod, variant: use, build: mod.buildInfo(), threads };
  })();
  wasmPromises.set(variant, wasmPromise);
  wasmPromise.catch(() => wasmPromises.delete(variant));
  return wasmPromise;
}

/**
 * `model`: hub id, folder URL (HF layout) or URL of one quantized .safetensors.
 * Relative URLs resolve against `baseUrl` (the page, not the worker).
 */
export function resolveModel(model = DEFAULT_MODEL, revision = DEFAULT_REVISION, baseUrl) {
  const spec = platform.localModel(String(model).trim()) ?? String(model).trim();
  if (!spec) throw new GamjeongError('No model given.', 'BAD_MODEL_SPEC');
  const path = spec.split(/[?#]/)[0];
  const looksUrl = /^[a-z][a-z0-9+.-]*:/i.test(spec) || /^(\.{0,2}\/)/.test(spec);
  const abs = (u) => {
    try { return new URL(u, baseUrl || platform.baseUrl()).href; } catch {
      throw new GamjeongError(`“${spec}” is not a valid URL.`, 'BAD_MODEL_SPEC');
    }
  };
  if (path.endsWith('.safetensors')) {
    const url = abs(spec);
    return { kind: 'file', id: url, revision: '-', url, file: path.split('/').pop() };
  }
  if (looksUrl) {
    const folder = abs(spec.replace(/\/?$/, '/'));
    return { kind: 'folder', id: folder, revision: '-', fileUrl: (f) => new URL(f, folder).href };
  }
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(spec)) {
    throw new GamjeongError(`“${spec}” is neither a Hugging Face model id (owner/name) nor a URL.`, 'BAD_MODEL_SPEC');
  }
  const rev = String(revision || DEFAULT_REVISION);
  return {
    kind: 'hub', id: spec, revision: rev,
    fileUrl: (f) => hubUrl(spec, rev, f),
  };
}

export function cacheKey(src, scheme, formatMajor, file) {
  return KEY_BASE + [CACHE_NAME, encodeURIComponent(src.id), encodeURIComponent(src.revision),
    scheme, `format-${formatMajor}`, file].join('/');
}

/** Parses a cache key back (for cacheInfo). */
export function parseCacheKey(url) {
  if (!url.startsWith(KEY_BASE)) return null;
  const [version, model, revision, scheme, format, ...file] = url.slice(KEY_BASE.length).split('/');
  return {
    cache: version, model: decodeURIComponent(model), revision: decodeURIComponent(revision),
    scheme, formatVersion: format?.replace(/^format-/, ''), file: file.join('/'),
  };
}

async function openCache(emit, wanted, caches) {
  if (wanted === false) {
    emit({ status: 'cache', state: 'disabled', reason: 'caching turned off (cache: false)' });
    return null;
  }
  if (!caches) {
    emit({
      status: 'cache', state: 'unavailable',
      reason: 'this page has neither the Cache API nor IndexedDB (file:// page, non-HTTPS origin or a private window): the model will be downloaded again next time',
    });
    return null;
  }
  try {
    return await caches.open(CACHE_NAME);
  } catch (e) {
    emit({ status: 'cache', state: 'unavailable', reason: `the Cache API refused to open (${e.name || e}): the model will be downloaded again next time` });
    return null;
  }
}

async function cachePut(cache, key, body, size, src, file, emit, signal, extraHeaders = {}) {
  if (!cache || signal?.aborted) return false;
  try {
    await cache.put(key, new Response(body, {
      headers: {
        'content-type': 'application/octet-stream',
        'x-gamjeong-length': String(size),
        'x-gamjeong-stored': new Date().toISOString(),
        'x-gamjeong-source': encodeURIComponent(src.id),
        ...extraHeaders,
      },
    }));
    if (signal?.aborted) {
      // Cancelled while storing: a cancelled load leaves nothing behind.
      await cache.delete(key).catch(() => {});
      return false;
    }
    emit({ status: 'cache', state: 'stored', file, bytes: size });
    return true;
  } catch (e) {
    const quota = e?.name === 'QuotaExceededError';
    emit({
      status: 'cache', state: 'unavailable', file,
      reason: quota ? 'not enough storage space to keep the model: it will be downloaded again next time'
        : `could not store the model (${e?.name || e}): it will be downloaded again next time`,
    });
    return false;
  }
}

async function fetchOk(url, file, { optional = false, signal } = {}) {
  throwIfAborted(signal);
  let res;
  try {
    res = await platform.fetch(url, signal ? { signal } : undefined);
  } catch (e) {
    throwIfAborted(signal);
    // An optional probe (the pre-quantized file) may fail as a network error where a host
    // sends its 404 without CORS headers; the required files that follow report real outages.
    if (optional) return null;
    throw new GamjeongError(`Could not download ${file} from ${hostOf(url)}: the network request failed (offline, blocked, or the server is unreachable).`, 'NETWORK', { url });
  }
  if (res.ok && /\btext\/html\b/i.test(res.headers.get('content-type') || '')) {
    res.body?.cancel().catch(() => {});
    // An optional probe answered by a host's catch-all page means "no such file"; a required
    // file answered with HTML is an error the caller can act on.
    if (optional) return null;
    throw htmlError(file, url);
  }
  if (res.ok) return res;
  if (optional && (res.status === 404 || res.status === 401 || res.status === 403)) return null;
  const notFound = res.status === 404 || res.status === 401 || res.status === 410;
  throw new GamjeongError(
    notFound ? `${file} was not found at ${url} (HTTP ${res.status}).`
      : `Downloading ${file} failed: HTTP ${res.status} from ${url}.`,
    notFound ? 'NOT_FOUND' : 'HTTP', { url, status: res.status });
}

function contentLength(res) {
  const h = res.headers;
  if (h.get('content-encoding')) return Number(h.get('x-gamjeong-length')) || 0;
  return Number(h.get('x-gamjeong-length')) || Number(h.get('content-length')) || 0;
}

/**
 * Streams `res` chunk by chunk into `sink`, emitting throttled progress events. A body that
 * breaks off is a NETWORK error naming how far it got (never a model error); a network body
 * that starts like a web page is an HTML error; `signal` cancels between chunks.
 */
async function pump(res, sink, file, phase, emit, signal) {
  const total = contentLength(res);
  const url = res.url;
  let loaded = 0;
  let last = 0;
  let reported = -1;
  const progress = () => {
    if (loaded === reported) return; // the last throttled event already said it
    reported = loaded;
    emit({
      status: 'progress', file, phase, loaded, total,
      progress: total ? Math.min(100, (100 * loaded) / total) : undefined,
    });
  };
  const broken = (e) => {
    throwIfAborted(signal);
    const of = total ? ` of ${total}` : '';
    return new GamjeongError(phase === 'cache'
      ? `Reading ${file} from the browser's cache failed after ${loaded}${of} bytes (${e?.message || e}).`
      : `The download of ${file} from ${hostOf(url)} was interrupted after ${loaded}${of} bytes (${e?.message || e}): the connection dropped. Reload to try again.`,
    'NETWORK', { url });
  };
  const check = (chunk) => {
    if (loaded === 0 && phase !== 'cache' && looksHtml(chunk)) throw htmlError(file, url);
  };
  if (!res.body) {
    let buf;
    try { buf = new Uint8Array(await res.arrayBuffer()); } catch (e) { throw broken(e); }
    throwIfAborted(signal);
    check(buf);
    sink(buf);
    loaded = buf.length;
  } else {
    const reader = res.body.getReader();
    try {
      for (;;) {
        let chunk;
        try { chunk = await reader.read(); } catch (e) { throw broken(e); }
        if (chunk.done) break;
        throwIfAborted(signal);
        check(chunk.value);
        sink(chunk.value);
        loaded += chunk.value.length;
        const now = performance.now();
        if (now - last >= PROGRESS_EVERY_MS) { last = now; progress(); }
      }
    } catch (e) {
      reader.cancel().catch(() => {});
      throw e;
    }
  }
  progress();
  return loaded;
}

async function readAll(res, file, phase, emit, signal) {
  const chunks = [];
  const n = await pump(res, (c) => chunks.push(c), file, phase, emit, signal);
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/** Streams a quantized file into WasmLoader; `keep` collects the chunks for the cache. */
async function loadQuantizedStream(wasm, res, file, phase, emit, keep, signal) {
  const loader = new wasm.mod.WasmLoader();
  try {
    await pump(res, (c) => { loader.push(c); if (keep) keep.push(c); }, file, phase, emit, signal);
    return loader.finish();
  } finally {
    loader.free();
  }
}

/** Loads already-complete quantized bytes through WasmLoader in slices. */
function loadQuantizedBytes(wasm, bytes) {
  const loader = new wasm.mod.WasmLoader();
  try {
    const step = 8 << 20;
    for (let at = 0; at < bytes.length; at += step) loader.push(bytes.subarray(at, at + step));
    return loader.finish();
  } finally {
    loader.free();
  }
}

/** Reads a cached quantized entry; a corrupted or outdated one is deleted and null returned. */
async function fromCacheQuantized(wasm, cache, key, file, emit, signal) {
  if (!cache) return null;
  const res = await cache.match(key);
  if (!res) {
    emit({ status: 'cache', state: 'miss', file });
    return null;
  }
  emit({ status: 'cache', state: 'hit', file, bytes: contentLength(res) });
  try {
    const model = await loadQuantizedStream(wasm, res, file, 'cache', emit, null, signal);
    emit({ status: 'done', file, phase: 'cache' });
    return model;
  } catch (e) {
    if (e?.code === 'ABORTED') throw e;
    await cache.delete(key);
    const msg = e.message || String(e);
    // Written by another version of gamjeong (the file says so): outdated, not damaged.
    const stale = e?.code === 'FORMAT_OLD' || e?.code === 'FORMAT_NEW';
    emit({
      status: 'cache', state: stale ? 'stale' : 'corrupt', file,
      reason: stale ? `the cached copy is from another version of gamjeong (${msg}); deleted, downloading it again`
        : `the cached copy failed verification (${msg}); downloading it again`,
    });
    return null;
  }
}

async function downloadQuantized(wasm, url, file, src, cache, key, emit, { optional = false, signal } = {}) {
  const res = await fetchOk(url, file, { optional, signal });
  if (!res) return null;
  emit({ status: 'initiate', file, url });
  emit({ status: 'download', file, url });
  const keep = cache ? [] : null;
  let model;
  try {
    model = await loadQuantizedStream(wasm, res, file, 'download', emit, keep, signal);
  } catch (e) {
    if (e instanceof GamjeongError) throw e;
    throw new GamjeongError(`${file} from ${url} is not a usable gamjeong model: ${e.message || e}`, wasmCode(e), { url });
  }
  emit({ status: 'done', file, phase: 'download' });
  if (keep) {
    const size = keep.reduce((n, c) => n + c.length, 0);
    await cachePut(cache, key, new Blob(keep), size, src, file, emit, signal);
  }
  return model;
}

async function downloadText(url, file, emit, signal) {
  const res = await fetchOk(url, file, { signal });
  emit({ status: 'initiate', file, url });
  emit({ status: 'download', file, url });
  const bytes = await readAll(res, file, 'download', emit, signal);
  emit({ status: 'done', file, phase: 'download' });
  return bytes;
}

/**
 * The folder's source weights, as transformers looks for them: model.safetensors, else (a 404,
 * 401 or 410 for it) pytorch_model.bin. Anything else wrong with the first (HTML, a 500, a
 * dropped connection) is reported as it is, not taken for absence. Emits `fallback` when the
 * second file is used, saying why.
 */
async function fetchWeights(src, emit, signal) {
  const [first, second] = WEIGHT_FILES;
  try {
    return { res: await fetchOk(src.fileUrl(first), first, { signal }), file: first };
  } catch (e) {
    if (e?.code !== 'NOT_FOUND') throw e;
    let res;
    try {
      res = await fetchOk(src.fileUrl(second), second, { signal });
    } catch (e2) {
      if (e2?.code !== 'NOT_FOUND') throw e2;
      throw new GamjeongError(`${e.message} Nor was ${second} (HTTP ${e2.status}): the model folder has no weights gamjeong can read.`, 'NOT_FOUND', { url: e.url, status: e.status });
    }
    emit({ status: 'fallback', file: second, instead: first, reason: `no ${first} in the model folder (HTTP ${e.status}): reading the PyTorch checkpoint ${second}` });
    return { res, file: second };
  }
}

/** f32 source → q8/q4 while downloading; the result is verified by WasmLoader, then cached. */
async function convertFromF32(wasm, src, scheme, cache, key, emit, signal) {
  const configBytes = await downloadText(src.fileUrl('config.json'), 'config.json', emit, signal);
  const tokenizerBytes = await downloadText(src.fileUrl('tokenizer.json'), 'tokenizer.json', emit, signal);
  const dec = new TextDecoder('utf-8', { fatal: true });
  let q;
  try {
    q = new wasm.mod.WasmQuantizer(scheme, src.id, src.revision, dec.decode(configBytes), dec.decode(tokenizerBytes));
  } catch (e) {
    throw new GamjeongError(`The model at ${src.id} cannot be used: ${e.message || e}`, wasmCode(e));
  }
  let bytes;
  let file;
  try {
    const weights = await fetchWeights(src, emit, signal);
    file = weights.file;
    const { res } = weights;
    emit({
      status: 'convert', file, from: 'f32', to: scheme,
      reason: `no pre-quantized ${QUANT_DIR}/model.${scheme}.safetensors in the model folder: converting the weights of ${file} while they download`,
    });
    emit({ status: 'initiate', file, url: res.url });
    emit({ status: 'download', file, url: res.url });
    try {
      await pump(res, (c) => q.push(c), file, 'convert', emit, signal);
      bytes = q.finish();
    } catch (e) {
      if (e instanceof GamjeongError) throw e;
      throw new GamjeongError(`Converting ${file} from ${src.id} failed: ${e.message || e}`, wasmCode(e), { url: res.url });
    }
  } finally {
    q.free();
  }
  emit({ status: 'done', file, phase: 'convert' });
  throwIfAborted(signal);
  const model = loadQuantizedBytes(wasm, bytes);
  await cachePut(cache, key, bytes, bytes.length, src, `model.${scheme}.safetensors`, emit, signal);
  return model;
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * `sha256-8MiB-blocks:<hex>`: the SHA-256 of the SHA-256s of the bytes' 8 MiB blocks (the
 * last one shorter; one block for a small file). crypto.subtle.digest copies its input, so
 * hashing a block at a time bounds that copy at 8 MiB instead of the whole f32 weights
 * (~440 MB for a BERT-base); the hashing itself is native and off the calling thread.
 */
export async function digestOf(bytes, signal) {
  const blocks = Math.max(1, Math.ceil(bytes.length / DIGEST_BLOCK));
  const sums = new Uint8Array(32 * blocks);
  for (let i = 0; i < blocks; i++) {
    throwIfAborted(signal);
    const block = bytes.subarray(i * DIGEST_BLOCK, (i + 1) * DIGEST_BLOCK);
    sums.set(new Uint8Array(await crypto.subtle.digest('SHA-256', block)), 32 * i);
  }
  return `${DIGEST_SCHEME}:${hex(new Uint8Array(await crypto.subtle.digest('SHA-256', sums)))}`;
}

/** A cached f32 file that cannot be used; `stale`: written without a (known) checksum. */
class CachedF32Error extends Error {
  constructor(message, file, stale = false) {
    super(message);
    this.file = file;
    this.stale = stale;
  }
}

/** Throws a CachedF32Error unless `bytes` (read from the cached `res`) are what was stored. */
async function verifyCachedF32(res, bytes, file, signal) {
  const want = Number(res.headers.get('x-gamjeong-length'));
  if (want && want !== bytes.length) throw new CachedF32Error(`${file} is ${bytes.length} bytes, expected ${want}`, file);
  const stored = res.headers.get(DIGEST_HEADER);
  if (!stored?.startsWith(`${DIGEST_SCHEME}:`)) {
    throw new CachedF32Error(`${file} was stored without a ${DIGEST_SCHEME} checksum`, file, true);
  }
  const got = await digestOf(bytes, signal);
  if (got !== stored) {
    throw new CachedF32Error(`${file}: checksum mismatch, ${got.slice(DIGEST_SCHEME.length + 1, DIGEST_SCHEME.length + 17)}… instead of the stored ${stored.slice(DIGEST_SCHEME.length + 1, DIGEST_SCHEME.length + 17)}…`, file);
  }
}

/**
 * f32: the HF files (config, tokenizer, then model.safetensors or pytorch_model.bin); cached as
 * they are (after the model built from them), each with its digest (DIGEST_HEADER), checked on
 * every read. All three entries or none: one that fails its check deletes the set, which is
 * downloaded again.
 */
async function loadF32(wasm, src, cache, formatMajor, emit, signal) {
  const filesOf = (weights) => [...TEXT_FILES, weights];
  const keysOf = (weights) => filesOf(weights).map((f) => cacheKey(src, 'f32', formatMajor, f));
  if (cache) {
    let found = null;
    for (const weights of WEIGHT_FILES) {
      const hits = await Promise.all(keysOf(weights).map((k) => cache.match(k)));
      if (hits.every(Boolean)) { found = { weights, hits }; break; }
    }
    if (found) {
      const { weights, hits } = found;
      const files = filesOf(weights);
      emit({ status: 'cache', state: 'hit', file: weights });
      try {
        const parts = [];
        for (let i = 0; i < hits.length; i++) {
          const b = await readAll(hits[i], files[i], 'cache', emit, signal);
          await verifyCachedF32(hits[i], b, files[i], signal);
          parts.push(b);
        }
        const model = new wasm.mod.WasmClassifier(new TextDecoder().decode(parts[0]), parts[1], parts[2]);
        emit({ status: 'done', file: weights, phase: 'cache' });
        return { model, source: 'cache' };
      } catch (e) {
        if (e?.code === 'ABORTED') throw e;
        await Promise.all(keysOf(weights).map((k) => cache.delete(k).catch(() => {})));
        const msg = e.message || String(e);
        // As fromCacheQuantized reports it: stale (written by a gamjeong that stored no
        // checksum) or corrupt (failed verification).
        const stale = e instanceof CachedF32Error && e.stale;
        emit({
          status: 'cache', state: stale ? 'stale' : 'corrupt', file: e?.file || weights,
          reason: stale ? `the cached copy is from another version of gamjeong (${msg}); deleted, downloading it again`
            : `the cached copy failed verification (${msg}); downloading it again`,
        });
      }
    } else {
      emit({ status: 'cache', state: 'miss', file: WEIGHT_FILES[0] });
    }
  }
  const parts = [];
  for (const f of TEXT_FILES) parts.push(await downloadText(src.fileUrl(f), f, emit, signal));
  const { res, file: weights } = await fetchWeights(src, emit, signal);
  emit({ status: 'initiate', file: weights, url: res.url });
  emit({ status: 'download', file: weights, url: res.url });
  parts.push(await readAll(res, weights, 'download', emit, signal));
  emit({ status: 'done', file: weights, phase: 'download' });
  throwIfAborted(signal);
  let model;
  try {
    model = new wasm.mod.WasmClassifier(new TextDecoder().decode(parts[0]), parts[1], parts[2]);
  } catch (e) {
    throw new GamjeongError(`The model at ${src.id} cannot be used: ${e.message || e}`, wasmCode(e));
  }
  // All three files or none: a set missing one is never left behind.
  const files = filesOf(weights);
  const keys = keysOf(weights);
  for (let i = 0; cache && i < files.length; i++) {
    let digest = null;
    if (!signal?.aborted) {
      try {
        digest = await digestOf(parts[i], signal);
      } catch (e) {
        if (!signal?.aborted) {
          emit({
            status: 'cache', state: 'unavailable', file: files[i],
            reason: `could not checksum the model for the cache (${e?.name || e}): it will be downloaded again next time`,
          });
        }
      }
    }
    if (!digest || !await cachePut(cache, keys[i], parts[i], parts[i].length, src, files[i], emit, signal, { [DIGEST_HEADER]: digest })) {
      await Promise.all(keys.slice(0, i).map((k) => cache.delete(k).catch(() => {})));
      break;
    }
  }
  return { model, source: 'network' };
}

const cacheVersion = (name) => {
  const m = /^gamjeong-v(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
};

/**
 * Deletes what this build can never read: older gamjeong caches (gamjeong-v0, …) and, in the
 * current one, entries keyed with an older file-format major. Newer ones are left alone (a
 * newer page on the same origin wrote them). Reported as a `stale` cache event.
 */
async function sweepStale(caches, cache, formatMajor, emit) {
  if (!cache) return;
  const removed = [];
  try {
    const mine = cacheVersion(CACHE_NAME);
    for (const name of await caches.keys()) {
      const v = cacheVersion(name);
      if (v !== null && v < mine && await caches.delete(name)) removed.push(`the cache ${name}`);
    }
    for (const req of await cache.keys()) {
      const k = parseCacheKey(req.url);
      const major = Number(k?.formatVersion);
      if (k && Number.isInteger(major) && major < Number(formatMajor) && await cache.delete(req)) {
        removed.push(`${k.file} of ${k.model} (format ${k.formatVersion})`);
      }
    }
  } catch { /* best effort: a stale entry is never read anyway */ }
  if (removed.length) {
    emit({
      status: 'cache', state: 'stale',
      reason: `deleted what an older version of gamjeong stored, which this version cannot read: ${removed.join(', ')}`,
    });
  }
}

/**
 * Loads a model and returns the handle the worker (or the in-page mode) serves.
 * options: {model, revision, quant, cache, variant, threads, baseUrl, signal}; emit(event) gets progress.
 * An aborted `signal` rejects with code ABORTED and leaves nothing in the cache.
 */
export async function load(options = {}, emit = () => {}) {
  const { signal } = options;
  try {
    return await loadInner(options, emit, signal);
  } catch (e) {
    if (signal?.aborted) throw abortError(signal);
    throw e;
  }
}

async function loadInner(options, emit, signal) {
  const t0 = performance.now();
  throwIfAborted(signal);
  const scheme = options.quant || DEFAULT_QUANT;
  const src = resolveModel(options.model || DEFAULT_MODEL, options.revision, options.baseUrl);
  let plan = threadPlan(options.threads ?? undefined, options.variant || 'auto');
  let wasm = null;
  if (plan.pool) {
    try {
      wasm = await loadWasm(isThreadsVariant(options.variant) ? options.variant : 'threads-auto', plan.threads);
    } catch (e) {
      // A site deployed without pkg-threads/, or workers the host blocks: one thread.
      plan = { threads: 1, reason: `the threads build could not start: ${e.message}`, pool: false };
    }
  }
  emit({ status: 'threads', threads: plan.threads, reason: plan.reason });
  if (!wasm) wasm = await loadWasm(isThreadsVariant(options.variant) ? 'auto' : options.variant || 'auto');
  const schemes = [...wasm.build.schemes, 'f32'];
  if (!schemes.includes(scheme)) {
    throw new GamjeongError(`Unknown quant “${scheme}”: use ${schemes.join(', ')}.`, 'BAD_QUANT', { schemes });
  }
  const formatMajor = String(wasm.build.formatVersion).split('.')[0];
  throwIfAborted(signal);
  const storage = options.cache === false ? null : platform.cacheStorage(options);
  const cache = await openCache(emit, options.cache, storage);
  await sweepStale(storage, cache, formatMajor, emit);

  let model = null;
  let source = 'network';
  let cacheScheme = scheme;
  if (src.kind === 'file') {
    cacheScheme = 'file';
    const key = cacheKey(src, cacheScheme, formatMajor, src.file);
    model = await fromCacheQuantized(wasm, cache, key, src.file, emit, signal);
    if (model) source = 'cache';
    else model = await downloadQuantized(wasm, src.url, src.file, src, cache, key, emit, { signal });
  } else if (scheme === 'f32') {
    ({ model, source } = await loadF32(wasm, src, cache, formatMajor, emit, signal));
  } else {
    const file = `model.${scheme}.safetensors`;
    const key = cacheKey(src, scheme, formatMajor, file);
    model = await fromCacheQuantized(wasm, cache, key, file, emit, signal);
    if (model) {
      source = 'cache';
    } else {
      // 1. a pre-quantized file in the folder; 2. convert the source weights while downloading
      // (model.safetensors, else pytorch_model.bin).
      model = await downloadQuantized(wasm, src.fileUrl(`${QUANT_DIR}/${file}`), file, src, cache, key, emit, { optional: true, signal });
      if (!model) {
        model = await convertFromF32(wasm, src, scheme, cache, key, emit, signal);
        source = 'convert';
      }
    }
  }
  if (signal?.aborted) {
    model.free();
    throw abortError(signal);
  }

  const info = {
    model: src.id, revision: src.revision, kind: src.kind, quant: model.quant(),
    source, cached: source === 'cache', cacheName: cache ? CACHE_NAME : null,
    storage: cache ? storage.kind ?? 'cache-api' : null,
    variant: wasm.variant, kernel: wasm.build.kernel, threads: wasm.threads, version: wasm.build.version,
    formatVersion: wasm.build.formatVersion, labels: model.labels(),
    memoryBytes: wasm.mod.memoryBytes(), loadMs: performance.now() - t0,
  };
  emit({ status: 'ready', ...info, labels: undefined });
  return {
    info,
    classify(text, topK) {
      const s = performance.now();
      const r = model.classify(String(text), topK ?? undefined);
      return { text: String(text), ...r, ms: performance.now() - s };
    },
    classifyBatch(texts, topK) {
      const s = performance.now();
      const list = Array.from(texts, String);
      let results = model.classifyBatch(list);
      const ms = performance.now() - s;
      results = results.map((r, i) => ({ text: list[i], ...r, scores: topK ? r.scores.slice(0, topK) : r.scores }));
      return { results, ms };
    },
    explain(text, label) {
      const s = performance.now();
      const t = String(text);
      const r = typeof label === 'string'
        ? model.explain(t, undefined, label)
        : model.explain(t, label ?? undefined, undefined);
      return { text: t, ...r, ms: performance.now() - s };
    },
    memoryBytes: () => wasm.mod.memoryBytes(),
    dispose() { model.free(); model = null; },
  };
}

/**
 * What load(options) would fetch, without downloading a body, for a page that asks before a
 * large download: {cached, bytes, convert}, `bytes` null when the server does not say; null
 * when the weights cannot be found (load() then says why). Probes in loadInner's order (HEAD
 * requests): the quantized file, else the f32 weights, converted unless quant is f32.
 * `cached` does not check the entry's format version: an entry from an older gamjeong counts
 * as cached (and is downloaded again).
 */
export async function planLoad(options = {}) {
  const scheme = options.quant || DEFAULT_QUANT;
  const src = resolveModel(options.model || DEFAULT_MODEL, options.revision, options.baseUrl);
  const file = src.kind === 'file' ? src.file : scheme === 'f32' ? 'model.safetensors' : `model.${scheme}.safetensors`;
  if (options.cache !== false && await isCached(src, src.kind === 'file' ? 'file' : scheme, file)) {
    return { cached: true, bytes: 0, convert: false };
  }
  const plan = (head, convert) => head && { cached: false, bytes: head.bytes, convert };
  if (src.kind === 'file') return plan(await headOf(src.url), false);
  if (scheme !== 'f32') {
    const q = await headOf(src.fileUrl(`${QUANT_DIR}/${file}`));
    if (q) return plan(q, false);
  }
  // The source weights in loadInner's order: model.safetensors, else pytorch_model.bin.
  for (const f of WEIGHT_FILES) {
    const head = await headOf(src.fileUrl(f));
    if (head) return plan(head, scheme !== 'f32');
  }
  return null;
}

/** {bytes} of a file that exists (bytes null when unknown), null when it does not or the probe failed. */
async function headOf(url) {
  try {
    const res = await fetch(url, { method: 'HEAD' });
    if (!res.ok || /\btext\/html\b/i.test(res.headers.get('content-type') || '')) return null;
    return { bytes: Number(res.headers.get('content-length')) || null };
  } catch {
    return null;
  }
}

async function isCached(src, scheme, file) {
  try {
    if (typeof caches === 'undefined' || !caches || !await caches.has(CACHE_NAME)) return false;
    const keys = await (await caches.open(CACHE_NAME)).keys();
    return keys.some((req) => {
      const k = parseCacheKey(req.url);
      return k && k.model === src.id && k.revision === src.revision && k.scheme === scheme && k.file === file;
    });
  } catch {
    return false;
  }
}

// --- cache management (work from the page or the worker) ---

export async function cacheInfo(options = {}) {
  const caches = platform.cacheStorage(options);
  if (!caches) return { available: false, name: CACHE_NAME, entries: [], bytes: 0 };
  const names = (await caches.keys()).filter((n) => n.startsWith(CACHE_PREFIX));
  const entries = [];
  for (const name of names) {
    const c = await caches.open(name);
    for (const req of await c.keys()) {
      const res = await c.match(req);
      const k = parseCacheKey(req.url) || { file: req.url };
      entries.push({
        ...k, cache: name, key: req.url,
        bytes: Number(res?.headers.get('x-gamjeong-length')) || 0,
        stored: res?.headers.get('x-gamjeong-stored') || null,
      });
    }
  }
  let estimate = null;
  try { estimate = await navigator.storage?.estimate?.(); } catch { /* not available */ }
  return {
    available: true, name: CACHE_NAME, entries,
    bytes: entries.reduce((n, e) => n + e.bytes, 0),
    usage: estimate?.usage, quota: estimate?.quota,
  };
}

export async function clearCache(options = {}) {
  const caches = platform.cacheStorage(options);
  if (!caches) return 0;
  const names = (await caches.keys()).filter((n) => n.startsWith(CACHE_PREFIX));
  await Promise.all(names.map((n) => caches.delete(n)));
  return names.length;
}
