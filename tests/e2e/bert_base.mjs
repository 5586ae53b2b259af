// A random f32 BERT-base classifier in HF layout (the shape of hun3359/klue-bert-base-sentiment:
// vocab 32000, hidden 768, 12 layers, 12 heads, intermediate 3072, 512 positions, 60 labels),
// written tensor by tensor with HF's names, so the memory test measures the real model's sizes
// without the real weights. The tokenizer and id2label are the fixture's (a smaller vocab is
// fine: ids stay below vocab_size).
import fs from 'node:fs';
import path from 'node:path';

const H = 768; const I = 3072; const L = 12; const V = 32000; const P = 512; const LABELS = 60;

function tensors() {
  const t = [['bert.embeddings.word_embeddings.weight', [V, H]],
    ['bert.embeddings.position_embeddings.weight', [P, H]],
    ['bert.embeddings.token_type_embeddings.weight', [2, H]],
    ['bert.embeddings.LayerNorm.weight', [H], 1], ['bert.embeddings.LayerNorm.bias', [H], 0]];
  for (let l = 0; l < L; l++) {
    const p = `bert.encoder.layer.${l}.`;
    for (const m of ['query', 'key', 'value']) t.push([`${p}attention.self.${m}.weight`, [H, H]], [`${p}attention.self.${m}.bias`, [H], 0]);
    t.push([`${p}attention.output.dense.weight`, [H, H]], [`${p}attention.output.dense.bias`, [H], 0],
      [`${p}attention.output.LayerNorm.weight`, [H], 1], [`${p}attention.output.LayerNorm.bias`, [H], 0],
      [`${p}intermediate.dense.weight`, [I, H]], [`${p}intermediate.dense.bias`, [I], 0],
      [`${p}output.dense.weight`, [H, I]], [`${p}output.dense.bias`, [H], 0],
      [`${p}output.LayerNorm.weight`, [H], 1], [`${p}output.LayerNorm.bias`, [H], 0]);
  }
  t.push(['bert.pooler.dense.weight', [H, H]], ['bert.pooler.dense.bias', [H], 0],
    ['classifier.weight', [LABELS, H]], ['classifier.bias', [LABELS], 0]);
  return t.sort((a, b) => (a[0] < b[0] ? -1 : 1)); // safetensors' (HF's) file order
}

/** Writes DIR/{config.json,tokenizer.json,model.safetensors} unless already there; returns DIR. */
export function makeBertBase(dir, fixture) {
  const weights = path.join(dir, 'model.safetensors');
  // Reused only if made by this generator with these shapes (the stamp is written last).
  const stampFile = path.join(dir, 'stamp.json');
  const stamp = JSON.stringify({ H, I, L, V, P, LABELS, generator: 2 });
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const config = JSON.parse(fs.readFileSync(path.join(fixture, 'config.json'), 'utf8'));
  Object.assign(config, { hidden_size: H, intermediate_size: I, num_hidden_layers: L, num_attention_heads: 12,
    vocab_size: V, max_position_embeddings: P, type_vocab_size: 2 });
  fs.copyFileSync(path.join(fixture, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
  const list = tensors();
  const header = {};
  let offset = 0;
  for (const [name, shape] of list) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const tmp = `${weights}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  fs.writeSync(fd, len);
  fs.writeSync(fd, json);
  let seed = 0x9e3779b9;
  const rand = () => { // xorshift32 → roughly N(0, 0.02) as a sum of 4 uniforms
    let s = 0;
    for (let i = 0; i < 4; i++) { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; s += (seed >>> 0) / 2 ** 32; }
    return (s - 2) * 0.035;
  };
  for (const [, shape, fill] of list) {
    const a = new Float32Array(shape.reduce((x, y) => x * y, 1));
    if (fill === undefined) for (let i = 0; i < a.length; i++) a[i] = rand();
    else a.fill(fill);
    fs.writeSync(fd, new Uint8Array(a.buffer));
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, weights);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  fs.writeFileSync(stampFile, stamp);
  return dir;
}
