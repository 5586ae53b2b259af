// The model cache: its name and keys, storing and deleting entries, sweeping what an older
// gamjeong left, and listing / clearing it. Every access goes through platform.cacheStorage,
// so the same code serves the Cache API, IndexedDB (storage.js) and Node's cache directory.
import { platform } from './platform.js';

/** Versioned cache name; bump the suffix when the cache layout changes. */
export const CACHE_NAME = 'gamjeong-v1';
const CACHE_PREFIX = 'gamjeong-v'; // not gamjeong-app-* (sw.js: the page's own files)
/** Cache keys are synthetic URLs under this (never fetched). */
const KEY_BASE = 'https://cache.gamjeong.invalid/';

/** The key of `file` of model `src` stored as `scheme` ('q8', 'q4', 'f32' or 'file') by a build reading format `formatMajor`. */
export function cacheKey(src, scheme, formatMajor, file) {
  return KEY_BASE + [CACHE_NAME, encodeURIComponent(src.id), encodeURIComponent(src.revision),
    scheme, `format-${formatMajor}`, file].join('/');
}

/** Parses a cache key back (for cacheInfo). */
function parseCacheKey(url) {
  if (!url.startsWith(KEY_BASE)) return null;
  const [version, model, revision, scheme, format, ...file] = url.slice(KEY_BASE.length).split('/');
  return {
    cache: version, model: decodeURIComponent(model), revision: decodeURIComponent(revision),
    scheme, formatVersion: format?.replace(/^format-/, ''), file: file.join('/'),
  };
}

/** The storage for a load's `options` (null with `cache: false` or none available) and its opened cache, reporting why not. */
export async function openCache(options, emit) {
  if (options.cache === false) {
    emit({ status: 'cache', state: 'disabled', reason: 'caching turned off (cache: false)' });
    return { storage: null, cache: null };
  }
  const storage = platform.cacheStorage(options);
  if (!storage) {
    emit({
      status: 'cache', state: 'unavailable',
      reason: 'this page has neither the Cache API nor IndexedDB (file:// page, non-HTTPS origin or a private window): the model will be downloaded again next time',
    });
    return { storage: null, cache: null };
  }
  try {
    return { storage, cache: await storage.open(CACHE_NAME) };
  } catch (e) {
    const what = storage.label ?? (storage.kind === 'indexeddb' ? 'IndexedDB' : 'the Cache API');
    emit({ status: 'cache', state: 'unavailable', reason: `${what} refused to open (${e.name || e}): the model will be downloaded again next time` });
    return { storage: null, cache: null };
  }
}

/** Stores `body` under `key` with gamjeong's headers; false (and a `cache` event saying why) when it could not. */
export async function cachePut(cache, key, body, size, src, file, emit, signal, extraHeaders = {}) {
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

/** Deletes `keys`, ignoring failures (a set that cannot be stored whole is not left half). */
export const deleteAll = (cache, keys) => Promise.all(keys.map((k) => cache.delete(k).catch(() => {})));

/**
 * A cached entry (or set) that cannot be used: deleted and reported, to be downloaded again.
 * `stale`: written by another version of gamjeong (outdated, not damaged); else corrupt.
 */
export async function dropEntry(cache, keys, file, error, stale, emit) {
  await deleteAll(cache, keys);
  const msg = error?.message || String(error);
  emit({
    status: 'cache', state: stale ? 'stale' : 'corrupt', file,
    reason: stale ? `the cached copy is from another version of gamjeong (${msg}); deleted, downloading it again`
      : `the cached copy failed verification (${msg}); downloading it again`,
  });
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
export async function sweepStale(storage, cache, formatMajor, emit) {
  if (!cache) return;
  const removed = [];
  try {
    const mine = cacheVersion(CACHE_NAME);
    for (const name of await storage.keys()) {
      const v = cacheVersion(name);
      if (v !== null && v < mine && await storage.delete(name)) removed.push(`the cache ${name}`);
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
 * Whether one of `sets` (lists of files) of model `src` is cached whole as `scheme`, in the
 * storage a load with these `options` would use; without opening (so creating) the cache.
 * Any format version counts (an older one is downloaded again).
 */
export async function isCached(options, src, scheme, sets) {
  try {
    const storage = platform.cacheStorage(options);
    if (!storage || !(await storage.keys()).includes(CACHE_NAME)) return false;
    const have = new Set();
    for (const req of await (await storage.open(CACHE_NAME)).keys()) {
      const k = parseCacheKey(req.url);
      if (k && k.model === src.id && k.revision === src.revision && k.scheme === scheme) have.add(k.file);
    }
    return sets.some((files) => files.every((f) => have.has(f)));
  } catch {
    return false;
  }
}

/** {available, name, entries, bytes, usage, quota}: every gamjeong cache's entries. */
export async function cacheInfo(options = {}) {
  const storage = platform.cacheStorage(options);
  if (!storage) return { available: false, name: CACHE_NAME, entries: [], bytes: 0 };
  const names = (await storage.keys()).filter((n) => n.startsWith(CACHE_PREFIX));
  const entries = [];
  for (const name of names) {
    const c = await storage.open(name);
    for (const req of await c.keys()) {
      const res = await c.match(req);
      // The key's scheme is the public API's quant ('file': a single file, in its own tier).
      const { scheme, ...k } = parseCacheKey(req.url) || { file: req.url };
      entries.push({
        ...k, quant: scheme, cache: name, key: req.url,
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

/** Deletes every gamjeong cache (all versions); resolves to how many there were. */
export async function clearCache(options = {}) {
  const storage = platform.cacheStorage(options);
  if (!storage) return 0;
  const names = (await storage.keys()).filter((n) => n.startsWith(CACHE_PREFIX));
  await Promise.all(names.map((n) => storage.delete(n)));
  return names.length;
}
