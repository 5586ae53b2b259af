#!/usr/bin/env node
// Browser benchmark driver: gamjeong vs onnxruntime-web in headless Chromium.
//
//   cd bench && npm install && node run.mjs [--rounds N] [--warmup N] [--sets int8,f32]
//                                           [--seqs 8,24,64,128] [--batches 1,8]
//                                           [--no-warm] [--no-cold] [--out results.json]
//                                           [--engines a,b,... [--name SET]]
//
// --engines: one ad-hoc set of those engines (bench/lib.mjs ENGINES) in one page instead of
// --sets, named --name (default "pairs"); rounds alternate the engines (a b, b a, a b, ...), so
// two of them (e.g. gj-q8-t1,gj-q8-t2, or a build and its `@b` twin from BENCH_DIST_B, another
// tree's dist/) see the same host drift, and the run prints each engine's time ÷ the first
// engine's, paired round by round (median and quartiles of the per-round ratios).
//
// Serves bench/page, onnxruntime-web's dist, gamjeong's wasm-bindgen package and the model
// files from one local HTTP server, opens a fresh headless Chromium per measurement set and
// calls the page's window.bench.* functions. Writes bench/results.json, then runs
// bench/report.py (results.md + latency.png) with $PYTHON (default /tmp/benchenv/bin/python).
// Inputs: see docs/benchmarks.md (make_peer.py, ./build.sh build, gamjeong quantize).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync, spawnSync } from 'node:child_process';
import { BENCH, REPO, ASSETS, MODEL, PKG, ORT_DIST, engineSpec, serve, withPage } from './lib.mjs';

// ---- options ----------------------------------------------------------------------------
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const flag = (name) => argv.includes(`--${name}`);
const cfgBase = {
  rounds: Number(opt('rounds', 20)),
  warmup: Number(opt('warmup', 2)),
  seqs: opt('seqs', '8,24,64,128').split(',').map(Number),
  batches: opt('batches', '1,8').split(',').map(Number),
  ids: '/assets/ids.json',
  pause_ms: Number(opt('pause-ms', 0)),
};
const OUT = path.resolve(opt('out', path.join(BENCH, 'results.json')));

const SETS = {
  int8: ['ort-int8', 'gj-q8', 'gj-q4'],
  f32: ['ort-f32', 'gj-f32'],
  // threads (docs/threads.md): one ORT thread count per page
  // t1r: the relaxed threads build on one thread, beside the single-threaded relaxed build
  // that the 2-thread target is measured against (what the threads build itself costs)
  'int8-t1': ['ort-int8', 'gj-q8-simd128', 'gj-q8-relaxed', 'gj-q8-t1', 'gj-q8-t1r'],
  'int8-t2': ['ort-int8-t2', 'gj-q8-t1', 'gj-q8-t2', 'gj-q8-relaxed', 'gj-q8-t2r'],
  'f32-t1': ['ort-f32', 'gj-f32-simd128', 'gj-f32-relaxed', 'gj-f32-t1'],
  'f32-t2': ['ort-f32-t2', 'gj-f32-t1', 'gj-f32-t2', 'gj-f32-relaxed', 'gj-f32-t2r'],
};
const adHoc = opt('engines', null);
if (adHoc) SETS[opt('name', 'pairs')] = adHoc.split(',');
const sets = adHoc ? [opt('name', 'pairs')] : opt('sets', 'int8,f32').split(',');
const coldEngines = opt('cold', 'ort-int8,gj-q8,gj-q4,ort-f32,gj-f32').split(',');

function load() {
  return os.loadavg().map((x) => Number(x.toFixed(2)));
}

// ---- sizes ----------------------------------------------------------------------------------
function sizeOf(file, compress = false) {
  if (!fs.existsSync(file)) return null;
  const bytes = fs.statSync(file).size;
  if (!compress) return { bytes };
  const data = fs.readFileSync(file);
  return {
    bytes,
    gzip9: zlib.gzipSync(data, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}
function sizes() {
  return {
    weights: {
      'ort-f32': sizeOf(path.join(ASSETS, 'model.onnx')),
      'ort-int8': sizeOf(path.join(ASSETS, 'model.int8.onnx')),
      'gj-f32': sizeOf(path.join(MODEL, 'model.safetensors')),
      'gj-q8': sizeOf(path.join(ASSETS, 'model.q8.safetensors')),
      'gj-q4': sizeOf(path.join(ASSETS, 'model.q4.safetensors')),
    },
    code: {
      'gamjeong_bg.wasm': sizeOf(path.join(PKG, 'gamjeong_bg.wasm'), true),
      'gamjeong.js': sizeOf(path.join(PKG, 'gamjeong.js'), true),
      'ort-wasm-simd-threaded.wasm': sizeOf(path.join(ORT_DIST, 'ort-wasm-simd-threaded.wasm'), true),
      'ort-wasm-simd-threaded.mjs': sizeOf(path.join(ORT_DIST, 'ort-wasm-simd-threaded.mjs'), true),
      'ort.wasm.min.mjs': sizeOf(path.join(ORT_DIST, 'ort.wasm.min.mjs'), true),
    },
  };
}

function versions() {
  const pj = (p) => JSON.parse(fs.readFileSync(p, 'utf8')).version;
  let commit = null;
  try {
    commit = execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']).toString().trim();
    const dirty = execFileSync('git', ['-C', REPO, 'status', '--porcelain', '--', 'src']).toString().trim();
    if (dirty) commit += '+dirty-src';
  } catch {}
  let pkgBuild = null;
  // What ./build.sh build wrote next to the package: commit, wasm-opt or not, when.
  try { pkgBuild = JSON.parse(fs.readFileSync(path.join(path.dirname(PKG), '.built'), 'utf8')); } catch {}
  return {
    'onnxruntime-web': pj(path.join(BENCH, 'node_modules', 'onnxruntime-web', 'package.json')),
    'playwright-core': pj(path.join(BENCH, 'node_modules', 'playwright-core', 'package.json')),
    gamjeong_commit: commit,
    gamjeong_pkg: pkgBuild,
    node: process.version,
  };
}

function readJson(file) {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return null; }
}

/** Each engine's time ÷ the first engine's in the same round, per shape: quartiles over rounds. */
function paired(rows) {
  const q = (xs, f) => { const v = [...xs].sort((a, b) => a - b); return v[Math.min(v.length - 1, Math.floor(f * v.length))]; };
  const out = [];
  for (const ref of rows.filter((x) => x.engine === SETS[sets[0]][0])) {
    for (const x of rows.filter((y) => y.seq === ref.seq && y.batch === ref.batch && y !== ref)) {
      const r = x.times_ms.map((t, i) => t / ref.times_ms[i]);
      const row = { seq: x.seq, batch: x.batch, engine: x.engine, vs: ref.engine, median_ms: x.median_ms, vs_median_ms: ref.median_ms,
        ratio_of_medians: x.median_ms / ref.median_ms, paired_p25: q(r, 0.25), paired_median: q(r, 0.5), paired_p75: q(r, 0.75) };
      out.push(row);
      console.log(`  ${x.seq}x${x.batch} ${x.engine} ÷ ${ref.engine}: ${x.median_ms.toFixed(1)} / ${ref.median_ms.toFixed(1)} ms = ` +
        `${row.ratio_of_medians.toFixed(3)}; paired per round ${row.paired_median.toFixed(3)} (p25 ${row.paired_p25.toFixed(3)}, p75 ${row.paired_p75.toFixed(3)})`);
    }
  }
  return out;
}

// ---- main -------------------------------------------------------------------------------------
const server = await serve();
const { url: origin } = server;
console.log(`serving on ${origin}`);
const prev = readJson(OUT) || {};
const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model, mem_gib: Math.round(os.totalmem() / 2 ** 30), load_at_start: load() },
  config: cfgBase,
  versions: versions(),
  sizes: sizes(),
  // Sets and cold engines not re-run keep their previous results (each says when it ran).
  warm: { ...(prev.warm || {}) },
  cold: flag('no-cold') ? prev.cold || [] : (prev.cold || []).filter((r) => !coldEngines.includes(r.engine)),
  native: {
    torch_ort: readJson(path.join(ASSETS, 'native_peer.json')),
    gamjeong: Object.fromEntries(['f32', 'q8', 'q4'].map((v) => [v, readJson(path.join(ASSETS, `native_gj_${v}.json`))])),
  },
  peer_check: readJson(path.join(ASSETS, 'peer_check.json')),
};

try {
  await withPage(origin, async (page, browser) => {
    results.versions.chromium = browser.version();
    results.versions.userAgent = await page.evaluate(() => navigator.userAgent);
  });
  if (!flag('no-warm')) {
    for (const set of sets) {
      const cfg = { ...cfgBase, engines: SETS[set].map(engineSpec) };
      console.log(`== warm set ${set}: ${SETS[set].join(' / ')} (load ${load().join(' ')})`);
      const t0 = Date.now();
      const r = await withPage(origin, (page) => page.evaluate((c) => window.bench.runSet(c), cfg));
      results.warm[set] = { ...r, date: new Date(t0).toISOString(), load_before: load(), wall_s: (Date.now() - t0) / 1e3 };
      if (adHoc) results.warm[set].paired = paired(r.results);
      fs.writeFileSync(OUT, JSON.stringify(results, null, 1));
    }
  }
  if (!flag('no-cold')) {
    const reps = Number(opt('cold-reps', 3));
    for (const name of coldEngines) {
      for (let rep = 0; rep < reps; rep++) {
        const spec = engineSpec(name);
        let r;
        try {
          r = await withPage(origin, async (page) => {
          await page.evaluate((s) => window.bench.coldFill(s), spec);
          const q = encodeURIComponent(JSON.stringify({ spec, ids: cfgBase.ids }));
          await page.goto(`${origin}/index.html?cold=${q}`);
          await page.waitForFunction(() => window.coldResult, null, { polling: 100 });
          const res = await page.evaluate(() => window.coldResult);
          if (res.error) throw new Error(res.error);
          return res;
          });
        } catch (e) {
          // e.g. Chromium's Cache API refuses the 443 MB f32 file ("Unexpected internal error")
          console.log(`== cold ${name} #${rep + 1}: failed: ${e.message.split('\n')[0]}`);
          results.cold_errors = { ...(results.cold_errors || {}), [name]: e.message.split('\n')[0] };
          break;
        }
        console.log(`== cold ${name} #${rep + 1}: first result ${r.first_result_ms.toFixed(0)} ms ` +
          `(instantiate ${r.import_and_instantiate_ms.toFixed(0)}, cache read ${r.cache_read_ms.toFixed(0)}, ` +
          `session ${r.session_create_ms.toFixed(0)}, first run ${r.first_run_ms.toFixed(0)})`);
        results.cold.push({ ...r, rep });
      }
    }
  }
} finally {
  results.machine.load_at_end = load();
  fs.writeFileSync(OUT, JSON.stringify(results, null, 1));
  await server.close();
}
console.log(`wrote ${OUT}`);
if (adHoc) {
  // an ad-hoc set: its paired ratios above (and in OUT) are its report
} else if (sets.some((s) => s.includes('-t'))) {
  // the threads sets have their own report (results-threads.md)
  spawnSync(process.execPath, [path.join(BENCH, 'threads_report.mjs'), OUT], { stdio: 'inherit' });
} else {
  const py = process.env.PYTHON || '/tmp/benchenv/bin/python';
  const rep = spawnSync(py, [path.join(BENCH, 'report.py'), OUT], { stdio: 'inherit' });
  if (rep.status !== 0) console.log(`report.py failed (${py}); run it by hand: ${py} bench/report.py ${OUT}`);
}
