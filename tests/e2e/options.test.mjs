// The options of the public API, as the package README lists them: every key its tables list is
// accepted (a real load under Node.js with each) and is the runtime's and the types' list, an
// unknown key is refused with BAD_INPUT naming it and the accepted ones (classifyFile's and
// inspectFile's too, on a small CSV), contradicting pairs are refused, transformers.js's names
// on pipeline() mean what the README says. Then the model address in Chromium: 'models/x/' is the folder next to the page (as in Node), 'models/x' a hub
// id whose failure says how to write the folder, and a hub model is read from the hub's file
// list, so no request is made for a file the repository does not have (no 404 in the console),
// the tokenizer.json of a vocab.txt-only repository included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, DIST, FIXTURES, server, browser, blankPage, loadIn } from './common.mjs';
import { docOptions } from './recipes.mjs';
import { routeHub } from './hub.mjs';

const Q8 = path.join(FIXTURES, 'tiny-ko.q8.safetensors');
const FOLDER = path.join(FIXTURES, 'tiny-ko');
const REVIEWS = path.join(ROOT, 'tests/fixtures/bulk/reviews.csv');
let gj;
let opts;
let cacheDir;

before(async () => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gamjeong-options-'));
  process.env.GAMJEONG_CACHE_DIR = cacheDir; // the default cache of the loads below
  gj = await import(pathToFileURL(path.join(DIST, 'node.js')).href);
  opts = await import(pathToFileURL(path.join(DIST, 'options.js')).href);
});
after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

/** A value of each documented option, as a user would pass it. */
const EXAMPLE = {
  model: Q8, revision: 'main', quant: 'q8', onProgress: () => {}, signal: new AbortController().signal, worker: true,
  cache: false, cacheDir: null, variant: 'simd128', threads: 1, baseUrl: pathToFileURL(`${ROOT}/`).href,
  progress_callback: () => {}, dtype: 'int8', device: 'wasm', scoreFn: 'softmax', function_to_apply: 'softmax',
};

/** The keys of `interface NAME` in gamjeong.d.ts (its own and those it extends from LoadOptions). */
function typeKeys(name) {
  const dts = fs.readFileSync(path.join(DIST, 'gamjeong.d.ts'), 'utf8');
  const body = new RegExp(`export interface ${name}\\b[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(dts)[1];
  return [...body.matchAll(/^ {2}(\w+)\?:/gm)].map((m) => m[1]);
}

test('the README’s option tables are the runtime’s and the types’ lists', () => {
  const doc = docOptions();
  assert.deepEqual(doc['Classifier.load'], Object.keys(opts.LOAD_OPTIONS));
  assert.deepEqual(doc['Classifier.load'].slice().sort(), typeKeys('LoadOptions').sort());
  const pipelineOwn = Object.keys(opts.PIPELINE_OPTIONS).filter((k) => !(k in opts.LOAD_OPTIONS));
  assert.deepEqual(doc.pipeline, pipelineOwn);
  assert.deepEqual(doc.pipeline.slice().sort(), typeKeys('PipelineOptions').sort());
  assert.deepEqual(doc.calls, [...Object.keys(opts.PIPELINE_CALL_OPTIONS), ...Object.keys(opts.TOP_K_OPTIONS),
    ...Object.keys(opts.EXPLAIN_OPTIONS), ...Object.keys(opts.CACHE_OPTIONS)]);
  assert.deepEqual(doc.classifyFile, Object.keys(opts.FILE_OPTIONS));
  assert.deepEqual(doc.classifyFile.slice().sort(), [...typeKeys('FileReadOptions'), ...typeKeys('ClassifyFileOptions')].sort());
  assert.deepEqual(doc.inspectFile, Object.keys(opts.INSPECT_OPTIONS));
  assert.deepEqual(doc.inspectFile.slice().sort(), [...typeKeys('FileReadOptions'), ...typeKeys('InspectFileOptions')].sort());
});

/** A value of each documented classifyFile / inspectFile option, for REVIEWS. */
const FILE_EXAMPLE = {
  format: 'csv', column: 'text', fileName: 'reviews.csv', allScores: true, lowConfidence: 0.28, files: ['csv', 'jsonl'],
  batchSize: 2, size: fs.statSync(REVIEWS).size, onProgress: () => {}, signal: new AbortController().signal, rows: 2, headBytes: 4096,
};

test('classifyFile and inspectFile: every documented option is taken; an unknown one is BAD_INPUT naming it and the accepted ones', async () => {
  const c = await gj.Classifier.load({ model: Q8, cache: false, variant: 'simd128' });
  try {
    const plain = [];
    let steps = 0;
    for await (const b of c.classifyFile(REVIEWS).batches()) { plain.push(...b.rows); steps += 1; }
    assert.ok(plain.length > 2);
    for (const key of docOptions().classifyFile) {
      // fileName and size are for a source that has neither: a stream.
      const stream = key === 'fileName' || key === 'size';
      const run = c.classifyFile(stream ? fs.createReadStream(REVIEWS) : REVIEWS,
        { [key]: FILE_EXAMPLE[key], ...(key === 'size' && { format: 'csv' }) });
      const rows = [];
      const bytes = [];
      const sizes = [];
      for await (const b of run.batches()) { rows.push(...b.rows); bytes.push(b.csv); sizes.push(b.rows.length); }
      assert.ok(run.complete, key);
      assert.deepEqual(rows.map((r) => r.text), plain.map((r) => r.text), key);
      // The options whose effect shows in the rows or the batches.
      if (key === 'allScores') assert.equal(rows[0].scores.length, c.info.labels.length);
      else assert.equal(rows[0].scores, undefined, key);
      const csvBytes = bytes.reduce((n, b) => n + b.length, 0);
      if (key === 'files') assert.deepEqual([...bytes[0].subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the CSV, with its BOM');
      else assert.equal(csvBytes, 0, `${key}: no CSV without files`);
      if (key === 'lowConfidence') {
        const low = rows.map((r) => r.lowConfidence);
        assert.deepEqual(low, rows.map((r) => (r.score === null ? null : r.score < 0.28)));
        assert.notDeepEqual(low, plain.map((r) => r.lowConfidence), 'a threshold between the rows’ scores changes a row');
      }
      if (key === 'size') assert.equal(run.progress.share, 1);
      // Rows come out when their window is done; a smaller step takes more steps to get there.
      if (key === 'batchSize') assert.ok(sizes.length > steps, `${sizes} vs ${steps} steps`);
    }
    for (const key of docOptions().inspectFile) {
      const seen = await c.inspectFile(REVIEWS, { [key]: FILE_EXAMPLE[key] });
      assert.deepEqual(seen.columns, ['id', 'label', 'text'], key);
      assert.equal(seen.rows.length, key === 'rows' ? 2 : 5, key);
    }
    const accepted = (call) => (e) => e instanceof gj.GamjeongError && e.code === 'BAD_INPUT'
      && docOptions()[call].every((k) => e.message.includes(k));
    assert.throws(() => c.classifyFile(REVIEWS, { colum: 'text' }), (e) => accepted('classifyFile')(e) && /“colum”/.test(e.message));
    assert.throws(() => c.classifyFile(REVIEWS, { outputs: ['csv'] }), (e) => accepted('classifyFile')(e) && /takes files/.test(e.message));
    assert.throws(() => c.classifyFile(REVIEWS, { all_scores: true }), (e) => e.code === 'BAD_INPUT' && /did you mean allScores/.test(e.message));
    assert.throws(() => c.classifyFile(REVIEWS, { batchSize: 0 }), (e) => e.code === 'BAD_INPUT' && /“batchSize” must be a whole number from 1 to 4096, got 0/.test(e.message));
    await assert.rejects(c.inspectFile(REVIEWS, { row: 2 }), (e) => accepted('inspectFile')(e) && /“row”/.test(e.message));
    await assert.rejects(c.inspectFile(REVIEWS, { allScores: true }), (e) => accepted('inspectFile')(e) && /“allScores”/.test(e.message));
    // A null option is its default, as in the other calls.
    assert.equal((await c.inspectFile(REVIEWS, { format: null, rows: null })).rows.length, 5);
  } finally {
    c.dispose();
  }
});

test('every documented Classifier.load option loads; an unknown one is BAD_INPUT naming it and the accepted ones', async () => {
  for (const key of docOptions()['Classifier.load']) {
    const value = key === 'cacheDir' ? path.join(cacheDir, 'own') : EXAMPLE[key];
    const c = await gj.Classifier.load({ model: Q8, [key]: value });
    assert.ok(c.info.labels.length > 0, key);
    c.dispose();
  }
  for (const call of [(o) => gj.Classifier.load(o), (o) => gj.Classifier.plan(o)]) {
    await assert.rejects(call({ model: Q8, modle: 'x' }), (e) => e instanceof gj.GamjeongError && e.code === 'BAD_INPUT'
      && /“modle”/.test(e.message) && docOptions()['Classifier.load'].every((k) => e.message.includes(k)));
  }
  // Names of other APIs get advice; a value of the wrong kind is named with what it should be.
  await assert.rejects(gj.Classifier.load({ model: Q8, dtype: 'fp32' }), (e) => e.code === 'BAD_INPUT' && /takes quant/.test(e.message));
  await assert.rejects(gj.Classifier.load({ model: Q8, cache_dir: '/tmp' }), (e) => e.code === 'BAD_INPUT' && /did you mean cacheDir/.test(e.message));
  await assert.rejects(gj.Classifier.load({ model: Q8, threads: 2.5 }), (e) => e.code === 'BAD_INPUT' && /“threads” must be a whole number from 1 to 16, got 2\.5/.test(e.message));
  await assert.rejects(gj.Classifier.load({ model: Q8, worker: 'no' }), (e) => e.code === 'BAD_INPUT' && /“worker” must be true or false/.test(e.message));
  await assert.rejects(gj.Classifier.load('tiny-ko'), (e) => e.code === 'BAD_INPUT' && /options object/.test(e.message));
});

test('contradicting options are BAD_INPUT saying why', async () => {
  const cases = [
    [{ threads: 2, variant: 'simd128' }, /variant 'simd128' is single-threaded/],
    [{ threads: 2, variant: 'relaxed' }, /variant 'relaxed' is single-threaded/],
    [{ threads: 2, worker: false }, /worker: false/],
  ];
  for (const [o, re] of cases) {
    await assert.rejects(gj.Classifier.load({ model: Q8, ...o }), (e) => e.code === 'BAD_INPUT' && re.test(e.message), JSON.stringify(o));
  }
  await assert.rejects(gj.pipeline('text-classification', Q8, { dtype: 'fp32', quant: 'q8' }),
    (e) => e.code === 'BAD_INPUT' && /dtype 'fp32' means quant 'f32', but quant is "q8"/.test(e.message));
  await assert.rejects(gj.pipeline('text-classification', Q8, { function_to_apply: 'none', scoreFn: 'sigmoid' }),
    (e) => e.code === 'BAD_INPUT' && /function_to_apply 'none' means scoreFn 'identity', but scoreFn is "sigmoid"/.test(e.message));
  // A threads variant with one thread is no contradiction (it asks for that build).
  const c = await gj.Classifier.load({ model: Q8, threads: 1, variant: 'threads', cache: false });
  c.dispose();
});

test('pipeline(): every documented option loads; dtype maps as the README says; the call takes top_k only', async () => {
  for (const key of docOptions().pipeline) {
    const p = await gj.pipeline('text-classification', Q8, { cache: false, [key]: EXAMPLE[key] });
    assert.equal((await p('좋아')).length, 1, key);
    await p.dispose();
  }
  // The README's mapping, on the f32 folder: each dtype loads the tier it names.
  const want = { auto: 'q8', fp32: 'f32', f32: 'f32', q8: 'q8', int8: 'q8', uint8: 'q8', q4: 'q4', q5: 'q5', q6: 'q6' };
  assert.deepEqual(opts.DTYPES, want);
  for (const [dtype, quant] of Object.entries(want)) {
    const p = await gj.pipeline('text-classification', FOLDER, { dtype, cache: false });
    assert.equal(p.info.quant, quant, dtype);
    await p.dispose();
  }
  await assert.rejects(gj.pipeline('text-classification', Q8, { dtype: 'fp16' }), (e) => e.code === 'BAD_INPUT' && /no fp16/.test(e.message));
  await assert.rejects(gj.pipeline('text-classification', Q8, { device: 'webgpu' }), (e) => e.code === 'BAD_INPUT' && /no WebGPU/.test(e.message));
  await assert.rejects(gj.pipeline('text-classification', Q8, { onProgress() {} }), (e) => e.code === 'BAD_INPUT' && /progress_callback/.test(e.message));
  await assert.rejects(gj.pipeline('text-classification', Q8, { session_options: {} }), (e) => e.code === 'BAD_INPUT' && /ONNX Runtime/.test(e.message));

  // function_to_apply (transformers' name for scoreFn): scores become sigmoid(logits), info says so.
  const s = await gj.pipeline('text-classification', Q8, { cache: false, function_to_apply: 'sigmoid' });
  assert.equal(s.info.scoreFn, 'sigmoid');
  const [top] = (await s.classifier.classify('좋아', { topK: 1 })).scores;
  const { logits } = await s.classifier.classify('좋아');
  assert.ok(Math.abs(top.score - 1 / (1 + Math.exp(-logits[top.index]))) < 1e-6, JSON.stringify(top));
  await s.dispose();
  await assert.rejects(gj.Classifier.load({ model: Q8, scoreFn: 'relu' }),
    (e) => e.code === 'BAD_INPUT' && /“scoreFn” must be one of 'softmax', 'sigmoid', 'identity'/.test(e.message));

  const p = await gj.pipeline('text-classification', Q8, { cache: false, variant: 'simd128' });
  assert.equal((await p('좋아', { top_k: 3 })).length, 3);
  assert.equal((await p('좋아', { top_k: null })).length, p.info.labels.length);
  await assert.rejects(p('좋아', { topK: 3 }), (e) => e.code === 'BAD_INPUT' && /“topK”.*takes top_k/.test(e.message));
  await assert.rejects(p('좋아', { top_k: -1 }), (e) => e.code === 'BAD_INPUT' && /“top_k” must be a whole number ≥ 0/.test(e.message));
  // The Classifier's calls: topK and label; the pipeline's name is refused with advice.
  const c = p.classifier;
  assert.equal((await c.classify('좋아', { topK: 3 })).scores.length, 3);
  assert.equal((await c.classifyBatch(['좋아', '싫어'], { topK: 2 })).results[1].scores.length, 2);
  await assert.rejects(c.classify('좋아', { top_k: 3 }), (e) => e.code === 'BAD_INPUT' && /classify\(\) takes topK/.test(e.message));
  await assert.rejects(c.classifyBatch(['좋아'], { top_k: 3 }), (e) => e.code === 'BAD_INPUT' && /“top_k”/.test(e.message));
  await assert.rejects(c.explain('좋아', { lable: 0 }), (e) => e.code === 'BAD_INPUT' && /“lable”.*Accepted: label/.test(e.message));
  // One model serves the pipeline and explain (README: classify.classifier).
  const why = await c.explain('좋아 행복해', { label: (await p('좋아 행복해'))[0].label });
  assert.equal(why.words.length, 2);
  await assert.rejects(gj.Classifier.cacheInfo({ dir: cacheDir }), (e) => e.code === 'BAD_INPUT' && /Accepted: cacheDir/.test(e.message));
  await p.dispose();
});

test('Node: a relaxed build Node lacks, and threads, are worded for Node', async () => {
  if (!gj.wasmSupport().relaxed) {
    await assert.rejects(gj.Classifier.load({ model: Q8, variant: 'relaxed', cache: false }),
      (e) => e.code === 'NO_SIMD' && /^Node\.js v\d+/.test(e.message) && !/browser/.test(e.message));
  }
  const events = [];
  const c = await gj.Classifier.load({ model: Q8, threads: 4, cache: false, onProgress: (e) => events.push(e) });
  const ev = events.find((e) => e.status === 'threads');
  assert.equal(ev.threads, 1);
  assert.match(ev.reason, /^Node\.js runs the model in-process on one thread/);
  c.dispose();
});

/** `fn({srv, hub, page})` on the harness page of a fresh browser whose huggingface.co is the stand-in (hub.mjs). */
async function withHub(fn) {
  const srv = await server();
  const b = await browser();
  try {
    const hub = await routeHub(b.context);
    await fn({ srv, hub, page: await blankPage(b, srv.url) });
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
    await srv.close();
  }
}

test('Chromium: models/x/ is the folder next to the page; models/x a hub id whose failure shows the folder’s spelling', async () => {
  await withHub(async ({ srv, hub, page }) => {
    // The harness page is /e2e/blank.html: the fixtures are ../fixtures/ from it, but resolve against baseUrl.
    const base = { baseUrl: `${srv.url}/`, variant: 'simd128' };
    let r = await loadIn(page, { model: 'fixtures/tiny-ko/', ...base });
    assert.ifError(r.error);
    assert.equal(r.info.model, `${srv.url}/fixtures/tiny-ko/`);
    assert.equal(r.info.kind, 'folder');
    r = await loadIn(page, { model: 'fixtures/tiny-ko', ...base });
    assert.equal(r.error.code, 'NOT_FOUND', JSON.stringify(r.error));
    assert.ok(r.error.isGamjeong);
    assert.match(r.error.message, /“fixtures\/tiny-ko” was read as a Hugging Face model id; for a folder next to the page, write '\.\/fixtures\/tiny-ko\/'/);
    assert.ok(hub.urls.length > 0, 'it asked the hub');
  });
});

test('Chromium: a hub model is read from the hub’s file list: no request for a file the repository lacks', async () => {
  await withHub(async ({ hub, page }) => {
    const id = 'test-org/model';
    const pt = path.join(ROOT, 'tests/fixtures/tiny-ko-pt');
    const vocab = path.join(ROOT, 'tests/fixtures/tiny-ko-vocab');
    const cases = [
      // [folder served as the repository, source, files asked for (resolve/main/…), bytes plan() announces]
      ['tiny-ko', 'convert', ['config.json', 'tokenizer.json', 'model.safetensors'], 'model.safetensors'],
      ['tiny-ko-preq', 'network', ['gamjeong/model.q8.safetensors'], 'gamjeong/model.q8.safetensors'],
      [pt, 'convert', ['config.json', 'tokenizer.json', 'pytorch_model.bin'], 'pytorch_model.bin'],
      // No tokenizer.json in the list: straight to vocab.txt, no 404 asked for.
      [vocab, 'convert', ['config.json', 'vocab.txt', 'tokenizer_config.json', 'model.safetensors'], 'model.safetensors'],
    ];
    for (const [folder, source, files, planned] of cases) {
      const dir = path.isAbsolute(folder) ? folder : path.join(FIXTURES, folder);
      Object.assign(hub, { id, revision: 'main', folder: dir, urls: [] });
      const plan = await page.evaluate(async (id) => (await import('/gamjeong.js')).Classifier.plan({ model: id, cache: false }), id);
      assert.deepEqual(plan, { cached: false, bytes: fs.statSync(path.join(dir, planned)).size, convert: source === 'convert' }, folder);
      assert.ok(hub.urls.every((u) => u.includes('/api/models/')), `plan() reads the list, no HEAD: ${hub.urls}`);
      hub.urls = [];
      const r = await loadIn(page, { model: id, cache: false });
      assert.ifError(r.error);
      assert.equal(r.info.source, source, folder);
      const asked = hub.urls.filter((u) => u.includes('/resolve/')).map((u) => u.replace(`https://huggingface.co/${id}/resolve/main/`, ''));
      assert.deepEqual(asked, files, folder);
      if (folder === pt) assert.ok(r.events.some((e) => e.status === 'fallback' && /has no model\.safetensors/.test(e.reason)));
      if (folder === vocab) assert.ok(r.events.some((e) => e.status === 'fallback' && e.file === 'vocab.txt' && /not in the hub’s file list/.test(e.reason)));
      await page.evaluate(() => window.__c.dispose());
    }
    // Without a list (the API failing) the loader probes, as for any host, and still loads.
    Object.assign(hub, { folder: path.join(FIXTURES, 'tiny-ko'), urls: [], tree: false });
    let r = await loadIn(page, { model: id, cache: false });
    assert.ifError(r.error);
    assert.ok(hub.urls.some((u) => u.endsWith('/gamjeong/model.q8.safetensors')), 'probed');
    await page.evaluate(() => window.__c.dispose());
    // The vocab.txt-only repository without a list: tokenizer.json is probed (a 404), then vocab.txt.
    Object.assign(hub, { folder: vocab, urls: [] });
    r = await loadIn(page, { model: id, cache: false });
    assert.ifError(r.error);
    assert.ok(hub.urls.some((u) => u.endsWith('/resolve/main/tokenizer.json')), 'probed');
    assert.ok(r.events.some((e) => e.status === 'fallback' && /HTTP 404/.test(e.reason)));
  });
});
