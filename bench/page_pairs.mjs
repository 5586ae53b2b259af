#!/usr/bin/env node
// Engines in pages of their own, alternating (docs/threads.md, "ORT-web beside gamjeong"): reads
// bench/run.mjs outputs in the order the pages ran (each `--engines` with one engine, 24 x 1)
// and pairs every gamjeong page with the ORT-web page that ran right after it: ratio of the two
// pages' medians (and, as a secondary figure, of their fastest rounds). Prints, per gamjeong
// engine, every pair, the median of the pair ratios and the warmed-up criterion's verdict.
//
//   node bench/page_pairs.mjs OUT1.json OUT2.json ...      (in run order)
//   node bench/page_pairs.mjs --settle CAL.json            (warm-up from a calibration page)
import fs from 'node:fs';

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2; };
const read = (f) => {
  const j = JSON.parse(fs.readFileSync(f, 'utf8'));
  const set = Object.values(j.warm).sort((a, b) => (a.date < b.date ? 1 : -1))[0];
  const rows = set.results.filter((r) => r.seq === 24 && r.batch === 1);
  if (rows.length !== 1) throw new Error(`${f}: expected one engine at 24 x 1, got ${rows.length}`);
  return { file: f, date: set.date, cpu: j.machine.cpu_model, load: j.machine.load_at_start, warmup: j.config.warmup, ...rows[0] };
};

// Disturbance rule, written before the warmed-up runs (docs/threads.md): a page whose own rounds
// spread p90/p10 > 2, or that started with a 1-minute load average > 4 (2x the vCPUs).
const SPREAD_MAX = 2;
const LOAD_MAX = 4;
const disturbed = (p) => p.p90_ms / p.p10_ms > SPREAD_MAX || p.load[0] > LOAD_MAX;

if (process.argv[2] === '--settle') {
  // The calibration page (ORT-web alone, --warmup 1, 100 rounds): the first run after which every
  // 10-round window's median stays within 5 % of the last 40 rounds' median sets the warm-up.
  const p = read(process.argv[3]);
  const t = p.times_ms;
  const final = median(t.slice(-40));
  const win = t.slice(0, t.length - 9).map((_, k) => median(t.slice(k, k + 10)));
  let s = win.length;
  while (s > 0 && win[s - 1] <= 1.05 * final) s--;
  // timed round k (0-based) is the page's run k + 2 (run.mjs's check run is untimed)
  const settledRun = s + 2;
  const warmup = Math.min(60, Math.max(30, 10 * Math.ceil((settledRun - 1) / 10)));
  console.log(`${p.cpu}; ${p.engine}, ${t.length} rounds; last 40 rounds' median ${final.toFixed(1)} ms`);
  console.log(`10-round window medians: ${win.filter((_, k) => k % 5 === 0).map((x) => x.toFixed(1)).join(' ')} (every 5th)`);
  console.log(`settled (every later window <= 1.05x) from run ${settledRun}; warm-up: ${warmup}${settledRun - 1 > 60 ? ' (capped: not settled by 60)' : ''}`);
  process.exit(0);
}

const pages = process.argv.slice(2).map(read);
const pairs = {};
pages.forEach((p, i) => {
  const ort = pages[i + 1];
  if (p.engine.startsWith('ort') || !ort || !ort.engine.startsWith('ort')) return;
  (pairs[p.engine] ||= []).push({
    gj: p, ort, ratio: p.median_ms / ort.median_ms, fastest: p.min_ms / ort.min_ms, disturbed: disturbed(p) || disturbed(ort),
  });
});
const f1 = (x) => x.toFixed(1);
console.log(`${pages[0]?.cpu}; ${pages.length} pages; warm-up ${[...new Set(pages.map((p) => p.warmup))].join('/')}`);
for (const p of pages) {
  console.log(`  ${p.date} ${p.engine.padEnd(12)} median ${f1(p.median_ms)} fastest ${f1(p.min_ms)} p90/p10 ${(p.p90_ms / p.p10_ms).toFixed(2)} ` +
    `load ${p.load[0]}${disturbed(p) ? '  DISTURBED' : ''}`);
}
for (const [engine, list] of Object.entries(pairs)) {
  const r = list.map((x) => x.ratio);
  const over = r.filter((x) => x > 0.85).length;
  const met = median(r) <= 0.8 && over <= Math.floor(r.length / 6);
  console.log(`${engine} ÷ next ort page (medians; fastest rounds):`);
  for (const x of list) {
    console.log(`  ${f1(x.gj.median_ms)}/${f1(x.ort.median_ms)}=${x.ratio.toFixed(3)}; ` +
      `${f1(x.gj.min_ms)}/${f1(x.ort.min_ms)}=${x.fastest.toFixed(3)}${x.disturbed ? '  (disturbed)' : ''}`);
  }
  const clean = list.filter((x) => !x.disturbed).map((x) => x.ratio);
  console.log(`  median of ${r.length} pair ratios ${median(r).toFixed(3)} (max ${Math.max(...r).toFixed(3)}, ${over} > 0.85, ` +
    `allowed ${Math.floor(r.length / 6)}): ${met ? 'MET' : 'NOT MET'}; fastest rounds' ratios: median ${median(list.map((x) => x.fastest)).toFixed(3)}`);
  console.log(`  without the ${list.length - clean.length} disturbed pairs: ${clean.length ? `median ${median(clean).toFixed(3)}, max ${Math.max(...clean).toFixed(3)}` : 'none left'}; ` +
    `gj pages' medians ${f1(median(list.map((x) => x.gj.median_ms)))} ms, ort pages' ${f1(median(list.map((x) => x.ort.median_ms)))} ms`);
}
