// gamjeong.d.ts's ErrorCode union names every code the JS and the Rust side can produce, so a
// TypeScript `switch (e.code)` sees them all; and every code in the union is produced somewhere.
// The Rust side's codes are defined once (src/error.rs, `ErrorCode`) and read here from the
// built wasm's buildInfo(), as the runtime would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, ROOT } from './common.mjs';

const read = (f) => fs.readFileSync(path.join(ROOT, f), 'utf8');
const all = (re, s) => new Set([...s.matchAll(re)].map((m) => m[1]));

/** The wasm build's error codes (`buildInfo().errorCodes`). */
async function rustCodes() {
  const mod = await import(pathToFileURL(path.join(DIST, 'pkg/gamjeong.js')).href);
  await mod.default({ module_or_path: fs.readFileSync(path.join(DIST, 'pkg/gamjeong_bg.wasm')) });
  return new Set(mod.buildInfo().errorCodes);
}

test('ErrorCode in gamjeong.d.ts is exactly the codes www/ and the Rust crate produce', async () => {
  const union = all(/'([A-Z][A-Z0-9_]+)'/g, /export type ErrorCode =([\s\S]*?);/.exec(read('www/gamjeong.d.ts'))[1]);
  const rust = await rustCodes();
  const js = new Set();
  for (const f of ['gamjeong.js', 'classifier.js', 'pipeline.js', 'worker.js', 'progress.js', 'node.js',
    ...fs.readdirSync(path.join(ROOT, 'www/runtime')).map((m) => `runtime/${m}`)]) {
    for (const c of all(/'([A-Z][A-Z0-9_]{2,})'/g, read(`www/${f}`))) if (!['ENOENT', 'HEAD'].includes(c)) js.add(c); // an OS error and an HTTP method, not codes
  }
  assert.ok(rust.has('BAD_MODEL') && rust.has('FORMAT_OLD') && js.has('NETWORK'), 'the scan finds codes');
  const produced = new Set([...rust, ...js]);
  assert.deepEqual([...produced].filter((c) => !union.has(c)), [], 'produced but not in ErrorCode');
  assert.deepEqual([...union].filter((c) => !produced.has(c)), [], 'in ErrorCode but never produced');
});
