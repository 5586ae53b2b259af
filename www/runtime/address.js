// Where a model lives: the defaults, a hub id, folder URL or local path resolved to the URLs
// of its files, and which files a Hugging Face folder holds.
import { GamjeongError } from './errors.js';
import { platform } from './platform.js';

export const DEFAULT_MODEL = 'hun3359/klue-bert-base-sentiment';
export const DEFAULT_REVISION = 'main';
export const DEFAULT_QUANT = 'q8';
/** Pre-quantized files inside a model folder: `{folder}/gamjeong/model.{q8,q4}.safetensors`. */
export const QUANT_DIR = 'gamjeong';
/** Source weights of a model folder, in the order transformers tries them. */
export const WEIGHT_FILES = ['model.safetensors', 'pytorch_model.bin'];
export const TEXT_FILES = ['config.json', 'tokenizer.json'];
export const HUB = 'https://huggingface.co';

/** A model's page on the Hugging Face hub, or one of its files at `revision`. */
export function hubUrl(id, revision, file) {
  return file === undefined ? `${HUB}/${id}` : `${HUB}/${id}/resolve/${encodeURIComponent(revision ?? DEFAULT_REVISION)}/${file}`;
}

/**
 * `model`: hub id, folder URL (HF layout) or URL of one quantized .safetensors; Node: also a
 * local path. Relative URLs resolve against `baseUrl` (the page, not the worker). What cannot
 * be a hub id is a relative folder in every host: a trailing `/` (`models/x/`) or more than one
 * `/` (`public/models/x`). `owner/name` is a hub id (Node: unless such a folder exists), and
 * the error of a failed hub download says how to write the folder (`hubHint`).
 * Returns {kind: 'hub'|'folder'|'file', id, revision, url (file) | fileUrl(name) (hub, folder)}.
 */
export function resolveModel(model = DEFAULT_MODEL, revision = DEFAULT_REVISION, baseUrl) {
  const spec = platform.localModel(String(model).trim()) ?? String(model).trim();
  if (!spec) throw new GamjeongError('No model given.', 'BAD_MODEL_SPEC');
  const path = spec.split(/[?#]/)[0];
  const looksUrl = /^[a-z][a-z0-9+.-]*:/i.test(spec) || /^(\.{0,2}\/)/.test(spec)
    || path.endsWith('/') || path.split('/').length > 2;
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
    throw new GamjeongError(`“${spec}” is neither a Hugging Face model id (owner/name) nor a URL${platform.host === 'node' ? ' or an existing path' : ''}.`, 'BAD_MODEL_SPEC');
  }
  const rev = String(revision || DEFAULT_REVISION);
  return {
    kind: 'hub', id: spec, revision: rev,
    fileUrl: (f) => hubUrl(spec, rev, f),
  };
}

/**
 * For a load of hub id `spec` that failed to download: how to write it if a folder was meant
 * (`models/x` is a hub id; `./models/x/` the folder next to the page, or in Node's working directory).
 */
export function hubHint(spec) {
  const folder = `'./${spec}/'`;
  return platform.host === 'node'
    ? `“${spec}” is no folder in the working directory, so it was read as a Hugging Face model id; for a folder, write its path (${folder})`
    : `“${spec}” was read as a Hugging Face model id; for a folder next to the page, write ${folder}`;
}
