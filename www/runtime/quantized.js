// Quantized models: a gamjeong .safetensors streamed into WasmLoader (from the cache or the
// network), or the folder's f32 weights converted by WasmQuantizer while they download. A
// file is cached only once the loader verified it (its XXH3 checksum, docs/FORMAT.md).
import { GamjeongError, throwIfAborted, wasmCode } from './errors.js';
import { QUANT_DIR } from './address.js';
import { fetchOk, pump, contentLength, downloadText, fetchWeights } from './fetch.js';
import { cachePut, dropEntry } from './cache.js';
import { tokenizerJson } from './tokenizer.js';

/** Streams a quantized file into WasmLoader; `keep` collects the chunks for the cache. */
async function loadStream(wasm, res, file, phase, emit, keep, signal) {
  const loader = new wasm.mod.WasmLoader();
  try {
    await pump(res, (c) => { loader.push(c); if (keep) keep.push(c); }, file, phase, emit, signal);
    return loader.finish();
  } finally {
    loader.free();
  }
}

/** Loads already-complete quantized bytes through WasmLoader in slices. */
function loadBytes(wasm, bytes) {
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
export async function fromCache(wasm, cache, key, file, emit, signal) {
  if (!cache) return null;
  const res = await cache.match(key);
  if (!res) {
    emit({ status: 'cache', state: 'miss', file });
    return null;
  }
  emit({ status: 'cache', state: 'hit', file, bytes: contentLength(res) });
  try {
    const model = await loadStream(wasm, res, file, 'cache', emit, null, signal);
    emit({ status: 'done', file, phase: 'cache' });
    return model;
  } catch (e) {
    if (e?.code === 'ABORTED') throw e;
    // Written by another version of gamjeong (the file says so): outdated, not damaged.
    await dropEntry(cache, [key], file, e, e?.code === 'FORMAT_OLD' || e?.code === 'FORMAT_NEW', emit);
    return null;
  }
}

/** Downloads a quantized file into the loader, then caches it; null when `optional` and it is not there. */
export async function download(wasm, url, file, src, cache, key, emit, { optional = false, signal } = {}) {
  const res = await fetchOk(url, file, { optional, signal });
  if (!res) return null;
  emit({ status: 'initiate', file, url });
  emit({ status: 'download', file, url });
  const keep = cache ? [] : null;
  let model;
  try {
    model = await loadStream(wasm, res, file, 'download', emit, keep, signal);
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

/** f32 source → q8/q4 while downloading; the result is verified by WasmLoader, then cached. */
export async function convert(wasm, src, scheme, cache, key, emit, signal) {
  const configBytes = await downloadText(src.fileUrl('config.json'), 'config.json', emit, signal);
  const tokenizerBytes = await tokenizerJson(wasm, src, emit, signal);
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
  const model = loadBytes(wasm, bytes);
  await cachePut(cache, key, bytes, bytes.length, src, `model.${scheme}.safetensors`, emit, signal);
  return model;
}
