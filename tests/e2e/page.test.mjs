// The demo page (www/index.html + app.js) in headless Chromium, on the CLI-made fixtures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  reference, server, browser, openApp, waitReady, waitResult, pageTimersPast, DEBOUNCE_MS, OUT, EXAMPLES, TOL, RELAXED_TOL,
} from './common.mjs';
let srv; let ref;
before(async () => { ref = reference(); srv = await server(); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await srv?.close(); });

const Q8 = '/fixtures/tiny-ko.q8.safetensors';
// The SIMD128 build equals the CLI within 1e-4; the default (relaxed in Chromium) within RELAXED_TOL.
const EXACT = `model=${Q8}&variant=simd128`;

const openPage = (b, query, viewport) => openApp(b, srv.url, query, viewport);

function bars(page) {
  return page.$$eval('#groups .bar', (els) => els.map((e) => ({
    label: e.dataset.label, score: e.dataset.score, group: e.dataset.group,
    visible: e.getBoundingClientRect().height > 0, aria: e.getAttribute('aria-label'),
  })));
}

function checkBars(list, want, what, tol = TOL) {
  assert.equal(list.length, 60, `${what}: ${list.length} bars`);
  const sum = list.reduce((a, b) => a + Number(b.score), 0);
  assert.ok(Math.abs(sum - 1) <= 1e-3, `${what}: scores sum to ${sum}`);
  const byLabel = new Map(list.map((b) => [b.label, b]));
  assert.equal(byLabel.size, 60, 'labels are unique');
  let worst = 0;
  for (const s of want.scores) {
    const b = byLabel.get(s.label);
    assert.ok(b, `${what}: no bar for ${s.label}`);
    assert.match(b.score, /^\d(\.\d+)?$/, 'data-score is a decimal string (no exponent)');
    assert.equal(b.group, s.group);
    worst = Math.max(worst, Math.abs(Number(b.score) - s.score));
    assert.ok(b.visible);
    assert.ok(b.aria.includes(s.label) && b.aria.includes(s.gloss) && b.aria.endsWith('%'));
  }
  assert.ok(worst <= tol, `${what}: max |Δ| vs CLI ${worst} > ${tol}`);
  return worst;
}

test('every widget example: ready, 60 bars summing to 1, equal to the CLI; no request carries the text', async () => {
  const b = await browser();
  try {
    const page = await openPage(b, EXACT);
    await waitReady(page);
    const buttons = await page.$$eval('#examples button', (els) => els.map((e) => e.textContent));
    assert.deepEqual(buttons, EXAMPLES);
    // The service worker installs after the model is ready; its pre-caching is not classifying.
    await page.evaluate(async () => { await navigator.serviceWorker?.ready; });
    const mark = srv.log.length;
    let worst = 0;
    for (let i = 0; i < EXAMPLES.length; i++) {
      await page.click(`#examples button >> nth=${i}`);
      await waitResult(page, EXAMPLES[i], i + 1);
      worst = Math.max(worst, checkBars(await bars(page), ref.models.q8[i], `example ${i}`));
      // Groups in the taxonomy's order, each total = its bars.
      const groups = await page.$$eval('#groups .group', (els) => els.map((g) => ({
        name: g.dataset.group, total: Number(g.dataset.total),
        sum: [...g.querySelectorAll('.bar')].reduce((a, b) => a + Number(b.dataset.score), 0),
        sorted: [...g.querySelectorAll('.bar')].map((b) => Number(b.dataset.score)).every((v, j, a) => j === 0 || a[j - 1] >= v),
      })));
      assert.deepEqual(groups.map((g) => g.name), ['분노', '슬픔', '불안', '상처', '당황', '기쁨']);
      for (const g of groups) { assert.ok(Math.abs(g.total - g.sum) < 1e-6); assert.ok(g.sorted); }
      const top = await page.$eval('#top .top-item .label', (e) => e.textContent);
      assert.equal(top, ref.models.q8[i].scores[0].label);
      const meta = await page.$eval('#meta', (e) => e.textContent);
      assert.match(meta, new RegExp(`^${ref.models.q8[i].tokens} tokens · \\d+ ms`));
    }
    console.log(`page vs CLI, 7 widget examples: max |Δscore| ${worst.toExponential(2)}`);
    // Classifying made no request at all (the text stays in the page).
    assert.deepEqual(srv.log.slice(mark), []);

    // "All 60 sorted" toggle: one list, highest first.
    await page.check('#sorted');
    const sorted = (await bars(page)).map((x) => Number(x.score));
    assert.equal(sorted.length, 60);
    assert.ok(sorted.every((v, j) => j === 0 || sorted[j - 1] >= v));
    await page.uncheck('#sorted');

    // Long text: truncation notice.
    const long = '정말 행복해. '.repeat(400).trim();
    await page.fill('#text', long);
    await page.focus('#text');
    await page.keyboard.press('Control+Enter');
    await waitResult(page, long);
    assert.match(await page.$eval('#meta', (e) => e.textContent), /^512 tokens.*first 512 tokens/);

    // Screenshots: desktop and a 360 px phone, both without horizontal scrolling.
    await page.click('#examples button >> nth=0');
    await page.waitForFunction((t) => document.getElementById('results').dataset.text === t, EXAMPLES[0]);
    await page.screenshot({ path: path.join(OUT, 'page-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 360, height: 780 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scroll at 360 px');
    await page.screenshot({ path: path.join(OUT, 'page-360.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(251, 250, 247)');
    await page.screenshot({ path: path.join(OUT, 'page-desktop-dark.png') });
    assert.deepEqual(b.errors, []);
    assert.deepEqual(await page.evaluate(() => window.__csp), [], 'CSP violations');
    const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(await page.$$eval('script:not([src])', (s) => s.length), 0, 'no inline script');
  } finally { await b.close(); }
});

test('IME: no classification while composing, one after compositionend; keyboard only', async () => {
  const b = await browser();
  try {
    const page = await openPage(b, `model=${Q8}`);
    await waitReady(page);
    // Keyboard: Tab reaches the text box (skip link first), typing + Ctrl+Enter classifies.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip', 'Tab reaches the skip link first');
    await page.keyboard.press('Enter'); // the skip link moves focus to #text
    assert.equal(await page.evaluate(() => document.activeElement.id), 'text', 'the skip link focuses the text box');
    await page.keyboard.insertText('좋아');
    await page.keyboard.press('Control+Enter');
    await waitResult(page, '좋아');

    // A real IME composition through the DevTools protocol (compositionstart/update, input with isComposing).
    const cdp = await b.context.newCDPSession(page);
    await page.fill('#text', '');
    await pageTimersPast(page, DEBOUNCE_MS); // the emptied box's own debounce has run
    await page.waitForFunction(() => document.getElementById('results').getAttribute('aria-busy') !== 'true');
    const count = Number(await page.$eval('#results', (e) => e.dataset.count));
    await page.focus('#text');
    const seen = await page.evaluate(() => {
      window.__ev = [];
      for (const t of ['compositionstart', 'compositionend']) document.getElementById('text').addEventListener(t, () => window.__ev.push(t));
    });
    void seen;
    for (const partial of ['ㅎ', '하', '행']) {
      await cdp.send('Input.imeSetComposition', { text: partial, selectionStart: 1, selectionEnd: 1 });
    }
    await pageTimersPast(page, DEBOUNCE_MS);
    assert.deepEqual(await page.evaluate(() => window.__ev), ['compositionstart']);
    assert.equal(await page.$eval('#text', (e) => e.value), '행');
    const mid = await page.$eval('#results', (e) => ({ count: Number(e.dataset.count), busy: e.getAttribute('aria-busy') }));
    assert.deepEqual(mid, { count, busy: 'false' }, 'classified mid-composition');
    await cdp.send('Input.insertText', { text: '행복해' }); // commits: compositionend
    await waitResult(page, '행복해', count + 1);
    assert.equal(Number(await page.$eval('#results', (e) => e.dataset.count)), count + 1, 'one classification, of the committed text');
    assert.ok((await page.evaluate(() => window.__ev)).includes('compositionend'));
    assert.equal(await page.$eval('#results', (e) => e.dataset.text), '행복해');
  } finally { await b.close(); }
});

test('bad model URL and unreachable server: a visible error in plain words', async () => {
  const b = await browser();
  try {
    let page = await openPage(b, 'model=/fixtures/does-not-exist/');
    await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
    let text = await page.$eval('#error', (e) => e.innerText);
    assert.match(text, /could not be found/);
    assert.match(text, /\?model=/);
    assert.equal(await page.$eval('#status', (e) => e.dataset.phase), 'error');
    // Retryable: the text box stays usable and a retry button is offered.
    assert.equal(await page.$eval('#text', (e) => e.disabled), false);
    assert.equal(await page.$$eval('#error #retry', (b) => b.length), 1);
    await page.close();

    page = await openPage(b, `model=${Q8}&quant=q3`);
    await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
    text = await page.$eval('#error', (e) => e.innerText);
    assert.match(text, /\?quant= value “q3”/);
    assert.match(text, /\?quant=q8/);
    await page.close();

    srv.faults.set('/fixtures/tiny-ko.q4.safetensors', { drop: true });
    page = await openPage(b, 'model=/fixtures/tiny-ko.q4.safetensors');
    await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
    srv.faults.clear();
    text = await page.$eval('#error', (e) => e.innerText);
    assert.match(text, /network request failed/);
    assert.match(text, /connection/);
    await page.close();

    // A browser without WebAssembly SIMD (the probe modules fail to validate).
    const mark = srv.log.length;
    page = await b.context.newPage();
    await page.addInitScript(() => { WebAssembly.validate = () => false; });
    await page.goto(`${srv.url}/?model=${Q8}`);
    await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
    text = await page.$eval('#error', (e) => e.innerText);
    assert.match(text, /does not support WebAssembly SIMD/);
    assert.match(text, /Safari 16\.4/);
    assert.deepEqual(srv.requests(/\.safetensors$/, mark), [], 'nothing downloaded for a browser that cannot run it');
  } finally { srv.faults.clear(); await b.close(); }
});

test('?quant=f32 on a folder; offline reload after the first visit still classifies', async () => {
  const b = await browser();
  // The first visit's own server, stopped afterwards: every request of the reload is refused,
  // as offline, whatever the browser's network emulation lets through.
  const site = await server();
  try {
    let page = await openPage(b, 'model=/fixtures/tiny-ko/&quant=f32');
    await waitReady(page);
    await page.click('#examples button >> nth=2');
    await waitResult(page, EXAMPLES[2]);
    checkBars(await bars(page), ref.models.f32[2], 'f32');
    await page.close();

    // The default single-threaded build (relaxed SIMD in Chromium), then offline.
    page = await openApp(b, site.url, `model=${Q8}&threads=1`);
    await waitReady(page);
    assert.match(await page.$eval('#model-detail', (e) => e.textContent), /relaxed-simd kernel/);
    await page.click('#examples button >> nth=0');
    await waitResult(page, EXAMPLES[0]);
    checkBars(await bars(page), ref.models.q8[0], 'default (relaxed) build', RELAXED_TOL);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await site.close();
    const refused = await page.evaluate(() => fetch('/style.css', { cache: 'no-store' }).then(() => 'reached', (e) => e.name));
    assert.equal(refused, 'TypeError', 'the stopped server still answered');
    await page.reload();
    await waitReady(page);
    // The page says where the model came from: this browser's storage, nothing downloaded.
    const status = await page.$eval('#status-text', (e) => e.textContent);
    assert.match(status, /storage/);
    assert.match(status, /nothing downloaded/);
    await page.click('#examples button >> nth=4');
    await waitResult(page, EXAMPLES[4]);
    checkBars(await bars(page), ref.models.q8[4], 'offline', RELAXED_TOL);
    assert.deepEqual(b.errors, []);
  } finally { await site.close(); await b.close(); }
});
