#!/usr/bin/env node
// Bulk benchmark: rows/s over bench/bulk-corpus.txt (2,000 Korean chat-length texts) in headless
// Chromium, gamjeong's Classifier.classifyFile (q8, the product API the demo page's file mode
// uses) against transformers.js's pipeline('text-classification') (ONNX Runtime Web, int8 of
// the same weights) called on batches of the same texts, both in one page per thread count.
// Runs alternate, after a warm-up on 64 texts; the median of --rounds runs is reported.
//
//   cd bench && npm install && cd .. && ./build.sh build
//   BENCH_ASSETS=DIR BENCH_MODEL=DIR /work/brief/bin/quiet node bench/bulk.mjs [--threads 1,2]
//        [--rounds 3] [--batches 8,32] [--n 2000] [--out bench/results-bulk.json]
//
// BENCH_MODEL: the random BERT-base of bench/make_bert_base.py (config.json, tokenizer.json,
// tokenizer_config.json); BENCH_ASSETS: model.int8.onnx (bench/make_peer.py) and
// model.q8.safetensors (`gamjeong quantize` of the same model.safetensors). Writes the JSON and
// prints a markdown table (docs/benchmarks.md "Whole files").
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { BENCH, REPO, ASSETS, MODEL, CHROMIUM, serve } from './lib.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : dflt; };
const threadCounts = opt('threads', '1,2').split(',').map(Number);
const rounds = Number(opt('rounds', 3));
const batches = opt('batches', '8,32').split(',').map(Number);
const n = Number(opt('n', 2000));
const OUT = path.resolve(opt('out', path.join(BENCH, 'results-bulk.json')));

// transformers.js's model folder: the benchmark model's tokenizer and config, its int8 ONNX
// export as onnx/model_quantized.onnx (what dtype 'q8' loads).
const TJS_MODELS = path.join(REPO, 'target', 'bulk-bench');
const folder = path.join(TJS_MODELS, 'bench-bert');
fs.mkdirSync(path.join(folder, 'onnx'), { recursive: true });
for (const [from, to] of [
  [path.join(MODEL, 'config.json'), 'config.json'],
  [path.join(MODEL, 'tokenizer.json'), 'tokenizer.json'],
  [path.join(MODEL, 'tokenizer_config.json'), 'tokenizer_config.json'],
  [path.join(ASSETS, 'model.int8.onnx'), 'onnx/model_quantized.onnx'],
]) {
  if (!fs.existsSync(from)) throw new Error(`${from} is missing: see the header of bench/bulk.mjs`);
  fs.rmSync(path.join(folder, to), { force: true });
  fs.symlinkSync(from, path.join(folder, to));
}
const TJS = path.join(BENCH, 'node_modules', '@huggingface', 'transformers');
const nested = path.join(TJS, 'node_modules', 'onnxruntime-web', 'dist');
const ORT_OF_TJS = fs.existsSync(nested) ? nested : path.join(BENCH, 'node_modules', 'onnxruntime-web', 'dist');
const pj = (p) => JSON.parse(fs.readFileSync(p, 'utf8')).version;

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2; };
const cpu = () => {
  const name = os.cpus()[0]?.model;
  const flags = fs.readFileSync('/proc/cpuinfo', 'utf8');
  return { model: name, avx_vnni: /\bavx_vnni\b/.test(flags), avx512_vnni: /\bavx512_vnni\b/.test(flags), cores: os.cpus().length };
};

const server = await serve({
  '/tjs/': path.join(TJS, 'dist'),
  '/tjs-ort/': ORT_OF_TJS,
  '/tjs-models/': TJS_MODELS,
  '/corpus.txt': path.join(BENCH, 'bulk-corpus.txt'),
});
const results = {
  date: new Date().toISOString(), cpu: cpu(), load_at_start: os.loadavg(), texts: n, rounds, batches,
  versions: {
    transformers: pj(path.join(TJS, 'package.json')), 'onnxruntime-web': pj(path.join(ORT_OF_TJS, '..', 'package.json')),
    gamjeong: execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']).toString().trim(),
  },
  runs: {},
};
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
results.versions.chromium = browser.version();
try {
  for (const threads of threadCounts) {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(0);
    page.on('pageerror', (e) => console.log(`  [page error] ${e.message}`));
    await page.goto(`${server.url}/bulk.html`);
    await page.waitForFunction(() => window.bulk?.ready);
    const gjInfo = await page.evaluate((t) => window.bulk.loadGj({ threads: t }), threads);
    const tjsInfo = await page.evaluate((t) => window.bulk.loadTjs({ threads: t }), threads);
    console.log(`== ${threads} thread(s): gamjeong ${gjInfo.variant} × ${gjInfo.threads} (${gjInfo.kernel}), transformers.js ${tjsInfo.version} × ${tjsInfo.numThreads}`);
    await page.evaluate(() => window.bulk.runGj({ n: 64 }));
    for (const batch of batches) await page.evaluate((b) => window.bulk.runTjs({ n: 64, batch: b }), batch);
    const times = { gamjeong: [], ...Object.fromEntries(batches.map((b) => [`tjs-b${b}`, []])) };
    let agree = null;
    for (let r = 0; r < rounds; r++) {
      const g = await page.evaluate((k) => window.bulk.runGj({ n: k }), n);
      times.gamjeong.push(g.ms);
      for (const batch of batches) {
        const t = await page.evaluate(([k, b]) => window.bulk.runTjs({ n: k, batch: b }), [n, batch]);
        times[`tjs-b${batch}`].push(t.ms);
        agree ??= g.labels.filter((l, i) => l === t.labels[i]).length / g.rows;
      }
      console.log(`  round ${r + 1}: ${Object.entries(times).map(([k, v]) => `${k} ${(n / (v[r] / 1000)).toFixed(1)} rows/s`).join(', ')}`);
    }
    const rowsPerS = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, n / (median(v) / 1000)]));
    const peer = Math.max(...batches.map((b) => rowsPerS[`tjs-b${b}`]));
    results.runs[threads] = { gamjeong: gjInfo, transformers: tjsInfo, ms: times, rows_per_s: rowsPerS, ratio_vs_best_peer: rowsPerS.gamjeong / peer, top1_agreement: agree };
    fs.writeFileSync(OUT, JSON.stringify(results, null, 1));
    await page.context().close();
  }
} finally {
  results.load_at_end = os.loadavg();
  fs.writeFileSync(OUT, JSON.stringify(results, null, 1));
  await browser.close();
  await server.close();
}

const c = results.cpu;
console.log(`\nCPU: ${c.model} (${c.cores} cores; avx_vnni ${c.avx_vnni ? 'yes' : 'no'}, avx512_vnni ${c.avx512_vnni ? 'yes' : 'no'}), Chromium ${results.versions.chromium}, transformers.js ${results.versions.transformers}, onnxruntime-web ${results.versions['onnxruntime-web']}`);
console.log(`| threads | gamjeong classifyFile (build) | ${batches.map((b) => `transformers.js batch ${b}`).join(' | ')} | gamjeong / best peer |`);
console.log(`|---|---|${batches.map(() => '---').join('|')}|---|`);
for (const [t, r] of Object.entries(results.runs)) {
  console.log(`| ${t} | **${r.rows_per_s.gamjeong.toFixed(1)}** (${r.gamjeong.variant}) | ${batches.map((b) => r.rows_per_s[`tjs-b${b}`].toFixed(1)).join(' | ')} | **${r.ratio_vs_best_peer.toFixed(2)}×** |`);
}
console.log(`wrote ${OUT}`);
