// The folder's tokenizer as tokenizer.json bytes, as transformers finds it: tokenizer.json,
// else (a 404, 401 or 410 for it) the WordPiece vocab.txt with tokenizer_config.json, built
// into a tokenizer.json by the wasm module (tokenizerFromVocab: BertTokenizer's pieces). A
// folder with only a SentencePiece model gets UNSUPPORTED_MODEL naming it.
import { GamjeongError, wasmCode } from './errors.js';
import { downloadText, headOf } from './fetch.js';

export const TOKENIZER_FALLBACK = ['vocab.txt', 'tokenizer_config.json'];
const SENTENCEPIECE = ['spiece.model', 'sentencepiece.bpe.model'];

/** null when `file` is absent (404/401/410); its bytes otherwise. Other failures are thrown. */
async function optionalText(src, file, emit, signal) {
  try {
    return await downloadText(src.fileUrl(file), file, emit, signal);
  } catch (e) {
    if (e?.code === 'NOT_FOUND') return null;
    throw e;
  }
}

/** tokenizer.json's bytes for the folder `src`; emits `fallback` when built from vocab.txt. */
export async function tokenizerJson(wasm, src, emit, signal) {
  const first = 'tokenizer.json';
  let missing;
  try {
    return await downloadText(src.fileUrl(first), first, emit, signal);
  } catch (e) {
    if (e?.code !== 'NOT_FOUND') throw e;
    missing = e;
  }
  const [vocabFile, configFile] = TOKENIZER_FALLBACK;
  const vocab = await optionalText(src, vocabFile, emit, signal);
  const config = vocab && await optionalText(src, configFile, emit, signal);
  let sentencePiece;
  if (!vocab) {
    for (const f of SENTENCEPIECE) if (!sentencePiece && await headOf(src.fileUrl(f))) sentencePiece = f;
    if (!sentencePiece) {
      throw new GamjeongError(`${missing.message} Nor was vocab.txt: the model folder has no tokenizer gamjeong can read.`, 'NOT_FOUND', { url: missing.url, status: missing.status });
    }
  }
  const dec = new TextDecoder('utf-8', { fatal: true });
  let json;
  try {
    json = wasm.mod.tokenizerFromVocab(vocab ? dec.decode(vocab) : undefined, config ? dec.decode(config) : undefined, sentencePiece);
  } catch (e) {
    throw new GamjeongError(`The model at ${src.id} cannot be used: ${e.message || e}`, wasmCode(e));
  }
  emit({ status: 'fallback', file: 'vocab.txt', instead: first, reason: `no ${first} in the model folder (HTTP ${missing.status}): the WordPiece tokenizer was built from vocab.txt${config ? ' and tokenizer_config.json' : ''}` });
  return new TextEncoder().encode(json);
}
