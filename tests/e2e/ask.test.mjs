// No surprise downloads: the demo page asks before it fetches f32 weights to convert, a file
// over 150 MB (here a server whose HEAD says 200 MB) or anything under the browser's data
// saver; it names the model and the size, downloads nothing but the HEAD probes until the
// button is pressed, and a cached model then loads at once.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  server, browser, openApp, waitReady, waitResult, reference, pageBars, barsDiff, fileSize, EXAMPLES, RELAXED_TOL,
} from './common.mjs';

const Q8 = '/fixtures/tiny-ko.q8.safetensors';
const Q4 = '/fixtures/tiny-ko.q4.safetensors';
const FOLDER = '/fixtures/tiny-ko/';
let srv; let ref;
before(async () => { ref = reference(); srv = await server(); });
after(async () => { await srv?.close(); });
afterEach(() => srv.faults.clear());

const waitAsk = (page) => page.waitForSelector('#status[data-phase="ask"]', { timeout: 30_000 });
const askView = (page) => page.evaluate(() => ({
  text: document.getElementById('status-text').textContent,
  why: document.getElementById('ask-why').textContent,
  button: document.getElementById('download').textContent,
  visible: !document.getElementById('ask').hidden,
}));
const mb = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`);

test('f32 weights to convert: asks first (size of the weights), converts on the click, then loads from the cache at once', async () => {
  const b = await browser();
  try {
    const mark = srv.log.length;
    let page = await openApp(b, srv.url, `model=${FOLDER}&lang=en`);
    await waitAsk(page);
    const size = mb(fileSize('tiny-ko/model.safetensors'));
    const v = await askView(page);
    assert.ok(v.visible);
    assert.equal(v.text, `${FOLDER} has to be downloaded: ${size}.`);
    assert.match(v.why, /only full-precision weights/);
    assert.equal(v.button, `Download (${size})`);
    // A text given now waits for the download.
    await page.click('#examples button >> nth=2');
    assert.match(await page.$eval('#meta', (e) => e.textContent), /once the model is downloaded/);
    const clickedAt = Date.now();
    await page.click('#download');
    await waitReady(page);
    // From the page's start until the click on Download: the size probes, nothing else.
    const fixtures = srv.log.slice(mark).filter((e) => e.path.startsWith('/fixtures/'));
    assert.deepEqual(fixtures.filter((e) => e.t < clickedAt).map((e) => `${e.method} ${e.path}`),
      [`HEAD ${FOLDER}gamjeong/model.q8.safetensors`, `HEAD ${FOLDER}model.safetensors`], 'nothing but the size probes before the click');
    assert.ok(fixtures.some((e) => e.method === 'GET' && e.path === `${FOLDER}model.safetensors`), 'the weights were downloaded after the click');
    assert.match(await page.$eval('#status-text', (e) => e.textContent), /downloaded and converted/);
    await waitResult(page, EXAMPLES[2]);
    assert.ok(barsDiff(await pageBars(page), ref.models.q8[2]) <= RELAXED_TOL);
    await page.close();

    const again = srv.log.length;
    page = await openApp(b, srv.url, `model=${FOLDER}&lang=en`);
    await waitReady(page);
    assert.match(await page.$eval('#status-text', (e) => e.textContent), /storage/);
    assert.deepEqual(srv.requests(/^\/fixtures\//, again), [], 'a cached model: no probe, no question');
  } finally { await b.close(); }
});

test('a file the server says is 200 MB: asks first; the cached copy then loads at once', async () => {
  const b = await browser();
  try {
    srv.faults.set(Q8, { headLength: 200_000_000 });
    const mark = srv.log.length;
    let page = await openApp(b, srv.url, `model=${Q8}&lang=en`);
    await waitAsk(page);
    const v = await askView(page);
    assert.equal(v.text, `${Q8} has to be downloaded: 200.0 MB.`);
    assert.match(v.why, /large download/);
    assert.equal(v.button, 'Download (200.0 MB)');
    assert.deepEqual(srv.requests(/tiny-ko\.q8/, mark).map((e) => e.method), ['HEAD']);
    await page.click('#download');
    await waitReady(page);
    assert.deepEqual(srv.requests(/tiny-ko\.q8/, mark).map((e) => e.method), ['HEAD', 'GET']);
    await page.close();

    page = await openApp(b, srv.url, `model=${Q8}&lang=en`);
    await waitReady(page);
    assert.deepEqual(srv.requests(/tiny-ko\.q8/, mark).map((e) => e.method), ['HEAD', 'GET'], 'cached: not asked again');
    // Just under the threshold: no question.
    srv.faults.set(Q4, { headLength: 149_000_000 });
    await page.goto(`${srv.url}/?model=${Q4}&lang=en`);
    await waitReady(page);
  } finally { await b.close(); }
});

test('data saver on: asks even for a small file, in Korean too', async () => {
  const b = await browser();
  try {
    const page = await b.context.newPage();
    await page.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'connection', { configurable: true, get: () => ({ saveData: true }) });
    });
    await page.goto(`${srv.url}/?model=${Q4}&lang=ko`);
    await waitAsk(page);
    const v = await askView(page);
    assert.match(v.why, /데이터 절약/);
    assert.equal(v.button, `내려받기 (${mb(fileSize('tiny-ko.q4.safetensors'))})`);
    await page.click('#download');
    await waitReady(page);
    assert.match(await page.$eval('#model-detail', (e) => e.textContent), /^q4 /);
  } finally { await b.close(); }
});
