// gamjeong.d.ts's ErrorCode union names every code the JS and the Rust side can produce, so a
// TypeScript `switch (e.code)` sees them all; and every code in the union is produced somewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './common.mjs';

const read = (f) => fs.readFileSync(path.join(ROOT, f), 'utf8');
const all = (re, s) => new Set([...s.matchAll(re)].map((m) => m[1]));

test('ErrorCode in gamjeong.d.ts is exactly the codes www/ and the Rust crate produce', () => {
  const union = all(/'([A-Z][A-Z0-9_]+)'/g, /export type ErrorCode =([\s\S]*?);/.exec(read('www/gamjeong.d.ts'))[1]);
  const rustFn = /pub fn code\(&self\)[\s\S]*?\n    }\n/.exec(read('src/error.rs'))[0];
  const rust = new Set([...all(/"([A-Z][A-Z0-9_]+)"/g, rustFn), ...all(/js_error\(\s*"([A-Z][A-Z0-9_]+)"/g, read('src/web/mod.rs'))]);
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
