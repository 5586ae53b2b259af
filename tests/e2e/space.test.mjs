// `./build.sh space MODEL` builds a deployable site (a Hugging Face Space) from a fixture model:
// its files, its site.json, its Space front matter; opened with no query string the page loads
// the bundled quantized file at once and contacts no other origin; ?model= still overrides.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  ROOT, OUT, DIST, CLI, FIXTURES, EXAMPLES, RELAXED_TOL, Q4_TOL, reference, browser, openApp, waitReady, waitResult,
  pageBars, barsDiff, sha256File, recordRequests,
} from './common.mjs';
import { startServer } from '../../scripts/serve.mjs';

const SPACE = path.join(OUT, 'space');
const BUNDLED = 'models/tiny-ko/gamjeong/model.q8.safetensors';
let srv; let ref; let buildLog;
before(async () => {
  ref = reference();
  fs.rmSync(SPACE, { recursive: true, force: true });
  // The built dist/ as it is (SPACE_SITE), the fixture CLI (no cargo build in a test).
  buildLog = execFileSync(path.join(ROOT, 'build.sh'), ['space', path.join(FIXTURES, 'tiny-ko'), '--quant', 'q8', '--out', SPACE], {
    env: { ...process.env, SPACE_SITE: DIST, GAMJEONG_CLI: CLI }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  srv = await startServer({ '/': SPACE, '/fixtures/': FIXTURES });
});
after(async () => { await srv?.close(); });

function listFiles(dir, at = '') {
  return fs.readdirSync(path.join(dir, at), { withFileTypes: true }).flatMap((f) => {
    const rel = path.posix.join(at, f.name);
    return f.isDirectory() ? listFiles(dir, rel) : [rel];
  });
}

test('space folder: the site, the bundled model (made by the quantizer), site.json, Space front matter, LFS attributes', () => {
  const files = listFiles(SPACE).sort();
  const www = [...listFiles(path.join(ROOT, 'www')), 'site-files.json'];
  const pkg = (d) => (fs.existsSync(path.join(DIST, d)) ? fs.readdirSync(path.join(DIST, d)).map((f) => `${d}/${f}`) : []);
  const want = [...www, ...pkg('pkg'), ...pkg('pkg-relaxed'), ...pkg('pkg-threads'), ...pkg('pkg-threads-relaxed'), 'README.md', '.gitattributes', 'LICENSE-MIT', 'LICENSE-APACHE',
    'models/tiny-ko/config.json', 'models/tiny-ko/tokenizer.json', BUNDLED].sort();
  assert.deepEqual(files, want, `build log:\n${buildLog}`);
  // The bundled file is what `gamjeong quantize` writes for that folder (the same code as ./build.sh quantize).
  const cliFile = path.join(OUT, 'space-cli-q8.safetensors');
  execFileSync(CLI, ['quantize', '--model', path.join(FIXTURES, 'tiny-ko'), '--scheme', 'q8', '--source-id', 'tiny-ko', '--revision', 'unknown', '--out', cliFile]);
  assert.equal(sha256File(path.join(SPACE, BUNDLED)), sha256File(cliFile));

  const site = JSON.parse(fs.readFileSync(path.join(SPACE, 'site.json'), 'utf8'));
  assert.deepEqual(site, { model: BUNDLED, quant: 'q8', label: 'tiny-ko', bytes: fs.statSync(path.join(SPACE, BUNDLED)).size });
  // site.json is the page's one: the www copy says "no site model".
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(ROOT, 'www/site.json'), 'utf8')), {});

  const readme = fs.readFileSync(path.join(SPACE, 'README.md'), 'utf8');
  const front = readme.split(/^---$/m)[1];
  assert.match(front, /^sdk: static$/m);
  assert.match(front, /^app_file: index\.html$/m);
  // The license the crate declares (Cargo.toml), and its two texts shipped with the Space.
  const crate = /^license = "(.+)"$/m.exec(fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8'))[1];
  assert.equal(crate, 'MIT OR Apache-2.0');
  assert.match(front, /^license: other$/m);
  assert.match(front, new RegExp(`^license_name: ${crate.toLowerCase().replace(/ or /g, '-or-')}$`, 'm'));
  assert.equal(fs.readFileSync(path.join(SPACE, 'LICENSE-MIT'), 'utf8'), fs.readFileSync(path.join(ROOT, 'LICENSE-MIT'), 'utf8'));
  assert.doesNotMatch(front, /^models:/m, 'a local folder is no hub model to link');
  assert.doesNotMatch(readme, /\{\{/, 'every placeholder filled');
  assert.match(readme, new RegExp(BUNDLED.replace(/\./g, '\\.')));
  assert.deepEqual(fs.readFileSync(path.join(SPACE, '.gitattributes'), 'utf8').trim().split('\n'),
    ['*.safetensors filter=lfs diff=lfs merge=lfs -text', '*.wasm filter=lfs diff=lfs merge=lfs -text']);
});

test('space page, no query string: loads the bundled file at once, no other origin contacted; ?model= still overrides', async () => {
  const b = await browser();
  try {
    const requests = recordRequests(b.context);
    const mark = srv.log.length;
    let page = await openApp(b, srv.url, '');
    await waitReady(page);
    assert.match(await page.$eval('#status-text', (e) => e.textContent), /downloaded in/);
    assert.equal(await page.$eval('#ask', (e) => e.hidden), true);
    assert.deepEqual(srv.requests(/\.safetensors$/, mark).map((e) => `${e.method} ${e.path}`), [`GET /${BUNDLED}`],
      'the bundled file, downloaded at once (no size probe, no question)');
    const link = await page.$eval('#model-link', (e) => ({ text: e.textContent, href: e.getAttribute('href') }));
    assert.deepEqual(link, { text: 'tiny-ko', href: null });
    await page.click('#examples button >> nth=2');
    await waitResult(page, EXAMPLES[2]);
    const d = barsDiff(await pageBars(page), ref.models.q8[2]);
    assert.ok(d <= RELAXED_TOL, `bundled model vs CLI q8: ${d}`);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await waitReady(page);
    assert.match(await page.$eval('#status-text', (e) => e.textContent), /storage/);
    const origins = [...new Set(requests.map((r) => new URL(r.url).origin))];
    assert.deepEqual(origins, [srv.url], `origins contacted: ${origins.join(', ')}`);
    await page.close();

    // ?model= overrides the site's model; the header names it (a file URL is not linked).
    page = await openApp(b, srv.url, 'model=/fixtures/tiny-ko.q4.safetensors&variant=simd128');
    await waitReady(page);
    assert.match(await page.$eval('#model-detail', (e) => e.textContent), /^q4 weights/);
    assert.equal(await page.$eval('#model-link', (e) => e.textContent), '/fixtures/tiny-ko.q4.safetensors');
    await page.click('#examples button >> nth=0');
    await waitResult(page, EXAMPLES[0]);
    assert.ok(barsDiff(await pageBars(page), ref.models.q4[0]) <= Q4_TOL);
    assert.deepEqual(b.errors, []);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
  } finally { await b.close(); }
});

test('space page: a ?model= that fails offers the site’s own model, which then loads', async () => {
  const b = await browser();
  try {
    srv.faults.set('/fixtures/tiny-ko.q4.safetensors', { drop: true });
    const page = await openApp(b, srv.url, 'model=/fixtures/tiny-ko.q4.safetensors&lang=en');
    await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
    const a = await page.$('#error a');
    assert.ok(a, 'a link to the bundled model');
    assert.match(await a.textContent(), /comes with this site \(tiny-ko\)/);
    assert.equal(await a.getAttribute('href'), '?lang=en');
    await a.click();
    await waitReady(page);
    assert.equal(await page.$eval('#model-link', (e) => e.textContent), 'tiny-ko');
  } finally { srv.faults.clear(); await b.close(); }
});

// Another family through the same builder: DistilBERT (no token types, its own tensor names), from
// a vocab.txt-only folder (no tokenizer.json). The bundled file is the CLI's; the page loads it
// with no query string and shows the model's own labels with the CLI's q8 scores.
test('space of a DistilBERT vocab.txt-only folder: the CLI\'s q8 file, its tokenizer files, the page classifies with it', async () => {
  const dir = path.join(ROOT, 'tests/fixtures/tiny-ko-distilbert');
  const out = path.join(OUT, 'space-distilbert');
  const bundled = 'models/tiny-ko-distilbert/gamjeong/model.q8.safetensors';
  fs.rmSync(out, { recursive: true, force: true });
  execFileSync(path.join(ROOT, 'build.sh'), ['space', dir, '--quant', 'q8', '--out', out], {
    env: { ...process.env, SPACE_SITE: DIST, GAMJEONG_CLI: CLI }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.deepEqual(listFiles(path.join(out, 'models')).sort(), [
    'tiny-ko-distilbert/config.json', 'tiny-ko-distilbert/gamjeong/model.q8.safetensors',
    'tiny-ko-distilbert/tokenizer_config.json', 'tiny-ko-distilbert/vocab.txt',
  ]);
  const cliFile = path.join(OUT, 'space-distilbert-cli-q8.safetensors');
  execFileSync(CLI, ['quantize', '--model', dir, '--scheme', 'q8', '--source-id', 'tiny-ko-distilbert', '--revision', 'unknown', '--out', cliFile]);
  assert.equal(sha256File(path.join(out, bundled)), sha256File(cliFile));
  const site = JSON.parse(fs.readFileSync(path.join(out, 'site.json'), 'utf8'));
  assert.equal(site.model, bundled);

  const text = '오늘 밥이 너무 맛있었어. 행복해';
  const want = JSON.parse(execFileSync(CLI, ['classify', '--model', cliFile, '--json', '--activations', '15', text], { encoding: 'utf8' }));
  const own = await startServer({ '/': out });
  const b = await browser();
  try {
    const page = await openApp(b, own.url, 'variant=simd128');
    await waitReady(page);
    await page.fill('#text', text);
    await page.click('#go');
    await waitResult(page, text);
    assert.equal(await page.$eval('#groups', (e) => e.dataset.layout), 'sorted', 'the model\'s own labels, one list');
    const bars = await pageBars(page);
    assert.deepEqual(bars.map((x) => x.label), want.scores.map((x) => x.label), 'labels, highest first');
    const d = barsDiff(bars, want);
    assert.ok(d <= 1e-4, `bundled DistilBERT in the page vs the CLI's q8: ${d}`);
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); await own.close(); }
});
