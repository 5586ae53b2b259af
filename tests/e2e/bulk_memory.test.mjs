// Memory over a 100,000-row file in the page's file mode (the fixture model, SIMD128 build): the
// wasm memory of the model's worker, the page's JS heap and the worker's JS heap, taken at
// several points of the run (after a forced GC). The file is never held whole and the rows
// are not kept as objects (www/file-store.js), so memory stays flat: the wasm memory does not
// grow after the first rows, and each heap grows by at most a few bytes per row. Figures:
// target/e2e/bulk-memory.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { server, browser, openApp, waitReady, OUT, ROOT, ARGS } from './common.mjs';

const ROWS = 100_000;
const MARKS = [5_000, 25_000, 50_000, 75_000];
let srv;
before(async () => { srv = await server(); });
after(async () => { await srv?.close(); });

const MiB = (n) => (n / 2 ** 20).toFixed(2);

test('100,000 rows in the page: wasm memory and JS heaps stay flat', async () => {
  const corpus = fs.readFileSync(path.join(ROOT, 'bench/bulk-corpus.txt'), 'utf8').trim().split('\n');
  const file = path.join(OUT, 'bulk-100k.csv');
  const lines = ['id,text'];
  for (let i = 0; i < ROWS; i++) lines.push(`${i},"${corpus[i % corpus.length].replaceAll('"', '""')}"`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const b = await browser({ args: [...ARGS, '--js-flags=--expose-gc', '--enable-precise-memory-info', '--enable-blink-features=ForceEagerMeasureMemory'] });
  try {
    const page = await openApp(b, srv.url, 'mode=file&model=/fixtures/tiny-ko.q8.safetensors&variant=simd128');
    await waitReady(page);
    const worker = page.workers().find((w) => w.url().endsWith('/worker.js'));
    assert.ok(worker, 'the model worker');
    const sample = async (rows) => {
      const wasm = await worker.evaluate(async () => { globalThis.gc(); return (await import('/pkg/gamjeong.js')).memoryBytes(); });
      const heap = await page.evaluate(async () => {
        window.gc();
        const out = { page: performance.memory.usedJSHeapSize, worker: null };
        if (window.crossOriginIsolated && performance.measureUserAgentSpecificMemory) {
          const m = await performance.measureUserAgentSpecificMemory();
          out.worker = m.breakdown.filter((x) => x.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope'))
            .reduce((s, x) => s + x.bytes, 0) || null;
        }
        return out;
      });
      return { rows, wasm, pageHeap: heap.page, workerHeap: heap.worker };
    };
    const points = [await sample(0)];
    const t0 = Date.now();
    await page.setInputFiles('#bulk-file', file);
    await page.waitForSelector('#bulk-start:not([hidden]):not([disabled])');
    await page.click('#bulk-start');
    for (const mark of MARKS) {
      await page.waitForFunction((m) => Number(document.getElementById('bulk').dataset.rows) >= m, mark, { timeout: 600_000 });
      points.push(await sample(Number(await page.$eval('#bulk', (x) => x.dataset.rows))));
    }
    await page.waitForFunction(() => document.getElementById('bulk').dataset.state === 'done', null, { timeout: 600_000 });
    const seconds = (Date.now() - t0) / 1000;
    points.push(await sample(ROWS));
    assert.equal(Number(await page.$eval('#bulk', (x) => x.dataset.rows)), ROWS);
    // The table over all rows: sorted by score, a page shown.
    await page.click('#bulk-table th[data-col="score"] button');
    await page.waitForFunction(() => document.getElementById('bulk-table').dataset.shown === '50');
    points.push({ ...(await sample(ROWS)), after: 'table sorted' });
    const size = fs.statSync(file).size;
    fs.writeFileSync(path.join(OUT, 'bulk-memory.json'), JSON.stringify({ fileBytes: size, seconds, points }, null, 2));
    console.log(`bulk memory, ${ROWS} rows (${MiB(size)} MiB CSV) in ${seconds.toFixed(1)} s:\n${points.map((p) => `  ${p.after ?? `${p.rows} rows`}: wasm ${MiB(p.wasm)} MiB, page heap ${MiB(p.pageHeap)} MiB, worker heap ${p.workerHeap == null ? 'n/a' : `${MiB(p.workerHeap)} MiB`}`).join('\n')}`);

    const first = points[1];
    const last = points[points.length - 2];
    // Wasm memory only grows: after the first window it must not (the file is pushed chunk by chunk).
    assert.ok(last.wasm - first.wasm <= 2 ** 20, `wasm memory grew ${MiB(last.wasm - first.wasm)} MiB from ${first.rows} to ${last.rows} rows`);
    // ~19 bytes a row are kept (file-store.js) plus the outputs' Blob handles: 64 bytes a row at most.
    const perRow = (a, z, key) => (z[key] - a[key]) / (z.rows - a.rows);
    assert.ok(perRow(first, last, 'pageHeap') <= 64, `page heap: ${perRow(first, last, 'pageHeap').toFixed(1)} bytes a row`);
    if (first.workerHeap != null && last.workerHeap != null) {
      assert.ok(perRow(first, last, 'workerHeap') <= 16, `worker heap: ${perRow(first, last, 'workerHeap').toFixed(1)} bytes a row`);
    }
  } finally { await b.close(); }
});
