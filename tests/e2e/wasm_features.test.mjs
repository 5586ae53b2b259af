// The shipped .wasm files really contain SIMD: disassembled with binaryen's wasm-dis (an
// independent decoder), the SIMD128 build has v128 instructions and no relaxed ones, the
// relaxed build has relaxed-SIMD instructions (its int8 kernel), and the feature probes
// that pick the build agree with the engines and, in Chromium, with the CPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { DIST, ROOT, server, browser, blankPage } from './common.mjs';

const WASM_DIS = path.join(ROOT, 'node_modules/.bin/wasm-dis');
const SIMD_OP = /\b(?:v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\.[a-z0-9_]+/g;
const RELAXED_OP = /\b(?:i8x16|i16x8|i32x4|f32x4|f64x2)\.relaxed_[a-z0-9_]+/g;

async function opcodes(file) {
  assert.ok(fs.existsSync(file), `${file} missing: run ./build.sh`);
  const { stdout: text } = await promisify(execFile)(WASM_DIS, ['--enable-simd', '--enable-relaxed-simd', '--enable-bulk-memory',
    '--enable-sign-ext', '--enable-mutable-globals', '--enable-nontrapping-float-to-int', '--enable-multivalue',
    '--enable-reference-types', file], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const count = (re) => {
    const m = new Map();
    for (const [op] of text.matchAll(re)) m.set(op, (m.get(op) || 0) + 1);
    return m;
  };
  return { simd: count(SIMD_OP), relaxed: count(RELAXED_OP) };
}
const total = (m) => [...m.values()].reduce((a, b) => a + b, 0);

// Both disassemblies run at once (each takes ~10-25 s on 3 MB).
const plainOps = opcodes(path.join(DIST, 'pkg/gamjeong_bg.wasm'));
const relaxedOps = opcodes(path.join(DIST, 'pkg-relaxed/gamjeong_bg.wasm'));
plainOps.catch(() => {}); relaxedOps.catch(() => {});

test('SIMD128 build: v128 instructions, no relaxed ones', async () => {
  const { simd, relaxed } = await plainOps;
  console.log(`pkg: ${total(simd)} SIMD instructions (${simd.size} kinds), ${total(relaxed)} relaxed`);
  assert.ok(total(simd) > 200, `only ${total(simd)} v128 instructions`);
  assert.ok(simd.has('i32x4.dot_i16x8_s'), 'the SIMD128 int8 kernel uses i32x4.dot_i16x8_s');
  assert.equal(total(relaxed), 0);
});

test('relaxed build: relaxed-SIMD instructions (i32x4.relaxed_dot_i8x16_i7x16_add_s)', async () => {
  const { simd, relaxed } = await relaxedOps;
  console.log(`pkg-relaxed: ${total(simd)} SIMD instructions, relaxed: ${JSON.stringify(Object.fromEntries(relaxed))}`);
  assert.ok(total(simd) > 200);
  assert.ok((relaxed.get('i32x4.relaxed_dot_i8x16_i7x16_add_s') || 0) > 0, 'no relaxed dot product');
});

test('the feature probes: relaxed probe validates only where relaxed SIMD is enabled', async () => {
  const { wasmSupport } = await import('../../www/runtime/wasm.js');
  const here = wasmSupport();
  assert.equal(here.simd, true, 'node has fixed-width SIMD');
  // Node 20 ships relaxed SIMD behind a flag: the probe must say no without it, yes with it.
  const probe = "import('" + path.join(ROOT, 'www/runtime/wasm.js') + "').then(m => console.log(JSON.stringify(m.wasmSupport())))";
  const plain = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' }));
  const flagged = JSON.parse(execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', probe], { encoding: 'utf8' }));
  assert.equal(flagged.relaxed, true);
  if (Number(process.versions.node.split('.')[0]) < 22) assert.equal(plain.relaxed, false);
});

// x86 CPU flags from the kernel (Linux), or null elsewhere.
function cpuFlags() {
  if (process.arch !== 'x64') return null;
  try {
    return new Set(fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)[1].trim().split(/\s+/));
  } catch { return null; }
}

test('Chromium: the relaxed dot product probe matches the CPU, and auto takes SIMD128 where it saturates', async () => {
  const flags = cpuFlags();
  const srv = await server();
  const b = await browser();
  try {
    const page = await blankPage(b, srv.url);
    const got = await page.evaluate(async () => {
      const { wasmSupport } = await import('/runtime/wasm.js');
      const { Classifier } = await import('/gamjeong.js');
      const c = await Classifier.load({ model: '/fixtures/tiny-ko.q8.safetensors', worker: false });
      const r = { support: wasmSupport(), variant: c.info.variant };
      c.dispose();
      return r;
    });
    console.log(`Chromium relaxed dot: ${got.support.relaxedDot}; auto: ${got.variant}; avx_vnni: ${flags?.has('avx_vnni') ?? 'n/a'}`);
    assert.equal(got.support.relaxed, true, 'Chromium has relaxed SIMD');
    // V8 lowers the instruction to vpdpbusd with AVX-VNNI (not with AVX-512 VNNI alone), else to
    // pmaddubsw + pmaddwd, which saturates 127 · 255 + 127 · 255 at 32767.
    if (flags) assert.equal(got.support.relaxedDot === 'saturating', !flags.has('avx_vnni'), JSON.stringify(got.support));
    assert.equal(got.support.relaxedPreferred, got.support.relaxedDot !== 'saturating');
    assert.equal(got.variant, got.support.relaxedPreferred ? 'relaxed' : 'simd128');
  } finally { await b.close(); await srv.close(); }
});
