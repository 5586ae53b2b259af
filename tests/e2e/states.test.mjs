// The demo page's error state and its claims: one message with what to do and a retry that
// classifies the waiting text; offline advice; the header never links a model that failed; the
// accuracy note only for the seed model's 60-label taxonomy, nothing for another model.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  server, browser, openApp, waitReady, waitResult, reference, pageBars, barsDiff, EXAMPLES, RELAXED_TOL, FIXTURES, OUT, TOL,
} from './common.mjs';

const Q8 = '/fixtures/tiny-ko.q8.safetensors';
const GENERIC = path.join(OUT, 'generic');
let srv; let ref;
before(async () => {
  ref = reference();
  // The fixture with other label names: the same weights, outside the 60-emotion taxonomy.
  fs.rmSync(GENERIC, { recursive: true, force: true });
  fs.mkdirSync(GENERIC, { recursive: true });
  for (const f of ['tokenizer.json', 'model.safetensors']) fs.copyFileSync(path.join(FIXTURES, 'tiny-ko', f), path.join(GENERIC, f));
  const config = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'tiny-ko/config.json'), 'utf8'));
  const n = Object.keys(config.id2label).length;
  config.id2label = Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), `LABEL_${i}`]));
  config.label2id = Object.fromEntries(Array.from({ length: n }, (_, i) => [`LABEL_${i}`, i]));
  fs.writeFileSync(path.join(GENERIC, 'config.json'), JSON.stringify(config));
  srv = await server({ '/generic/': GENERIC });
});
after(async () => { await srv?.close(); });
afterEach(() => srv.faults.clear());

test('a failed load: one message, a retry button, no reassurance; the text box works and its text is classified after the retry', async () => {
  const b = await browser();
  try {
    srv.faults.set(Q8, { status: 503 });
    const page = await openApp(b, srv.url, `model=${Q8}&lang=en`);
    await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
    const view = await page.evaluate(() => ({
      phase: document.getElementById('status-phase').textContent,
      status: document.getElementById('status-text').textContent,
      note: document.getElementById('status-note').textContent,
      body: document.body.innerText,
      what: document.querySelector('#error .what').textContent,
      retry: document.querySelectorAll('#error #retry').length,
      bar: document.getElementById('status-bar').hidden,
    }));
    assert.equal(view.phase, 'Not loaded');
    assert.equal(view.status, '');
    assert.equal(view.note, '', 'no "stays in your browser" under a failure');
    assert.equal(view.what, 'The server refused to send the model.');
    assert.equal(view.body.split(view.what).length - 1, 1, 'the message once');
    assert.equal(view.retry, 1);
    assert.ok(view.bar);
    assert.equal(await page.$eval('#model-link', (e) => e.getAttribute('href')), null, 'no link to the URL that failed');

    // Usable meanwhile: the text waits for a successful retry.
    assert.equal(await page.$eval('#text', (e) => e.disabled), false);
    await page.click('#examples button >> nth=4');
    assert.match(await page.$eval('#meta', (e) => e.textContent), /classified when a retry succeeds/);
    srv.faults.clear();
    await page.click('#retry');
    await waitReady(page);
    assert.equal(await page.$eval('#error', (e) => e.hidden), true);
    await waitResult(page, EXAMPLES[4]);
    assert.ok(barsDiff(await pageBars(page), ref.models.q8[4]) <= RELAXED_TOL);
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); }
});

test('offline: the error says how to get a model without a network; a hub id that does not exist is not linked', async () => {
  const b = await browser();
  try {
    // The page is served, the model's connection drops (what a lost network looks like to it).
    srv.faults.set(Q8, { drop: true });
    let page = await openApp(b, srv.url, `model=${Q8}&lang=en`);
    await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
    const text = await page.$eval('#error', (e) => e.innerText);
    assert.match(text, /network request failed/);
    assert.match(text, /Without a network: .*\?model=\.\/models\/NAME\//);
    await page.close();

    await b.context.route('https://huggingface.co/**', (route) => route.fulfill({
      status: 404, headers: { 'access-control-allow-origin': '*' }, contentType: 'text/plain', body: 'Repository not found',
    }));
    page = await openApp(b, srv.url, 'model=nobody/no-such-model&quant=f32&lang=ko');
    await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
    assert.equal(await page.$eval('#error .what', (e) => e.textContent), '모델을 찾을 수 없습니다.');
    assert.deepEqual(await page.$eval('#model-link', (e) => [e.textContent, e.getAttribute('href')]), ['nobody/no-such-model', null]);
  } finally { await b.close(); }
});

test('accuracy note: shown for the 60-emotion taxonomy, absent for another model (which still renders)', async () => {
  const b = await browser();
  try {
    let page = await openApp(b, srv.url, `model=${Q8}&lang=en`);
    await waitReady(page);
    assert.equal(await page.$eval('#seed-note', (e) => e.hidden), false);
    assert.match(await page.$eval('#seed-note', (e) => e.innerText), /about 29 % on 60 classes/);
    await page.close();

    page = await openApp(b, srv.url, 'model=/generic/&quant=f32&variant=simd128&lang=en');
    await waitReady(page);
    assert.equal(await page.$eval('#seed-note', (e) => e.hidden), true);
    assert.doesNotMatch(await page.evaluate(() => document.body.innerText), /29 %|accuracy/);
    await page.click('#examples button >> nth=1');
    await waitResult(page, EXAMPLES[1]);
    // One list, highest first, with the model's own label names and the f32 scores.
    const bars = await pageBars(page);
    assert.ok(bars.every((x, i) => i === 0 || bars[i - 1].score >= x.score), 'highest first');
    const want = { scores: ref.models.f32[1].scores.map((s) => ({ label: `LABEL_${s.index}`, score: s.score })) };
    const d = barsDiff(bars, want);
    assert.ok(d <= TOL, `generic model vs CLI f32: ${d}`);
    assert.equal(await page.$$eval('#groups .group', (g) => g.length), 1);
  } finally { await b.close(); }
});
