// The threads builds (dist/pkg-threads/ and pkg-threads-relaxed/, docs/threads.md) in headless Chromium: under COOP/COEP
// `threads: 2` gives the logits of one thread bit for bit (and the CLI's within the usual
// tolerance); a page that is not cross-origin isolated falls back to one thread and says why;
// the demo page, CSP included, runs its pool workers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { reference, server, browser, blankPage, loadIn, maxDiff, OUT, TEXTS, TOL, Q4_TOL, RELAXED_TOL, DIST, autoRelaxed } from './common.mjs';

const MODELS = [
  ['q8', { model: '/fixtures/tiny-ko.q8.safetensors' }, TOL],
  ['q4', { model: '/fixtures/tiny-ko.q4.safetensors' }, Q4_TOL],
  ['f32', { model: '/fixtures/tiny-ko/', quant: 'f32' }, TOL],
];
// Two texts of one padded batch with the long one: attention over sequences and the GEMMs of
// a 512-token pass run on both threads.
const BATCH = [TEXTS[0], TEXTS[TEXTS.length - 2], TEXTS[1]];
let srv; let plain; let ref; const figures = {};

before(async () => {
  for (const d of ['pkg-threads', 'pkg-threads-relaxed']) {
    if (!fs.existsSync(path.join(DIST, d, 'gamjeong.js'))) throw new Error(`dist/ has no ${d}/: run ./build.sh`);
  }
  ref = reference();
  srv = await server();
  plain = await server({}, { isolated: false });
});
after(async () => {
  await srv?.close();
  await plain?.close();
  fs.writeFileSync(path.join(OUT, 'threads-figures.json'), JSON.stringify(figures, null, 2));
  console.log('threads figures:', JSON.stringify(figures));
});

// Both threads builds, each asked for by name (which one `threads: 2` picks alone is the demo
// page's test below): SIMD128 (`threads`) and relaxed SIMD (`threads-relaxed`; its activations
// are 7-bit, hence RELAXED_TOL).
const BUILDS = [
  ['threads', 'simd128', { variant: 'threads' }, null],
  ['threads-relaxed', 'relaxed-simd', { variant: 'threads-relaxed' }, RELAXED_TOL],
];
for (const [name, opts, modelTol] of MODELS) {
  for (const [variant, kernel, twoOpts, buildTol] of BUILDS) {
    test(`${name}, ${variant}: 2 threads equal one thread bit for bit, and the CLI`, async () => {
      const tol = buildTol ?? modelTol;
      const b = await browser();
      try {
        // The build on one pool thread, then on 2 (asked for explicitly so that a bigger
        // machine runs the same test).
        const one = await classifyIn(b, srv.url, { ...opts, threads: 1, variant });
        const two = await classifyIn(b, srv.url, { ...opts, threads: 2, ...twoOpts });
        for (const r of [one, two]) {
          assert.equal(r.info.variant, variant);
          assert.equal(r.info.kernel, kernel);
        }
        assert.equal(one.info.threads, 1);
        assert.deepEqual(one.events.find((e) => e.status === 'threads'), { status: 'threads', threads: 1, reason: null });
        assert.equal(two.info.threads, 2);
        assert.deepEqual(two.events.find((e) => e.status === 'threads'), { status: 'threads', threads: 2, reason: null });
        assert.equal(two.single.length, TEXTS.length);
        for (let i = 0; i < TEXTS.length; i++) {
          assert.deepEqual(two.single[i].logits, one.single[i].logits, `${name} text ${i}: logits differ between 1 and 2 threads`);
          assert.equal(two.single[i].tokens, ref.models[name][i].tokens);
          const d = maxDiff(two.single[i], ref.models[name][i], { logits: !buildTol });
          assert.ok(d <= tol, `${name} text ${i}: |Δ| vs CLI ${d} > ${tol}`);
        }
        for (let i = 0; i < BATCH.length; i++) {
          assert.deepEqual(two.batched[i].logits, one.batched[i].logits, `${name} batch row ${i}: logits differ`);
        }
        figures[`${name}_${variant}_memory_bytes_1_thread`] = one.memory;
        figures[`${name}_${variant}_memory_bytes_2_threads`] = two.memory;
        assert.deepEqual(b.errors, []);
      } finally {
        await b.close();
      }
    });
  }
}

test('a page that is not cross-origin isolated runs on one thread and says why', async () => {
  const b = await browser();
  try {
    for (const threads of [undefined, 2]) {
      const r = await classifyIn(b, plain.url, { model: '/fixtures/tiny-ko.q8.safetensors', threads });
      assert.equal(r.info.threads, 1);
      assert.ok(!r.info.variant.startsWith('threads'), r.info.variant);
      const ev = r.events.find((e) => e.status === 'threads');
      assert.equal(ev.threads, 1);
      assert.match(ev.reason, /not cross-origin isolated/);
      const d = maxDiff(r.single[0], ref.models.q8[0], { logits: false });
      assert.ok(Number.isFinite(d), 'classified');
    }
  } finally {
    await b.close();
  }
});

test('bad thread counts are rejected with BAD_INPUT', async () => {
  const b = await browser();
  try {
    const page = await blankPage(b, srv.url);
    for (const threads of [0, 1.5, 17, 'two']) {
      const r = await loadIn(page, { model: '/fixtures/tiny-ko.q8.safetensors', threads, cache: false });
      assert.equal(r.error?.code, 'BAD_INPUT', `threads ${JSON.stringify(threads)}: ${JSON.stringify(r.error)}`);
    }
  } finally {
    await b.close();
  }
});

test('the demo page runs ?threads=2 under its CSP and shows the count', async () => {
  const b = await browser();
  try {
    const page = await b.context.newPage();
    const csp = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) csp.push(m.text()); });
    await page.goto(`${srv.url}/?model=/fixtures/tiny-ko.q8.safetensors&threads=2`);
    await page.waitForSelector('#status[data-phase="ready"]', { timeout: 60_000 });
    assert.equal(await page.$eval('#model-detail', (e) => e.dataset.threads), '2');
    const kernel = (await autoRelaxed(page)) ? 'relaxed-simd' : 'simd128';
    assert.match(await page.$eval('#model-detail', (e) => e.textContent), new RegExp(`${kernel} kernel × 2 threads`));
    assert.deepEqual(csp, []);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

/** Loads `opts` in a fresh page, classifies every text alone and BATCH as one batch. */
async function classifyIn(b, url, opts) {
  const page = await blankPage(b, url);
  try {
    const r = await loadIn(page, { cache: false, ...opts });
    assert.ok(!r.error, `load ${JSON.stringify(opts)}: ${JSON.stringify(r.error)}`);
    const out = await page.evaluate(async ([texts, batch]) => {
      const single = [];
      for (const t of texts) single.push(await window.__c.classify(t));
      const batched = (await window.__c.classifyBatch(batch)).results;
      const memory = await window.__c.memoryBytes();
      window.__c.dispose();
      return { single, batched, memory };
    }, [TEXTS, BATCH]);
    return { ...r, ...out };
  } finally {
    await page.close();
  }
}
