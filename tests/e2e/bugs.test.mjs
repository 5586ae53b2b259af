// Three loading bugs, each pinned: the scheme reported for a single quantized file is the
// file's own; a folder that does not exist fails with NOT_FOUND without first announcing a
// conversion; the service worker keeps only the wasm build this browser runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { server, browser, blankPage, loadIn, openApp, waitReady, autoRelaxed } from './common.mjs';

let srv;
before(async () => { srv = await server(); });
after(async () => { await srv?.close(); });

test('info.quant is the scheme of the weights actually loaded (a q4 file says q4)', async () => {
  const b = await browser();
  try {
    const page = await blankPage(b, srv.url);
    const cases = [
      [{ model: '/fixtures/tiny-ko.q4.safetensors' }, 'q4'],
      [{ model: '/fixtures/tiny-ko.q4.safetensors', quant: 'q8' }, 'q4'],
      [{ model: '/fixtures/tiny-ko.q8.safetensors', quant: 'q4', worker: false }, 'q8'],
      [{ model: '/fixtures/tiny-ko/', quant: 'q4' }, 'q4'], // converted here
      [{ model: '/fixtures/tiny-ko/', quant: 'f32' }, 'f32'],
      [{ model: '/fixtures/tiny-ko-preq/' }, 'q8'],
    ];
    for (const [opts, want] of cases) {
      const r = await loadIn(page, opts);
      assert.ifError(r.error);
      assert.equal(r.info.quant, want, JSON.stringify(opts));
      assert.equal(r.events.find((e) => e.status === 'ready').quant, want);
      await page.evaluate(() => window.__c.dispose());
    }
    // The scheme list comes from the wasm build: an unknown one is refused with the list.
    const bad = await page.evaluate(async () => {
      const { Classifier } = await import('/gamjeong.js');
      try { await Classifier.load({ model: '/fixtures/tiny-ko.q8.safetensors', quant: 'q3' }); return null; } catch (e) { return { code: e.code, schemes: e.schemes, message: e.message }; }
    });
    assert.deepEqual(bad, { code: 'BAD_QUANT', schemes: ['q8', 'q4', 'q5', 'q6', 'f32'], message: 'Unknown quant “q3”: use q8, q4, q5, q6, f32.' });
  } finally { await b.close(); }
});

test('a folder that does not exist: NOT_FOUND, and no "converting" event before it', async () => {
  const b = await browser();
  try {
    const page = await blankPage(b, srv.url);
    for (const quant of ['q8', 'q4', 'f32']) {
      const r = await loadIn(page, { model: '/fixtures/does-not-exist/', quant });
      assert.equal(r.error?.code, 'NOT_FOUND', quant);
      assert.deepEqual(r.events.filter((e) => e.status === 'convert'), [], `${quant}: ${JSON.stringify(r.events)}`);
    }
    // An existing f32 folder still announces its conversion, before the weights stream in.
    const r = await loadIn(page, { model: '/fixtures/tiny-ko/', quant: 'q8', cache: false });
    assert.ifError(r.error);
    const at = (pred) => r.events.findIndex(pred);
    const convert = at((e) => e.status === 'convert');
    assert.ok(convert >= 0);
    assert.ok(convert < at((e) => e.status === 'progress' && e.phase === 'convert'));
  } finally { await b.close(); }
});

test('the service worker pre-caches the wasm build this browser runs, not both', async () => {
  // threads=1: one thread, so the wasm build is chosen by SIMD support alone (relaxed SIMD where
  // the browser lowers its dot product without saturation); then the other build, forced.
  const probe = await browser();
  const auto = (await autoRelaxed(await blankPage(probe, srv.url))) ? 'pkg-relaxed' : 'pkg';
  await probe.close();
  const forced = auto === 'pkg' ? 'relaxed' : 'simd128';
  const flip = (dir) => (dir === 'pkg' ? 'pkg-relaxed' : 'pkg');
  for (const [query, used, other] of [['&threads=1', auto, flip(auto)], [`&variant=${forced}`, flip(auto), auto]]) {
    const b = await browser();
    try {
      const mark = srv.log.length;
      const page = await openApp(b, srv.url, `model=/fixtures/tiny-ko.q8.safetensors${query}`);
      await waitReady(page);
      const scriptURL = await page.evaluate(async () => (await navigator.serviceWorker.ready).active.scriptURL);
      assert.equal(scriptURL, `${srv.url}/sw.js?variant=${used === 'pkg' ? 'simd128' : 'relaxed'}`);
      const keys = await page.evaluate(async () => (await (await caches.open('gamjeong-app-v1')).keys()).map((r) => new URL(r.url).pathname));
      assert.ok(keys.includes(`/${used}/gamjeong_bg.wasm`), `${query}: ${keys}`);
      assert.ok(!keys.some((k) => k.startsWith(`/${other}/`)), `${query}: ${keys}`);
      assert.deepEqual(srv.requests(new RegExp(`^/${other}/`), mark), [], `${query}: the other build was never fetched`);
    } finally { await b.close(); }
  }
});
