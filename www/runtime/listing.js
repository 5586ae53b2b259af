// Which files a model folder holds, where its host can say so: the Hugging Face hub lists a
// repository's files (its tree API), so the loader asks for an optional file (the pre-quantized
// model; pytorch_model.bin when there is no model.safetensors) only when it is there, and a
// browser's console shows no 404 for a file that was only probed for. Other hosts have no
// listing: the loader probes, and a missing optional file is a 404 there (docs/npm.md says so).
import { HUB } from './address.js';
import { platform } from './platform.js';
import { throwIfAborted } from './errors.js';

/** The tree API's URL for folder `path` ('' for the root) of hub model `id` at `revision`. */
export const treeUrl = (id, revision, path = '') => `${HUB}/api/models/${id}/tree/${encodeURIComponent(revision)}${path ? `/${path}` : ''}`;

async function tree(url, signal) {
  const res = await platform.fetch(url, signal ? { signal } : undefined);
  if (!res.ok) {
    res.body?.cancel().catch(() => {});
    return null;
  }
  const entries = await res.json();
  return Array.isArray(entries) ? entries : null;
}

/**
 * Map(path → bytes) of the files of hub model `src` the loader may ask for (its root and the
 * `dir` folder beside it), or null when the folder is not on the hub or the listing failed
 * (then the loader probes as for any host).
 */
export async function listHub(src, dir, signal) {
  if (src.kind !== 'hub') return null;
  try {
    const root = await tree(treeUrl(src.id, src.revision), signal);
    if (!root) return null;
    const files = new Map();
    const add = (e) => { if (e?.type === 'file' && typeof e.path === 'string') files.set(e.path, e.lfs?.size ?? e.size ?? null); };
    root.forEach(add);
    if (root.some((e) => e?.type === 'directory' && e.path === dir)) {
      const sub = await tree(treeUrl(src.id, src.revision, dir), signal);
      if (!sub) return null;
      sub.forEach(add);
    }
    return files;
  } catch {
    throwIfAborted(signal);
    return null;
  }
}
