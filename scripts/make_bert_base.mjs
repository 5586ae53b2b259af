#!/usr/bin/env node
// The project's one generator of a random BERT-base classifier in Hugging Face layout: the shape
// of hun3359/klue-bert-base-sentiment (vocab 32000, hidden 768, 12 layers, 12 heads, intermediate
// 3072, 512 positions, 2 token types; the labels from the given config),
// every tensor under HF's name, written one at a time into model.safetensors (f32) with
// config.json and tokenizer.json. The real model's size and work, without its weights:
// the e2e memory test (tests/e2e/memory.test.mjs) and the benchmark model (bench/make_bert_base.py,
// which adds its 32000-piece tokenizer, centres the classifier bias and writes references).
//
// Weights follow transformers' init, seeded: every matrix and embedding N(0, initRange) (the
// padding token's embedding row zero), then, as tests/fixtures/make_fixtures.py perturbs its
// models, biases N(0, biasStd), LayerNorm weights 1 + N(0, lnStd) and biases N(0, lnStd).
//
//   node scripts/make_bert_base.mjs OUT --config FILE --tokenizer FILE [--seed N]
//                                   [--init-range R] [--bias-std S] [--ln-std S]
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const SHAPE = {
  vocab_size: 32000, hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12,
  max_position_embeddings: 512, type_vocab_size: 2,
};
export const DEFAULTS = { seed: 20240528, initRange: 0.02, biasStd: 0.1, lnStd: 0.1 };
const GENERATOR = 3; // bumped whenever the same options would give other bytes

/** [name, shape, kind] in safetensors' (HF's) file order; kind: weight, bias, ln-weight, ln-bias. */
function tensors(config) {
  const H = SHAPE.hidden_size; const I = SHAPE.intermediate_size;
  const labels = Object.keys(config.id2label ?? {}).length || config.num_labels || 2;
  const t = [['bert.embeddings.word_embeddings.weight', [config.vocab_size, H], 'embedding'],
    ['bert.embeddings.position_embeddings.weight', [SHAPE.max_position_embeddings, H], 'weight'],
    ['bert.embeddings.token_type_embeddings.weight', [SHAPE.type_vocab_size, H], 'weight'],
    ['bert.embeddings.LayerNorm.weight', [H], 'ln-weight'], ['bert.embeddings.LayerNorm.bias', [H], 'ln-bias']];
  const linear = (name, out, inp) => t.push([`${name}.weight`, [out, inp], 'weight'], [`${name}.bias`, [out], 'bias']);
  const norm = (name) => t.push([`${name}.weight`, [H], 'ln-weight'], [`${name}.bias`, [H], 'ln-bias']);
  for (let l = 0; l < SHAPE.num_hidden_layers; l++) {
    const p = `bert.encoder.layer.${l}.`;
    for (const m of ['query', 'key', 'value']) linear(`${p}attention.self.${m}`, H, H);
    linear(`${p}attention.output.dense`, H, H);
    norm(`${p}attention.output.LayerNorm`);
    linear(`${p}intermediate.dense`, I, H);
    linear(`${p}output.dense`, H, I);
    norm(`${p}output.LayerNorm`);
  }
  linear('bert.pooler.dense', H, H);
  linear('classifier', labels, H);
  return t.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Seeded standard normal deviates: xoshiro128** uniforms through Box-Muller, the same on every platform. */
function normals(seed) {
  // splitmix32 spreads the seed over the four words of state
  let z = seed >>> 0;
  const mix = () => {
    z = (z + 0x9e3779b9) >>> 0;
    let x = z;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    return (x ^ (x >>> 16)) >>> 0;
  };
  let a = mix(); let b = mix(); let c = mix(); let d = mix();
  const next = () => {
    const r = Math.imul(((Math.imul(b, 5) << 7) | (Math.imul(b, 5) >>> 25)), 9) >>> 0;
    const t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t;
    d = (d << 11) | (d >>> 21);
    return r;
  };
  let spare = null;
  return () => {
    if (spare !== null) { const v = spare; spare = null; return v; }
    const u = (next() + 1) / 2 ** 32; // (0, 1]
    const r = Math.sqrt(-2 * Math.log(u));
    const angle = (2 * Math.PI * next()) / 2 ** 32;
    spare = r * Math.sin(angle);
    return r * Math.cos(angle);
  };
}

/**
 * Writes OUT/{config.json,tokenizer.json,model.safetensors} unless the same generator with the
 * same options already did (a stamp, written last); returns OUT. `config`, `tokenizer`: paths
 * of the config.json (its labels and other fields are kept; the shape is set) and
 * tokenizer.json to use (a smaller vocabulary is fine: its ids stay below 32000).
 */
export function makeBertBase(out, { config, tokenizer, ...options }) {
  const opts = { ...DEFAULTS, ...options };
  const cfg = { ...JSON.parse(fs.readFileSync(config, 'utf8')), ...SHAPE, initializer_range: opts.initRange };
  const tok = fs.readFileSync(tokenizer);
  const stampFile = path.join(out, 'stamp.json');
  const stamp = JSON.stringify({ generator: GENERATOR, ...opts, config: cfg, tokenizerBytes: tok.length });
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) return out;
  fs.rmSync(stampFile, { force: true });
  fs.mkdirSync(out, { recursive: true });
  const list = tensors(cfg);
  const header = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of list) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const weights = path.join(out, 'model.safetensors');
  const tmp = `${weights}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  fs.writeSync(fd, len);
  fs.writeSync(fd, json);
  const randn = normals(opts.seed);
  const pad = cfg.pad_token_id ?? 0;
  for (const [, shape, kind] of list) {
    const a = new Float32Array(shape.reduce((x, y) => x * y, 1));
    const [mean, std] = { weight: [0, opts.initRange], embedding: [0, opts.initRange], bias: [0, opts.biasStd],
      'ln-weight': [1, opts.lnStd], 'ln-bias': [0, opts.lnStd] }[kind];
    for (let i = 0; i < a.length; i++) a[i] = mean + std * randn();
    if (kind === 'embedding') a.fill(0, pad * shape[1], (pad + 1) * shape[1]);
    fs.writeSync(fd, new Uint8Array(a.buffer));
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, weights);
  fs.writeFileSync(path.join(out, 'tokenizer.json'), tok);
  fs.writeFileSync(path.join(out, 'config.json'), `${JSON.stringify(cfg, null, 2)}\n`);
  fs.writeFileSync(stampFile, stamp);
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const opt = (name) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
  const num = (name) => { const v = opt(name); return v === undefined ? undefined : Number(v); };
  const options = Object.fromEntries(Object.entries({
    config: opt('config'), tokenizer: opt('tokenizer'), seed: num('seed'),
    initRange: num('init-range'), biasStd: num('bias-std'), lnStd: num('ln-std'),
  }).filter(([, v]) => v !== undefined));
  if (args.length !== 1 || !options.config || !options.tokenizer || Object.values(options).some((v) => Number.isNaN(v))) {
    console.error('usage: node scripts/make_bert_base.mjs OUT --config FILE --tokenizer FILE [--seed N] [--init-range R] [--bias-std S] [--ln-std S]');
    process.exit(2);
  }
  const t0 = Date.now();
  makeBertBase(args[0], options);
  console.log(`${args[0]}: random BERT-base (${JSON.stringify({ ...DEFAULTS, ...options })}) in ${((Date.now() - t0) / 1e3).toFixed(1)} s`);
}
