// The JS library's shape and the promises it makes beyond the browser tests: the modules of
// www/ (no cycle, none over 300 lines, the page on the public API only), the npm package's
// side effects, an unknown `variant`, and `Classifier.plan` against the storage the loads really
// use: Node's cache directory, and IndexedDB where the browser's Cache API refuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { ROOT, DIST, FIXTURES, server, browser, blankPage } from './common.mjs';
import { importsOf, moduleGraph, npmFiles, SIDE_EFFECTS } from '../../scripts/builds.mjs';

const WWW = path.join(ROOT, 'www');
/** The www/ modules `rel` imports, build folders and non-JS files left out. */
const imports = (rel) => importsOf(rel).filter((r) => r.endsWith('.js') && !/^pkg[^/]*\//.test(r));
const LIBRARY = moduleGraph(['gamjeong.js', 'node.js']).filter((f) => f.endsWith('.js'));
const PAGE = moduleGraph(['app.js', 'sw.js']).filter((f) => f.endsWith('.js') && !LIBRARY.includes(f));

test('the library: no import cycle, no module over 300 lines', () => {
  assert.ok(LIBRARY.includes('runtime/load.js') && LIBRARY.includes('classifier.js'), LIBRARY.join(' '));
  const state = new Map();
  const visit = (m, trail) => {
    if (state.get(m) === 'done') return;
    assert.notEqual(state.get(m), 'open', `import cycle: ${[...trail, m].join(' -> ')}`);
    state.set(m, 'open');
    for (const d of imports(m)) visit(d, [...trail, m]);
    state.set(m, 'done');
  };
  LIBRARY.forEach((m) => visit(m, []));
  for (const m of [...LIBRARY, ...PAGE]) {
    const lines = fs.readFileSync(path.join(WWW, m), 'utf8').split('\n').length;
    assert.ok(lines <= 300, `www/${m}: ${lines} lines`);
  }
});

test('the page imports the library only through gamjeong.js; i18n.js imports nothing', () => {
  for (const m of PAGE) {
    const lib = imports(m).filter((d) => LIBRARY.includes(d));
    assert.ok(lib.every((d) => d === 'gamjeong.js'), `www/${m} imports ${lib.join(', ')}`);
  }
  assert.deepEqual(imports('i18n.js'), []);
});

test('npm package: the modules that act on import are its sideEffects, and it ships them', () => {
  const pkg = JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'scripts/npm-package.mjs'), '0.0.0'], { encoding: 'utf8' }));
  assert.deepEqual(pkg.sideEffects, SIDE_EFFECTS.map((f) => `./${f}`));
  // node.js sets the Node host on import: dropping it would break every Node load.
  assert.match(fs.readFileSync(path.join(WWW, 'node.js'), 'utf8'), /^platform\.\w+ = /m);
  for (const f of SIDE_EFFECTS) assert.ok(npmFiles().includes(f), f);
});

let gj;
let cacheDir;
before(async () => {
  gj = await import(pathToFileURL(path.join(DIST, 'node.js')).href);
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gamjeong-plan-'));
});
after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

test('an unknown variant is BAD_INPUT, not some build', async () => {
  await assert.rejects(gj.Classifier.load({ model: path.join(FIXTURES, 'tiny-ko.q8.safetensors'), cache: false, variant: 'simd256' }),
    (e) => e.code === 'BAD_INPUT' && /simd256/.test(e.message) && /'threads-relaxed'/.test(e.message));
});

test('Classifier.plan in Node: sizes from the files, "cached" from the cache directory the loads use', async () => {
  const folder = path.join(FIXTURES, 'tiny-ko');
  const size = (f) => fs.statSync(path.join(folder, f)).size;
  for (const quant of ['q8', 'f32']) {
    const opts = { model: folder, quant, cacheDir, variant: 'simd128' };
    assert.deepEqual(await gj.Classifier.plan(opts), { cached: false, bytes: size('model.safetensors'), convert: quant === 'q8' });
    (await gj.Classifier.load(opts)).dispose();
    assert.deepEqual(await gj.Classifier.plan(opts), { cached: true, bytes: 0, convert: false }, quant);
    // Another cache directory has nothing, and `cache: false` never looks.
    assert.equal((await gj.Classifier.plan({ ...opts, cacheDir: path.join(cacheDir, 'other') })).cached, false);
    assert.equal((await gj.Classifier.plan({ ...opts, cache: false })).cached, false);
  }
  const preq = path.join(FIXTURES, 'tiny-ko-preq');
  assert.deepEqual(await gj.Classifier.plan({ model: preq, cacheDir }),
    { cached: false, bytes: fs.statSync(path.join(preq, 'gamjeong/model.q8.safetensors')).size, convert: false });
  assert.equal(await gj.Classifier.plan({ model: path.join(cacheDir, 'no-such-folder/'), cacheDir }), null);
});

test('Classifier.plan in a browser whose Cache API refuses: "cached" once the model is in IndexedDB', async () => {
  const srv = await server();
  const b = await browser();
  try {
    const page = await blankPage(b, srv.url);
    await page.evaluate(() => {
      const no = () => Promise.reject(new DOMException('The operation is insecure.', 'SecurityError'));
      Object.defineProperty(window, 'caches', { value: { open: no, keys: no, delete: no, match: no, has: no }, configurable: true });
    });
    const r = await page.evaluate(async () => {
      const { Classifier } = await import('/gamjeong.js');
      const model = '/fixtures/tiny-ko.q8.safetensors';
      const before = await Classifier.plan({ model });
      const c = await Classifier.load({ model, worker: false, variant: 'simd128' });
      const storage = c.info.storage;
      c.dispose();
      return { before, storage, after: await Classifier.plan({ model }) };
    });
    assert.deepEqual(r, {
      before: { cached: false, bytes: fs.statSync(path.join(FIXTURES, 'tiny-ko.q8.safetensors')).size, convert: false },
      storage: 'indexeddb',
      after: { cached: true, bytes: 0, convert: false },
    });
  } finally {
    await b.close();
    await srv.close();
  }
});
