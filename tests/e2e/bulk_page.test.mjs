// The page's file mode ("파일 분석 / Analyze a file") on the fixture model, one browser for the
// file: every input shape through the page, its CSV/JSONL downloads held to the CLI's output for
// the same file and model (the SIMD128 build: rows, labels, groups, skipped and every non-score
// field identical, scores within TOL), the summary's counts against the CLI's rows, a model
// without the six groups, stopping a run, bad files, a row opening the "Why?" view, and the
// summary's screenshot (docs/bulk-summary.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { server, browser, openApp, waitReady, waitResult, FIXTURES, OUT, TOL, ROOT } from './common.mjs';
import { BULK, SHAPES, cliOutputs, cliError, compareOutputs, analyze, downloads, tableAfter } from './bulk.mjs';

const Q8 = path.join(FIXTURES, 'tiny-ko.q8.safetensors');
const QUERY = 'mode=file&model=/fixtures/tiny-ko.q8.safetensors&variant=simd128&lang=en';
let srv;
let b;
let page;
const figures = {};
before(async () => {
  srv = await server({ '/generic/': path.join(ROOT, 'tests/fixtures') });
  b = await browser({ acceptDownloads: true });
  page = await openApp(b, srv.url, QUERY);
  await waitReady(page);
});
after(async () => {
  fs.writeFileSync(path.join(OUT, 'bulk-page-figures.json'), JSON.stringify(figures, null, 2));
  await b?.close();
  await srv?.close();
});

const jsonlRows = (bytes) => bytes.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

test('every input shape through the page: the downloads are the CLI\'s output, the summary counts its rows', async () => {
  for (const { file, column } of SHAPES) {
    const input = path.join(BULK, file);
    const r = await analyze(page, input, { column });
    assert.equal(r.state, 'done', `${file}: ${JSON.stringify(r)}`);
    const got = await downloads(page);
    const want = cliOutputs(Q8, input, { column });
    const csv = compareOutputs('csv', got.csv.bytes, want.csv, TOL);
    const jsonl = compareOutputs('jsonl', got.jsonl.bytes, want.jsonl, TOL);
    assert.equal(r.rows, csv.rows, `${file}: data-rows`);
    assert.equal(got.csv.name, `${file.replace(/\.[^.]+$/, '')}.gamjeong.csv`);
    figures[file] = { rows: csv.rows, csvMaxDiff: csv.maxDiff, jsonlMaxDiff: jsonl.maxDiff, csvIdentical: csv.identical, jsonlIdentical: jsonl.identical };

    // The summary's groups chart counts the CLI's rows by group; the top 10 its labels.
    const rows = jsonlRows(want.jsonl);
    const byGroup = {};
    const byLabel = {};
    for (const o of rows.filter((o) => o.label != null)) {
      byGroup[o.group] = (byGroup[o.group] ?? 0) + 1;
      byLabel[o.label] = (byLabel[o.label] ?? 0) + 1;
    }
    const chart = (kind) => page.$$eval(`#bulk-summary figure[data-chart="${kind}"] g.item`, (gs) => Object.fromEntries(gs.map((g) => [g.dataset.label, Number(g.dataset.count)]).filter(([, n]) => n > 0)));
    assert.deepEqual(await chart('groups'), byGroup, `${file}: groups`);
    const top = await chart('top');
    for (const [label, n] of Object.entries(top)) assert.equal(n, byLabel[label], `${file}: ${label}`);
    assert.equal(Object.keys(top).length, Math.min(10, Object.keys(byLabel).length));
    if (file.startsWith('kakao')) {
      const speakers = [...new Set(rows.map((o) => o.speaker))];
      assert.deepEqual((await page.$$eval('#bulk-summary table.speakers tbody tr', (trs) => trs.map((t) => t.dataset.speaker))).sort(), speakers.sort());
      assert.equal(await page.$$eval('#bulk-summary figure[data-chart="timeline"]', (f) => f.length), Math.min(6, speakers.length));
    }
    // Each chart has a text alternative: an image label and its numbers as a table.
    for (const fig of await page.$$('#bulk-summary figure')) {
      assert.match(await fig.$eval('svg', (s) => `${s.getAttribute('role')} ${s.getAttribute('aria-label')}`), /^img \S/);
      assert.ok(await fig.$('details table'));
    }
  }
  console.log(`bulk page vs CLI: ${JSON.stringify(figures)}`);
});

test('all scores: one column per label, as the CLI\'s --all-scores', async () => {
  const input = path.join(BULK, 'reviews.csv');
  const r = await analyze(page, input, { allScores: true });
  assert.equal(r.state, 'done');
  const got = await downloads(page);
  const want = cliOutputs(Q8, input, { allScores: true });
  const c = compareOutputs('csv', got.csv.bytes, want.csv, TOL);
  compareOutputs('jsonl', got.jsonl.bytes, want.jsonl, TOL);
  assert.equal(got.csv.bytes.toString('utf8').split('\r\n')[0].split(',').filter((h) => h.startsWith('score_')).length, 60);
  figures['reviews.csv --all-scores'] = { rows: c.rows, csvMaxDiff: c.maxDiff };
  await page.uncheck('#bulk-all-scores');
});

test('a CSV without a text column: the picker waits for a choice, then the run uses it', async () => {
  const file = path.join(OUT, 'bulk-no-text.csv');
  fs.writeFileSync(file, 'id,review,stars\n1,배송이 빨라서 좋아요,5\n2,"별로예요, 다시는 안 사요",1\n3,,3\n');
  await page.setInputFiles('#bulk-file', file);
  await page.waitForSelector('#bulk[data-need="column"]');
  assert.equal(await page.$eval('#bulk-start', (x) => x.disabled), true, 'no start before a column is chosen');
  assert.deepEqual(await page.$$eval('#bulk-columns button[data-column]', (bs) => bs.map((x) => x.dataset.column)), ['id', 'review', 'stars']);
  assert.equal(await page.$$eval('#bulk-columns tbody tr', (t) => t.length), 3, 'the first rows are shown');
  const r = await analyze(page, file, { column: 'review' });
  assert.equal(r.state, 'done');
  assert.equal(r.rows, 3);
  compareOutputs('csv', (await downloads(page)).csv.bytes, cliOutputs(Q8, file, { column: 'review' }).csv, TOL);
});

test('bad files: state error, with the line the CLI names; the page stays usable', async () => {
  const bin = path.join(OUT, 'bulk-binary.txt');
  fs.writeFileSync(bin, Buffer.concat([Buffer.from('첫 줄\n둘째 줄\n'), Buffer.from([0, 1, 2, 0xff, 0])]));
  const badJson = path.join(OUT, 'bulk-bad.jsonl');
  fs.writeFileSync(badJson, '{"text": "좋아요"}\n{"text": "괜찮아"}\nnot json\n');
  for (const file of [path.join(BULK, 'unterminated.csv'), bin, badJson]) {
    const cli = cliError(Q8, file);
    const line = Number(/line (\d+)/.exec(cli.stderr)?.[1]);
    assert.ok(line > 0, cli.stderr);
    const r = await analyze(page, file);
    assert.equal(r.state, 'error', `${path.basename(file)}: ${JSON.stringify(r)}`);
    assert.equal(Number(r.line), line, `${path.basename(file)}: the line (CLI: ${cli.stderr.trim()})`);
    assert.match(await page.$eval('#bulk-error', (e) => e.textContent), new RegExp(`line ${line}`));
    assert.equal(await page.$eval('#bulk-downloads', (e) => e.hidden), true, 'no download of a file read halfway');
  }
  const ok = await analyze(page, path.join(BULK, 'lines.txt'));
  assert.equal(ok.state, 'done', 'a good file after a bad one');
});

test('stop: the run ends at once as cancelled, its partial downloads are the CLI\'s first rows, the page keeps working', async () => {
  const corpus = fs.readFileSync(path.join(ROOT, 'bench/bulk-corpus.txt'), 'utf8').trim().split('\n');
  const file = path.join(OUT, 'bulk-20k.txt');
  const lines = Array.from({ length: 20_000 }, (_, i) => corpus[i % corpus.length]);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  await page.setInputFiles('#bulk-file', file);
  await page.waitForFunction(() => Number(document.getElementById('bulk').dataset.rows) >= 512, null, { timeout: 60_000 });
  assert.equal(await page.$eval('#bulk', (x) => x.dataset.state), 'running');
  assert.match(await page.$eval('#bulk-status', (x) => x.textContent), /rows/);
  assert.equal(await page.$eval('#model-picker', (x) => x.disabled), true, 'no model switch under a running file');
  const t0 = Date.now();
  await page.click('#bulk-cancel');
  await page.waitForFunction(() => document.getElementById('bulk').dataset.state === 'cancelled', null, { timeout: 10_000 });
  const stopMs = Date.now() - t0;
  const rows = Number(await page.$eval('#bulk', (x) => x.dataset.rows));
  assert.ok(rows >= 512 && rows < 20_000, `rows ${rows}`);
  assert.match(await page.$eval('#bulk-summary .partial', (x) => x.textContent), /Partial result: stopped after/);
  const got = await downloads(page);
  assert.match(got.csv.name, /\.gamjeong\.partial\.csv$/);
  // The CLI's rows for the lines done (a row of a lines file is its line alone): not the whole
  // 20,000-line file, which would cost the test run half a minute.
  const head = path.join(OUT, 'bulk-20k-head.txt');
  fs.writeFileSync(head, `${lines.slice(0, rows).join('\n')}\n`);
  const c = compareOutputs('jsonl', got.jsonl.bytes, cliOutputs(Q8, head).jsonl, TOL);
  assert.equal(c.rows, rows);
  figures.cancel = { rows, stopMs };
  assert.equal(await page.$eval('#model-picker', (x) => x.disabled), false, 'the picker is back once the run ended');
  // Usable: the text view classifies, and a new file runs to the end.
  await page.click('#tab-text');
  await page.fill('#text', '오늘 정말 행복해');
  await page.click('#go');
  await waitResult(page, '오늘 정말 행복해');
  await page.click('#tab-file');
  assert.equal((await analyze(page, path.join(BULK, 'reviews.jsonl'))).state, 'done');
});

test('a row opens the text view with its text and the "Why?" view', async () => {
  await analyze(page, path.join(BULK, 'reviews.csv'));
  const text = await page.$eval('#bulk-table tbody tr[data-label] td.text button', (x) => x.textContent);
  await page.click('#bulk-table tbody tr[data-label] td.text button');
  await waitResult(page, text);
  assert.equal(await page.$eval('#tab-text', (x) => x.getAttribute('aria-selected')), 'true');
  await page.waitForSelector('#why:not([hidden])');
  await page.click('#tab-file');
  // Sorting by score puts the highest first; the low-confidence filter keeps marked rows only.
  await tableAfter(page, () => page.click('#bulk-table th[data-col="score"] button'));
  const scores = await page.$$eval('#bulk-table tbody tr td.num:last-child', (tds) => tds.map((t) => parseFloat(t.textContent)).filter(Number.isFinite));
  assert.deepEqual(scores, [...scores].sort((x, y) => y - x));
  await tableAfter(page, () => page.check('#bulk-low'));
  assert.ok(await page.$$eval('#bulk-table tbody tr', (trs) => trs.every((t) => t.dataset.low === 'true' || t.querySelector('td.muted'))));
});

test('a model without the six groups: label and score, a labels chart, no group column', async () => {
  const p = await openApp(b, srv.url, 'mode=file&model=/generic/tiny-ko-sentiment/&quant=f32&variant=simd128&lang=en');
  await waitReady(p);
  const input = path.join(BULK, 'reviews.csv');
  assert.equal((await analyze(p, input)).state, 'done');
  const got = await downloads(p);
  const want = cliOutputs(path.join(ROOT, 'tests/fixtures/tiny-ko-sentiment'), input);
  compareOutputs('csv', got.csv.bytes, want.csv, TOL);
  assert.ok(!parseHeader(got.csv.bytes).includes('group'));
  assert.ok(await p.$('#bulk-summary figure[data-chart="labels"]'));
  assert.equal(await p.$('#bulk-summary figure[data-chart="groups"]'), null);
  await p.close();
});

const parseHeader = (bytes) => bytes.toString('utf8').replace(/^\ufeff/, '').split('\r\n')[0].split(',');

test('the summary of a chat, light and dark (docs/bulk-summary.png)', async () => {
  await page.setViewportSize({ width: 1100, height: 900 });
  assert.equal((await analyze(page, path.join(BULK, 'kakao-pc.txt'))).state, 'done');
  const shot = path.join(OUT, 'bulk-summary.png');
  await (await page.$('#bulk-summary')).screenshot({ path: shot });
  await page.emulateMedia({ colorScheme: 'dark' });
  await (await page.$('#bulk-summary')).screenshot({ path: path.join(OUT, 'bulk-summary-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });
  assert.ok(fs.statSync(shot).size > 10_000);
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violation (no inline style in the charts)');
  assert.deepEqual(b.errors, []);
});
