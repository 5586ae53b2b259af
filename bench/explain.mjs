#!/usr/bin/env node
// Word-explanation benchmark (issue 14): `explain` of a 10-word text at q8 on the BERT-base-shape
// model in headless Chromium (one thread: the page's main thread), against one classify per
// masked text on the same rows. Median of --rounds interleaved runs.
//
//   node bench/explain.mjs [--rounds 10] [--warmup 2] [--out target/bench/explain.json]
//
// Needs target/bench/model.q8.safetensors (docs/benchmarks.md, steps 1 and 3) and dist/pkg
// (./build.sh build; BENCH_PKG names another wasm-bindgen package).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { ASSETS, CHROMIUM, serve } from './lib.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : dflt; };
const rounds = Number(opt('rounds', 10));
const warmup = Number(opt('warmup', 2));
const out = path.resolve(opt('out', path.join(ASSETS, 'explain.json')));
// Ten words of everyday Korean (the widget sentences' vocabulary).
const TEXT = opt('text', '오늘 따라 저녁이 좀 맛있네. 직장에서 부당한 일을 겪어서 행복해');

let cpu = os.cpus()[0]?.model;
try { cpu = execSync("lscpu | sed -n 's/^Model name: *//p'").toString().trim() || cpu; } catch {}
const server = await serve();
const { url: origin } = server;
try {
  const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));
  const before = load();
  // Not lib.mjs's withPage: that one opens the ORT comparison page.
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  let r;
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(0);
    page.on('pageerror', (e) => console.log(`  [page error] ${e.message}`));
    await page.goto(`${origin}/explain.html`);
    await page.waitForFunction(() => window.bench && window.bench.ready);
    r = await page.evaluate((cfg) => window.bench.explain(cfg), { model: '/assets/model.q8.safetensors', text: TEXT, rounds, warmup });
    r.chromium = browser.version();
  } finally {
    await browser.close();
  }
  const result = { date: new Date().toISOString(), cpu, cores: os.cpus().length, load_before: before, load_after: load(), text: TEXT, rounds, warmup, ...r };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 1));
  console.log(`${cpu}, load ${before.join(' ')}`);
  console.log(`${r.words} words, ${r.tokens} tokens, ${r.rows} rows (|Δscore| one-by-one vs explain ${r.one_by_one_vs_explain_max_dscore.toExponential(1)})`);
  console.log(`explain (batched): median ${r.explain_median_ms.toFixed(0)} ms; one classify per masked text: median ${r.one_by_one_median_ms.toFixed(0)} ms; ${r.speedup.toFixed(2)}x`);
  console.log(`wrote ${out}`);
} finally {
  await server.close();
}
