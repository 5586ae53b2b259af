// The option objects of the public API. Each call declares the keys it takes and how each value
// is checked; an unknown key or a wrong value is the caller's bug and fails with BAD_INPUT naming
// the key and what is accepted, where ignoring it would return the wrong thing without a word
// (`{topK: 3}` on the pipeline, `{dtype: 'fp32'}` on Classifier.load). A new call (a file's
// options, say) declares its own table with these helpers.
import { GamjeongError } from './runtime/errors.js';
import { DEFAULT_MODEL, DEFAULT_REVISION, DEFAULT_QUANT } from './runtime/address.js';
import { VARIANTS, MAX_THREADS } from './runtime/wasm.js';
import { buildOf } from './runtime/builds.js';

/** A value as a message shows it: short strings and numbers as written, anything else by its kind. */
export function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

// Value checks: each returns null for a good value, else what the value should be. `undefined`
// never reaches them (it means "the default"); null does, and is the default unless said.
export const orNull = (check) => (v) => (v === null ? null : check(v));
export const isString = orNull((v) => (typeof v === 'string' ? null : 'a string'));
export const isBoolean = orNull((v) => (typeof v === 'boolean' ? null : 'true or false'));
export const isFunction = orNull((v) => (typeof v === 'function' ? null : 'a function'));
export const isUrl = orNull((v) => (typeof v === 'string' || v instanceof URL ? null : 'a URL (a string or a URL object)'));
export const isSignal = orNull((v) => (typeof v?.addEventListener === 'function' && 'aborted' in v ? null : 'an AbortSignal'));
/** A whole number in [min, max]. */
export const wholeNumber = (min, max = Infinity) => orNull((v) => (Number.isInteger(v) && v >= min && v <= max ? null
  : `a whole number ${max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`}`));
export const oneOf = (values) => orNull((v) => (values.includes(v) ? null : `one of ${values.map((x) => `'${x}'`).join(', ')}`));

/** Keys compared loosely, for "did you mean": case, `_` and `-` ignored (top_k ~ topK, cache_dir ~ cacheDir). */
const loose = (k) => k.toLowerCase().replace(/[_-]/g, '');

/**
 * `options` checked against `keys` ({name: check}); `call` names the call in messages (e.g.
 * `Classifier.load(options)`); `hints` ({key: advice}) turns a likely mix-up into advice.
 * Keys whose value is undefined count as absent. Returns the options without them.
 */
export function checkOptions(options, keys, call, hints = {}) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new GamjeongError(`${call} takes an options object, got ${describe(options)}.`, 'BAD_INPUT');
  }
  const accepted = Object.keys(keys);
  const out = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(keys, key)) {
      const near = accepted.find((k) => loose(k) === loose(key));
      const advice = hints[key] ?? (near && `did you mean ${near}?`);
      throw new GamjeongError(`${call}: unknown option “${key}”${advice ? ` (${advice})` : ''}. Accepted: ${accepted.join(', ')}.`, 'BAD_INPUT');
    }
    const want = keys[key](value);
    if (want) throw new GamjeongError(`${call}: option “${key}” must be ${want}, got ${describe(value)}.`, 'BAD_INPUT');
    out[key] = value;
  }
  return out;
}

/** Two options that cannot both hold: BAD_INPUT saying why. */
export function contradiction(call, why) {
  return new GamjeongError(`${call}: ${why}.`, 'BAD_INPUT');
}

// ---- Classifier.load (and plan): the options, their checks, their defaults ---------------------

/** The score functions a model can be given (`info.scoreFn` names the one in force). */
export const SCORE_FNS = ['softmax', 'sigmoid', 'identity'];
/** transformers' `function_to_apply` names, as pipeline() takes them. */
const FUNCTIONS_TO_APPLY = { softmax: 'softmax', sigmoid: 'sigmoid', none: 'identity' };

/** Every option of `Classifier.load` and `Classifier.plan`, with its check; defaults in loadOptions. */
export const LOAD_OPTIONS = {
  model: isString,
  revision: isString,
  // Any string: the wasm build knows its schemes and refuses others with BAD_QUANT and the list.
  quant: isString,
  onProgress: isFunction,
  signal: isSignal,
  worker: isBoolean,
  cache: isBoolean,
  cacheDir: isString,
  variant: oneOf(VARIANTS),
  threads: wholeNumber(1, MAX_THREADS),
  baseUrl: isUrl,
  // How scores come from logits, overriding config.json's problem_type (the wasm's setScoreFn).
  scoreFn: oneOf(SCORE_FNS),
};

/** Names from other APIs that land on Classifier.load by mistake. */
const LOAD_HINTS = {
  dtype: 'dtype is pipeline()’s name for it, after transformers.js; Classifier.load takes quant',
  progress_callback: 'progress_callback is pipeline()’s name for it; Classifier.load takes onProgress',
  topK: 'topK is an option of classify() and classifyBatch(), not of loading',
  top_k: 'top_k is an option of the pipeline’s call, not of loading',
  device: 'gamjeong runs on the CPU, through WebAssembly',
  session_options: 'gamjeong does not use ONNX Runtime',
};

/** `options` of load/plan checked: every key known, every value of its kind, no two that contradict. */
export function checkLoad(options, call, hints = LOAD_HINTS) {
  const o = checkOptions(options, LOAD_OPTIONS, call, hints);
  const build = buildOf(o.variant);
  if (o.threads > 1 && build && !build.threads) {
    throw contradiction(call, `threads: ${o.threads} needs a threads build, but variant '${o.variant}' is single-threaded; use variant 'auto', 'threads' or 'threads-relaxed'`);
  }
  if (o.threads > 1 && o.worker === false) {
    throw contradiction(call, `threads: ${o.threads} needs the module worker, but worker: false runs the model on the calling thread, which may not wait for others`);
  }
  return o;
}

/** Checked load options with their defaults: what the runtime gets, in the worker or in the page. */
export function loadOptions(o) {
  return {
    model: o.model ?? DEFAULT_MODEL,
    revision: o.revision ?? DEFAULT_REVISION,
    quant: o.quant ?? DEFAULT_QUANT,
    cache: o.cache ?? true,
    variant: o.variant ?? 'auto',
    threads: o.threads ?? null,
    // A string: a URL object does not cross postMessage.
    baseUrl: o.baseUrl != null ? String(o.baseUrl) : globalThis.location?.href,
    ...(o.cacheDir != null && { cacheDir: o.cacheDir }), // Node: the cache directory
    ...(o.scoreFn != null && { scoreFn: o.scoreFn }),
  };
}

// ---- the calls on a loaded Classifier ---------------------------------------------------------

export const TOP_K_OPTIONS = { topK: wholeNumber(0) };
export const TOP_K_HINTS = { top_k: 'top_k is the pipeline’s name for it; classify() takes topK' };
export const EXPLAIN_OPTIONS = {
  label: orNull((v) => (typeof v === 'string' || (Number.isInteger(v) && v >= 0) ? null : 'a label name or a class index')),
};
/** Classifier.cacheInfo and clearCache. */
export const CACHE_OPTIONS = { cacheDir: isString };

// ---- pipeline(): transformers.js's names where it has them --------------------------------------

/**
 * transformers.js's `dtype` names (utils/dtypes.js) for the tiers gamjeong has, and gamjeong's
 * own: `auto` is q8, as transformers.js's default for wasm. fp16, bnb4 and q4f16 have no
 * gamjeong tier and are refused.
 */
export const DTYPES = {
  auto: DEFAULT_QUANT, fp32: 'f32', f32: 'f32', q8: 'q8', int8: 'q8', uint8: 'q8', q4: 'q4', q5: 'q5', q6: 'q6',
};
/** transformers.js's `device` values that mean what gamjeong does (WebAssembly on the CPU). */
const DEVICES = ['auto', 'wasm', 'cpu'];

/** Every option of `pipeline(task, model, options)`: the load's (but model and onProgress) and transformers.js's. */
export const PIPELINE_OPTIONS = {
  ...Object.fromEntries(Object.entries(LOAD_OPTIONS).filter(([k]) => k !== 'model' && k !== 'onProgress')),
  progress_callback: isFunction,
  dtype: (v) => (Object.hasOwn(DTYPES, v) ? null : `one of ${Object.keys(DTYPES).map((d) => `'${d}'`).join(', ')} (gamjeong has no fp16 or bnb4 tier)`),
  device: (v) => (DEVICES.includes(v) ? null
    : `one of ${DEVICES.map((d) => `'${d}'`).join(', ')}: gamjeong runs on the CPU through WebAssembly (no WebGPU)`),
  function_to_apply: oneOf(Object.keys(FUNCTIONS_TO_APPLY)),
};
const PIPELINE_HINTS = {
  onProgress: 'the pipeline takes progress_callback, as transformers.js does',
  model: 'the model is pipeline()’s second argument',
  top_k: 'top_k is an option of the pipeline’s call: classify(texts, { top_k })',
  topK: 'the pipeline’s call takes top_k: classify(texts, { top_k })',
  session_options: 'gamjeong does not use ONNX Runtime',
};

/** pipeline()'s options checked, as Classifier.load's options: dtype mapped to quant (agreeing with quant when both are given). */
export function pipelineLoadOptions(options, call) {
  const { progress_callback, dtype, device, function_to_apply, ...rest } = checkOptions(options, PIPELINE_OPTIONS, call, PIPELINE_HINTS);
  const quant = dtype == null ? rest.quant : DTYPES[dtype];
  if (dtype != null && rest.quant != null && rest.quant !== quant) {
    throw contradiction(call, `dtype '${dtype}' means quant '${quant}', but quant is ${describe(rest.quant)}; pass one of them`);
  }
  const scoreFn = function_to_apply == null ? rest.scoreFn : FUNCTIONS_TO_APPLY[function_to_apply];
  if (function_to_apply != null && rest.scoreFn != null && rest.scoreFn !== scoreFn) {
    throw contradiction(call, `function_to_apply '${function_to_apply}' means scoreFn '${scoreFn}', but scoreFn is ${describe(rest.scoreFn)}; pass one of them`);
  }
  return { options: checkLoad({ ...rest, quant, scoreFn }, call), progress_callback };
}

/** The pipeline's call: `classify(texts, { top_k })`, `null` for every label. */
export const PIPELINE_CALL_OPTIONS = { top_k: wholeNumber(0) };
export const PIPELINE_CALL_HINTS = { topK: 'the pipeline takes top_k, as transformers.js does; topK is Classifier.classify’s' };

// ---- whole files: classifyFile and inspectFile ------------------------------------------------

export const FORMATS = ['auto', 'lines', 'csv', 'tsv', 'jsonl', 'kakao'];
const FILES = ['csv', 'jsonl'];

/** How a file is read: the options classifyFile and inspectFile share. */
const FILE_READ_OPTIONS = {
  format: oneOf(FORMATS),
  column: orNull((v) => (typeof v === 'string' ? null : 'a string (the name of the text column or field)')),
  fileName: isString,
};
/** Every option of classifyFile with its check. */
export const FILE_OPTIONS = {
  ...FILE_READ_OPTIONS,
  allScores: isBoolean,
  lowConfidence: orNull((v) => (typeof v === 'number' && v >= 0 && v <= 1 ? null : 'a number from 0 to 1')),
  files: orNull((v) => (Array.isArray(v) && v.every((f) => FILES.includes(f)) ? null : "an array of 'csv' and 'jsonl'")),
  batchSize: wholeNumber(1, 4096),
  size: orNull((v) => (Number.isInteger(v) && v >= 0 ? null : 'a whole number of bytes')),
  onProgress: isFunction,
  signal: isSignal,
};
/** Names of the CLI and of WasmBulk that land on classifyFile by mistake. */
export const FILE_HINTS = {
  outputs: 'classifyFile takes files: [\'csv\', \'jsonl\'] for the batches’ bytes',
  output: 'classifyFile writes no file: take the bytes of files: [\'csv\'] from run.batches()',
  input: 'the file is classifyFile’s first argument',
  topK: 'a file’s rows carry the top label; allScores: true adds every score',
  top_k: 'a file’s rows carry the top label; allScores: true adds every score',
};
/** inspectFile takes the reading options and how much to show. */
export const INSPECT_OPTIONS = {
  ...FILE_READ_OPTIONS,
  rows: wholeNumber(0, 1000),
  headBytes: orNull((v) => (Number.isInteger(v) && v >= 1024 && v <= 16 << 20 ? null : 'a whole number of bytes from 1024 to 16 MiB')),
};

/** Checked options without the nulls (a null option is its default): what the file runtime gets. */
export function checkFile(options, keys, call, hints = FILE_HINTS) {
  return Object.fromEntries(Object.entries(checkOptions(options, keys, call, hints)).filter(([, v]) => v !== null));
}
