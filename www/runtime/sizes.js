// What each tier of a model costs to download, from its config.json alone: the engine's own
// quantizer rules (src/quant/sizes.rs), so that no second copy of them lives in JavaScript.
import { loadWasm } from './wasm.js';
import { GamjeongError, wasmCode } from './errors.js';

/**
 * Bytes of tensor data per tier, `{f32, q8, q4, q5, q6}`, for the model `config` describes
 * (config.json as an object or its text; the label count from `id2label`, else `num_labels`):
 * f32 and q8 exact, the entropy-coded tiers estimated (within 5 % on the test fixtures); the
 * tokenizer and config a quantized file carries (under 1 MB) not counted. Loads the engine's
 * module on its first call. A config the engine would not load rejects with its code
 * (`BAD_MODEL`, `UNSUPPORTED_MODEL`).
 */
export async function tierBytes(config) {
  const { mod } = await loadWasm('auto');
  try {
    return mod.tierBytes(typeof config === 'string' ? config : JSON.stringify(config));
  } catch (e) {
    throw new GamjeongError(`No sizes for this model: ${e?.message || e}`, wasmCode(e));
  }
}
