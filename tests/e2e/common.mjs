// Shared by the e2e tests: paths, the browser, the server, the CLI reference.
import fs from 'node:fs';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';
import { EXAMPLES } from '../../www/examples.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TARGET = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target');
/**
 * The SIMD128 build computes what the native CLI computes (15-bit activations, one scale per
 * row; int8 weights): its results must equal the CLI's within 1e-4. q4 within Q4_TOL: the f32
 * parts (attention, LayerNorm) round differently natively (FMA) and in wasm by ~1e-7, which
 * moves a few activations across a 15-bit rounding boundary; q4's coarse weights amplify that
 * to ~2e-4 on the longest fixture text (q8: 4e-5). The relaxed-SIMD build quantizes
 * activations to ±63 per 32-wide block (src/kernels: the i7 operand), a slightly different
 * model: checked within RELAXED_TOL.
 */
export const TOL = 1e-4;
export const Q4_TOL = 5e-4;
export const RELAXED_TOL = 1e-2;
/**
 * Whether `variant: 'auto'` takes the relaxed builds in the browser of `page`
 * (`wasmSupport().relaxedPreferred`: not where the engine lowers the relaxed dot product to
 * x86's saturating sequence, i.e. without AVX-VNNI). wasm_features.test.mjs checks the answer
 * against the CPU; the other tests follow it.
 */
export const autoRelaxed = (page) => page.evaluate(async () => (await import('/runtime/wasm.js')).wasmSupport().relaxedPreferred);
/** Test artifacts (fixtures, reference, screenshots). */
export const OUT = process.env.E2E_OUT || path.join(ROOT, 'target/e2e');
export const FIXTURES = path.join(OUT, 'fixtures');
export const DIST = process.env.E2E_DIST || path.join(ROOT, 'dist');
export const CLI = process.env.GAMJEONG_CLI || path.join(TARGET, 'debug/gamjeong');
/**
 * The CLI's flag for the browser's activation format: 15 bits, as the SIMD128 build quantizes
 * (also the CLI's default today; 8 is an option, docs/quantization.md). Every CLI run whose
 * output a browser or Node result is compared with passes it, so that the two compare like
 * with like whatever the native default becomes.
 */
export const LIKE_BROWSER = ['--activations', '15'];
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export { EXAMPLES };
/** The widget sentences, then a text past 512 tokens, then mixed scripts. */
export const TEXTS = [...EXAMPLES, '정말 행복해. '.repeat(400).trim(), 'Hello 세상 😀 漢字 テスト'];

export const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

export function reference() {
  const f = path.join(OUT, 'reference.json');
  if (!fs.existsSync(f)) throw new Error(`${f} missing: run node tests/e2e/prepare.mjs first (./build.sh test does)`);
  return JSON.parse(fs.readFileSync(f, 'utf8'));
}

/** The test server: dist/, the fixtures, the harness pages, and `mounts` ({'/path/': dir}) besides; `options` go to startServer. */
export async function server(mounts = {}, options = {}) {
  if (!fs.existsSync(path.join(DIST, 'pkg/gamjeong.js'))) throw new Error(`${DIST} has no build: run ./build.sh first`);
  return startServer({ '/': DIST, '/fixtures/': FIXTURES, '/e2e/': path.join(ROOT, 'tests/e2e/pages'), ...mounts }, options);
}

/** A persistent context (its Cache API survives new pages) in a fresh profile dir. */
export async function browser(options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gamjeong-e2e-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, args: ARGS, headless: true, ...options,
  });
  const errors = [];
  context.on('weberror', (e) => errors.push(String(e.error())));
  return {
    context, errors,
    async close() { await context.close(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

/** Largest |a - b| over the scores (matched by class index) and logits of two results. */
export function maxDiff(got, want, { logits = true } = {}) {
  let d = 0;
  const byIndex = new Map(got.scores.map((s) => [s.index, s.score]));
  for (const s of want.scores) {
    if (!byIndex.has(s.index)) return Infinity;
    d = Math.max(d, Math.abs(byIndex.get(s.index) - s.score));
  }
  if (logits && got.logits && want.logits) {
    for (let i = 0; i < want.logits.length; i++) d = Math.max(d, Math.abs(got.logits[i] - want.logits[i]));
  }
  return d;
}

export function fileSize(rel) {
  return fs.statSync(path.join(FIXTURES, rel)).size;
}

/** Opens a page on the harness page (tests import '/gamjeong.js' from there). */
export async function blankPage(b, url) {
  const page = await b.context.newPage();
  await page.goto(`${url}/e2e/blank.html`);
  return page;
}

/**
 * Classifier.load in the page; {info, events, ms} or {error: {message, code, name, isGamjeong}, events, ms}.
 * The loaded classifier is window.__c. `abortWhen` (a function body over `e`, the progress event)
 * aborts the load's AbortSignal when it returns true; `abortAt` ms after the start.
 */
export function loadIn(page, opts, { abortWhen, abortNow } = {}) {
  return page.evaluate(async ([opts, abortWhen, abortNow]) => {
    const { Classifier, GamjeongError } = await import('/gamjeong.js');
    const events = [];
    const ac = new AbortController();
    if (abortNow) ac.abort();
    const when = abortWhen ? new Function('e', `return (${abortWhen});`) : null;
    let abortedAt = null;
    const t0 = performance.now();
    try {
      const c = await Classifier.load({
        ...opts,
        signal: abortWhen || abortNow ? ac.signal : undefined,
        onProgress: (e) => {
          events.push(e);
          if (when && !ac.signal.aborted && when(e)) { abortedAt = performance.now(); ac.abort(); }
        },
      });
      window.__c = c;
      return { info: { ...c.info, labels: c.info.labels.length }, events, ms: performance.now() - t0 };
    } catch (e) {
      const t = performance.now();
      return {
        error: { message: e.message, code: e.code, name: e.name, isGamjeong: e instanceof GamjeongError },
        events, ms: t - t0, afterAbortMs: abortedAt === null ? null : t - abortedAt,
      };
    }
  }, [opts, abortWhen ?? null, !!abortNow]);
}

/** Every entry of every gamjeong model cache (gamjeong-v*), with its bytes' length and SHA-256. */
export function cacheState(page) {
  return page.evaluate(async () => {
    const out = [];
    for (const name of await caches.keys()) {
      if (!name.startsWith('gamjeong-v')) continue;
      const c = await caches.open(name);
      for (const req of await c.keys()) {
        const res = await c.match(req);
        const buf = new Uint8Array(await res.arrayBuffer());
        const sha256 = [...new Uint8Array(await crypto.subtle.digest('SHA-256', buf))].map((x) => x.toString(16).padStart(2, '0')).join('');
        out.push({
          cache: name, key: req.url, length: buf.length, header: Number(res.headers.get('x-gamjeong-length')), sha256,
          digest: res.headers.get('x-gamjeong-digest'),
        });
      }
    }
    return out;
  });
}

export const sha256File = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/**
 * The checksum runtime.js stores with each cached f32 file (x-gamjeong-digest), computed
 * independently: `sha256-8MiB-blocks:` + SHA-256 of the SHA-256s of the 8 MiB blocks.
 */
export function f32Digest(bytes) {
  const block = 8 << 20;
  const top = crypto.createHash('sha256');
  for (let at = 0; at === 0 || at < bytes.length; at += block) {
    top.update(crypto.createHash('sha256').update(bytes.subarray(at, at + block)).digest());
  }
  return `sha256-8MiB-blocks:${top.digest('hex')}`;
}

/** SHA-256 -> path of every fixture file (the only bytes a valid cache entry may hold, besides conversions). */
export function fixtureHashes() {
  const out = new Map();
  const walk = (dir) => {
    for (const f of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, f.name);
      if (f.isDirectory()) { walk(p); continue; }
      // Identical copies (tiny-ko-preq/ holds tiny-ko/'s files): the shortest name.
      const h = sha256File(p); const rel = path.relative(FIXTURES, p);
      if (!out.has(h) || rel.length < out.get(h).length) out.set(h, rel);
    }
  };
  walk(FIXTURES);
  return out;
}

export const statuses = (events) => events.map((e) => (e.status === 'cache' ? `cache:${e.state}` : e.status));

/** The demo page at `/?query` in a new tab; Content-Security-Policy violations collect in window.__csp. */
export async function openApp(b, url, query = '', viewport = { width: 1280, height: 900 }) {
  const page = await b.context.newPage();
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  if (viewport) await page.setViewportSize(viewport);
  await page.goto(`${url}/${query ? `?${query}` : ''}`);
  return page;
}

export const waitReady = (page) => page.waitForSelector('#status[data-phase="ready"]', { timeout: 60_000 });

/** Waits until the page's results show `text` after at least `count` classifications. */
export function waitResult(page, text, count = 1) {
  return page.waitForFunction(([text, count]) => {
    const r = document.getElementById('results');
    return r.dataset.state === 'ready' && r.dataset.text === text && Number(r.dataset.count) >= count;
  }, [text, count], { timeout: 30_000 });
}

/** Resolves with `fn()` once it is truthy (polled every 20 ms); rejects after `ms` naming `what`. */
export async function until(fn, what, ms = 10_000) {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => { setTimeout(r, 20); });
  }
}

/** The demo page's input debounce (www/app.js): a classification starts this long after typing. */
export const DEBOUNCE_MS = 250;

/**
 * Resolves once every timer the page had set to fire within `ms` has fired: the page's timers
 * run in order of due time, so a debounce set by the input so far has run by then (unlike a
 * sleep in the test, which a busy page can outlast).
 */
export const pageTimersPast = (page, ms) => page.evaluate((ms) => new Promise((r) => { setTimeout(r, ms + 1); }), ms);

/**
 * The page's bars: [{label, score}] (score a number), found and read in one evaluation, so all
 * are one render's (`$$eval` finds and reads in two round trips, between which a render can land).
 */
export const pageBars = (page) => page.evaluate(() => [...document.querySelectorAll('#groups .bar')].map((e) => ({ label: e.dataset.label, score: Number(e.dataset.score) })));

/** Largest |Δ| between the page's bars and a CLI result, matched by label (Infinity if one is missing). */
export function barsDiff(bars, want) {
  const byLabel = new Map(bars.map((x) => [x.label, x.score]));
  if (bars.length !== want.scores.length) return Infinity;
  return Math.max(...want.scores.map((s) => (byLabel.has(s.label) ? Math.abs(byLabel.get(s.label) - s.score) : Infinity)));
}

/** Every request a browser context makes (page, workers, service worker), recorded as it is made. */
export function recordRequests(context) {
  const requests = [];
  context.on('request', (r) => requests.push({
    url: r.url(), method: r.method(), headers: r.headers(), body: r.postData() || '',
    from: r.serviceWorker() ? 'service worker' : r.frame() ? 'page' : 'worker',
  }));
  return requests;
}
