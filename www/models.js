// The demo page's model picker: the curated list (the one place its facts live; docs/models.md
// lists the same entries with the pages they come from) and the download size of each tier,
// computed from the config.json fields each entry copies. Facts are as each model's card on
// the Hugging Face hub states them (task, labels, license), checked against its config.json.

/**
 * Curated Korean sequence classifiers of the families gamjeong runs (docs/models.md names the
 * page each fact was read from). `config`: the fields of the model's config.json the sizes are
 * computed from; `task`: what the labels are, per page language; `license`: the hub's license
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
      model_type: 'bert', vocab_size: 32000, hidden_size: 768, num_hidden_layers: 12, intermediate_size: 3072,
      max_position_embeddings: 512, type_vocab_size: 2,
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
      intermediate_size: 1024, max_position_embeddings: 512, type_vocab_size: 2,
    },
  },
];

/** The entry for hub id `id`, or undefined. */
export const curated = (id) => MODELS.find((m) => m.id === id);

/**
 * q4 and its finer tiers are entropy-coded: 4.05–5.6 bits per weight by kind, 4.8 on average
 * (docs/FORMAT.md); their size is estimated at the average (BERT-base: 68.4 MB estimated, 68.7
 * MB measured).
 */
const Q4_BITS = 4.8;
const Q4_BLOCK = 32;

/**
 * The tensors a quantized file stores, as the quantizer treats them (src/quant/scheme.rs
 * `storage_for` on the family tables of src/family.rs; page.test.mjs holds this copy to the
 * quantizer's own files for every family): [rows, cols, kind] with kind `matrix` (int8, or
 * entropy-coded in q4 when its row length is a multiple of 32), `head` (int8 in every tier),
 * `pos` (f16 in q4) or `keep` (f32). `labels`: the classifier's outputs. DistilBERT's config
 * names the shape `dim`, `n_layers`, `hidden_dim`.
 */
function tensors(config, labels) {
  const family = config.model_type ?? 'bert';
  const H = config.hidden_size ?? config.dim;
  const E = config.embedding_size ?? H;
  const I = config.intermediate_size ?? config.hidden_dim;
  const t = [[config.vocab_size, E, 'matrix'], [config.max_position_embeddings, E, 'pos'], [2, E, 'keep']]; // + embedding LayerNorm
  if (family !== 'distilbert') t.push([config.type_vocab_size ?? 2, E, 'keep']); // token types
  if (E !== H) t.push([H, E, 'keep'], [1, H, 'keep']); // ELECTRA's embeddings_project
  for (let l = 0; l < (config.num_hidden_layers ?? config.n_layers); l++) {
    for (let i = 0; i < 4; i++) t.push([H, H, 'matrix'], [1, H, 'keep']); // query, key, value, attention output
    t.push([I, H, 'matrix'], [1, I, 'keep'], [H, I, 'matrix'], [1, H, 'keep'], [4, H, 'keep']); // FFN, two LayerNorms
  }
  // BERT: pooler then classifier, both int8. The first-token heads (ELECTRA, RoBERTa,
  // DistilBERT): their dense layer int8, their last matrix f32.
  t.push([H, H, 'head'], [1, H, 'keep']);
  t.push([labels, H, family === 'bert' ? 'head' : 'keep'], [1, labels, 'keep']);
  return t;
}

/**
 * Bytes of each tier's weights for a model with `config` (config.json's fields) and `labels`
 * outputs: `{f32, q8, q4}` (q4 estimated; the tokenizer and config a quantized file carries, under
 * 1 MB, not counted). What a download of that tier costs: f32 is the hub's model.safetensors;
 * q8/q4 is what is downloaded from a pre-quantized file and what the browser keeps after
 * converting the f32 weights (a hub repository without one downloads the f32 weights once).
 */
export function tierBytes(config, labels) {
  let f32 = 0;
  let q8 = 0;
  let q4 = 0;
  for (const [n, k, kind] of tensors(config, labels)) {
    const w = n * k;
    f32 += 4 * w;
    if (kind === 'keep') { q8 += 4 * w; q4 += 4 * w; continue; }
    if (kind === 'pos') { q8 += 4 * w; q4 += 2 * w; continue; }
    const int8 = w + 4 * n; // one f32 scale per row
    q8 += int8;
    q4 += kind === 'matrix' && k % Q4_BLOCK === 0 ? Math.ceil((w * Q4_BITS) / 8) : int8;
  }
  return { f32, q8, q4 };
}
