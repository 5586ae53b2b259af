// The npm package as its tarball holds it (`./build.sh pack`, installed into a fresh folder): the
// files package.json lists, its exports and sideEffects, and a README that stands alone (it is
// the only document in the tarball). The recipes the README shows run in npm_vite, npm_esbuild
// and npm_node.test.mjs; its option tables are checked in options.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freshApp, mustRun, docFiles, docRuns, docOptions, TARBALL_NAME } from './recipes.mjs';

let app;
let pkgDir;

before(() => {
  app = freshApp('npm');
  mustRun(`npm install ./${TARBALL_NAME}`, app);
  pkgDir = path.join(app, 'node_modules/gamjeong');
});
after(() => fs.rmSync(app, { recursive: true, force: true }));

test('the tarball holds the package files, with exports for types/browser/node', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  assert.equal(pkg.type, 'module');
  assert.deepEqual(pkg.sideEffects, ['./node.js', './worker.js', './runtime/pool-worker.js']);
  assert.deepEqual(Object.keys(pkg.exports['.']), ['types', 'browser', 'node', 'default']);
  for (const f of pkg.files) assert.ok(fs.existsSync(path.join(pkgDir, f)), f);
  for (const dir of ['pkg', 'pkg-relaxed', 'pkg-threads', 'pkg-threads-relaxed']) {
    assert.ok(fs.existsSync(path.join(pkgDir, dir, 'gamjeong_bg.wasm')), dir);
  }
  const app2 = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
  assert.equal(app2.dependencies.gamjeong, `file:${TARBALL_NAME}`, 'the README’s install line records the tarball');
});

test('the README stands alone: no link or pointer to files the tarball does not hold', () => {
  const readme = fs.readFileSync(path.join(pkgDir, 'README.md'), 'utf8');
  const relative = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]).filter((u) => !/^(https?:|#)/.test(u));
  assert.deepEqual(relative, [], 'relative links');
  assert.doesNotMatch(readme, /build\.sh|examples\/|tests\/|docs\//, 'the repository’s scripts, examples, tests and docs do not ship');
  // What the README names as the tarball is this version's.
  assert.ok(readme.includes(TARBALL_NAME), TARBALL_NAME);
  assert.doesNotMatch(readme.replaceAll(TARBALL_NAME, ''), /gamjeong-\d+\.\d+\.\d+[\w.-]*\.tgz/, 'another version named');
});

test('every file, command block and option table of the README is one a test reads', () => {
  assert.deepEqual(Object.keys(docFiles()).sort(), ['esbuild/public/index.html', 'main.ts', 'node/classify.mjs', 'node/moods.ts', 'node/reviews.mjs',
    'node/tsconfig.json', 'vite/index.html', 'vite/tsconfig.json', 'vite/vite.config.js']);
  assert.deepEqual(Object.keys(docRuns()).sort(), ['esbuild', 'file', 'node', 'vite']);
  assert.deepEqual(Object.keys(docOptions()).sort(), ['Classifier.load', 'calls', 'classifyFile', 'inspectFile', 'pipeline']);
});
