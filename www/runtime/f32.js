// The f32 model: a Hugging Face folder's three files (config, tokenizer.json — or the one
// tokenizer.js builds from vocab.txt — then model.safetensors or pytorch_model.bin), cached as
// they are after the model was built from them, each with its digest (digest.js), checked on
// every read. All three entries or none: one that fails its
// check deletes the set, which is downloaded again.
import { GamjeongError, throwIfAborted, wasmCode } from './errors.js';
import { TEXT_FILES, WEIGHT_FILES } from './address.js';
import { readAll, downloadText, fetchWeights } from './fetch.js';
import { tokenizerJson } from './tokenizer.js';
import { cacheKey, cachePut, deleteAll, dropEntry } from './cache.js';
import { DIGEST_HEADER, digestOf, verifyCachedF32, CachedF32Error } from './digest.js';

/** The files of an f32 set whose weights are `weights`, in the order WasmClassifier takes them. */
export const f32Files = (weights) => [...TEXT_FILES, weights];

function build(wasm, parts) {
  return new wasm.mod.WasmClassifier(new TextDecoder().decode(parts[0]), parts[1], parts[2]);
}

/** The model from a whole, verified cached set, or null (a miss, or a set that failed and was deleted). */
async function fromCache(wasm, cache, keysOf, emit, signal) {
  let found = null;
  for (const weights of WEIGHT_FILES) {
    const hits = await Promise.all(keysOf(weights).map((k) => cache.match(k)));
    if (hits.every(Boolean)) { found = { weights, hits }; break; }
  }
  if (!found) {
    emit({ status: 'cache', state: 'miss', file: WEIGHT_FILES[0] });
    return null;
  }
  const { weights, hits } = found;
  const files = f32Files(weights);
  emit({ status: 'cache', state: 'hit', file: weights });
  try {
    const parts = [];
    for (let i = 0; i < hits.length; i++) {
      const b = await readAll(hits[i], files[i], 'cache', emit, signal);
      await verifyCachedF32(hits[i], b, files[i], signal);
      parts.push(b);
    }
    const model = build(wasm, parts);
    emit({ status: 'done', file: weights, phase: 'cache' });
    return model;
  } catch (e) {
    if (e?.code === 'ABORTED') throw e;
    // As a quantized entry: stale (stored without a checksum) or corrupt (failed verification).
    await dropEntry(cache, keysOf(weights), e?.file || weights, e, e instanceof CachedF32Error && e.stale, emit);
    return null;
  }
}

/** Stores the set, each file with its digest; all or nothing. */
async function store(cache, keys, files, parts, src, emit, signal) {
  for (let i = 0; i < files.length; i++) {
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
      await deleteAll(cache, keys.slice(0, i));
      return;
    }
  }
}

/** {model, source: 'cache'|'network'} for the f32 folder `src`. */
export async function loadF32(wasm, src, cache, formatMajor, emit, signal) {
  const keysOf = (weights) => f32Files(weights).map((f) => cacheKey(src, 'f32', formatMajor, f));
  if (cache) {
    const model = await fromCache(wasm, cache, keysOf, emit, signal);
    if (model) return { model, source: 'cache' };
  }
  const parts = [await downloadText(src.fileUrl(TEXT_FILES[0]), TEXT_FILES[0], emit, signal)];
  parts.push(await tokenizerJson(wasm, src, emit, signal));
  const { res, file: weights } = await fetchWeights(src, emit, signal);
  emit({ status: 'initiate', file: weights, url: res.url });
  emit({ status: 'download', file: weights, url: res.url });
  parts.push(await readAll(res, weights, 'download', emit, signal));
  emit({ status: 'done', file: weights, phase: 'download' });
  throwIfAborted(signal);
  let model;
  try {
    model = build(wasm, parts);
  } catch (e) {
    throw new GamjeongError(`The model at ${src.id} cannot be used: ${e.message || e}`, wasmCode(e));
  }
  if (cache) await store(cache, keysOf(weights), f32Files(weights), parts, src, emit, signal);
  return { model, source: 'network' };
}
