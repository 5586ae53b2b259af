#!/usr/bin/env node
// Engines in pages of their own, alternating (docs/threads.md, "ORT-web beside gamjeong"): reads
// bench/run.mjs outputs in the order the pages ran (each `--engines` with one engine, 24 x 1)
// and pairs every gamjeong page with the ORT-web page that ran right after it: ratio of the two
// pages' medians. Prints, per gamjeong engine, every pair and the median of the pair ratios.
//
//   node bench/page_pairs.mjs OUT1.json OUT2.json ...      (in run order)
import fs from 'node:fs';

const pages = process.argv.slice(2).map((f) => {
  const j = JSON.parse(fs.readFileSync(f, 'utf8'));
  const set = Object.values(j.warm).sort((a, b) => (a.date < b.date ? 1 : -1))[0];
  const rows = set.results.filter((r) => r.seq === 24 && r.batch === 1);
  if (rows.length !== 1) throw new Error(`${f}: expected one engine at 24 x 1, got ${rows.length}`);
  return { file: f, date: set.date, cpu: j.machine.cpu_model, ...rows[0] };
});
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2; };
const pairs = {};
pages.forEach((p, i) => {
  const ort = pages[i + 1];
  if (p.engine.startsWith('ort') || !ort || !ort.engine.startsWith('ort')) return;
  (pairs[p.engine] ||= []).push({ gj_ms: p.median_ms, ort_ms: ort.median_ms, ratio: p.median_ms / ort.median_ms, at: p.date });
});
console.log(`${pages[0]?.cpu}; ${pages.length} pages`);
for (const [engine, list] of Object.entries(pairs)) {
  const r = list.map((x) => x.ratio);
  console.log(`${engine} ÷ next ort page: ${list.map((x) => `${x.gj_ms.toFixed(1)}/${x.ort_ms.toFixed(1)}=${x.ratio.toFixed(3)}`).join(', ')}`);
  console.log(`  median of ${r.length} pair ratios ${median(r).toFixed(3)}, max ${Math.max(...r).toFixed(3)}; ` +
    `gj pages' medians ${median(list.map((x) => x.gj_ms)).toFixed(1)} ms, ort pages' ${median(list.map((x) => x.ort_ms)).toFixed(1)} ms`);
}
