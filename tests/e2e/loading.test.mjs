// Classifying before the model is ready. The demo page: a widget example clicked, or text typed,
// while the model is still downloading (slowed by the server) shows a "still loading" state and
// is classified once the model is ready; a failed load turns it into a plain error. The JS API:
// a Classifier only exists once loaded (new Classifier() rejects with NOT_LOADED), and
// overlapping classify calls on one instance each get their own result, in call order.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { reference, server, browser, blankPage, maxDiff, pageTimersPast, DEBOUNCE_MS, EXAMPLES, TEXTS, TOL, waitResult, pageBars } from './common.mjs';

const Q8 = '/fixtures/tiny-ko.q8.safetensors';
// ~3.7 s for the 590 kB file: long enough to act while it loads.
const SLOW = { bytesPerTick: 16 * 1024, ms: 100 };
let srv; let ref;
before(async () => { ref = reference(); srv = await server(); });
after(async () => { await srv?.close(); });
afterEach(() => srv.faults.clear());

/** The demo page with the model download slowed, once the download has started. */
async function loadingPage(b, fault = { slow: SLOW }) {
  srv.faults.set(Q8, fault);
  const page = await b.context.newPage();
  await page.goto(`${srv.url}/?model=${Q8}&variant=simd128`);
  await page.waitForSelector('#status[data-phase="download"]', { timeout: 30_000 });
  return page;
}

/** The download is still running (the server has not sent the last byte). */
function stillDownloading() {
  const reqs = srv.requests(/tiny-ko\.q8/);
  return reqs.length > 0 && reqs.at(-1).end === undefined;
}

const results = (page) => page.$eval('#results', (e) => ({
  state: e.dataset.state, text: e.dataset.text, count: Number(e.dataset.count || 0),
  busy: e.getAttribute('aria-busy'), meta: document.getElementById('meta').textContent,
  visible: e.getBoundingClientRect().height > 0,
}));

function assertLikeCli(list, want, what) {
  assert.equal(list.length, 60, what);
  const byLabel = new Map(list.map((x) => [x.label, x.score]));
  const d = Math.max(...want.scores.map((s) => Math.abs(byLabel.get(s.label) - s.score)));
  assert.ok(d <= TOL, `${what}: max |Δ| vs CLI ${d}`);
}

test('demo page: an example clicked while the model downloads waits, then shows its result', async () => {
  const b = await browser();
  try {
    const page = await loadingPage(b);
    assert.equal(await page.$eval('#examples button >> nth=3', (e) => e.disabled), false, 'examples usable while loading');
    await page.click('#examples button >> nth=3', { timeout: 2000 });
    const waiting = await results(page);
    assert.ok(stillDownloading(), 'the model was still downloading when the example was clicked');
    assert.equal(waiting.state, 'waiting');
    assert.equal(waiting.text, EXAMPLES[3]);
    assert.equal(waiting.busy, 'true');
    assert.ok(waiting.visible);
    assert.match(waiting.meta, /still loading.*classified as soon as it is ready/);
    assert.notEqual(await page.$eval('#status', (e) => e.dataset.phase), 'ready');
    assert.equal(await page.$eval('#error', (e) => e.hidden), true, 'no error while waiting');
    // The loading note gives the real size of this download (590 kB here), not a fixed figure.
    await page.waitForFunction(() => /^The model downloads once \(\d+ kB\), then stays in your browser/
      .test(document.getElementById('status-note').textContent), null, { timeout: 10_000 });

    await page.waitForSelector('#status[data-phase="ready"]', { timeout: 30_000 });
    await waitResult(page, EXAMPLES[3]);
    const r = await results(page);
    assert.equal(r.count, 1, 'classified exactly once');
    assert.equal(r.busy, 'false');
    assertLikeCli(await pageBars(page), ref.models.q8[3], 'queued example');
    assert.equal(await page.$eval('#top .top-item .label', (e) => e.textContent), ref.models.q8[3].scores[0].label);
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); }
});

test('demo page: text typed (and Ctrl+Enter) while loading is classified once ready, the latest text only', async () => {
  const b = await browser();
  try {
    const page = await loadingPage(b);
    await page.fill('#text', '오늘 따라');
    await pageTimersPast(page, DEBOUNCE_MS);
    assert.equal((await results(page)).state, 'waiting');
    await page.focus('#text');
    await page.keyboard.press('End');
    await page.keyboard.insertText(' 저녁이 좀 맛있네.');
    await page.keyboard.press('Control+Enter');
    const w = await results(page);
    assert.ok(stillDownloading(), 'typed before the model was ready');
    assert.deepEqual([w.state, w.text], ['waiting', EXAMPLES[1]]);
    await waitResult(page, EXAMPLES[1]);
    assert.equal((await results(page)).count, 1, 'one classification, of the final text');
    assertLikeCli(await pageBars(page), ref.models.q8[1], 'typed while loading');
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); }
});

test('demo page: a load that fails while a text waits shows the error and says the text was not classified', async () => {
  const b = await browser();
  try {
    const page = await loadingPage(b, { slow: SLOW, dropAfter: 200_000 });
    await page.click('#examples button >> nth=0', { timeout: 2000 });
    assert.equal((await results(page)).state, 'waiting');
    await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
    const r = await results(page);
    assert.equal(r.state, 'error');
    assert.equal(r.busy, 'false');
    assert.match(r.meta, /Not classified: the model could not be loaded/);
    assert.match(await page.$eval('#error', (e) => e.innerText), /network request failed|interrupted/);
    // Still usable: a retry that succeeds classifies the text (states.test.mjs).
    assert.equal(await page.$eval('#text', (e) => e.disabled), false);
    assert.equal(await page.$eval('#examples button', (e) => e.disabled), false);
  } finally { await b.close(); }
});

test('JS API: no Classifier before load resolves; 20 overlapping classify calls return their own results in order', async () => {
  const b = await browser();
  try {
    const page = await blankPage(b, srv.url);
    const notLoaded = await page.evaluate(async () => {
      const { Classifier } = await import('/gamjeong.js');
      const c = new Classifier();
      const code = (p) => p.then(() => 'resolved', (e) => `${e.code}: ${e.message}`);
      return [await code(c.classify('x')), await code(c.classifyBatch(['x'])), await code(c.memoryBytes())];
    });
    for (const r of notLoaded) assert.match(r, /^NOT_LOADED: .*Classifier\.load/);

    for (const worker of [true, false]) {
      const r = await page.evaluate(async ([texts, worker]) => {
        const { Classifier } = await import('/gamjeong.js');
        const c = await Classifier.load({ model: '/fixtures/tiny-ko.q8.safetensors', variant: 'simd128', worker });
        const list = Array.from({ length: 20 }, (_, i) => texts[(i * 4) % texts.length]);
        // All at once, a batch and a 1 MB text in the middle of them.
        const all = await Promise.all([
          ...list.slice(0, 10).map((t) => c.classify(t)),
          c.classifyBatch(list.slice(0, 3)),
          c.classify('정말 행복해 '.repeat(1 << 17)),
          ...list.slice(10).map((t) => c.classify(t, { topK: 60 })),
        ]);
        const seq = [];
        for (const t of list) seq.push(await c.classify(t));
        c.dispose();
        const got = [...all.slice(0, 10), ...all.slice(12)];
        return {
          list,
          got: got.map((x) => ({ text: x.text, tokens: x.tokens, truncated: x.truncated, logits: x.logits, scores: x.scores })),
          sameAsSequential: got.map((x, i) => JSON.stringify(x.logits) === JSON.stringify(seq[i].logits)),
          batchTexts: all[10].results.map((x) => x.text),
          long: { tokens: all[11].tokens, truncated: all[11].truncated },
        };
      }, [TEXTS, worker]);
      const what = worker ? 'worker' : 'in-page';
      assert.equal(r.got.length, 20);
      r.got.forEach((x, i) => {
        assert.equal(x.text, r.list[i], `${what} call ${i}: result of another text`);
        const want = ref.models.q8[TEXTS.indexOf(r.list[i])];
        assert.equal(x.tokens, want.tokens, `${what} call ${i}`);
        assert.ok(maxDiff(x, want) <= TOL, `${what} call ${i}: differs from the CLI`);
      });
      assert.ok(r.sameAsSequential.every(Boolean), `${what}: concurrent results differ from sequential ones`);
      assert.deepEqual(r.batchTexts, r.list.slice(0, 3));
      assert.deepEqual(r.long, { tokens: 512, truncated: true });
    }
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); }
});
