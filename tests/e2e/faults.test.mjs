// Network and cache faults (the reliability issue, browser part): a connection that breaks off
// mid-body, 404 / 500 / a captive portal's HTML page instead of the weights, a slow server with
// AbortSignal cancellation, two tabs loading the same model at once, and cache entries written
// by an older gamjeong. Every case ends in a clear GamjeongError or a working model, and after
// every case the Cache API is inspected: it holds nothing, or only complete entries whose bytes
// are a fixture file (or the CLI's conversion of one).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  reference, server, browser, blankPage, loadIn, cacheState, fixtureHashes, sha256File, f32Digest, statuses, fileSize, until,
  OUT, FIXTURES, TEXTS,
} from './common.mjs';

const Q8 = '/fixtures/tiny-ko.q8.safetensors';
const FOLDER = '/fixtures/tiny-ko/';
const PORTAL = '<!doctype html>\n<html><head><title>Wi-Fi login</title></head><body><form action="/login">Accept the terms to use the Internet</form></body></html>\n';
let srv; let ref; let known;

before(async () => {
  ref = reference();
  srv = await server();
  known = fixtureHashes();
  // What the browser's conversion of the f32 folder must equal: the CLI's, with the same source id.
  for (const scheme of ['q8', 'q4']) {
    const out = path.join(OUT, `faults-cli-${scheme}.safetensors`);
    execFileSync(ref.cli, ['quantize', '--model', ref.source, '--scheme', scheme,
      '--source-id', `${srv.url}${FOLDER}`, '--revision', '-', '--out', out]);
    known.set(sha256File(out), `CLI conversion (${scheme})`);
  }
});
after(async () => { await srv?.close(); });
afterEach(() => srv.faults.clear());

/** Every cache entry is complete (length = its recorded length) and byte-identical to a known file. */
async function assertCacheClean(page, what, { expect } = {}) {
  const entries = await cacheState(page);
  for (const e of entries) {
    assert.equal(e.length, e.header, `${what}: entry ${e.key} holds ${e.length} bytes, its header says ${e.header}`);
    assert.ok(known.has(e.sha256), `${what}: entry ${e.key} (${e.length} bytes) is not a known file: partial or corrupt`);
    // f32 files carry the checksum they are verified against on every read.
    if (e.key.includes('/f32/')) {
      assert.equal(e.digest, f32Digest(fs.readFileSync(path.join(FIXTURES, known.get(e.sha256)))), `${what}: checksum header of ${e.key}`);
    }
  }
  if (expect !== undefined) assert.equal(entries.length, expect, `${what}: ${entries.length} cache entries: ${entries.map((e) => e.key)}`);
  return entries;
}

test('a connection that breaks off mid-body: NETWORK error saying how far it got; nothing cached', async () => {
  const b = await browser();
  try {
    const page = await blankPage(b, srv.url);
    const cases = [
      ['q8 file after 100000 bytes', Q8, { model: Q8 }, 100000, fileSize('tiny-ko.q8.safetensors')],
      ['q8 file right after the headers', Q8, { model: Q8 }, 0, fileSize('tiny-ko.q8.safetensors')],
      ['f32 weights while converting to q8', `${FOLDER}model.safetensors`, { model: FOLDER }, 300000, fileSize('tiny-ko/model.safetensors')],
      ['f32 weights, quant f32', `${FOLDER}model.safetensors`, { model: FOLDER, quant: 'f32' }, 300000, fileSize('tiny-ko/model.safetensors')],
      ['tokenizer.json', `${FOLDER}tokenizer.json`, { model: FOLDER, quant: 'q4' }, 1000, fileSize('tiny-ko/tokenizer.json')],
      ['in-page mode, q8 file', Q8, { model: Q8, worker: false }, 200000, fileSize('tiny-ko.q8.safetensors')],
    ];
    for (const [what, file, opts, n, size] of cases) {
      srv.faults.set(file, { dropAfter: n });
      const mark = srv.log.length;
      const r = await loadIn(page, opts);
      srv.faults.clear();
      assert.ok(r.error, `${what}: loaded although the body broke off`);
      assert.equal(r.error.code, 'NETWORK', `${what}: ${JSON.stringify(r.error)}`);
      assert.equal(r.error.isGamjeong, true);
      const m = /interrupted after (\d+) of (\d+) bytes/.exec(r.error.message);
      assert.ok(m, `${what}: message ${r.error.message}`);
      assert.ok(Number(m[1]) <= n && Number(m[2]) === size, `${what}: ${m[0]} (sent ${n} of ${size})`);
      assert.ok(r.error.message.includes(path.basename(file)), `${what}: names the file`);
      assert.equal(srv.requests(new RegExp(file.replace(/\./g, '\\.') + '$'), mark).length, 1);
      assert.ok(!statuses(r.events).includes('cache:stored'));
      await assertCacheClean(page, what, { expect: 0 });
    }
    // The same loads succeed once the server behaves, and store one good entry each.
    assert.ifError((await loadIn(page, { model: Q8 })).error);
    assert.ifError((await loadIn(page, { model: FOLDER, quant: 'f32' })).error);
    const entries = await assertCacheClean(page, 'after the clean loads', { expect: 4 });
    assert.deepEqual(entries.map((e) => known.get(e.sha256)).sort(),
      ['tiny-ko.q8.safetensors', 'tiny-ko/config.json', 'tiny-ko/model.safetensors', 'tiny-ko/tokenizer.json'].sort());
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); }
});

test('404, 500 and a captive portal page (HTML with status 200) instead of each model file', async () => {
  const b = await browser();
  try {
    const page = await blankPage(b, srv.url);
    const targets = [
      ['q8 file', Q8, { model: Q8 }],
      ...['config.json', 'tokenizer.json', 'model.safetensors'].flatMap((f) => [
        [`f32 folder ${f}`, `${FOLDER}${f}`, { model: FOLDER, quant: 'f32' }],
        [`f32 folder ${f}, converting to q8`, `${FOLDER}${f}`, { model: FOLDER, quant: 'q8' }],
      ]),
    ];
    const faults = [
      ['404', { status: 404 }, 'NOT_FOUND', /was not found at .*HTTP 404/],
      ['500', { status: 500 }, 'HTTP', /failed: HTTP 500/],
      ['captive portal', { body: PORTAL, type: 'text/html; charset=utf-8' }, 'HTML', /came back as a web page \(HTML\).*captive portal/],
      // A portal that sends its page with a binary content type: recognised by its first bytes.
      ['HTML sent as octet-stream', { body: PORTAL, type: 'application/octet-stream' }, 'HTML', /came back as a web page \(HTML\)/],
    ];
    let n = 0;
    for (const [what, file, opts] of targets) {
      for (const [fname, fault, code, message] of faults) {
        srv.faults.set(file, fault);
        const r = await loadIn(page, opts);
        srv.faults.clear();
        const label = `${what}, ${fname}`;
        assert.ok(r.error, `${label}: loaded`);
        assert.equal(r.error.code, code, `${label}: ${JSON.stringify(r.error)}`);
        assert.equal(r.error.isGamjeong, true, label);
        assert.match(r.error.message, message, label);
        assert.ok(r.error.message.includes(path.basename(file)), `${label}: names the file: ${r.error.message}`);
        assert.ok(!statuses(r.events).includes('ready'));
        await assertCacheClean(page, label, { expect: 0 });
        n++;
      }
    }
    console.log(`faults: ${n} status/HTML cases, each a clear error with an empty cache`);

    // A host whose catch-all page answers the optional pre-quantized probe with 200 HTML: that
    // means "no such file" (the f32 weights are converted instead), not an error.
    srv.faults.set('/fixtures/tiny-ko/gamjeong/model.q8.safetensors', { body: PORTAL, type: 'text/html' });
    const mark = srv.log.length;
    const r = await loadIn(page, { model: FOLDER });
    assert.ifError(r.error);
    assert.equal(r.info.source, 'convert');
    assert.deepEqual(srv.requests(/^\/fixtures\//, mark).map((e) => e.path),
      ['/fixtures/tiny-ko/gamjeong/model.q8.safetensors', '/fixtures/tiny-ko/config.json', '/fixtures/tiny-ko/tokenizer.json', '/fixtures/tiny-ko/model.safetensors']);
    const entries = await assertCacheClean(page, 'SPA fallback probe', { expect: 1 });
    assert.equal(known.get(entries[0].sha256), 'CLI conversion (q8)');
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); }
});

test('f32 files are cached all three or none: a put that fails on the second file removes the first', async () => {
  const b = await browser();
  try {
    const page = await blankPage(b, srv.url);
    const r = await page.evaluate(async () => {
      const put = Cache.prototype.put;
      let n = 0;
      Cache.prototype.put = function (...a) {
        return ++n === 2 ? Promise.reject(new DOMException('full', 'QuotaExceededError')) : put.apply(this, a);
      };
      try {
        const { Classifier } = await import('/gamjeong.js');
        const events = [];
        const c = await Classifier.load({ model: '/fixtures/tiny-ko/', quant: 'f32', worker: false, onProgress: (e) => events.push(e) });
        c.dispose();
        return { events, puts: n };
      } finally { Cache.prototype.put = put; }
    });
    assert.equal(r.puts, 2);
    assert.deepEqual(r.events.filter((e) => e.status === 'cache').map((e) => `${e.state}:${e.file}`),
      ['cache:miss:model.safetensors', 'stored:config.json', 'unavailable:tokenizer.json'].map((s) => s.replace(/^cache:/, '')));
    await assertCacheClean(page, 'f32 after a failed put', { expect: 0 });
  } finally { await b.close(); }
});

test('slow server: progress keeps moving; an AbortSignal cancels (ABORTED, nothing cached) and a later load works', async () => {
  const b = await browser();
  try {
    const page = await blankPage(b, srv.url);
    const size = fileSize('tiny-ko.q8.safetensors');
    const slow = { slow: { bytesPerTick: 32 * 1024, ms: 100 } }; // ~1.9 s for the q8 file

    // 1. Cancel mid-download (worker mode): the fetch stops, load rejects promptly.
    srv.faults.set(Q8, slow);
    let mark = srv.log.length;
    let r = await loadIn(page, { model: Q8 }, { abortWhen: "e.status === 'progress' && e.loaded >= 150000" });
    assert.ok(r.error, 'aborted load resolved');
    assert.deepEqual([r.error.code, r.error.name, r.error.isGamjeong], ['ABORTED', 'AbortError', true]);
    assert.match(r.error.message, /cancelled/);
    assert.ok(r.afterAbortMs < 500, `rejected ${r.afterAbortMs} ms after the abort`);
    const progress = r.events.filter((e) => e.status === 'progress');
    assert.ok(progress.at(-1).loaded < size, 'stopped before the end');
    const req = srv.requests(/tiny-ko\.q8/, mark);
    assert.equal(req.length, 1);
    await until(() => req[0].closed, 'the aborted download\'s connection to close');
    assert.equal(req[0].end, undefined, 'the server never finished sending: the fetch was aborted');
    await assertCacheClean(page, 'after abort', { expect: 0 });

    // 2. Cancel while converting f32 → q8, in-page mode.
    srv.faults.set(`${FOLDER}model.safetensors`, slow);
    r = await loadIn(page, { model: FOLDER, worker: false }, { abortWhen: "e.status === 'progress' && e.phase === 'convert' && e.loaded >= 100000" });
    assert.deepEqual([r.error?.code, r.error?.name], ['ABORTED', 'AbortError'], JSON.stringify(r.error));
    assert.ok(r.afterAbortMs < 500, `in-page: rejected ${r.afterAbortMs} ms after the abort`);
    await assertCacheClean(page, 'after in-page abort', { expect: 0 });

    // 3. A signal aborted before the call: rejected at once, no request.
    mark = srv.log.length;
    r = await loadIn(page, { model: Q8 }, { abortNow: true });
    assert.equal(r.error?.code, 'ABORTED');
    assert.deepEqual(srv.requests(/^\/fixtures\//, mark), []);
    // Not a signal: a readable error.
    const bad = await page.evaluate(async () => {
      const { Classifier } = await import('/gamjeong.js');
      return Classifier.load({ model: '/x.safetensors', signal: 'stop' }).then(() => null, (e) => [e.code, e.message]);
    });
    assert.equal(bad[0], 'BAD_INPUT');
    assert.match(bad[1], /AbortSignal/);

    // 4. The same model, still slow, loads in full: several increasing progress events.
    srv.faults.set(Q8, slow);
    mark = srv.log.length;
    const t0 = Date.now();
    r = await loadIn(page, { model: Q8, variant: 'simd128' });
    const ms = Date.now() - t0;
    assert.ifError(r.error);
    assert.equal(r.info.source, 'network');
    const p = r.events.filter((e) => e.status === 'progress' && e.phase === 'download').map((e) => e.loaded);
    assert.ok(p.length >= 8, `only ${p.length} progress events in ${ms} ms`);
    assert.ok(p.every((v, i) => i === 0 || v > p[i - 1]), `progress not increasing: ${p}`);
    assert.equal(p.at(-1), size);
    assert.ok(ms >= 1500, `the slow download took ${ms} ms`);
    console.log(`slow download: ${p.length} progress events over ${ms} ms`);
    const top = await page.evaluate(async (t) => (await window.__c.classify(t)).scores[0].index, TEXTS[0]);
    assert.equal(top, ref.models.q8[0].scores[0].index);
    const entries = await assertCacheClean(page, 'after the full slow load', { expect: 1 });
    assert.equal(known.get(entries[0].sha256), 'tiny-ko.q8.safetensors');
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); }
});

for (const [what, model, slowFile, wantSource] of [
  ['a quantized file', Q8, Q8, 'network'],
  ['an f32 folder converted to q8', FOLDER, `${FOLDER}model.safetensors`, 'convert'],
]) {
  test(`two tabs load ${what} at once: both work, identical results, one valid cache entry`, async () => {
    const b = await browser();
    try {
      const [p1, p2] = [await blankPage(b, srv.url), await blankPage(b, srv.url)];
      // Neither tab gets a byte until both asked (a barrier), then both stream at once.
      srv.faults.set(slowFile, { barrier: 2, slow: { bytesPerTick: 64 * 1024, ms: 40 } });
      const mark = srv.log.length;
      const opts = { model, variant: 'simd128' };
      const [r1, r2] = await Promise.all([loadIn(p1, opts), loadIn(p2, opts)]);
      srv.faults.clear();
      assert.ifError(r1.error); assert.ifError(r2.error);
      assert.equal(r1.info.source, wantSource); assert.equal(r2.info.source, wantSource);
      const reqs = srv.requests(new RegExp(`${slowFile.replace(/\./g, '\\.')}$`), mark);
      assert.equal(reqs.length, 2, 'each tab downloaded');
      const [a, z] = reqs;
      assert.ok(z.t < a.end && a.t < z.end && a.released === z.released, `the downloads overlapped (${a.t}-${a.end}, ${z.t}-${z.end})`);
      const classify = (p) => p.evaluate(async (texts) => {
        const out = [];
        for (const t of texts) out.push((await window.__c.classify(t)).logits);
        return out;
      }, TEXTS);
      const [l1, l2] = [await classify(p1), await classify(p2)];
      assert.deepEqual(l1, l2, 'both tabs give identical results');
      for (const p of [p1, p2]) {
        const entries = await assertCacheClean(p, 'two tabs', { expect: 1 });
        assert.equal(known.get(entries[0].sha256), wantSource === 'convert' ? 'CLI conversion (q8)' : 'tiny-ko.q8.safetensors');
      }
      // A third tab reads it from the cache.
      const p3 = await blankPage(b, srv.url);
      const r3 = await loadIn(p3, opts);
      assert.equal(r3.info.source, 'cache');
      assert.deepEqual(await classify(p3), l1);
      assert.deepEqual(b.errors, []);
    } finally { await b.close(); }
  });
}

test('cache entries from an older gamjeong: old cache names and format majors removed, a format-1.0 file refetched', async () => {
  const b = await browser();
  try {
    const page = await blankPage(b, srv.url);
    assert.ifError((await loadIn(page, { model: Q8 })).error);
    const [good] = await assertCacheClean(page, 'first load', { expect: 1 });
    assert.match(good.key, /\/gamjeong-v1\/.*\/format-2\/tiny-ko\.q8\.safetensors$/);

    // What older (and newer) versions would have left: a gamjeong-v0 cache, a format-1 key in
    // gamjeong-v1; a gamjeong-v2 cache and a format-3 key, which this version must leave alone.
    await page.evaluate(async (key) => {
      const bytes = await (await (await caches.open('gamjeong-v1')).match(key)).arrayBuffer();
      const put = async (cache, k) => (await caches.open(cache)).put(k, new Response(bytes, { headers: { 'x-gamjeong-length': String(bytes.byteLength) } }));
      await put('gamjeong-v0', key.replace('/gamjeong-v1/', '/gamjeong-v0/'));
      await put('gamjeong-v1', key.replace('/format-2/', '/format-1/'));
      await put('gamjeong-v1', key.replace('/format-2/', '/format-3/'));
      await put('gamjeong-v2', key.replace('/gamjeong-v1/', '/gamjeong-v2/'));
    }, good.key);
    await page.close();

    let p = await blankPage(b, srv.url);
    let mark = srv.log.length;
    let r = await loadIn(p, { model: Q8 });
    assert.ifError(r.error);
    assert.equal(r.info.source, 'cache', 'the current entry is still used');
    assert.deepEqual(srv.requests(/^\/fixtures\//, mark), []);
    const stale = r.events.filter((e) => e.status === 'cache' && e.state === 'stale');
    assert.equal(stale.length, 1, JSON.stringify(r.events));
    assert.match(stale[0].reason, /gamjeong-v0/);
    assert.match(stale[0].reason, /format 1/);
    assert.doesNotMatch(stale[0].reason, /gamjeong-v2|format 3/);
    let left = await cacheState(p);
    assert.deepEqual(left.map((e) => e.key.replace(/^.*\/(gamjeong-v\d)\/.*\/(format-\d)\/.*$/, '$1 $2')).sort(),
      ['gamjeong-v1 format-2', 'gamjeong-v1 format-3', 'gamjeong-v2 format-2']);
    assert.deepEqual((await p.evaluate(() => caches.keys())).filter((n) => n.startsWith('gamjeong-v')).sort(), ['gamjeong-v1', 'gamjeong-v2']);

    // The current key holding a file that says format_version "1.0" (an older major): stale, deleted, fetched again.
    const file = fs.readFileSync(path.join(FIXTURES, 'tiny-ko.q8.safetensors'));
    const old = Buffer.from(file.toString('latin1').replace('"format_version":"2.0"', '"format_version":"1.0"'), 'latin1');
    assert.equal(old.length, file.length);
    assert.notDeepEqual(old, file);
    srv.faults.set('/fixtures/format-1.0.safetensors', { body: old, type: 'application/octet-stream' });
    await p.evaluate(async (key) => {
      const bytes = await (await fetch('/fixtures/format-1.0.safetensors')).arrayBuffer();
      await (await caches.open('gamjeong-v1')).put(key, new Response(bytes, { headers: { 'x-gamjeong-length': String(bytes.byteLength) } }));
    }, good.key);
    srv.faults.clear();
    await p.close();
    p = await blankPage(b, srv.url);
    mark = srv.log.length;
    r = await loadIn(p, { model: Q8, variant: 'simd128' });
    assert.ifError(r.error);
    assert.equal(r.info.source, 'network');
    assert.equal(srv.requests(/tiny-ko\.q8/, mark).length, 1, 'fetched again once');
    const ev = r.events.find((e) => e.status === 'cache' && e.state === 'stale');
    assert.ok(ev, `no stale event: ${statuses(r.events)}`);
    assert.equal(ev.file, 'tiny-ko.q8.safetensors');
    assert.match(ev.reason, /format version 1\.0/);
    assert.ok(statuses(r.events).includes('cache:stored'));
    left = await cacheState(p);
    const current = left.find((e) => e.key === good.key);
    assert.equal(current.sha256, good.sha256, 'the good file is cached again');
    const top = await p.evaluate(async (t) => (await window.__c.classify(t)).scores[0].index, TEXTS[2]);
    assert.equal(top, ref.models.q8[2].scores[0].index);
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); }
});
