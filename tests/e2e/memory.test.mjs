// Memory at the real model's size: a random f32 BERT-base classifier in HF layout (443 MB,
// scripts/make_bert_base.mjs) is converted to q8 by the browser while it downloads and cached;
// a fresh page then loads the cached q8 model. Peak wasm memory (memory.buffer.byteLength only
// grows) after that load, a classification, a batch of 8 long texts and a 512-token text must
// stay within 1.5x the cached file:
// the loader streams tensor by tensor into the model, never holding the file and the model.
// The page is cross-origin isolated, so this runs on the default thread pool.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { server, browser, blankPage, loadIn, OUT, ROOT, EXAMPLES } from './common.mjs';
import { makeBertBase } from '../../scripts/make_bert_base.mjs';

const LIMIT = 1.5;
let srv;
before(async () => {
  const fixture = path.join(ROOT, 'tests/fixtures/tiny-ko-q');
  makeBertBase(path.join(OUT, 'bert-base'), { config: path.join(fixture, 'config.json'), tokenizer: path.join(fixture, 'tokenizer.json') });
  srv = await server({ '/bb/': path.join(OUT, 'bert-base') });
});
after(async () => { await srv?.close(); });

const MiB = (n) => (n / 2 ** 20).toFixed(1);

test('BERT-base shape: converted once in the browser; from the cache, wasm memory stays within 1.5x the q8 file through load, classify, batch and 512 tokens', async () => {
  const b = await browser();
  try {
    let page = await blankPage(b, srv.url);
    const first = await loadIn(page, { model: '/bb/', quant: 'q8' });
    assert.equal(first.error, undefined, JSON.stringify(first.error));
    assert.equal(first.info.source, 'convert');
    await page.close();

    page = await blankPage(b, srv.url);
    const mark = srv.log.length;
    const second = await loadIn(page, { model: '/bb/', quant: 'q8' });
    assert.equal(second.error, undefined, JSON.stringify(second.error));
    assert.equal(second.info.source, 'cache');
    assert.deepEqual(srv.requests(/^\/bb\//, mark), [], 'the second visit reads the model from the cache only');
    const m = await page.evaluate(async ([one, long]) => {
      const { Classifier } = await import('/gamjeong.js');
      const info = await Classifier.cacheInfo();
      const c = window.__c;
      const r = await c.classify(one);
      const afterOne = await c.memoryBytes();
      // Mixed lengths (163 and 223 tokens): padded encoder passes of 2 texts, where attention
      // runs a few heads at a time (12 heads x 223² scores > one pass) on each row's real tokens.
      const texts = Array.from({ length: 8 }, (_, i) => `${i} ${long}${i % 2 ? long.slice(0, 120) : ''}`);
      const batch = await c.classifyBatch(texts);
      const afterBatch = await c.memoryBytes();
      let batchVsAlone = 0;
      for (let i = 0; i < texts.length; i++) {
        const alone = await c.classify(texts[i]);
        for (let j = 0; j < alone.logits.length; j++) {
          batchVsAlone = Math.max(batchVsAlone, Math.abs(alone.logits[j] - batch.results[i].logits[j]));
        }
      }
      const longest = await c.classify(long.repeat(8)); // truncated to 512 tokens
      return {
        file: info.entries.filter((e) => e.file.endsWith('.safetensors')).map((e) => e.bytes),
        afterLoad: c.info.memoryBytes, afterOne, tokens: r.tokens,
        afterBatch, batchTokens: batch.results.map((x) => x.tokens), batchVsAlone,
        afterLongest: await c.memoryBytes(), longestTokens: longest.tokens,
        threads: c.info.threads, variant: c.info.variant, cores: navigator.hardwareConcurrency,
      };
    }, [EXAMPLES[0], '정말 행복해. '.repeat(40)]);
    assert.equal(m.file.length, 1, `one cached weights file: ${m.file}`);
    const file = m.file[0];
    const figures = {
      fileBytes: file, afterLoad: m.afterLoad, afterOne: m.afterOne, afterBatch: m.afterBatch, afterLongest: m.afterLongest,
      batchTokens: m.batchTokens, batchVsAlone: m.batchVsAlone, convertMs: Math.round(first.ms), cacheLoadMs: Math.round(second.ms),
      threads: m.threads, variant: m.variant,
    };
    fs.writeFileSync(path.join(OUT, 'memory.json'), JSON.stringify(figures, null, 2));
    // The e2e server is cross-origin isolated: the default load runs the threads build on
    // min(4, cores) threads, so these figures include the pool's stacks (docs/threads.md).
    assert.equal(m.threads, Math.min(4, m.cores), `threads: ${m.threads} (${m.variant})`);
    console.log(`BERT-base q8 on ${m.threads} threads (${m.variant}) ${MiB(file)} MiB: converted in ${(first.ms / 1000).toFixed(1)} s; from the cache in ` +
      `${(second.ms / 1000).toFixed(2)} s; wasm memory after load ${MiB(m.afterLoad)} MiB (${(m.afterLoad / file).toFixed(2)}x), ` +
      `after one classification ${MiB(m.afterOne)} MiB (${(m.afterOne / file).toFixed(2)}x), ` +
      `after a batch of 8 texts of ${Math.min(...m.batchTokens)}-${Math.max(...m.batchTokens)} tokens ${MiB(m.afterBatch)} MiB (${(m.afterBatch / file).toFixed(2)}x), ` +
      `after a ${m.longestTokens}-token text ${MiB(m.afterLongest)} MiB (${(m.afterLongest / file).toFixed(2)}x)`);
    assert.ok(file > 100e6, `q8 BERT-base file is ${file} bytes`);
    assert.ok(m.afterLoad <= LIMIT * file, `after load: ${(m.afterLoad / file).toFixed(3)}x the file`);
    assert.ok(m.afterOne <= LIMIT * file, `after one classification: ${(m.afterOne / file).toFixed(3)}x the file`);
    assert.ok(m.batchTokens.every((t) => t > 100), `batch texts are long: ${m.batchTokens}`);
    assert.ok(new Set(m.batchTokens).size > 1 && Math.max(...m.batchTokens) > 147, `mixed lengths past one attention pass: ${m.batchTokens}`);
    // Quantized products are row by row and attention reads each row's real tokens only.
    assert.equal(m.batchVsAlone, 0, `batch rows vs the same texts alone: max |Δlogit| ${m.batchVsAlone}`);
    assert.equal(m.longestTokens, 512);
    // Batches run in encoder passes of at most 512 padded tokens (src/classifier/mod.rs), so the
    // heaviest use stays within the same bound.
    assert.ok(m.afterBatch <= LIMIT * file, `after a batch of 8 long texts: ${(m.afterBatch / file).toFixed(3)}x the file`);
    assert.ok(m.afterLongest <= LIMIT * file, `after a 512-token text: ${(m.afterLongest / file).toFixed(3)}x the file`);
  } finally { await b.close(); }
});
