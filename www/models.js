// The demo page's model picker: the curated list (the one place its facts live; docs/models.md
// lists the same entries with the pages they come from) and the download size of each tier,
// computed by the engine from the config.json fields each entry copies. Facts are as each model's card on
// the Hugging Face hub states them (task, labels, license), checked against its config.json.
import { tierBytes as engineTierBytes } from './gamjeong.js';

/**
 * Curated Korean sequence classifiers of the families gamjeong runs (docs/models.md names the
 * page each fact was read from). `config`: the fields of the model's config.json the engine
 * needs to compute the sizes (the fields its config reader requires); `task`: what the labels are, per page language; `license`: the hub's license
 * tag as the model card states it; `family`: the architecture and its pre-trained base.
 */
export const MODELS = [
  {
    id: 'hun3359/klue-bert-base-sentiment',
    task: { ko: '감정 60가지 (6개 그룹, AIHub 감성대화말뭉치)', en: '60 emotions in 6 groups (AIHub emotional dialogue corpus)' },
    labels: 60,
    multiLabel: false,
    license: 'cc-by-sa-4.0',
    family: 'BERT (klue/bert-base)',
    config: {
      model_type: 'bert', vocab_size: 32000, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12,
      intermediate_size: 3072, hidden_act: 'gelu', max_position_embeddings: 512, type_vocab_size: 2,
      layer_norm_eps: 1e-12, pad_token_id: 0, hidden_dropout_prob: 0.1, initializer_range: 0.02,
    },
  },
  {
    id: 'daekeun-ml/koelectra-small-v3-nsmc',
    task: { ko: '영화 리뷰 긍정/부정 (NSMC)', en: 'Movie review positive/negative (NSMC)' },
    labels: 2,
    multiLabel: false,
    license: 'mit',
    family: 'ELECTRA (KoELECTRA-small-v3)',
    config: {
      model_type: 'electra', vocab_size: 35000, embedding_size: 128, hidden_size: 256, num_hidden_layers: 12,
      num_attention_heads: 4, intermediate_size: 1024, hidden_act: 'gelu', max_position_embeddings: 512,
      type_vocab_size: 2, layer_norm_eps: 1e-12, pad_token_id: 0, hidden_dropout_prob: 0.1, initializer_range: 0.02,
    },
  },
  {
    id: 'Unggi/ko_hate_speech_KcELECTRA',
    task: { ko: '혐오 표현 여부 (CLEAN / UNCLEAN)', en: 'Hate speech or not (CLEAN / UNCLEAN)' },
    labels: 2,
    multiLabel: false,
    license: 'cc-by-nc-sa-4.0',
    family: 'ELECTRA (KcELECTRA-base)',
    config: {
      model_type: 'electra', vocab_size: 50135, embedding_size: 768, hidden_size: 768, num_hidden_layers: 12,
      num_attention_heads: 12, intermediate_size: 3072, hidden_act: 'gelu', max_position_embeddings: 512,
      type_vocab_size: 2, layer_norm_eps: 1e-12, pad_token_id: 0, hidden_dropout_prob: 0.1, initializer_range: 0.02,
    },
  },
];

/** The entry for hub id `id`, or undefined. */
export const curated = (id) => MODELS.find((m) => m.id === id);

/**
 * Bytes of each tier's weights, `{f32, q8, q4, q5, q6}`, for a model with `config`
 * (config.json's fields, an object) and `labels` outputs (when config has no `id2label`), as
 * the engine's quantizer stores them (its wasm export `tierBytes`: f32 and q8 exact, the
 * entropy-coded tiers estimated; the tokenizer and config a quantized file carries, under 1 MB,
 * not counted). The engine's module is loaded for it on its first call (the one the page's model
 * runs on: a browser fetches it once). A config the engine would not load rejects with its code
 * (`BAD_MODEL`, `UNSUPPORTED_MODEL`).
 */
export function tierBytes(config, labels) {
  return engineTierBytes(labels === undefined ? config : { num_labels: labels, ...config });
}
