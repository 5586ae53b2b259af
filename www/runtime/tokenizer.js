// The folder's tokenizer as tokenizer.json bytes, as transformers finds it: tokenizer.json,
// else the WordPiece vocab.txt with tokenizer_config.json (and special_tokens_map.json, which
// transformers reads when tokenizer_config.json has no added_tokens_decoder), built into a tokenizer.json by the
// wasm module (tokenizerFromVocab: BertTokenizer's pieces). A folder with only a SentencePiece
// model gets UNSUPPORTED_MODEL naming it. On the hub the repository's file list (listing.js)
// says which of these files exist, so nothing is asked for that is not there; elsewhere a
// 404, 401 or 410 for tokenizer.json is what sends the loader to vocab.txt.
import { GamjeongError, wasmCode } from './errors.js';
import { downloadText, headOf } from './fetch.js';

export const TOKENIZER_FALLBACK = ['vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json'];
const SENTENCEPIECE = ['spiece.model', 'sentencepiece.bpe.model'];

/**
 * `file`'s bytes, or null when it is absent: not in the hub's list (`files`, when there is
 * one), else a 404/401/410. Other failures are thrown.
 */
async function optionalText(src, files, file, emit, signal) {
  if (files && !files.has(file)) return null;
  try {
    return await downloadText(src.fileUrl(file), file, emit, signal);
  } catch (e) {
    if (e?.code === 'NOT_FOUND') return null;
    throw e;
  }
}

/** Whether `file` is in the folder: the hub's list, else a HEAD probe. */
const present = async (src, files, file) => (files ? files.has(file) : !!await headOf(src.fileUrl(file)));

/** tokenizer.json's bytes for the folder `src`; emits `fallback` when built from vocab.txt. */
export async function tokenizerJson(wasm, src, emit, signal) {
  const first = 'tokenizer.json';
  const files = await src.listing?.() ?? null;
  let missing;
  if (!files || files.has(first)) {
    try {
      return await downloadText(src.fileUrl(first), first, emit, signal);
    } catch (e) {
      if (e?.code !== 'NOT_FOUND') throw e;
      missing = { message: e.message, why: `HTTP ${e.status}`, url: e.url, status: e.status };
    }
  } else {
    missing = { message: `${first} is not in the file list of ${src.id}.`, why: 'not in the hub’s file list', url: src.fileUrl(first), status: 404 };
  }
  const [vocabFile, configFile, mapFile] = TOKENIZER_FALLBACK;
  const dec = new TextDecoder('utf-8', { fatal: true });
  /** A file's text (undefined when absent); not UTF-8 is the model's fault. */
  const text = (bytes, file) => {
    if (bytes == null) return undefined;
    try { return dec.decode(bytes); } catch { throw new GamjeongError(`The model at ${src.id} cannot be used: ${file} is not UTF-8 text.`, 'BAD_MODEL'); }
  };
  const vocab = text(await optionalText(src, files, vocabFile, emit, signal), vocabFile);
  const config = vocab === undefined ? undefined : text(await optionalText(src, files, configFile, emit, signal), configFile);
  // transformers 5 takes the special tokens from tokenizer_config.json's added_tokens_decoder
  // when it has one (not null), and from special_tokens_map.json only otherwise, as the wasm
  // builder does: no request when unused. A config that is not JSON is the builder's to report.
  let decoder = false;
  try { decoder = config !== undefined && JSON.parse(config)?.added_tokens_decoder != null; } catch { /* reported below */ }
  const map = vocab === undefined || decoder ? undefined : text(await optionalText(src, files, mapFile, emit, signal), mapFile);
  let sentencePiece;
  if (vocab === undefined) {
    for (const f of SENTENCEPIECE) if (!sentencePiece && await present(src, files, f)) sentencePiece = f;
    if (!sentencePiece) {
      throw new GamjeongError(`${missing.message} Nor was vocab.txt: the model folder has no tokenizer gamjeong can read.`, 'NOT_FOUND', { url: missing.url, status: missing.status });
    }
  }
  let json;
  try {
    json = wasm.mod.tokenizerFromVocab(vocab, config, sentencePiece, map);
  } catch (e) {
    throw new GamjeongError(`The model at ${src.id} cannot be used: ${e.message || e}`, wasmCode(e));
  }
  emit({ status: 'fallback', file: 'vocab.txt', instead: first, reason: `no ${first} in the model folder (${missing.why}): the WordPiece tokenizer was built from vocab.txt${config !== undefined ? ' and tokenizer_config.json' : ''}${map !== undefined ? ' and special_tokens_map.json' : ''}` });
  return new TextEncoder().encode(json);
}
