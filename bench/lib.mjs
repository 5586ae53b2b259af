// Shared by run.mjs and profile.mjs: paths, the local static server, a fresh headless Chromium.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../scripts/serve.mjs';

export const BENCH = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.dirname(BENCH);
export const ASSETS = process.env.BENCH_ASSETS || path.join(REPO, 'target', 'bench');
export const MODEL = process.env.BENCH_MODEL || path.join(REPO, 'target', 'bert-base-random');
/** A wasm-bindgen build: dist/pkg/ from ./build.sh build unless BENCH_PKG names another. */
export const PKG = process.env.BENCH_PKG || path.join(REPO, 'dist', 'pkg');
export const ORT_DIST = path.join(BENCH, 'node_modules', 'onnxruntime-web', 'dist');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
/** A second product runtime (another tree's dist/, e.g. a "before" build), served as /dist-b/:
 * engine names ending in `@b` load their wasm from it (A/B of two trees in one page). */
export const DIST_B = process.env.BENCH_DIST_B || null;

export const ENGINES = {
  'ort-int8': { name: 'ort-int8', kind: 'ort', url: '/assets/model.int8.onnx' },
  'ort-f32': { name: 'ort-f32', kind: 'ort', url: '/assets/model.onnx' },
  'gj-q8': { name: 'gj-q8', kind: 'gj', url: '/assets/model.q8.safetensors' },
  'gj-q4': { name: 'gj-q4', kind: 'gj', url: '/assets/model.q4.safetensors' },
  'gj-f32': {
    name: 'gj-f32', kind: 'gj-f32', url: '/model/model.safetensors',
    config: '/model/config.json', tokenizer: '/model/tokenizer.json',
  },
};
// Threads (bench/threads.md): ORT at 2 threads; gamjeong in a Web Worker through the product
// runtime (dist/): the single-threaded builds (SIMD128, relaxed SIMD) and the threads builds
// (t1/t2: SIMD128 on a pool of 1/2; t1r/t2r: relaxed SIMD on a pool of 1/2).
const F32 = { url: '/model/model.safetensors', config: '/model/config.json', tokenizer: '/model/tokenizer.json' };
const Q8 = { url: '/assets/model.q8.safetensors' };
for (const [name, spec] of Object.entries({
  'ort-int8-t2': { kind: 'ort', url: '/assets/model.int8.onnx', threads: 2 },
  'ort-f32-t2': { kind: 'ort', url: '/assets/model.onnx', threads: 2 },
  'gj-q8-simd128': { kind: 'gjw', variant: 'simd128', threads: 1, ...Q8 },
  'gj-q8-relaxed': { kind: 'gjw', variant: 'relaxed', threads: 1, ...Q8 },
  'gj-q8-t1': { kind: 'gjw', variant: 'threads', threads: 1, ...Q8 },
  'gj-q8-t2': { kind: 'gjw', variant: 'threads', threads: 2, ...Q8 },
  'gj-q8-t1r': { kind: 'gjw', variant: 'threads-relaxed', threads: 1, ...Q8 },
  'gj-q8-t2r': { kind: 'gjw', variant: 'threads-relaxed', threads: 2, ...Q8 },
  'gj-f32-simd128': { kind: 'gjw', variant: 'simd128', threads: 1, ...F32 },
  'gj-f32-t1': { kind: 'gjw', variant: 'threads', threads: 1, ...F32 },
  'gj-f32-relaxed': { kind: 'gjw', variant: 'relaxed', threads: 1, ...F32 },
  'gj-f32-t2': { kind: 'gjw', variant: 'threads', threads: 2, ...F32 },
  'gj-f32-t2r': { kind: 'gjw', variant: 'threads-relaxed', threads: 2, ...F32 },
})) ENGINES[name] = { name, ...spec };

/** ENGINES[name]; `NAME@b`: the worker engine NAME with its wasm from BENCH_DIST_B. */
export function engineSpec(name) {
  const [base, tree] = name.split('@');
  const spec = ENGINES[base];
  if (!spec) throw new Error(`unknown engine ${base} (bench/lib.mjs ENGINES)`);
  if (tree === undefined) return spec;
  if (tree !== 'b' || spec.kind !== 'gjw' || !DIST_B) {
    throw new Error(`${name}: only worker engines take @b, and only with BENCH_DIST_B set`);
  }
  return { ...spec, name, dist: '/dist-b/' };
}

// ---- static server ------------------------------------------------------------------------
/** The project's static server (scripts/serve.mjs), cross-origin isolated so that both engines may run threads; `extra` mounts besides. */
export function serve(extra = {}) {
  return startServer({
    ...extra,
    '/assets/': ASSETS,
    '/model/': MODEL,
    '/pkg/': PKG,
    '/dist/': path.join(REPO, 'dist'),
    ...(DIST_B ? { '/dist-b/': path.resolve(DIST_B) } : {}),
    '/ort/': ORT_DIST,
    '/': path.join(BENCH, 'page'),
  }, { cacheControl: 'max-age=3600', log: false });
}

// ---- browser ------------------------------------------------------------------------------
export async function withPage(origin, fn) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic', '--enable-precise-memory-info'],
  });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(0);
    page.on('console', (m) => console.log(`  [page] ${m.text()}`));
    page.on('pageerror', (e) => console.log(`  [page error] ${e.message}`));
    await page.goto(`${origin}/index.html`);
    await page.waitForFunction(() => window.bench && window.bench.ready);
    return await fn(page, browser);
  } finally {
    await browser.close();
  }
}

