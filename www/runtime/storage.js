// Where a browser keeps models: the Cache API, or IndexedDB where the Cache API is missing or
// refuses to open (Brave's shields, some private windows, a sandboxed iframe). Both are
// presented as the part of CacheStorage that cache.js uses (open/keys/delete; caches with
// match/put/delete/keys), so the loader reads, verifies and reports entries the same way on both.

const DB_NAME = 'gamjeong-models';
const STORE = 'entries';

/**
 * The browser's model storage: `caches` while it opens, else IndexedDB; null without either.
 * `kind` says which one `open` settled on ('cache-api' | 'indexeddb').
 */
export function browserStorage() {
  const primary = global('caches');
  const fallback = global('indexedDB') ? idbStorage() : null;
  if (!primary) return fallback;
  if (!fallback) return primary;
  let chosen = null;
  const pick = async () => {
    if (chosen) return chosen;
    try {
      await primary.keys();
      chosen = primary;
    } catch {
      chosen = fallback;
    }
    return chosen;
  };
  return {
    get kind() { return chosen?.kind ?? 'cache-api'; },
    async open(name) {
      const s = await pick();
      try {
        return await s.open(name);
      } catch (e) {
        if (s === fallback) throw e;
        chosen = fallback;
        return fallback.open(name);
      }
    },
    keys: async () => (await pick()).keys(),
    delete: async (name) => (await pick()).delete(name),
  };
}

/** A global that may be missing, or whose getter may throw (a sandboxed or shielded page). */
function global(name) {
  try { return globalThis[name] || null; } catch { return null; }
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

let dbPromise = null;
function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: ['cache', 'url'] });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
    dbPromise.catch(() => { dbPromise = null; });
  }
  return dbPromise;
}

async function tx(mode, fn) {
  const t = (await db()).transaction(STORE, mode);
  const done = new Promise((resolve, reject) => {
    t.oncomplete = resolve;
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new DOMException('transaction aborted', 'AbortError'));
  });
  const result = await fn(t.objectStore(STORE));
  await done;
  return result;
}

const urlOf = (key) => String(key?.url ?? key);

/** CacheStorage on one IndexedDB object store: a record per entry, {cache, url, headers, body: Blob}. */
export function idbStorage() {
  return {
    kind: 'indexeddb',
    async open(name) {
      await db();
      return idbCache(name);
    },
    async keys() {
      const all = await tx('readonly', (s) => request(s.getAllKeys()));
      return [...new Set(all.map(([cache]) => cache))];
    },
    async delete(name) {
      const range = IDBKeyRange.bound([name, ''], [name, '\uffff']);
      const n = await tx('readonly', (s) => request(s.count(range)));
      if (!n) return false;
      await tx('readwrite', (s) => request(s.delete(range)));
      return true;
    },
  };
}

function idbCache(name) {
  return {
    async match(key) {
      const rec = await tx('readonly', (s) => request(s.get([name, urlOf(key)])));
      return rec ? new Response(rec.body, { headers: rec.headers }) : undefined;
    },
    async put(key, response) {
      // Read before the transaction opens: an IndexedDB transaction ends at the first await
      // that is not one of its own requests.
      const body = await response.blob();
      const headers = Object.fromEntries(response.headers);
      await tx('readwrite', (s) => request(s.put({ cache: name, url: urlOf(key), headers, body })));
    },
    async delete(key) {
      const k = [name, urlOf(key)];
      const had = await tx('readonly', (s) => request(s.count(k)));
      if (had) await tx('readwrite', (s) => request(s.delete(k)));
      return had > 0;
    },
    async keys() {
      const range = IDBKeyRange.bound([name, ''], [name, '\uffff']);
      const all = await tx('readonly', (s) => request(s.getAllKeys(range)));
      return all.map(([, url]) => ({ url }));
    },
  };
}
