// The package README's esbuild recipe, run as it says from the packed tarball: main.ts bundled
// without gamjeong, the package's folder copied next to the bundle and named by an import map.
// In Chromium the results equal the CLI's, threads run on a cross-origin isolated page, and a
// missing model reaches the recipe's catch as a GamjeongError code. Also the way the README
// used to describe (gamjeong bundled in, some of its files copied beside the bundle): it does not
// work, and says so with a code instead of a bare Error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, TOL, RELAXED_TOL, EXAMPLES, server } from './common.mjs';
import {
  docFiles, docRuns, freshApp, copyDir, mustRun, cliResults, matchesCli, visitRecipe, codeOf,
} from './recipes.mjs';

let app;
let cli;

before(() => {
  const files = docFiles();
  app = freshApp('esbuild', { 'main.ts': files['main.ts'], 'public/index.html': files['esbuild/public/index.html'] });
  copyDir(path.join(FIXTURES, 'tiny-ko'), path.join(app, 'public/models/my-model'));
  const steps = docRuns().esbuild;
  assert.equal(steps.length, 3, 'install, bundle, copy');
  for (const line of steps) mustRun(line, app);
  cli = cliResults(path.join(FIXTURES, 'tiny-ko.q8.safetensors'), [EXAMPLES[0]])[0];
});
after(() => fs.rmSync(app, { recursive: true, force: true }));

/** `dir` served (COOP/COEP unless `isolated: false`) and opened as the README's page: visitRecipe's result and the requests. */
async function visit(dir, { isolated = true } = {}) {
  const srv = await server({ '/': dir }, { isolated });
  try {
    return { ...await visitRecipe(`${srv.url}/index.html`), requests: srv.log };
  } finally {
    await srv.close();
  }
}

test('esbuild + the package folder + an import map: results equal the CLI, on threads when isolated', async () => {
  const bundle = fs.readFileSync(path.join(app, 'public/app.js'), 'utf8');
  assert.match(bundle, /from ["']gamjeong["']/, 'gamjeong stays out of the bundle');
  for (const isolated of [true, false]) {
    const r = await visit(path.join(app, 'public'), { isolated });
    assert.ok(r.out.startsWith('['), r.out);
    const tol = r.variant.endsWith('relaxed') ? RELAXED_TOL : TOL;
    assert.equal(matchesCli(JSON.parse(r.out), cli, tol), null, `${r.variant}`);
    assert.equal(r.variant.startsWith('threads'), isolated, r.variant);
    assert.equal(r.threads > 1, isolated);
    // Everything the page asked for exists: the package's files, the bundle and the model.
    // The folder has no pre-quantized file: the one 404 is the probe for it (README: "Where the model comes from").
    const missing = r.requests.filter((q) => !fs.existsSync(path.join(app, 'public', q.path)));
    assert.deepEqual(missing.map((q) => q.path), ['/models/my-model/gamjeong/model.q8.safetensors']);
  }
});

test('esbuild: a model folder that is not there is NOT_FOUND through the recipe’s catch', async () => {
  const model = path.join(app, 'public/models/my-model');
  fs.renameSync(model, `${model}.away`);
  try {
    const r = await visit(path.join(app, 'public'));
    assert.equal(codeOf(r.out), 'NOT_FOUND', r.out);
    assert.match(r.out, /config\.json/);
  } finally {
    fs.renameSync(`${model}.away`, model);
  }
});

test('gamjeong bundled in with some of its files beside the bundle (the old advice): a coded error, not a bare Error', async () => {
  const site = path.join(app, 'bundled');
  fs.mkdirSync(site);
  fs.writeFileSync(path.join(site, 'index.html'), docFiles()['esbuild/public/index.html'].replace(/<script type="importmap">.*\n/, ''));
  copyDir(path.join(app, 'public/models'), path.join(site, 'models'));
  mustRun(`npx esbuild main.ts --bundle --format=esm --outfile=${site}/app.js`, app);
  // worker.js, the runtime without storage.js, and the wasm builds, as the old README listed them.
  const pkg = path.join(app, 'node_modules/gamjeong');
  for (const f of ['worker.js', 'runtime', 'pkg', 'pkg-relaxed']) copyDir(path.join(pkg, f), path.join(site, f));
  fs.rmSync(path.join(site, 'runtime/storage.js'));
  const r = await visit(site);
  // The worker cannot import its modules; the bundled in-page fallback then finds no .wasm next to the bundle.
  assert.ok(['WORKER', 'NO_WASM'].includes(codeOf(r.out)), r.out);
  assert.doesNotMatch(r.out, /is worker\.js served/);
});
