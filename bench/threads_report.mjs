#!/usr/bin/env node
// results-threads.json (run.mjs --sets int8-t1,int8-t2,... --out bench/results-threads.json)
// → bench/results-threads.md: the thread-scaling tables of docs/threads.md.
//
//   node bench/threads_report.mjs bench/results-threads.json
//
// Native figures come from target/bench/native_peer{,_t2}.json (native_peer.py) and
// native_gj_{q8,f32}_t{1,2}.json (examples/bench_native.rs), when present.
import fs from 'node:fs';
import path from 'node:path';
import { ASSETS } from './lib.mjs';

const file = process.argv[2];
if (!file) throw new Error('usage: threads_report.mjs RESULTS.json');
const res = JSON.parse(fs.readFileSync(file, 'utf8'));
const out = [];
const p = (s = '') => out.push(s);
const ms = (x) => (x == null ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const ratio = (a, b) => (a == null || b == null ? '—' : `${(a / b).toFixed(2)}×`);
const lat = (set, engine, seq, batch) =>
  res.warm[set]?.results.find((r) => r.engine === engine && r.seq === seq && r.batch === batch)?.median_ms;
const shapes = (set) => [...new Map((res.warm[set]?.results || []).map((r) => [`${r.seq}x${r.batch}`, r])).values()];
// Amdahl: the parallel fraction p from the 2-thread speed-up s2 = t1/t2, then t1/tn for n threads.
const fraction = (t1, t2) => Math.min(1, Math.max(0, 2 * (1 - t2 / t1)));
const project = (t1, f, n) => t1 * ((1 - f) + f / n);

const m = res.machine;
p('### Threads: warm latency, median of ' + res.config.rounds + ' alternating runs (ms)');
p();
p(`${res.date.slice(0, 16).replace('T', ' ')} UTC · ${m.cpu_model} (${m.cpus} vCPUs) · Chromium ` +
  `${res.versions.chromium} · onnxruntime-web ${res.versions['onnxruntime-web']} · load at start ` +
  `${m.load_at_start.join(' ')}, at end ${(m.load_at_end || []).join(' ')} · ${res.config.pause_ms} ms pause between runs`);
p();
p('gamjeong runs in a Web Worker through the product runtime (`dist/`): `simd128` / `relaxed` are the ' +
  'single-threaded builds, `t1` / `t2` the SIMD128 threads build with a pool of 1 / 2, `t1r` / `t2r` the relaxed-SIMD threads build on 1 / 2. ORT-web runs in the ' +
  'page with `env.wasm.numThreads` = 1 or 2 (one count per page, so `t1` and `t2` of ORT are two pages).');
for (const set of Object.keys(res.warm).filter((s) => s.includes('-t'))) {
  const r = res.warm[set];
  const engines = [...new Set(r.results.map((x) => x.engine))];
  p();
  p(`#### ${set} (cross-origin isolated: ${r.crossOriginIsolated}, hardwareConcurrency ${r.hardwareConcurrency})`);
  p();
  p(`| seq × batch | ${engines.join(' | ')} |`);
  p(`|---|${engines.map(() => '---').join('|')}|`);
  for (const s of shapes(set)) {
    p(`| ${s.seq} × ${s.batch} | ${engines.map((e) => ms(lat(set, e, s.seq, s.batch))).join(' | ')} |`);
  }
  const dev = r.results.map((x) => x.max_abs_vs_torch).filter((x) => x != null);
  p();
  p(`max |Δlogit| vs torch over every engine and shape: ${Math.max(...dev).toExponential(1)}; ` +
    `wasm memory peak: ${engines.map((e) => `${e} ${(r.wasm_memory_peak[e] / 2 ** 20).toFixed(0)} MiB`).join(', ')}`);
}

const targets = [];
const t = (what, got, limit) => targets.push([what, got, limit]);
// What a page gets by default: relaxed SIMD (1 thread: pkg-relaxed; 2: pkg-threads-relaxed);
// and the SIMD128 builds, for browsers without relaxed SIMD.
const PAIRS = [['relaxed SIMD', 'gj-q8-relaxed', 'gj-q8-t2r'], ['SIMD128', 'gj-q8-t1', 'gj-q8-t2']];
for (const [seq, batch] of [[24, 1], [64, 8], [8, 1], [128, 1]]) {
  const ort2 = lat('int8-t2', 'ort-int8-t2', seq, batch);
  for (const [build, e1, e2] of PAIRS) {
    const g1 = lat('int8-t2', e1, seq, batch);
    const g2 = lat('int8-t2', e2, seq, batch);
    if (g1 == null || g2 == null) continue;
    const scaleLimit = seq === 24 && batch === 1 ? 0.65 : seq === 64 && batch === 8 ? 0.55 : null;
    t(`q8 ${seq}×${batch}, ${build}: 2 threads ÷ 1 thread`, g2 / g1, scaleLimit);
    t(`q8 ${seq}×${batch}, ${build}: 2 threads ÷ ORT-web int8 2 threads`, g2 / ort2, seq === 24 && batch === 1 ? 0.80 : null);
  }
}
for (const [seq, batch] of [[24, 1], [64, 8]]) {
  const ort1 = lat('int8-t1', 'ort-int8', seq, batch);
  for (const e of ['gj-q8-simd128', 'gj-q8-relaxed', 'gj-q8-t1']) {
    const g = lat('int8-t1', e, seq, batch);
    if (g != null) t(`${e} ${seq}×${batch}, 1 thread ÷ ORT-web int8 1 thread`, g / ort1, seq === 24 && batch === 1 ? 0.90 : null);
  }
}
for (const [seq, batch] of [[24, 1], [64, 8]]) {
  const o2 = lat('f32-t2', 'ort-f32-t2', seq, batch);
  for (const [build, e1, e2] of [['relaxed SIMD', 'gj-f32-relaxed', 'gj-f32-t2r'], ['SIMD128', 'gj-f32-t1', 'gj-f32-t2']]) {
    const g1 = lat('f32-t2', e1, seq, batch), g2 = lat('f32-t2', e2, seq, batch);
    if (g1 == null || g2 == null) continue;
    t(`f32 ${seq}×${batch}, ${build}: 2 threads ÷ 1 thread`, g2 / g1, null);
    t(`f32 ${seq}×${batch}, ${build}: 2 threads ÷ ORT-web f32 2 threads`, g2 / o2, null);
  }
}
if (targets.length) {
  p();
  p('### Ratios (same page) and targets');
  p();
  p('| ratio | measured | target |');
  p('|---|---|---|');
  for (const [what, got, limit] of targets) {
    p(`| ${what} | **${got.toFixed(2)}×** | ${limit == null ? '—' : `≤ ${limit.toFixed(2)}× (${got <= limit ? 'met' : 'missed'})`} |`);
  }
}

// Projection from the measured 2-thread speed-up (Amdahl), labelled as such.
const proj = [];
for (const [set, e1, e2, label] of [['int8-t2', 'gj-q8-relaxed', 'gj-q8-t2r', 'gamjeong q8, relaxed SIMD'],
  ['int8-t2', 'gj-q8-t1', 'gj-q8-t2', 'gamjeong q8, SIMD128'], ['int8-t2', 'ort-int8', 'ort-int8-t2', 'ORT-web int8'],
  ['f32-t2', 'gj-f32-relaxed', 'gj-f32-t2r', 'gamjeong f32, relaxed SIMD'], ['f32-t2', 'gj-f32-t1', 'gj-f32-t2', 'gamjeong f32, SIMD128']]) {
  for (const [seq, batch] of [[24, 1], [64, 8]]) {
    // ORT's 1-thread time is from its own page (int8-t1): ORT fixes one thread count per page
    const t1 = e1 === 'ort-int8' ? lat('int8-t1', e1, seq, batch) : lat(set, e1, seq, batch);
    const t2 = lat(set, e2, seq, batch);
    if (t1 == null || t2 == null) continue;
    const f = fraction(t1, t2);
    proj.push(`| ${label} | ${seq} × ${batch} | ${ms(t1)} | ${ms(t2)} | ${(f * 100).toFixed(0)}% | ${ms(project(t1, f, 4))} | ${ms(project(t1, f, 8))} |`);
  }
}
if (proj.length) {
  p();
  p('### Projection to 4 and 8 threads (not measured)');
  p();
  p('Amdahl\'s law with the parallel fraction f = 2 (1 − t2/t1) measured on this 2-core machine: ' +
    'tn = t1 ((1 − f) + f / n). A projection, not a measurement: it assumes n free cores and no memory-bandwidth limit.');
  p();
  p('| engine | seq × batch | 1 thread (ms) | 2 threads (ms) | parallel fraction | 4 threads, projected | 8 threads, projected |');
  p('|---|---|---|---|---|---|---|');
  proj.forEach((l) => p(l));
}

const cold = (res.cold || []).filter((c) => c.threads || c.engine.includes('-t'));
if (cold.length) {
  p();
  p('### Cold start (model in the Cache API → first result, 24 tokens), median of the runs');
  p();
  p('| engine | runs | first result (ms) | of which: instantiate + pool | cache read | create | first run |');
  p('|---|---|---|---|---|---|---|');
  const med = (xs) => { const s = [...xs].sort((a, b) => a - b); const h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2; };
  for (const e of [...new Set(cold.map((c) => c.engine))]) {
    const rs = cold.filter((c) => c.engine === e);
    const f = (k) => ms(med(rs.map((c) => c[k])));
    p(`| ${e} | ${rs.length} | **${f('first_result_ms')}** | ${f('import_and_instantiate_ms')} | ${f('cache_read_ms')} | ${f('session_create_ms')} | ${f('first_run_ms')} |`);
  }
}

const readJson = (f) => { try { return JSON.parse(fs.readFileSync(path.join(ASSETS, f), 'utf8')); } catch { return null; } };
const nat = { 1: readJson('native_peer.json'), 2: readJson('native_peer_t2.json') };
const gj = (v, n) => readJson(`native_gj_${v}_t${n}.json`);
if (nat[1] || gj('q8', 1)) {
  p();
  p('### Native, 1 and 2 threads (median of ' + (nat[1]?.runs ?? 20) + ' runs, ms)');
  p();
  p(`onnxruntime ${nat[1]?.onnxruntime ?? '?'} (intra-op threads = n), gamjeong CLI kernels (\`examples/bench_native.rs\`, \`THREADS=n\`).`);
  p();
  p('| seq × batch | ORT int8 1t | ORT int8 2t | gamjeong q8 1t | gamjeong q8 2t | q8 2t ÷ 1t | q8 2t ÷ ORT int8 2t | ORT f32 1t | ORT f32 2t | gamjeong f32 1t | gamjeong f32 2t |');
  p('|---|---|---|---|---|---|---|---|---|---|---|');
  const g = (v, n, seq, batch) => gj(v, n)?.results.find((r) => r.seq === seq && r.batch === batch)?.median_ms;
  const o = (k, n, seq, batch) => nat[n]?.results[k]?.[`${seq}x${batch}`];
  for (const seq of [8, 24, 64, 128]) {
    for (const batch of [1, 8]) {
      p(`| ${seq} × ${batch} | ${ms(o('ort_int8', 1, seq, batch))} | ${ms(o('ort_int8', 2, seq, batch))} | ${ms(g('q8', 1, seq, batch))} | ` +
        `${ms(g('q8', 2, seq, batch))} | ${ratio(g('q8', 2, seq, batch), g('q8', 1, seq, batch))} | ${ratio(g('q8', 2, seq, batch), o('ort_int8', 2, seq, batch))} | ` +
        `${ms(o('ort_f32', 1, seq, batch))} | ${ms(o('ort_f32', 2, seq, batch))} | ${ms(g('f32', 1, seq, batch))} | ${ms(g('f32', 2, seq, batch))} |`);
    }
  }
}

const md = file.replace(/\.json$/, '.md');
fs.writeFileSync(md, out.join('\n') + '\n');
console.log(`wrote ${md}`);
