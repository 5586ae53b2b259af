// gamjeong under Node.js ≥ 20 (package.json's `node` export condition picks this file):
// the same API as in the browser, run in-process. Only the host differs (runtime/platform.js),
// and importing this module sets it (a side effect: package.json's `sideEffects` lists this file):
// the wasm is read from disk, models may be local folders or files (paths or file: URLs), and
// the cache is a directory (`cacheDir`, default $XDG_CACHE_HOME/gamjeong or ~/.cache/gamjeong)
// holding the same entries, with the same headers, as the browser's Cache API; the loader
// verifies them exactly as it does there (quantized files by their checksum, f32 files by the
// digest stored with them).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline as pipe } from 'node:stream/promises';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { platform } from './runtime/platform.js';
import { GamjeongError } from './runtime/errors.js';

export * from './gamjeong.js';
export { default } from './gamjeong.js';

/** Where converted and downloaded models are kept unless `cacheDir` says otherwise. */
export function defaultCacheDir() {
  if (process.env.GAMJEONG_CACHE_DIR) return process.env.GAMJEONG_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'gamjeong');
}

platform.host = 'node';
platform.name = () => `Node.js ${process.version}`;
platform.initWasm = async (mod, dir) => {
  const bytes = await fsp.readFile(new URL(`./${dir}/gamjeong_bg.wasm`, import.meta.url));
  await mod.default({ module_or_path: bytes });
};
platform.baseUrl = () => pathToFileURL(`${process.cwd()}${path.sep}`).href;
platform.localModel = (spec) => {
  // An existing path wins over a hub id of the same spelling (`models/x` is both).
  if (!spec || /^[a-z][a-z0-9+.-]*:\/\//i.test(spec) || !fs.existsSync(spec)) return null;
  const abs = path.resolve(spec);
  return pathToFileURL(fs.statSync(abs).isDirectory() ? `${abs}${path.sep}` : abs).href;
};
platform.fetch = async (url, init) => {
  if (!String(url).startsWith('file:')) return fetch(url, init);
  const file = fileURLToPath(url);
  let stat;
  try { stat = await fsp.stat(file); } catch { stat = null; }
  if (!stat?.isFile()) return new Response(null, { status: 404, statusText: 'Not Found' });
  if (init?.method === 'HEAD') return new Response(null, { headers: { 'content-length': String(stat.size) } });
  const body = Readable.toWeb(fs.createReadStream(file, { signal: init?.signal }));
  return new Response(body, { headers: { 'content-length': String(stat.size) } });
};
platform.openFile = async (spec) => {
  const file = spec instanceof URL || /^file:/i.test(spec) ? fileURLToPath(spec) : path.resolve(String(spec));
  let stat;
  try { stat = await fsp.stat(file); } catch (e) {
    throw new GamjeongError(`classifyFile: cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}.`, e.code === 'ENOENT' ? 'NOT_FOUND' : 'IO');
  }
  if (!stat.isFile()) throw new GamjeongError(`classifyFile: ${file} is not a file.`, 'BAD_INPUT');
  return { chunks: fs.createReadStream(file, { highWaterMark: 1 << 16 }), name: path.basename(file), size: stat.size };
};
platform.cacheStorage = (options = {}) => new DirCacheStorage(options.cacheDir || defaultCacheDir());

/** The subset of the Cache API's CacheStorage that the runtime uses (runtime/cache.js), on a directory. */
class DirCacheStorage {
  kind = 'directory';

  constructor(root) {
    this.root = root;
    this.label = `the cache directory ${root}`;
  }

  async open(name) {
    const dir = path.join(this.root, safeName(name));
    await fsp.mkdir(dir, { recursive: true });
    return new DirCache(dir);
  }

  async keys() {
    try {
      return (await fsp.readdir(this.root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch (e) {
      if (e.code === 'ENOENT') return [];
      throw e;
    }
  }

  async delete(name) {
    const dir = path.join(this.root, safeName(name));
    if (!fs.existsSync(dir)) return false;
    await fsp.rm(dir, { recursive: true, force: true });
    return true;
  }
}

/**
 * One cache: each entry is `<sha256 of key>.body` plus `<…>.json` ({url, headers}); the JSON is
 * written last, through a rename, so an entry is there whole or not at all.
 */
class DirCache {
  constructor(dir) { this.dir = dir; }

  #paths(key) {
    const id = crypto.createHash('sha256').update(String(key.url ?? key)).digest('hex');
    return { body: path.join(this.dir, `${id}.body`), meta: path.join(this.dir, `${id}.json`) };
  }

  async match(key) {
    const p = this.#paths(key);
    let meta;
    try { meta = JSON.parse(await fsp.readFile(p.meta, 'utf8')); } catch { return undefined; }
    if (!fs.existsSync(p.body)) return undefined;
    return new Response(Readable.toWeb(fs.createReadStream(p.body)), { headers: meta.headers });
  }

  async put(key, response) {
    const p = this.#paths(key);
    const tmp = `${p.body}.${process.pid}.${Date.now()}.tmp`;
    try {
      await pipe(Readable.fromWeb(response.body), fs.createWriteStream(tmp));
      await fsp.rename(tmp, p.body);
      const meta = JSON.stringify({ url: String(key.url ?? key), headers: Object.fromEntries(response.headers) });
      await fsp.writeFile(`${p.meta}.tmp`, meta);
      await fsp.rename(`${p.meta}.tmp`, p.meta);
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw e;
    }
  }

  async delete(key) {
    const p = this.#paths(key);
    const had = fs.existsSync(p.meta);
    await fsp.rm(p.meta, { force: true });
    await fsp.rm(p.body, { force: true });
    return had;
  }

  async keys() {
    const out = [];
    for (const f of await fsp.readdir(this.dir)) {
      if (!f.endsWith('.json')) continue;
      try { out.push({ url: JSON.parse(await fsp.readFile(path.join(this.dir, f), 'utf8')).url }); } catch { /* being written */ }
    }
    return out;
  }
}

function safeName(name) {
  return String(name).replace(/[^\w.-]/g, '_');
}
