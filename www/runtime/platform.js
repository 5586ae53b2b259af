// What differs between hosts, and nothing else. The browser defaults are here; node.js (picked
// by package.json's `node` export condition) replaces them on import with file reads and a
// cache directory, so Node runs this same loading, conversion and verification code.
import { browserStorage } from './storage.js';

/**
 * - fetch(url, init): a Response (Node: also file: URLs)
 * - initWasm(mod, dir): instantiates a wasm-bindgen module (`dir`: its folder, e.g. pkg)
 * - cacheStorage(options): a CacheStorage (open/keys/delete, whose caches have
 *   match/put/delete/keys), or null when there is none; browsers: the Cache API, else
 *   IndexedDB (storage.js); Node: a directory (`options.cacheDir`)
 * - baseUrl(): what relative model URLs resolve against
 * - localModel(spec): a file: URL when `spec` names a local path, else null
 * - host: 'browser' | 'node', and name(): the engine as messages name it ("This browser",
 *   "Node.js v20.1.0"), so that what fails is worded for where it runs
 * - openFile(path): `{chunks, name, size}` of a local file for classifyFile (Node), else null
 */
export const platform = {
  host: 'browser',
  name: () => 'This browser',
  fetch: (url, init) => fetch(url, init),
  initWasm: (mod) => mod.default(),
  cacheStorage: () => browserStorage(),
  baseUrl: () => globalThis.location?.href,
  localModel: () => null,
  openFile: async () => null,
};
