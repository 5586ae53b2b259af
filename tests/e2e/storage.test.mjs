// Where the Cache API is missing or refuses (Brave's shields, private windows, sandboxed
// iframes), models are kept in IndexedDB instead: stored after verification, read back with the
// same checks and events, a damaged entry deleted and fetched again. Results equal the CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TOL, server, browser, blankPage, reference, maxDiff, statuses } from './common.mjs';

let srv;
before(async () => { srv = await server(); });
after(async () => { await srv?.close(); });

// variant simd128: the build that computes what the CLI computes (common.mjs TOL).
/** Makes `caches` missing or throwing in the page before gamjeong runs (in the page: worker false). */
const BREAK = {
  missing: () => Object.defineProperty(window, 'caches', { value: undefined, configurable: true }),
  refusing: () => {
    const no = () => Promise.reject(new DOMException('The operation is insecure.', 'SecurityError'));
    Object.defineProperty(window, 'caches', { value: { open: no, keys: no, delete: no, match: no, has: no }, configurable: true });
  },
};

async function loadOnce(b, how, model) {
  const page = await blankPage(b, srv.url);
  await page.evaluate(BREAK[how]);
  const r = await page.evaluate(async ([model, text]) => {
    const { Classifier } = await import('/gamjeong.js');
    const events = [];
    const c = await Classifier.load({ model, worker: false, variant: 'simd128', onProgress: (e) => events.push(e) });
    const out = await c.classify(text);
    c.dispose();
    return { info: { source: c.info.source, storage: c.info.storage }, events, out };
  }, [model, reference().texts[0]]);
  await page.close();
  return r;
}

for (const how of ['missing', 'refusing']) {
  test(`Cache API ${how}: the model is kept in IndexedDB, verified on every read`, async () => {
    const b = await browser();
    try {
      const model = '/fixtures/tiny-ko.q8.safetensors';
      const want = reference().models.q8[0];
      const first = await loadOnce(b, how, model);
      assert.deepEqual(first.info, { source: 'network', storage: 'indexeddb' });
      assert.ok(statuses(first.events).includes('cache:stored'), statuses(first.events).join());
      assert.ok(maxDiff(first.out, want) <= TOL);

      const second = await loadOnce(b, how, model);
      assert.deepEqual(second.info, { source: 'cache', storage: 'indexeddb' });
      assert.ok(statuses(second.events).includes('cache:hit'));
      assert.ok(maxDiff(second.out, want) <= TOL);

      // Damage the stored bytes: the checksum catches it, the entry is replaced by a fresh download.
      const page = await blankPage(b, srv.url);
      await page.evaluate(async () => {
        const db = await new Promise((res, rej) => { const r = indexedDB.open('gamjeong-models'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
        const all = await new Promise((res) => { const r = db.transaction('entries').objectStore('entries').getAll(); r.onsuccess = () => res(r.result); });
        if (all.length !== 1) throw new Error(`${all.length} entries`);
        const bytes = new Uint8Array(await all[0].body.arrayBuffer());
        bytes[bytes.length - 100] ^= 0x40;
        await new Promise((res) => { const t = db.transaction('entries', 'readwrite'); t.objectStore('entries').put({ ...all[0], body: new Blob([bytes]) }); t.oncomplete = res; });
        db.close();
      });
      await page.close();
      const third = await loadOnce(b, how, model);
      assert.ok(statuses(third.events).includes('cache:corrupt'), statuses(third.events).join());
      assert.deepEqual(third.info, { source: 'network', storage: 'indexeddb' });
      assert.ok(maxDiff(third.out, want) <= TOL);
    } finally {
      await b.close();
    }
  });
}
