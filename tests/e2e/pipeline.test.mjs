// pipeline('text-classification') in Chromium (worker mode, as a page uses it): the generic
// classifiers equal transformers' pipeline(top_k=None), the results have transformers.js's
// shapes, progress_total sums the files of a load, and wasm errors reach the page with their code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, TOL, server, browser, blankPage } from './common.mjs';
import { GENERIC, genericReference, assertPipelineParity, assertResultShapes } from './generic.mjs';

let srv;
let b;
let page;
before(async () => {
  srv = await server({ '/generic/': path.join(ROOT, 'tests/fixtures') });
  b = await browser();
  page = await blankPage(b, srv.url);
});
after(async () => { await b?.close(); await srv?.close(); });

for (const name of GENERIC) {
  test(`${name}: the pipeline in Chromium equals transformers' pipeline(top_k=None)`, async () => {
    const ref = genericReference(name);
    const r = await page.evaluate(async ([name, texts]) => {
      const { pipeline } = await import('/gamjeong.js');
      const events = [];
      const classify = await pipeline('sentiment-analysis', `/generic/${name}/`, { dtype: 'fp32', progress_callback: (e) => events.push(e) });
      window.__p = classify;
      const got = [];
      for (const t of texts) got.push(await classify(t, { top_k: null }));
      return { got, events, labels: classify.info.labels };
    }, [name, ref.cases.map((c) => c.text)]);
    const worst = assertPipelineParity(name, r.got, ref, TOL);
    console.log(`chromium ${name}: max |Δ| vs transformers ${worst.toExponential(2)}`);
    assert.ok(r.labels.every((l) => l.group === null && l.gloss === null));
    const totals = r.events.filter((e) => e.status === 'progress_total');
    const last = totals.at(-1);
    assert.ok(last && last.loaded === last.total && last.total > 0 && last.progress === 100, JSON.stringify(last));
    assert.deepEqual(Object.keys(last.files).sort(), ['config.json', 'model.safetensors', 'tokenizer.json']);
    assert.ok(r.events.every((e) => e.status === 'ready' || e.name === `/generic/${name}/`));
    await assertResultShapes((t, o) => page.evaluate(([t, o]) => window.__p(t, o ?? undefined), [t, o ?? null]),
      Object.keys(ref.id2label).length);
    await page.evaluate(() => window.__p.dispose());
  });
}

test('wasm errors reach the page with their stable code', async () => {
  const r = await page.evaluate(async () => {
    const { pipeline } = await import('/gamjeong.js');
    const codes = {};
    try { await pipeline('text-classification', '/generic/tiny-ko-encoder/', { dtype: 'fp32', cache: false }).then((p) => p('x')); } catch (e) { codes.encoder = e.code; }
    try { await pipeline('text-classification', '/generic/tiny-ko/', { top_k: 1, dtype: 'int3' }); } catch (e) { codes.dtype = e.code; }
    try { const p = await pipeline('text-classification', '/generic/tiny-ko-sentiment/', { dtype: 'fp32', cache: false }); await p(42); } catch (e) { codes.input = e.code; }
    return codes;
  });
  assert.deepEqual(r, { encoder: 'NO_CLASSIFIER', dtype: 'BAD_INPUT', input: 'BAD_INPUT' });
});
