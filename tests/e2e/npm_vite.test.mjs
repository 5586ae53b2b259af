// The package README's Vite recipe, run as it says from the packed tarball: its index.html,
// main.ts and vite.config.js in a fresh folder with a model in public/models/my-model/, then its
// commands — `npm install ./gamjeong-<version>.tgz`, `npx vite`, `npx vite build`,
// `npx vite preview` — with Chromium opening each server. The results equal the CLI's, the
// config's COOP/COEP headers turn threads on, the console stays clean, and a missing model or
// missing .wasm files reach the recipe's own catch as a GamjeongError code. tsc checks main.ts
// with the README's DOM tsconfig.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, TOL, RELAXED_TOL, EXAMPLES } from './common.mjs';
import {
  docFiles, docRuns, freshApp, copyDir, mustRun, startLine, cliResults, matchesCli, visitRecipe as visit, codeOf,
} from './recipes.mjs';

const TEXT = EXAMPLES[0]; // what main.ts classifies
let app;
let steps;
let cli;

before(() => {
  const files = docFiles();
  app = freshApp('vite', {
    'index.html': files['vite/index.html'], 'main.ts': files['main.ts'],
    'vite.config.js': files['vite/vite.config.js'], 'tsconfig.json': files['vite/tsconfig.json'],
  });
  copyDir(path.join(FIXTURES, 'tiny-ko-preq'), path.join(app, 'public/models/my-model'));
  steps = docRuns().vite;
  assert.deepEqual(steps.map((l) => l.replace(/\.\/gamjeong-[\w.-]+\.tgz$/, 'TARBALL')),
    ['npm install TARBALL', 'npx vite', 'npx vite build', 'npx vite preview'], 'the README’s Vite commands (this test runs these)');
  mustRun(steps[0], app);
  cli = cliResults(path.join(FIXTURES, 'tiny-ko.q8.safetensors'), [TEXT])[0];
});
after(() => fs.rmSync(app, { recursive: true, force: true }));

function assertRecipeWorked(r, where) {
  assert.ok(r.out.startsWith('['), `${where}: main.ts wrote ${r.out}`);
  const got = JSON.parse(r.out);
  assert.equal(got.length, 3, `${where}: top_k 3`);
  const tol = r.variant.endsWith('relaxed') ? RELAXED_TOL : TOL;
  assert.equal(matchesCli(got, cli, tol), null, `${where} (${r.variant})`);
  // vite.config.js's headers make the page cross-origin isolated: a threads build, min(4, cores) threads.
  assert.ok(r.variant.startsWith('threads'), `${where}: ${r.variant}`);
  assert.equal(r.threads, Math.min(4, r.hardwareConcurrency), where);
  assert.deepEqual(r.console.filter((m) => m.type === 'error'), [], `${where}: no error in the console`);
}

test('npx vite: the development server runs main.ts as the README shows it', async () => {
  const srv = await startLine(steps[1], app, ['--port', '0', '--strictPort']);
  try {
    assertRecipeWorked(await visit(`${srv.url}/`), 'vite dev');
  } finally {
    await srv.stop();
  }
});

test('npx vite build + npx vite preview: the built site, and failures as GamjeongError codes', async () => {
  mustRun(steps[2], app);
  const assets = fs.readdirSync(path.join(app, 'dist/assets'));
  assert.equal(assets.filter((f) => f.endsWith('.wasm')).length, 4, `every wasm build is an asset: ${assets}`);
  assert.ok(!assets.some((f) => f.endsWith('.safetensors')), 'the model stays a folder of public/, not an asset');
  const srv = await startLine(steps[3], app, ['--port', '0', '--strictPort']);
  try {
    assertRecipeWorked(await visit(`${srv.url}/`), 'vite preview');

    // No model where main.ts looks: the host's 404 (or its catch-all page) is a code, not a crash.
    const model = path.join(app, 'dist/models/my-model');
    fs.renameSync(model, `${model}.away`);
    let r = await visit(`${srv.url}/`);
    assert.ok(['NOT_FOUND', 'HTML'].includes(codeOf(r.out)), r.out);
    assert.match(r.out, /config\.json/);
    fs.renameSync(`${model}.away`, model);

    // The .wasm files left out of the deployment: NO_WASM naming the build, not a bare Error.
    const wasm = assets.filter((f) => f.endsWith('.wasm')).map((f) => path.join(app, 'dist/assets', f));
    wasm.forEach((f) => fs.renameSync(f, `${f}.away`));
    r = await visit(`${srv.url}/`);
    assert.equal(codeOf(r.out), 'NO_WASM', r.out);
    assert.match(r.out, /pkg/);
    wasm.forEach((f) => fs.renameSync(`${f}.away`, f));
  } finally {
    await srv.stop();
  }
});

test('npx tsc -p tsconfig.json: main.ts checks with the README’s DOM tsconfig', () => {
  mustRun('npx tsc -p tsconfig.json', app);
});
