// Bad calls from JS (issue 7, part): every one rejects with a readable error or is handled,
// nothing poisons the wasm module, and the classifier keeps giving the same results after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { server, browser, blankPage } from './common.mjs';

let srv;
before(async () => { srv = await server(); });
after(async () => { await srv?.close(); });

test('bad classify() arguments: readable errors, and the classifier keeps working', async () => {
  const b = await browser();
  try {
    const page = await blankPage(b, srv.url);
    const r = await page.evaluate(async () => {
      const { Classifier } = await import('/gamjeong.js');
      const c = await Classifier.load({ model: '/fixtures/tiny-ko.q8.safetensors', variant: 'simd128' });
      const text = '오늘 너무 행복해';
      const base = await c.classify(text);
      const outcome = async (arg) => {
        try {
          const v = await c.classify(arg);
          return { ok: true, tokens: v.tokens, truncated: v.truncated, n: v.scores.length };
        } catch (e) {
          return { ok: false, name: e.name, message: String(e.message) };
        }
      };
      const out = {};
      for (const [name, arg] of [['undefined', undefined], ['null', null], ['number', 42], ['object', { a: 1 }],
        ['array', ['a']], ['lone surrogates', '\ud800 a \udfff'], ['empty', '']]) {
        out[name] = await outcome(arg);
      }
      const t0 = performance.now();
      out['1 MB'] = await outcome('정말 행복해 '.repeat(1 << 17)); // ~1 M UTF-16 units, 262,144 words
      out['1 MB ms'] = performance.now() - t0;
      const again = await c.classify(text);
      out.same = JSON.stringify(again.logits) === JSON.stringify(base.logits);
      c.dispose();
      out.afterDispose = await outcome(text);
      return out;
    });
    console.log(JSON.stringify(r));
    for (const k of ['undefined', 'null', 'number', 'object', 'array']) {
      assert.equal(r[k].ok, false, `${k} must be rejected`);
      assert.ok(r[k].message.length > 10, `${k}: readable message, got ${JSON.stringify(r[k])}`);
    }
    assert.equal(r['lone surrogates'].ok, true, 'lone surrogates are replaced, not fatal');
    assert.equal(r.empty.ok, true);
    assert.equal(r['1 MB'].ok, true);
    assert.equal(r['1 MB'].truncated, true);
    assert.equal(r['1 MB'].tokens, 512);
    assert.equal(r.same, true, 'results unchanged after the bad calls');
    assert.equal(r.afterDispose.ok, false);
  } finally {
    await b.close?.();
  }
});
