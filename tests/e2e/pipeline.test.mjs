// pipeline('text-classification') in Chromium (worker mode, as a page uses it): the generic
// classifiers equal transformers' pipeline(top_k=None), the results have transformers.js's
// shapes, progress_total sums the files of a load, and wasm errors reach the page with their code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, OUT, TOL, server, browser, blankPage, loadIn } from './common.mjs';
import { GENERIC, genericReference, assertPipelineParity, assertResultShapes } from './generic.mjs';

let srv;
let b;
let page;
// A folder whose tokenizer is only a SentencePiece model (its contents are never read).
const SPIECE = path.join(OUT, 'spiece-only');
before(async () => {
  fs.rmSync(SPIECE, { recursive: true, force: true });
  fs.mkdirSync(SPIECE, { recursive: true });
  for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(path.join(ROOT, 'tests/fixtures/tiny-ko', f), path.join(SPIECE, f));
  fs.writeFileSync(path.join(SPIECE, 'spiece.model'), 'not read');
  srv = await server({ '/generic/': path.join(ROOT, 'tests/fixtures'), '/spiece/': SPIECE });
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

test('a folder without tokenizer.json: the WordPiece built from vocab.txt equals transformers\' BertTokenizer (f32; q8 converted); SentencePiece-only is refused', async () => {
  // The lower-casing, accent-stripping fixture truncating at its model_max_length (128).
  const folder = '/generic/tiny-ko-vocab-lower/';
  const ref = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/fixtures/tiny-ko-vocab-lower/reference.json'), 'utf8'));
  const texts = ref.cases.map((c) => c.text);
  const run = async (quant) => {
    const mark = srv.log.length;
    const r = await loadIn(page, { model: folder, quant, variant: 'simd128', cache: false });
    assert.ifError(r.error);
    r.got = await page.evaluate(async (texts) => {
      const { results } = await window.__c.classifyBatch(texts);
      window.__c.dispose();
      return results.map((x) => ({ tokens: x.tokens, truncated: x.truncated, logits: x.logits }));
    }, texts);
    r.paths = srv.log.slice(mark).map((e) => e.path).filter((p) => p.startsWith(folder)).map((p) => p.slice(folder.length));
    return r;
  };
  const f32 = await run('f32');
  // special_tokens_map.json is optional: asked for (a 404 here) as tokenizer_config.json has no added_tokens_decoder.
  assert.deepEqual(f32.paths, ['config.json', 'tokenizer.json', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json', 'model.safetensors']);
  const fb = f32.events.find((e) => e.status === 'fallback');
  assert.equal(fb?.file, 'vocab.txt');
  assert.match(fb.reason, /no tokenizer\.json .*built from vocab\.txt and tokenizer_config\.json/);
  let worst = 0;
  ref.cases.forEach((c, i) => {
    const got = f32.got[i];
    assert.equal(got.tokens, c.input_ids.length, `tokens of ${JSON.stringify(c.text.slice(0, 30))}`);
    assert.equal(got.truncated, c.truncated);
    c.logits.forEach((l, j) => { worst = Math.max(worst, Math.abs(got.logits[j] - l)); });
  });
  assert.ok(worst <= TOL, `f32 max |Δlogit| ${worst}`);
  console.log(`chromium tiny-ko-vocab-lower f32 (batched): max |Δlogit| vs transformers ${worst.toExponential(2)}`);
  // The conversion path fetches the same tokenizer files and tokenizes the same way.
  const q8 = await run('q8');
  assert.equal(q8.info.source, 'convert');
  assert.deepEqual(q8.paths.filter((p) => !p.startsWith('gamjeong/') && !p.endsWith('.safetensors')),
    ['config.json', 'tokenizer.json', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json']);
  ref.cases.forEach((c, i) => assert.equal(q8.got[i].tokens, c.input_ids.length));

  // Special tokens renamed and named only in special_tokens_map.json (as older repos ship them).
  const mapRef = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/fixtures/tiny-ko-vocab-map/reference.json'), 'utf8'));
  const m = await loadIn(page, { model: '/generic/tiny-ko-vocab-map/', quant: 'f32', variant: 'simd128', cache: false });
  assert.ifError(m.error);
  assert.match(m.events.find((e) => e.status === 'fallback')?.reason ?? '', /and special_tokens_map\.json/);
  const mapGot = await page.evaluate(async (texts) => {
    const { results } = await window.__c.classifyBatch(texts);
    window.__c.dispose();
    return results.map((x) => ({ tokens: x.tokens, logits: x.logits }));
  }, mapRef.cases.map((c) => c.text));
  let mapWorst = 0;
  mapRef.cases.forEach((c, i) => {
    assert.equal(mapGot[i].tokens, c.input_ids.length, `tiny-ko-vocab-map tokens of ${JSON.stringify(c.text.slice(0, 30))}`);
    c.logits.forEach((l, j) => { mapWorst = Math.max(mapWorst, Math.abs(mapGot[i].logits[j] - l)); });
  });
  assert.ok(mapWorst <= TOL, `tiny-ko-vocab-map f32 max |Δlogit| ${mapWorst}`);

  const sp = await loadIn(page, { model: '/spiece/', quant: 'f32', variant: 'simd128', cache: false });
  assert.equal(sp.error?.code, 'UNSUPPORTED_MODEL', JSON.stringify(sp.error));
  assert.match(sp.error.message, /SentencePiece model \(spiece\.model\).*vocab\.txt/);
});
