// The package under Node.js (≥ 20), in-process: dist/node.js is what package.json's `node`
// export condition selects. Results equal the native CLI's (target/e2e/reference.json from
// prepare.mjs) and, for the generic classifiers, transformers' pipeline; converted models are
// cached in a directory and verified on every read like the browser's Cache API entries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, FIXTURES, TOL, reference, maxDiff } from './common.mjs';
import { GENERIC, genericDir, genericReference, assertPipelineParity, assertResultShapes } from './generic.mjs';

/** The build that computes what the CLI computes (a Node whose V8 has relaxed SIMD would pick that one). */
const SIMD128 = { variant: 'simd128' };
let gj;
let cacheDir;
before(async () => {
  gj = await import(pathToFileURL(path.join(DIST, 'node.js')).href);
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gamjeong-node-'));
});
after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

/** Each reference text through `c`, compared with the CLI's result for `scheme`. */
async function assertEqualsCli(c, scheme) {
  const ref = reference();
  let worst = 0;
  for (let i = 0; i < ref.texts.length; i++) {
    const got = await c.classify(ref.texts[i]);
    const want = ref.models[scheme][i];
    assert.equal(got.tokens, want.tokens);
    worst = Math.max(worst, maxDiff(got, want));
  }
  assert.ok(worst <= TOL, `${scheme}: max |Δ| vs CLI ${worst}`);
  return worst;
}

test('a quantized file by path, in-process: equal to the CLI', async () => {
  const c = await gj.Classifier.load({ model: path.join(FIXTURES, 'tiny-ko.q8.safetensors'), cacheDir, ...SIMD128 });
  assert.equal(c.info.kind, 'file');
  await assertEqualsCli(c, 'q8');
  c.dispose();
});

test('an f32 folder (relative path) converted to q8 once, then read back from cacheDir', async () => {
  const rel = path.relative(process.cwd(), path.join(FIXTURES, 'tiny-ko'));
  const events = [];
  const first = await gj.Classifier.load({ model: rel, quant: 'q8', cacheDir, ...SIMD128, onProgress: (e) => events.push(e) });
  assert.equal(first.info.source, 'convert');
  assert.ok(events.some((e) => e.status === 'cache' && e.state === 'stored'));
  await assertEqualsCli(first, 'q8');
  first.dispose();
  const second = await gj.Classifier.load({ model: rel, quant: 'q8', cacheDir, ...SIMD128 });
  assert.equal(second.info.source, 'cache');
  await assertEqualsCli(second, 'q8');
  second.dispose();
  const info = await gj.Classifier.cacheInfo({ cacheDir });
  assert.ok(info.entries.some((e) => e.file === 'model.q8.safetensors' && e.bytes > 0), JSON.stringify(info));

  // A damaged entry fails verification, is deleted, and the model is converted again.
  const dir = path.join(cacheDir, gj.CACHE_NAME);
  const metas = fs.readdirSync(dir).filter((f) => f.endsWith('.json')
    && JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).url.endsWith('/model.q8.safetensors'));
  assert.equal(metas.length, 1);
  const body = path.join(dir, metas[0].replace(/\.json$/, '.body'));
  const bytes = fs.readFileSync(body);
  bytes[bytes.length - 100] ^= 0x40;
  fs.writeFileSync(body, bytes);
  const ev2 = [];
  const third = await gj.Classifier.load({ model: rel, quant: 'q8', cacheDir, ...SIMD128, onProgress: (e) => ev2.push(e) });
  assert.ok(ev2.some((e) => e.status === 'cache' && e.state === 'corrupt'), JSON.stringify(ev2.filter((e) => e.status === 'cache')));
  assert.equal(third.info.source, 'convert');
  await assertEqualsCli(third, 'q8');
  third.dispose();
  assert.ok(await gj.Classifier.clearCache({ cacheDir }) >= 1);
  assert.equal((await gj.Classifier.cacheInfo({ cacheDir })).entries.length, 0);
});

test('f32 from a file: URL, with the pipeline API and progress_total', async () => {
  const events = [];
  const classify = await gj.pipeline('text-classification', pathToFileURL(path.join(FIXTURES, 'tiny-ko')).href + '/', {
    dtype: 'fp32', cacheDir, progress_callback: (e) => events.push(e),
  });
  const ref = reference();
  for (let i = 0; i < ref.texts.length; i++) {
    const all = await classify(ref.texts[i], { top_k: null });
    const want = ref.models.f32[i].scores;
    assert.deepEqual(all.map((s) => s.label), want.map((s) => s.label));
    all.forEach((s, k) => assert.ok(Math.abs(s.score - want[k].score) <= TOL));
  }
  const totals = events.filter((e) => e.status === 'progress_total');
  assert.ok(totals.length > 0);
  const last = totals.at(-1);
  const sizes = ['config.json', 'tokenizer.json', 'model.safetensors'].reduce((n, f) => n + fs.statSync(path.join(FIXTURES, 'tiny-ko', f)).size, 0);
  assert.equal(last.total, sizes);
  assert.equal(last.loaded, sizes);
  assert.equal(Object.keys(last.files).length, 3);
  assert.ok(events.some((e) => e.status === 'ready' && e.task === 'text-classification'));
  await classify.dispose();
});

// Beyond BERT and ELECTRA, one more family in Node: DistilBERT, from a folder without
// tokenizer.json (its WordPiece built from vocab.txt, multilingual-cased special-token ids).
for (const name of [...GENERIC, 'tiny-ko-distilbert']) {
  test(`${name}: the pipeline equals transformers' pipeline(top_k=None)`, async () => {
    const ref = genericReference(name);
    const classify = await gj.pipeline('text-classification', genericDir(name), { dtype: 'fp32', cache: false });
    const got = [];
    for (const c of ref.cases) got.push(await classify(c.text, { top_k: null }));
    const worst = assertPipelineParity(name, got, ref, TOL);
    console.log(`node ${name}: max |Δ| vs transformers ${worst.toExponential(2)}`);
    // The 60-emotion taxonomy belongs to that model only.
    assert.ok(classify.info.labels.every((l) => l.group === null && l.gloss === null));
    // transformers' pipeline default function_to_apply for this config.
    const scoreFn = ref.problem_type === 'regression' ? 'identity'
      : ref.problem_type === 'multi_label_classification' || Object.keys(ref.id2label).length === 1 ? 'sigmoid' : 'softmax';
    assert.equal(classify.info.scoreFn, scoreFn, `${name}: info.scoreFn`);
    await assertResultShapes((t, o) => classify(t, o), Object.keys(ref.id2label).length);
    await classify.dispose();
  });
}

test('errors carry stable codes', async () => {
  await assert.rejects(gj.pipeline('translation'), { code: 'BAD_INPUT' });
  await assert.rejects(gj.Classifier.load({ model: path.join(os.tmpdir(), 'no-such-model-here.safetensors'), cache: false }), { code: 'NOT_FOUND' });
  const bad = path.join(cacheDir, 'bad.safetensors');
  fs.writeFileSync(bad, Buffer.alloc(4096, 7));
  await assert.rejects(gj.Classifier.load({ model: bad, cache: false }), { code: 'BAD_MODEL' });
  // An encoder without a classification head loads, but has nothing to classify.
  const enc = await gj.Classifier.load({ model: genericDir('tiny-ko-encoder'), quant: 'f32', cache: false });
  await assert.rejects(enc.classify('행복해'), { code: 'NO_CLASSIFIER' });
  enc.dispose();
});
