// The npm package as a developer meets it: `./build.sh pack`'s tarball installed into a fresh
// folder, then (1) Node imports it by name, (2) tsc checks gamjeong.d.ts against the example app,
// (3) Vite bundles the example with no configuration and Chromium runs it. Results equal the CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT, FIXTURES, TOL, RELAXED_TOL, reference, server, browser } from './common.mjs';

const BIN = path.join(ROOT, 'node_modules/.bin');
const EXAMPLE = path.join(ROOT, 'examples/vite-app');
let app;
let tgz;

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });

/** Best label → score of a CLI result, and the same for a pipeline's {label, score} list. */
function assertScoresEqualCli(got, want, what, tol = TOL) {
  const ref = new Map(want.scores.map((s) => [s.label, s.score]));
  assert.equal(got.length, ref.size, what);
  for (const s of got) assert.ok(Math.abs(s.score - ref.get(s.label)) <= tol, `${what}: ${s.label} ${s.score} vs ${ref.get(s.label)}`);
  assert.equal(got[0].label, want.scores[0].label, what);
}

before(() => {
  run('bash', [path.join(ROOT, 'scripts/pack.sh')], ROOT);
  tgz = path.join(ROOT, 'dist/npm/gamjeong.tgz');
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'gamjeong-npm-'));
  for (const f of ['index.html', 'main.ts', 'tsconfig.json']) fs.copyFileSync(path.join(EXAMPLE, f), path.join(app, f));
  // The example's own package.json, pointed at the tarball; the tools come from this repo's
  // node_modules, so the install needs no registry.
  const pkg = JSON.parse(fs.readFileSync(path.join(EXAMPLE, 'package.json'), 'utf8'));
  pkg.dependencies.gamjeong = `file:${tgz}`;
  delete pkg.devDependencies;
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify(pkg, null, 2));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], app);
});
after(() => fs.rmSync(app, { recursive: true, force: true }));

test('the tarball holds the package files, with exports for types/browser/node', () => {
  const pkgDir = path.join(app, 'node_modules/gamjeong');
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  assert.equal(pkg.type, 'module');
  assert.deepEqual(pkg.sideEffects, ['./node.js', './worker.js', './runtime/pool-worker.js']);
  assert.deepEqual(Object.keys(pkg.exports['.']), ['types', 'browser', 'node', 'default']);
  for (const f of pkg.files.filter((f) => !f.endsWith('/'))) assert.ok(fs.existsSync(path.join(pkgDir, f)), f);
  assert.ok(fs.existsSync(path.join(pkgDir, 'pkg/gamjeong_bg.wasm')));
});

test('Node: `import { pipeline } from "gamjeong"` in the fresh folder equals the CLI', () => {
  const ref = reference();
  const script = `
    import { pipeline } from 'gamjeong';
    const classify = await pipeline('text-classification', ${JSON.stringify(path.join(FIXTURES, 'tiny-ko.q8.safetensors'))}, { cache: false, variant: 'simd128' });
    const out = await classify(${JSON.stringify(ref.texts)}, { top_k: null });
    process.stdout.write(JSON.stringify(out));`;
  const out = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script], app));
  out.forEach((got, i) => assertScoresEqualCli(got, ref.models.q8[i], `text ${i}`));
});

test('tsc --noEmit: gamjeong.d.ts checks the example app', () => {
  run(path.join(BIN, 'tsc'), ['--noEmit', '-p', path.join(app, 'tsconfig.json')], app);
  // The check can fail: a wrong use of the API is a type error.
  fs.writeFileSync(path.join(app, 'bad.ts'), `import { pipeline } from 'gamjeong';
const c = await pipeline('text-classification');
const r = await c('x', { top_k: 1 });
const wrong: number = r[0].label;
export {};
`);
  const cfg = JSON.parse(fs.readFileSync(path.join(app, 'tsconfig.json'), 'utf8'));
  fs.writeFileSync(path.join(app, 'tsconfig.bad.json'), JSON.stringify({ ...cfg, include: ['bad.ts'] }));
  assert.throws(() => run(path.join(BIN, 'tsc'), ['--noEmit', '-p', path.join(app, 'tsconfig.bad.json')], app),
    (e) => /TS2322/.test(String(e.stdout) + String(e.stderr)));
});

test('Vite bundles the example with no configuration; in Chromium it equals the CLI', async () => {
  run(path.join(BIN, 'vite'), ['build', '--logLevel', 'warn'], app);
  const built = path.join(app, 'dist');
  const files = fs.readdirSync(path.join(built, 'assets'));
  assert.equal(files.filter((f) => f.endsWith('.wasm')).length, 4, `every wasm build (simd128, relaxed, threads, threads-relaxed) is an asset: ${files}`);
  const srv = await server({ '/': built });
  const b = await browser();
  try {
    const page = await b.context.newPage();
    await page.goto(`${srv.url}/index.html?model=/fixtures/tiny-ko.q8.safetensors`);
    await page.waitForFunction(() => window.gamjeongExample || window.gamjeongExampleError, null, { timeout: 60000 });
    const err = await page.evaluate(() => window.gamjeongExampleError);
    assert.equal(err, undefined, JSON.stringify(err));
    const ref = reference();
    const out = await page.evaluate((texts) => window.gamjeongExample.all(texts), ref.texts);
    // The page picks its wasm build itself: relaxed SIMD where Chromium has it, a slightly
    // different int8 model than the CLI's (common.mjs RELAXED_TOL); both builds are in the bundle.
    const variant = await page.evaluate(() => window.gamjeongExample.info.variant);
    const tol = variant.endsWith('relaxed') ? RELAXED_TOL : TOL;
    out.forEach((got, i) => assertScoresEqualCli(got, ref.models.q8[i], `text ${i} (${variant})`, tol));
    // Everything came from the bundle's own output, nothing from node_modules paths.
    assert.ok(srv.log.every((e) => !e.path.includes('node_modules')));
    assert.ok(srv.log.some((e) => e.path.startsWith('/assets/') && e.path.endsWith('.wasm')));
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
    await srv.close();
  }
});
