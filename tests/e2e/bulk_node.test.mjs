// classifier.classifyFile in Node.js (dist/node.js, in-process): a path and streams give the
// CLI's rows; the batches' CSV/JSONL bytes are the CLI's files; bad options, bad sources and bad
// files are coded errors naming what is wrong; a signal or a `break` stops a run, whose summary
// then counts the rows done; the classifier keeps working afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { DIST, FIXTURES, OUT, ROOT, TOL } from './common.mjs';
import { BULK, SHAPES, cliOutputs, compareOutputs } from './bulk.mjs';

const Q8 = path.join(FIXTURES, 'tiny-ko.q8.safetensors');
let c;
before(async () => {
  const gj = await import(pathToFileURL(path.join(DIST, 'node.js')).href);
  c = await gj.Classifier.load({ model: Q8, cache: false, variant: 'simd128' });
});
after(() => c?.dispose());

/** Our rows against the CLI's JSONL objects: every field the same, scores within TOL. */
function assertRows(rows, want, what) {
  assert.equal(rows.length, want.length, `${what}: rows`);
  rows.forEach((r, i) => {
    const w = want[i];
    assert.equal(r.index, i);
    assert.equal(r.label, w.label, `${what} row ${i}`);
    assert.equal(r.group, w.group ?? null, `${what} row ${i}`);
    assert.equal(r.skipped, w.skipped, `${what} row ${i}`);
    assert.equal(r.lowConfidence, w.low_confidence, `${what} row ${i}`);
    if (w.score == null) assert.equal(r.score, null); else assert.ok(Math.abs(r.score - w.score) <= TOL, `${what} row ${i}: ${r.score} vs ${w.score}`);
  });
}
const cliRows = (file) => cliOutputs(Q8, file).jsonl.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const collect = async (run) => { const out = []; for await (const r of run) out.push(r); return out; };

test('a path, for every input shape: the CLI\'s rows; table and summary after the loop', async () => {
  for (const { file } of SHAPES) {
    const input = path.join(BULK, file);
    const run = c.classifyFile(input);
    const rows = await collect(run);
    const want = cliRows(input);
    assertRows(rows, want, file);
    assert.equal(run.complete, true);
    assert.equal(run.summary.rows, want.length);
    assert.equal(run.summary.classified, want.filter((w) => w.label != null).length);
    assert.equal(run.progress.rowsDone, want.length);
    assert.equal(run.progress.share, 1);
    assert.ok(run.table.columns.includes(run.table.textColumn));
    if (file.startsWith('kakao')) assert.deepEqual(run.table.columns, ['date', 'time', 'speaker', 'text']);
  }
});

test('streams: a Node file stream and a Readable of 7-byte chunks give the same rows', async () => {
  const input = path.join(BULK, 'kakao-mobile.txt');
  const want = cliRows(input);
  // A stream has no name: the format is found from its first bytes, or given.
  assertRows(await collect(c.classifyFile(fs.createReadStream(input))), want, 'fs stream');
  const bytes = fs.readFileSync(input);
  const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
  assertRows(await collect(c.classifyFile(Readable.from(chunks), { format: 'kakao' })), want, '7-byte chunks');
  const csv = path.join(BULK, 'reviews.csv');
  assertRows(await collect(c.classifyFile(Readable.from([fs.readFileSync(csv)]), { format: 'csv' })), cliRows(csv), 'csv stream');
});

test('batches: the CSV and JSONL bytes are the CLI\'s files', async () => {
  for (const file of ['reviews.jsonl', 'kakao-pc.txt']) {
    const input = path.join(BULK, file);
    const parts = { csv: [], jsonl: [] };
    let rows = 0;
    for await (const b of c.classifyFile(input, { files: ['csv', 'jsonl'], batchSize: 3 }).batches()) {
      parts.csv.push(b.csv);
      parts.jsonl.push(b.jsonl);
      rows += b.rows.length;
      assert.ok(b.rows.length <= 3 || b.rows.length === 0 || b.progress.rowsDone >= rows);
    }
    const want = cliOutputs(Q8, input);
    assert.equal(compareOutputs('csv', Buffer.concat(parts.csv), want.csv, TOL).rows, rows);
    compareOutputs('jsonl', Buffer.concat(parts.jsonl), want.jsonl, TOL);
  }
});

test('wrong options and sources are BAD_INPUT naming them; a missing file is NOT_FOUND', async () => {
  const input = path.join(BULK, 'lines.txt');
  assert.throws(() => c.classifyFile(input, { colum: 'text' }), (e) => e.code === 'BAD_INPUT' && /colum/.test(e.message) && /column/.test(e.message));
  assert.throws(() => c.classifyFile(input, { format: 'xlsx' }), (e) => e.code === 'BAD_INPUT' && /'kakao'/.test(e.message));
  assert.throws(() => c.classifyFile(input, { files: ['xml'] }), (e) => e.code === 'BAD_INPUT' && /files/.test(e.message));
  assert.throws(() => c.classifyFile(input, { lowConfidence: 2 }), (e) => e.code === 'BAD_INPUT');
  await assert.rejects(collect(c.classifyFile(42)), (e) => e.code === 'BAD_INPUT' && /File or Blob/.test(e.message));
  await assert.rejects(collect(c.classifyFile(path.join(OUT, 'no-such-file.csv'))), (e) => e.code === 'NOT_FOUND');
  await assert.rejects(collect(c.classifyFile(path.join(BULK, 'reviews.csv'), { column: 'body' })),
    (e) => e.code === 'BAD_INPUT' && e.line === 1 && e.columns.includes('text'));
  const run = c.classifyFile(input);
  await collect(run);
  await assert.rejects(collect(run), (e) => e.code === 'BAD_INPUT' && /already read/.test(e.message));
});

test('a malformed file: BAD_INPUT with its line, the rows before it counted', async () => {
  const run = c.classifyFile(path.join(BULK, 'unterminated.csv'));
  const rows = [];
  await assert.rejects(async () => { for await (const r of run) rows.push(r); }, (e) => e.code === 'BAD_INPUT' && e.line === 3);
  assert.equal(run.complete, false);
  assert.ok(run.summary, 'the summary of the rows done');
});

test('a signal or a break stops the run; the classifier keeps working', async () => {
  const corpus = fs.readFileSync(path.join(ROOT, 'bench/bulk-corpus.txt'), 'utf8');
  const big = path.join(OUT, 'bulk-node-big.txt');
  fs.writeFileSync(big, corpus.repeat(5));
  const ac = new AbortController();
  const run = c.classifyFile(big, { signal: ac.signal });
  let n = 0;
  await assert.rejects(async () => { for await (const r of run) { void r; if (++n === 300) ac.abort(); } }, (e) => e.code === 'ABORTED' && e.name === 'AbortError');
  assert.ok(run.summary.rows >= 300 && run.summary.rows < 10_000, `summary rows ${run.summary.rows}`);
  assert.equal(run.complete, false);
  let m = 0;
  for await (const r of c.classifyFile(big)) { void r; if (++m === 50) break; }
  assert.equal((await c.classify('오늘 정말 행복해')).scores.length, 60);
});
