// Browser runtime (www/gamjeong.js + worker.js + runtime/) in headless Chromium against a
// local server holding fixture models made by the CLI (tests/e2e/prepare.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { routeHub } from './hub.mjs';
import {
  reference, server, browser, blankPage, loadIn, maxDiff, fileSize, cacheState, f32Digest, statuses,
  OUT, TEXTS, TOL, Q4_TOL, RELAXED_TOL, autoRelaxed,
} from './common.mjs';

// Parity with the CLI is checked on the SIMD128 build (see common.mjs); `auto` picks relaxed (but on x86 without AVX-VNNI).
const EXACT = { variant: 'simd128' };
let srv; let ref; const figures = {};

before(async () => { ref = reference(); srv = await server(); });
after(async () => {
  await srv?.close();
  fs.writeFileSync(path.join(OUT, 'runtime-figures.json'), JSON.stringify(figures, null, 2));
  console.log('runtime figures:', JSON.stringify(figures));
});

async function open(b) {
  const page = await blankPage(b, srv.url);
  await page.evaluate(() => {
    // Main-thread tasks over 50 ms from now on (not the page's own start-up).
    window.__long = [];
    const t0 = performance.now();
    const push = (entries) => {
      for (const e of entries) if (e.startTime >= t0) window.__long.push(`${Math.round(e.duration)} ms at +${Math.round(e.startTime - t0)} ms (${e.attribution?.map((a) => a.containerType + ':' + a.containerSrc + ':' + a.name).join(',')})`);
    };
    const observer = new PerformanceObserver((l) => push(l.getEntries()));
    observer.observe({ type: 'longtask', buffered: true });
    // Every finished task's entry, also those queued but not yet delivered to the callback.
    window.__longTasks = () => { push(observer.takeRecords()); return window.__long; };
  });
  return page;
}

function classifyAll(page, texts = TEXTS) {
  return page.evaluate(async (texts) => {
    const out = [];
    for (const t of texts) out.push(await window.__c.classify(t));
    return out;
  }, texts);
}

function assertMatchesCli(got, want, what, tol = TOL) {
  assert.equal(got.length, want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    assert.equal(got[i].tokens, want[i].tokens, `${what} text ${i}: token count`);
    assert.equal(got[i].truncated, want[i].truncated, `${what} text ${i}: truncated`);
    assert.equal(got[i].scores.length, 60);
    if (tol < RELAXED_TOL) assert.equal(got[i].scores[0].index, want[i].scores[0].index, `${what} text ${i}: top label`);
    assert.equal(typeof got[i].ms, 'number');
    const d = maxDiff(got[i], want[i], { logits: tol === TOL });
    assert.ok(d <= tol, `${what} text ${i}: max |Δ| ${d} > ${tol}`);
    worst = Math.max(worst, d);
  }
  return worst;
}

/** Bytes of one cache entry whose key contains `part`, read in the page. */
function cachedEntry(page, part) {
  return page.evaluate(async (part) => {
    const c = await caches.open('gamjeong-v1');
    const keys = (await c.keys()).map((r) => r.url).filter((u) => u.includes(part));
    if (keys.length !== 1) return { keys };
    const buf = new Uint8Array(await (await c.match(keys[0])).arrayBuffer());
    const hash = [...new Uint8Array(await crypto.subtle.digest('SHA-256', buf))].map((b) => b.toString(16).padStart(2, '0')).join('');
    return { keys, key: keys[0], length: buf.length, sha256: hash };
  }, part);
}

const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('q8 file: progress events, CLI parity, then cached: no weight request reaches the network', async () => {
  const b = await browser();
  try {
    // Every request the browser makes, from the page and from the worker.
    const seen = [];
    await b.context.route('**/*', (route) => { seen.push(route.request().url()); return route.continue(); });
    let page = await open(b);
    const mark = srv.log.length;
    // One thread: the single-threaded default (threads: see threads.test.mjs).
    const first = await loadIn(page, { model: '/fixtures/tiny-ko.q8.safetensors', threads: 1 });
    assert.ifError(first.error);
    const st = statuses(first.events);
    for (const s of ['cache:miss', 'initiate', 'download', 'progress', 'done', 'cache:stored', 'ready']) {
      assert.ok(st.includes(s), `missing ${s} in ${st}`);
    }
    assert.ok(st.indexOf('cache:stored') > st.indexOf('done') && st.at(-1) === 'ready', `order: ${st}`);
    const last = first.events.filter((e) => e.status === 'progress').at(-1);
    assert.equal(last.loaded, fileSize('tiny-ko.q8.safetensors'));
    assert.equal(last.total, last.loaded);
    assert.equal(last.progress, 100);
    assert.equal(first.info.source, 'network');
    assert.equal(first.info.labels, 60);
    assert.equal(srv.requests(/tiny-ko\.q8/, mark).length, 1);
    assert.ok(seen.some((u) => u.endsWith('/fixtures/tiny-ko.q8.safetensors')), 'route sees the worker fetch');
    // Relaxed SIMD is picked when the browser validates it (Chromium does) and lowers its dot
    // product without saturation (not x86 without AVX-VNNI): scores within RELAXED_TOL.
    const relaxed = await autoRelaxed(page);
    assert.equal(first.info.variant, relaxed ? 'relaxed' : 'simd128');
    assert.equal(first.info.kernel, relaxed ? 'relaxed-simd' : 'simd128');
    // The main thread never blocked for more than 50 ms while loading and classifying (the
    // worker did the work). Results stay in the page until the long tasks are read: Playwright
    // serializing them back is itself a long task.
    await page.evaluate(async (texts) => {
      window.__r = [];
      for (const t of texts) window.__r.push(await window.__c.classify(t));
    }, TEXTS);
    const long = await page.evaluate(() => window.__longTasks());
    assert.deepEqual(long, [], `main-thread long tasks: ${long}`);
    figures.relaxed_q8_cli_max_score_diff = assertMatchesCli(await page.evaluate(() => window.__r), ref.models.q8, 'q8 relaxed', RELAXED_TOL);
    await page.close();

    // Reload: the weights come from the Cache API. Block them at the network to prove it.
    await b.context.route('**/*.safetensors', (route) => route.abort());
    page = await open(b);
    const mark2 = srv.log.length; const seen2 = seen.length;
    const second = await loadIn(page, { model: '/fixtures/tiny-ko.q8.safetensors', ...EXACT });
    assert.ifError(second.error);
    assert.equal(second.info.kernel, 'simd128');
    assert.equal(second.info.source, 'cache');
    assert.ok(statuses(second.events).includes('cache:hit'));
    assert.deepEqual(srv.requests(/\.safetensors$/, mark2), []);
    assert.deepEqual(seen.slice(seen2).filter((u) => u.includes('.safetensors')), []);
    figures.q8_cli_max_diff = assertMatchesCli(await classifyAll(page), ref.models.q8, 'q8 from cache');

    // Peak wasm memory after loading the cached q8 model (memory only grows).
    figures.cached_q8_file_bytes = fileSize('tiny-ko.q8.safetensors');
    figures.cached_q8_wasm_memory_bytes = second.info.memoryBytes;
    figures.cached_q8_memory_after_classify = await page.evaluate(() => window.__c.memoryBytes());
    assert.ok(second.info.memoryBytes > 0);
    const info = await page.evaluate(async () => (await import('/gamjeong.js')).Classifier.cacheInfo());
    assert.equal(info.available, true);
    assert.equal(info.entries.length, 1);
    assert.equal(info.entries[0].bytes, fileSize('tiny-ko.q8.safetensors'));
    assert.equal(info.entries[0].quant, 'file');
    await page.evaluate(() => window.__c.dispose());
    const err = await page.evaluate(() => window.__c.classify('x').then(() => null, (e) => e.code));
    assert.equal(err, 'DISPOSED');
    assert.equal(await page.evaluate(async () => (await import('/gamjeong.js')).Classifier.clearCache()), 1);
    assert.equal((await page.evaluate(async () => (await import('/gamjeong.js')).Classifier.cacheInfo())).entries.length, 0);
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); }
});

for (const how of ['flipped byte', 'truncated']) {
  test(`a ${how} cache entry is detected, deleted and fetched again`, async () => {
    const b = await browser();
    try {
      let page = await open(b);
      const model = '/fixtures/tiny-ko.q8.safetensors';
      assert.ifError((await loadIn(page, { model })).error);
      const good = await cachedEntry(page, 'tiny-ko.q8');
      assert.equal(good.sha256, sha256(path.join(OUT, 'fixtures/tiny-ko.q8.safetensors')));
      await page.evaluate(async ([key, how]) => {
        const c = await caches.open('gamjeong-v1');
        const res = await c.match(key);
        let buf = new Uint8Array(await res.arrayBuffer());
        if (how === 'truncated') buf = buf.slice(0, buf.length - 4096);
        else buf[buf.length - 1000] ^= 0x01;
        const headers = new Headers(res.headers);
        headers.set('x-gamjeong-length', String(buf.length));
        await c.put(key, new Response(buf, { headers }));
      }, [good.key, how]);
      assert.notEqual((await cachedEntry(page, 'tiny-ko.q8')).sha256, good.sha256);
      await page.close();

      page = await open(b);
      const mark = srv.log.length;
      const r = await loadIn(page, { model, ...EXACT });
      assert.ifError(r.error);
      const st = statuses(r.events);
      assert.ok(st.includes('cache:hit') && st.includes('cache:corrupt'), `events: ${st}`);
      const corrupt = r.events.find((e) => e.state === 'corrupt');
      assert.match(corrupt.reason, /checksum|truncat|short|length|invalid|corrupt/i);
      assert.equal(r.info.source, 'network');
      assert.equal(srv.requests(/tiny-ko\.q8/, mark).length, 1, 'refetched once');
      assertMatchesCli(await classifyAll(page, TEXTS.slice(0, 3)), ref.models.q8.slice(0, 3), 'after refetch');
      // The cache holds the good bytes again.
      assert.equal((await cachedEntry(page, 'tiny-ko.q8')).sha256, good.sha256);
      assert.deepEqual(b.errors, []);
    } finally { await b.close(); }
  });
}

/** Offset of the sign byte of classifier.weight[0] (little-endian f32) in an f32 safetensors file. */
function signByteOfClassifier(file) {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  return 8 + n + header['classifier.weight'].data_offsets[0] + 3;
}

/** Every f32 cache entry of the page: {file: {key, length, header, sha256, digest}}. */
async function f32Entries(page) {
  const all = (await cacheState(page)).filter((e) => e.key.includes('/f32/'));
  return Object.fromEntries(all.map((e) => [e.key.split('/').pop(), e]));
}

const F32 = ['config.json', 'tokenizer.json', 'model.safetensors'];
for (const [what, file, want] of [
  ['a flipped byte in model.safetensors', 'model.safetensors', 'corrupt'],
  ['a flipped byte in tokenizer.json', 'tokenizer.json', 'corrupt'],
  ['entries stored without a checksum (an older gamjeong)', null, 'stale'],
]) {
  test(`f32 cache: ${what} is detected, the three entries deleted and fetched again`, async () => {
    const b = await browser();
    try {
      let page = await open(b);
      const model = '/fixtures/tiny-ko/';
      const first = await loadIn(page, { model, quant: 'f32', ...EXACT });
      assert.ifError(first.error);
      assert.equal(first.info.source, 'network');
      // Each file is stored as it came, with its checksum (computed here independently).
      let entries = await f32Entries(page);
      assert.deepEqual(Object.keys(entries).sort(), [...F32].sort());
      for (const f of F32) {
        const bytes = fs.readFileSync(path.join(OUT, 'fixtures/tiny-ko', f));
        assert.equal(entries[f].sha256, sha256(path.join(OUT, 'fixtures/tiny-ko', f)), f);
        assert.equal(entries[f].digest, f32Digest(bytes), `${f}: checksum header`);
      }
      // runtime.js's digest over several 8 MiB blocks equals the independent one.
      const big = await page.evaluate(async () => {
        const bytes = new Uint8Array(20 << 20);
        for (let i = 0; i < bytes.length; i++) bytes[i] = (i ^ (i >>> 11) ^ (i >>> 19)) & 255;
        return (await import('/runtime/digest.js')).digestOf(bytes);
      });
      const bytes = Buffer.alloc(20 << 20);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i ^ (i >>> 11) ^ (i >>> 19)) & 255;
      assert.equal(big, f32Digest(bytes), '20 MiB (3 blocks) digest');

      // The damage: one byte, same length (the length check alone lets it through); the
      // sign of classifier.weight[0], or tokenizer.json's max_input_chars_per_word 100 -> 900
      // (still valid JSON). Or every checksum header dropped, as an older gamjeong stored them.
      let at = -1; let mask = 0;
      if (file === 'model.safetensors') [at, mask] = [signByteOfClassifier(path.join(OUT, 'fixtures/tiny-ko/model.safetensors')), 0x80];
      if (file === 'tokenizer.json') {
        const text = fs.readFileSync(path.join(OUT, 'fixtures/tiny-ko/tokenizer.json'), 'latin1');
        [at, mask] = [text.indexOf('"max_input_chars_per_word": 100') + '"max_input_chars_per_word": '.length, 0x08]; // '1' -> '9'
        assert.ok(at > 100);
      }
      await page.evaluate(async ([keys, flip, at, mask]) => {
        const c = await caches.open('gamjeong-v1');
        for (const key of keys) {
          if (flip && key !== flip) continue;
          const res = await c.match(key);
          const buf = new Uint8Array(await res.arrayBuffer());
          const headers = new Headers(res.headers);
          if (flip) buf[at] ^= mask;
          else headers.delete('x-gamjeong-digest');
          await c.put(key, new Response(buf, { headers }));
        }
      }, [F32.map((f) => entries[f].key), file ? entries[file].key : null, at, mask]);
      const damaged = await f32Entries(page);
      for (const f of F32) {
        assert.equal(damaged[f].length, entries[f].length);
        assert.equal(damaged[f].header, entries[f].length, 'x-gamjeong-length still matches');
        if (f === file) assert.notEqual(damaged[f].sha256, entries[f].sha256, `${f} damaged`);
        else assert.equal(damaged[f].sha256, entries[f].sha256);
        assert.equal(damaged[f].digest, file ? entries[f].digest : null);
      }
      await page.close();

      page = await open(b);
      const mark = srv.log.length;
      const r = await loadIn(page, { model, quant: 'f32', ...EXACT });
      assert.ifError(r.error);
      const st = statuses(r.events);
      assert.ok(st.includes('cache:hit') && st.includes(`cache:${want}`), `events: ${st}`);
      assert.ok(st.indexOf(`cache:${want}`) > st.indexOf('cache:hit') && st.indexOf(`cache:${want}`) < st.indexOf('download'), `order: ${st}`);
      const ev = r.events.find((e) => e.status === 'cache' && e.state === want);
      if (file) {
        assert.equal(ev.file, file);
        assert.match(ev.reason, new RegExp(`^the cached copy failed verification \\(${file.replace('.', '\\.')}: checksum mismatch.*downloading it again$`));
      } else {
        assert.equal(ev.file, 'config.json', 'the first file read');
        assert.match(ev.reason, /^the cached copy is from another version of gamjeong \(config\.json was stored without a sha256-8MiB-blocks checksum\); deleted, downloading it again$/);
      }
      assert.equal(r.info.source, 'network');
      assert.deepEqual(srv.requests(/^\/fixtures\//, mark).map((e) => e.path), F32.map((f) => `${model}${f}`), 'the three files fetched again, once each');
      figures.f32_after_refetch_cli_max_diff = Math.max(figures.f32_after_refetch_cli_max_diff || 0,
        assertMatchesCli(await classifyAll(page), ref.models.f32, `f32 after ${what}`));
      // The good files (and their checksums) are cached again.
      const again = await f32Entries(page);
      for (const f of F32) {
        assert.equal(again[f].sha256, entries[f].sha256, `${f} cached again`);
        assert.equal(again[f].digest, entries[f].digest, `${f} checksum again`);
      }
      await page.close();

      // And they verify: the next load is from the cache, no request.
      page = await open(b);
      const mark2 = srv.log.length;
      const third = await loadIn(page, { model, quant: 'f32', ...EXACT });
      assert.ifError(third.error);
      assert.equal(third.info.source, 'cache');
      assert.ok(!statuses(third.events).some((s) => s === 'cache:corrupt' || s === 'cache:stale'));
      assert.deepEqual(srv.requests(/^\/fixtures\//, mark2), []);
      assertMatchesCli(await classifyAll(page, TEXTS.slice(0, 3)), ref.models.f32.slice(0, 3), 'f32 from the cache again');
      assert.deepEqual(b.errors, []);
    } finally { await b.close(); }
  });
}

for (const scheme of ['q8', 'q4']) {
  test(`f32 folder converted to ${scheme} in the browser equals the CLI's file, then loads from cache`, async () => {
    const b = await browser();
    try {
      let page = await open(b);
      const folder = `${srv.url}/fixtures/tiny-ko/`;
      const r = await loadIn(page, { model: '/fixtures/tiny-ko/', quant: scheme, ...EXACT });
      assert.ifError(r.error);
      const st = statuses(r.events);
      assert.ok(st.includes('convert') && st.includes('cache:stored'), `events: ${st}`);
      assert.ok(r.events.some((e) => e.status === 'progress' && e.phase === 'convert'));
      assert.equal(r.info.source, 'convert');
      // The same bytes as `gamjeong quantize` with the same source id and revision.
      const cli = path.join(OUT, `cli-${scheme}-from-url.safetensors`);
      execFileSync(ref.cli, ['quantize', '--model', ref.source, '--scheme', scheme,
        '--source-id', folder, '--revision', '-', '--out', cli]);
      const entry = await cachedEntry(page, `/${scheme}/`);
      assert.equal(entry.keys.length, 1, `keys: ${entry.keys}`);
      assert.equal(entry.length, fs.statSync(cli).size);
      assert.equal(entry.sha256, sha256(cli), 'browser-converted file differs from the CLI quantize output');
      assertMatchesCli(await classifyAll(page), ref.models[scheme === 'q8' ? 'q8' : 'q4'], `${scheme} converted`, scheme === 'q4' ? Q4_TOL : TOL);
      await page.close();

      page = await open(b);
      const mark = srv.log.length;
      const again = await loadIn(page, { model: '/fixtures/tiny-ko/', quant: scheme });
      assert.ifError(again.error);
      assert.equal(again.info.source, 'cache');
      assert.deepEqual(srv.requests(/^\/fixtures\//, mark), [], 'second visit: no model request at all');
    } finally { await b.close(); }
  });
}

test('a folder with gamjeong/model.q8.safetensors loads it and never downloads the f32 weights', async () => {
  const b = await browser();
  try {
    const page = await open(b);
    const mark = srv.log.length;
    const r = await loadIn(page, { model: '/fixtures/tiny-ko-preq', ...EXACT });
    assert.ifError(r.error);
    assert.equal(r.info.source, 'network');
    assert.deepEqual(srv.requests(/^\/fixtures\//, mark).map((e) => e.path), ['/fixtures/tiny-ko-preq/gamjeong/model.q8.safetensors']);
    assertMatchesCli(await classifyAll(page), ref.models.q8, 'pre-quantized folder');
  } finally { await b.close(); }
});

test('hub id: someuser/tiny-ko is fetched from huggingface.co/{id}/resolve/{revision}/{file} (revision URL-encoded), worker and in-page', async () => {
  const b = await browser();
  try {
    const hub = await routeHub(b.context);
    const page = await open(b);
    const id = 'someuser/tiny-ko';
    const base = `https://huggingface.co/${id}/resolve`;
    // The hub's listing of the repository comes first: no request for a file it does not list.
    const tree = (rev, dir = '') => `https://huggingface.co/api/models/${id}/tree/${encodeURIComponent(rev)}${dir && `/${dir}`}`;
    const fixtures = path.join(OUT, 'fixtures');
    const commit = '0123456789abcdef0123456789abcdef01234567';
    const mark = srv.log.length;
    const cases = [
      // [options, folder served, revision served, URLs asked for, source, reference]
      [{ revision: 'main' }, 'tiny-ko-preq', 'main', [tree('main'), tree('main', 'gamjeong'), `${base}/main/gamjeong/model.q8.safetensors`], 'network', 'q8'],
      // No revision: 'main', the q8 file just cached under it.
      [{}, 'tiny-ko-preq', 'main', [], 'cache', 'q8'],
      // A commit, no pre-quantized file (not listed, not asked for): the f32 files, converted while they download.
      [{ revision: commit }, 'tiny-ko', commit,
        [tree(commit), ...['config.json', 'tokenizer.json', 'model.safetensors'].map((f) => `${base}/${commit}/${f}`)], 'convert', 'q8'],
      // A PR ref: its slashes are encoded (as huggingface_hub does); in-page mode; f32 (the list
      // is read before the tokenizer: it says whether tokenizer.json is there).
      [{ revision: 'refs/pr/1', quant: 'f32', worker: false }, 'tiny-ko', 'refs/pr/1',
        [`${base}/refs%2Fpr%2F1/config.json`, tree('refs/pr/1'), ...['tokenizer.json', 'model.safetensors'].map((f) => `${base}/refs%2Fpr%2F1/${f}`)], 'network', 'f32'],
    ];
    for (const [opts, folder, revision, urls, source, scheme] of cases) {
      const what = JSON.stringify(opts);
      Object.assign(hub, { id, revision, folder: path.join(fixtures, folder), urls: [] });
      const r = await loadIn(page, { model: id, ...opts, ...EXACT });
      assert.ifError(r.error);
      assert.deepEqual(hub.urls, urls, `${what}: URLs asked for`);
      if (opts.worker !== false) assert.ok(!r.events.some((e) => e.status === 'worker'), `${what}: ran in the worker`);
      assert.equal(r.info.model, id);
      assert.equal(r.info.kind, 'hub');
      assert.equal(r.info.revision, revision);
      assert.equal(r.info.source, source, what);
      assertMatchesCli(await classifyAll(page), ref.models[scheme], `hub ${what}`);
      await page.evaluate(() => window.__c.dispose());
    }
    assert.deepEqual(srv.requests(/^\/fixtures\//, mark), [], 'nothing from the local server');
    // Cached under the hub id and each revision; the conversion is the CLI's with that id and commit.
    const info = await page.evaluate(async () => (await import('/gamjeong.js')).Classifier.cacheInfo());
    assert.deepEqual(info.entries.map((e) => `${e.model} ${e.revision} ${e.quant} ${e.file}`).sort(), [
      `${id} main q8 model.q8.safetensors`, `${id} ${commit} q8 model.q8.safetensors`,
      `${id} refs/pr/1 f32 config.json`, `${id} refs/pr/1 f32 model.safetensors`, `${id} refs/pr/1 f32 tokenizer.json`,
    ].sort());
    const cli = path.join(OUT, 'cli-q8-from-hub.safetensors');
    execFileSync(ref.cli, ['quantize', '--model', ref.source, '--scheme', 'q8', '--source-id', id, '--revision', commit, '--out', cli]);
    assert.equal((await cachedEntry(page, encodeURIComponent(commit))).sha256, sha256(cli), 'converted file = CLI quantize --source-id --revision');
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); }
});

test('f32, q4 file, in-page mode and the forced SIMD128 build all match the CLI', async () => {
  const b = await browser();
  try {
    const page = await open(b);
    const cases = [
      [{ model: '/fixtures/tiny-ko/', quant: 'f32' }, 'f32'],
      [{ model: '/fixtures/tiny-ko.q4.safetensors', ...EXACT }, 'q4'],
      [{ model: '/fixtures/tiny-ko.q8.safetensors', worker: false, ...EXACT }, 'q8'],
    ];
    for (const [opts, scheme] of cases) {
      const r = await loadIn(page, opts);
      assert.ifError(r.error);
      figures[`${scheme}${opts.worker === false ? '_inpage' : ''}_cli_max_diff`] = assertMatchesCli(await classifyAll(page), ref.models[scheme], JSON.stringify(opts), scheme === 'q4' ? Q4_TOL : TOL);
      await page.evaluate(() => window.__c.dispose());
    }
    // f32 is cached as its three files and comes back from the cache.
    const again = await loadIn(page, { model: '/fixtures/tiny-ko/', quant: 'f32' });
    assert.equal(again.info.source, 'cache');
    await page.evaluate(() => window.__c.dispose());
    const batch = await page.evaluate(async (texts) => {
      const { Classifier } = await import('/gamjeong.js');
      const c = await Classifier.load({ model: '/fixtures/tiny-ko.q8.safetensors', variant: 'simd128' });
      const r = await c.classifyBatch(texts, { topK: 5 });
      c.dispose();
      return r;
    }, TEXTS.slice(0, 7));
    assert.equal(batch.results.length, 7);
    assert.equal(typeof batch.ms, 'number');
    for (let i = 0; i < 7; i++) {
      assert.equal(batch.results[i].scores.length, 5);
      assert.equal(batch.results[i].scores[0].index, ref.models.q8[i].scores[0].index);
      assert.ok(Math.abs(batch.results[i].scores[0].score - ref.models.q8[i].scores[0].score) <= TOL);
    }
    // The relaxed build on q4: the other kernel, within RELAXED_TOL.
    await page.goto(`${srv.url}/e2e/blank.html`);
    const relaxed = await loadIn(page, { model: '/fixtures/tiny-ko.q4.safetensors', variant: 'relaxed' });
    assert.equal(relaxed.info.kernel, 'relaxed-simd');
    figures.relaxed_q4_cli_max_score_diff = assertMatchesCli(await classifyAll(page), ref.models.q4, 'q4 relaxed', RELAXED_TOL);
  } finally { await b.close(); }
});

test('errors: not found, truncated download (never cached), network failure, no Cache API, quota', async () => {
  const b = await browser();
  try {
    const page = await open(b);
    let r = await loadIn(page, { model: '/fixtures/nope.q8.safetensors' });
    assert.equal(r.error?.code, 'NOT_FOUND');
    assert.match(r.error.message, /not found/);
    r = await loadIn(page, { model: '/fixtures/no-such-folder/' });
    assert.equal(r.error?.code, 'NOT_FOUND');
    assert.match(r.error.message, /config\.json/);

    srv.faults.set('/fixtures/tiny-ko.q4.safetensors', { truncate: 5000 });
    r = await loadIn(page, { model: '/fixtures/tiny-ko.q4.safetensors' });
    srv.faults.clear();
    assert.equal(r.error?.code, 'BAD_MODEL', JSON.stringify(r));
    assert.ok(!statuses(r.events).includes('cache:stored'));
    const info = await page.evaluate(async () => (await import('/gamjeong.js')).Classifier.cacheInfo());
    assert.deepEqual(info.entries, [], 'an unverified file must never be cached');

    srv.faults.set('/fixtures/tiny-ko.q4.safetensors', { drop: true });
    r = await loadIn(page, { model: '/fixtures/tiny-ko.q4.safetensors' });
    srv.faults.clear();
    assert.equal(r.error?.code, 'NETWORK', JSON.stringify(r.error));

    r = await loadIn(page, { model: 'not a model id!' });
    assert.equal(r.error?.code, 'BAD_MODEL_SPEC');

    // Quota exceeded on put (in-page mode so the page's Cache can be patched): runs uncached.
    r = await page.evaluate(async () => {
      const put = Cache.prototype.put;
      Cache.prototype.put = () => Promise.reject(new DOMException('full', 'QuotaExceededError'));
      const { Classifier } = await import('/gamjeong.js');
      const events = [];
      try {
        const c = await Classifier.load({ model: '/fixtures/tiny-ko.q4.safetensors', worker: false, onProgress: (e) => events.push(e) });
        const top = (await c.classify('행복해')).scores[0];
        c.dispose();
        return { events, top };
      } finally { Cache.prototype.put = put; }
    });
    const quota = r.events.find((e) => e.status === 'cache' && e.state === 'unavailable');
    assert.match(quota?.reason || '', /storage space/);
    assert.ok(r.top.score > 0);
  } finally { await b.close(); }

  // No storage at all (no Cache API, and no IndexedDB to fall back to, storage.test.mjs):
  // the loader says so and still loads.
  const b2 = await browser();
  try {
    // 127.0.0.1 is a secure context; the same server through a LAN-style name is not.
    const page = await blankPage(b2, srv.url);
    const r = await page.evaluate(async () => {
      const { Classifier } = await import('/gamjeong.js');
      const events = [];
      const names = ['caches', 'indexedDB'];
      const saved = names.map((n) => Object.getOwnPropertyDescriptor(globalThis, n) || Object.getOwnPropertyDescriptor(Window.prototype, n));
      for (const n of names) Object.defineProperty(globalThis, n, { value: undefined, configurable: true });
      try {
        const c = await Classifier.load({ model: '/fixtures/tiny-ko.q8.safetensors', worker: false, onProgress: (e) => events.push(e) });
        c.dispose();
        return { events, info: await Classifier.cacheInfo() };
      } finally { names.forEach((n, i) => saved[i] && Object.defineProperty(globalThis, n, saved[i])); }
    });
    const ev = r.events.find((e) => e.status === 'cache' && e.state === 'unavailable');
    assert.match(ev?.reason || '', /neither the Cache API nor IndexedDB/);
    assert.equal(r.info.available, false);
    assert.equal(r.events.at(-1).status, 'ready');
  } finally { await b2.close(); }
});

test('a worker that cannot start (blocked worker.js): the model runs in the page, and says so', async () => {
  const b = await browser();
  try {
    await b.context.route('**/worker.js', (route) => route.abort());
    const page = await open(b);
    const r = await loadIn(page, { model: '/fixtures/tiny-ko.q8.safetensors', ...EXACT });
    assert.ifError(r.error);
    const note = r.events.find((e) => e.status === 'worker');
    assert.equal(note?.state, 'unavailable');
    assert.equal(r.events.at(-1).status, 'ready');
    assertMatchesCli(await classifyAll(page, TEXTS.slice(0, 2)), ref.models.q8.slice(0, 2), 'in-page fallback');
  } finally { await b.close(); }
});
