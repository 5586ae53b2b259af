// Privacy of the file mode: from choosing a file to downloading its results, no request at all
// leaves the page (the browser's view — page, workers, service worker — and the server's log),
// and no request of the whole visit carries a text of the file. The downloads are real ones
// (a click on each link), saved from blob: URLs that never reach the network.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { server, browser, openApp, waitReady, OUT, recordRequests } from './common.mjs';
import { analyze } from './bulk.mjs';

let srv;
before(async () => { srv = await server(); });
after(async () => { await srv?.close(); });

test('a whole file classified and both results downloaded: not one request, none carries a text', async () => {
  const b = await browser({ acceptDownloads: true });
  try {
    const requests = recordRequests(b.context);
    const logStart = srv.log.length;
    const page = await openApp(b, srv.url, 'mode=file&model=/fixtures/tiny-ko.q8.safetensors&variant=simd128');
    await waitReady(page);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForTimeout(500); // the service worker's install fetches settle

    const texts = Array.from({ length: 300 }, (_, i) => `FILEMRK${i}QZX 비밀파일${i}번 오늘 정말 ${i % 2 ? '행복해' : '속상해'}`);
    const file = path.join(OUT, 'bulk-private.csv');
    fs.writeFileSync(file, `id,text\n${texts.map((t, i) => `${i},"${t}"`).join('\n')}\n`);
    const mark = { browser: requests.length, server: srv.log.length };
    const r = await analyze(page, file);
    assert.equal(r.state, 'done');
    assert.equal(r.rows, texts.length);
    const saved = [];
    for (const id of ['bulk-download-csv', 'bulk-download-jsonl']) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#${id}`)]);
      const to = path.join(OUT, `privacy-${download.suggestedFilename()}`);
      await download.saveAs(to);
      saved.push(fs.readFileSync(to, 'utf8'));
    }
    assert.ok(saved[0].includes('FILEMRK299QZX') && saved[1].includes('비밀파일0번'), 'the downloads hold the rows');
    await page.waitForTimeout(500);

    // blob: URLs are the browser's own memory (the downloads); anything else would have left the page.
    const after = requests.slice(mark.browser).filter((q) => !q.url.startsWith('blob:'));
    assert.deepEqual(after.map((q) => `${q.from} ${q.method} ${q.url}`), [], 'requests from choosing the file to the downloads');
    assert.deepEqual(srv.log.slice(mark.server).map((e) => `${e.method} ${e.url}`), [], 'the server saw requests');

    const needles = ['QZX', '비밀파일', encodeURIComponent('비밀파일')];
    const hay = [
      ...requests.filter((q) => !q.url.startsWith('blob:')).map((q) => `${q.from} ${q.method} ${q.url}\n${JSON.stringify(q.headers)}\n${q.body}`),
      ...srv.log.slice(logStart).map((e) => `server ${e.method} ${e.url}\n${JSON.stringify(e.headers)}`),
    ];
    for (const h of hay) for (const n of needles) assert.ok(!h.includes(n), `a request carries “${n}”: ${h.slice(0, 300)}`);
    const stored = await page.evaluate(async () => {
      const keys = [];
      for (const n of await caches.keys()) for (const q of await (await caches.open(n)).keys()) keys.push(q.url);
      return { cookie: document.cookie, local: localStorage.length, session: sessionStorage.length, keys };
    });
    assert.equal(stored.cookie, '');
    assert.equal(stored.local + stored.session, 0);
    for (const k of stored.keys) assert.ok(!k.includes('QZX'), k);
    assert.deepEqual(b.errors, []);
    console.log(`bulk privacy: ${requests.length} requests in the visit, ${after.length} from choosing the file to the downloads`);
  } finally { await b.close(); }
});
