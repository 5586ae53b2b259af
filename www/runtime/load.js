// Loading a model, start to end: the wasm build, the cache, then the first source that has the
// model, in this order for q8/q4: the cache, a pre-quantized file in the folder, the folder's
// f32 weights converted while they download (quantized.js); f32 reads the folder's files as
// they are (f32.js); a single .safetensors URL is read as it is. Runs inside the module Web
// Worker (worker.js), in the page (`worker: false`) or in Node (node.js).
import { abortError, throwIfAborted, GamjeongError } from './errors.js';
import { DEFAULT_MODEL, DEFAULT_QUANT, QUANT_DIR, WEIGHT_FILES, resolveModel, hubHint } from './address.js';
import { headOf, headWeights } from './fetch.js';
import { listHub } from './listing.js';
import { CACHE_NAME, cacheKey, openCache, sweepStale, isCached } from './cache.js';
import { loadWasm, threadPlan } from './wasm.js';
import { buildOf } from './builds.js';
import * as quantized from './quantized.js';
import { loadF32, f32Files } from './f32.js';
import { runFile, inspectHead } from './file.js';

/**
 * Loads a model and returns the handle the worker (or the in-page mode) serves.
 * options: {model, revision, quant, cache, cacheDir, variant, threads, baseUrl, scoreFn, signal};
 * emit(event) gets progress. An aborted `signal` rejects with code ABORTED and leaves nothing
 * in the cache.
 */
export async function load(options = {}, emit = () => {}) {
  const { signal } = options;
  try {
    return await loadInner(options, emit, signal);
  } catch (e) {
    if (signal?.aborted) throw abortError(signal);
    throw withHubHint(e, options);
  }
}

/** A hub id whose download failed may have been meant as a folder: the error says how to write one. */
function withHubHint(e, options) {
  if (!(e instanceof GamjeongError) || !['NOT_FOUND', 'NETWORK'].includes(e.code)) return e;
  let src;
  try { src = resolveModel(options.model || DEFAULT_MODEL, options.revision, options.baseUrl); } catch { return e; }
  if (src.kind !== 'hub' || src.id === DEFAULT_MODEL) return e;
  e.message = `${e.message} (${hubHint(src.id)})`;
  return e;
}

/** The wasm build for `options` (threads when the plan allows), reporting the thread count. */
async function startWasm(options, emit) {
  const variant = options.variant || 'auto';
  const explicitPool = buildOf(variant)?.threads === true;
  let plan = threadPlan(options.threads ?? undefined, variant);
  let wasm = null;
  if (plan.pool) {
    try {
      wasm = await loadWasm(explicitPool ? variant : 'threads-auto', plan.threads);
    } catch (e) {
      // A site deployed without the threads builds, or workers the host blocks: one thread.
      plan = { threads: 1, reason: `the threads build could not start: ${e.message}`, pool: false };
    }
  }
  emit({ status: 'threads', threads: plan.threads, reason: plan.reason });
  return wasm ?? loadWasm(explicitPool ? 'auto' : variant);
}

async function loadInner(options, emit, signal) {
  const t0 = performance.now();
  throwIfAborted(signal);
  const scheme = options.quant || DEFAULT_QUANT;
  const src = resolveModel(options.model || DEFAULT_MODEL, options.revision, options.baseUrl);
  let listed;
  // What the hub lists (null elsewhere), asked once and only on a cache miss.
  src.listing = () => (listed ??= listHub(src, QUANT_DIR, signal));
  const wasm = await startWasm(options, emit);
  const schemes = [...wasm.build.schemes, 'f32'];
  if (!schemes.includes(scheme)) {
    throw new GamjeongError(`Unknown quant “${scheme}”: use ${schemes.join(', ')}.`, 'BAD_QUANT', { schemes });
  }
  const formatMajor = String(wasm.build.formatVersion).split('.')[0];
  throwIfAborted(signal);
  const { storage, cache } = await openCache(options, emit);
  await sweepStale(storage, cache, formatMajor, emit);

  let model = null;
  let source = 'network';
  if (src.kind === 'file') {
    const key = cacheKey(src, 'file', formatMajor, src.file);
    model = await quantized.fromCache(wasm, cache, key, src.file, emit, signal);
    if (model) source = 'cache';
    else model = await quantized.download(wasm, src.url, src.file, src, cache, key, emit, { signal });
  } else if (scheme === 'f32') {
    ({ model, source } = await loadF32(wasm, src, cache, formatMajor, emit, signal));
  } else {
    const file = `model.${scheme}.safetensors`;
    const key = cacheKey(src, scheme, formatMajor, file);
    model = await quantized.fromCache(wasm, cache, key, file, emit, signal);
    if (model) {
      source = 'cache';
    } else {
      // 1. a pre-quantized file in the folder (asked for unless the hub's listing lacks it);
      // 2. convert the source weights while downloading (model.safetensors, else pytorch_model.bin).
      const files = await src.listing();
      if (!files || files.has(`${QUANT_DIR}/${file}`)) {
        model = await quantized.download(wasm, src.fileUrl(`${QUANT_DIR}/${file}`), file, src, cache, key, emit, { optional: true, signal });
      }
      if (!model) {
        model = await quantized.convert(wasm, src, scheme, cache, key, emit, signal);
        source = 'convert';
      }
    }
  }
  if (signal?.aborted) {
    model.free();
    throw abortError(signal);
  }

  if (options.scoreFn) {
    try {
      model.setScoreFn(options.scoreFn);
    } catch (e) {
      model.free();
      throw e;
    }
  }
  const info = {
    model: src.id, revision: src.revision, kind: src.kind, quant: model.quant(),
    source, cached: source === 'cache', cacheName: cache ? CACHE_NAME : null,
    storage: cache ? storage.kind ?? 'cache-api' : null,
    variant: wasm.variant, kernel: wasm.build.kernel, threads: wasm.threads, version: wasm.build.version,
    formatVersion: wasm.build.formatVersion, labels: model.labels(), scoreFn: model.scoreFn(),
    memoryBytes: wasm.mod.memoryBytes(), loadMs: performance.now() - t0,
  };
  emit({ status: 'ready', ...info, labels: undefined });
  return handle(model, wasm, info);
}

/** What the worker (or the in-page Classifier) calls: the model's operations, timed, on plain values. */
function handle(model, wasm, info) {
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
    /** A whole file: an async generator of batches (runtime/file.js). */
    classifyFile: (source, options, signal) => runFile(wasm.mod, model, source, options, signal),
    /** The start of a file (`head` bytes; `whole`: the whole file) for a column picker. */
    inspectFile: (head, whole, name, options) => inspectHead(wasm.mod, head, whole, name, options),
    memoryBytes: () => wasm.mod.memoryBytes(),
    dispose() { model.free(); model = null; },
  };
}

/**
 * What load(options) would fetch, without downloading a body, for a page that asks before a
 * large download: {cached, bytes, convert}, `bytes` null when the server does not say; null
 * when the weights cannot be found (load() then says why). Probes in load's order (HEAD
 * requests): the cache (where this host keeps models), the quantized file, else the f32
 * weights, converted unless quant is f32. `cached` does not check the entry's format
 * version: an entry from an older gamjeong counts as cached (and is downloaded again).
 */
export async function planLoad(options = {}) {
  const scheme = options.quant || DEFAULT_QUANT;
  const src = resolveModel(options.model || DEFAULT_MODEL, options.revision, options.baseUrl);
  const file = src.kind === 'file' ? src.file : `model.${scheme}.safetensors`;
  const sets = src.kind !== 'file' && scheme === 'f32' ? WEIGHT_FILES.map(f32Files) : [[file]];
  if (options.cache !== false && await isCached(options, src, src.kind === 'file' ? 'file' : scheme, sets)) {
    return { cached: true, bytes: 0, convert: false };
  }
  const plan = (head, convert) => head && { cached: false, bytes: head.bytes, convert };
  if (src.kind === 'file') return plan(await headOf(src.url), false);
  const files = await listHub(src, QUANT_DIR);
  if (files) {
    // The hub's listing has the sizes: no probe at all.
    const quantFile = scheme !== 'f32' && `${QUANT_DIR}/${file}`;
    if (quantFile && files.has(quantFile)) return plan({ bytes: files.get(quantFile) }, false);
    const weights = WEIGHT_FILES.find((f) => files.has(f));
    return weights ? plan({ bytes: files.get(weights) }, scheme !== 'f32') : null;
  }
  if (scheme !== 'f32') {
    const q = await headOf(src.fileUrl(`${QUANT_DIR}/${file}`));
    if (q) return plan(q, false);
  }
  // The source weights in load's order: model.safetensors, else pytorch_model.bin.
  return plan(await headWeights(src), scheme !== 'f32');
}
