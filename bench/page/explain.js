// Explanation benchmark page (driven by bench/explain.mjs through window.bench.explain):
// gamjeong's `explain` (the text and its masked copies in one batch) against the same rows run
// one by one (one classify per masked text, through logitsForIds: no tokenization timed), on
// the q8 BERT-base-shape model, in this page's main thread (one thread).
import init, { WasmClassifier } from '/pkg/gamjeong.js';

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

async function explain({ model, text, rounds, warmup }) {
  await init();
  const bytes = new Uint8Array(await (await fetch(model)).arrayBuffer());
  const c = WasmClassifier.fromQuantized(bytes);
  const ids = Array.from(c.encode(text));
  const e = c.explain(text, undefined, undefined);
  // The rows explain builds: each word's tokens are consecutive after [CLS] (BERT tokens never
  // cross whitespace), so a word's positions follow from the token counts.
  const mask = Array.from(c.encode('[MASK]'))[1];
  const rows = [ids];
  let at = 1;
  for (const w of e.words) {
    if (!w.tokens.length) continue;
    const row = ids.slice();
    w.tokens.forEach((t, k) => { if (row[at + k] !== t) throw new Error('token positions'); row[at + k] = mask; });
    rows.push(row);
    at += w.tokens.length;
  }
  // The one-by-one rows must reproduce explain's scores (same rows, same label).
  const softmax = (l) => { const m = Math.max(...l); const x = l.map((v) => Math.exp(v - m)); const s = x.reduce((a, b) => a + b); return x.map((v) => v / s); };
  const probs = rows.map((r) => softmax(Array.from(c.logitsForIds(Uint32Array.from(r), 1))));
  const scored = e.words.filter((w) => w.tokens.length);
  const maxDiff = Math.max(...scored.map((w, i) => Math.abs(probs[0][e.index] - probs[i + 1][e.index] - w.score)));
  const batched = [];
  const single = [];
  for (let r = 0; r < warmup + rounds; r++) {
    let t = performance.now();
    c.explain(text, undefined, undefined);
    const tb = performance.now() - t;
    t = performance.now();
    for (const row of rows) c.logitsForIds(Uint32Array.from(row), 1);
    const ts = performance.now() - t;
    if (r >= warmup) { batched.push(tb); single.push(ts); }
  }
  c.free();
  return {
    tokens: ids.length, words: e.words.length, rows: rows.length, one_by_one_vs_explain_max_dscore: maxDiff,
    explain_ms: batched, one_by_one_ms: single,
    explain_median_ms: median(batched), one_by_one_median_ms: median(single),
    speedup: median(single) / median(batched),
  };
}

window.bench = { ready: true, explain };
