// The package README's Node.js recipe, run as it says from the packed tarball: classify.mjs on a
// model folder given as a path, with the default cache and with $GAMJEONG_CACHE_DIR (a second
// run reads the cache: the folder's weights are gone by then), a missing folder as the
// recipe's `${code}: ${message}`; the whole-file recipe (reviews.mjs) against the CLI's rows;
// and its TypeScript: moods.ts under the README's Node-only tsconfig (no DOM lib, no
// @types/node), a wrong pipeline option named by tsc.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FIXTURES, TOL, RELAXED_TOL, DIST } from './common.mjs';
import { docFiles, docRuns, freshApp, copyDir, mustRun, runLine, cliResults, matchesCli } from './recipes.mjs';
import { BULK, cliOutputs } from './bulk.mjs';

let app;
let steps;
let texts;
let cli;
let tol;
/** The user's environment: a home of its own, so the default cache directory is the test's. */
let env;

before(async () => {
  const files = docFiles();
  app = freshApp('node', {
    'classify.mjs': files['node/classify.mjs'], 'reviews.mjs': files['node/reviews.mjs'],
    'tsconfig.json': files['node/tsconfig.json'], 'moods.ts': files['node/moods.ts'],
  });
  copyDir(path.join(FIXTURES, 'tiny-ko'), path.join(app, 'models/my-model'));
  env = { HOME: path.join(app, 'home'), XDG_CACHE_HOME: '', GAMJEONG_CACHE_DIR: '' };
  steps = docRuns().node;
  assert.deepEqual(steps.map((l) => l.replace(/\.\/gamjeong-[\w.-]+\.tgz$/, 'TARBALL')), [
    'npm install TARBALL', 'node classify.mjs ./models/my-model/', 'GAMJEONG_CACHE_DIR=./model-cache node classify.mjs ./models/my-model/',
  ], 'the README’s Node.js commands (this test runs these)');
  mustRun(steps[0], app);
  texts = JSON.parse(/classify\((\[[^\]]*\])/.exec(files['node/classify.mjs'])[1].replaceAll("'", '"'));
  cli = cliResults(path.join(FIXTURES, 'tiny-ko.q8.safetensors'), texts);
  // Node picks its build as a browser does: relaxed SIMD where V8 has it (not Node 20).
  const { wasmSupport } = await import(pathToFileURL(path.join(DIST, 'node.js')).href);
  tol = wasmSupport().relaxed ? RELAXED_TOL : TOL;
});
after(() => fs.rmSync(app, { recursive: true, force: true }));

function assertOutput(stdout, what) {
  const out = JSON.parse(stdout);
  assert.equal(out.length, texts.length, what);
  out.forEach((got, i) => {
    assert.equal(got.length, 2, `${what}: top_k 2`);
    assert.equal(matchesCli(got, cli[i], tol), null, `${what}: ${texts[i]}`);
  });
}

const cacheEntries = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.body')) : []);

test('node classify.mjs ./models/my-model/: a folder by its path, cached in ~/.cache/gamjeong', () => {
  assertOutput(mustRun(steps[1], app, env), steps[1]);
  assert.equal(cacheEntries(path.join(env.HOME, '.cache/gamjeong')).length, 1, 'the converted q8 file');
});

test('GAMJEONG_CACHE_DIR: the cache in that directory; the next run reads it', () => {
  assertOutput(mustRun(steps[2], app, env), steps[2]);
  assert.equal(cacheEntries(path.join(app, 'model-cache')).length, 1);
  // Without the folder's weights, only the cache can answer.
  const weights = path.join(app, 'models/my-model/model.safetensors');
  fs.renameSync(weights, `${weights}.away`);
  try {
    assertOutput(mustRun(steps[2], app, env), `${steps[2]}, again`);
  } finally {
    fs.renameSync(`${weights}.away`, weights);
  }
});

test('a folder that is not there: the recipe prints the GamjeongError’s code and exits 1', () => {
  const r = runLine('node classify.mjs ./models/not-here/', app, env);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^NOT_FOUND: config\.json was not found at file:\/\/\S+\/models\/not-here\/config\.json/);
});

test('node reviews.mjs reviews.csv: the whole-file recipe gives the CLI’s rows; a malformed file is BAD_INPUT naming its line', () => {
  const [line] = docRuns().file;
  assert.equal(line, 'node reviews.mjs reviews.csv', 'the README’s command (this test runs it)');
  fs.copyFileSync(path.join(BULK, 'reviews.csv'), path.join(app, 'reviews.csv'));
  const out = mustRun(`${line} 2>summary.txt`, app, env).trim().split('\n').map((l) => JSON.parse(l));
  const want = cliOutputs(path.join(FIXTURES, 'tiny-ko.q8.safetensors'), path.join(BULK, 'reviews.csv'), { column: 'text' })
    .jsonl.toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(out.length, want.length);
  out.forEach((r, i) => {
    assert.equal(r.label, want[i].label, `row ${i}`);
    assert.ok(Math.abs(r.score - want[i].score) <= tol, `row ${i}: ${r.score} vs ${want[i].score}`);
  });
  assert.equal(fs.readFileSync(path.join(app, 'summary.txt'), 'utf8').trim(), `${want.filter((r) => !r.skipped).length} of ${want.length} rows classified`);
  fs.copyFileSync(path.join(BULK, 'unterminated.csv'), path.join(app, 'bad.csv'));
  const r = runLine('node reviews.mjs bad.csv', app, env);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^BAD_INPUT: .*line \d+/);
});

test('tsc: moods.ts under the README’s Node-only tsconfig; a wrong option is named', () => {
  mustRun('npx tsc -p tsconfig.json', app);
  const cfg = JSON.parse(fs.readFileSync(path.join(app, 'tsconfig.json'), 'utf8'));
  assert.deepEqual(cfg.compilerOptions.lib, ['ES2022'], 'no DOM lib');
  assert.deepEqual(cfg.compilerOptions.types, [], 'no @types/node');
  // The check can fail: the Classifier's topK on the pipeline's call, a label used as a number.
  fs.mkdirSync(path.join(app, 'bad'));
  fs.writeFileSync(path.join(app, 'bad/topk.ts'), `import { pipeline } from 'gamjeong';
const classify = await pipeline('text-classification');
export const r = await classify('좋아', { topK: 3 });
`);
  fs.writeFileSync(path.join(app, 'bad/label.ts'), `import { pipeline } from 'gamjeong';
const classify = await pipeline('text-classification');
const r = await classify('좋아', { top_k: 1 });
export const wrong: number = r[0].label;
`);
  fs.writeFileSync(path.join(app, 'bad/tsconfig.json'), JSON.stringify({ ...cfg, include: ['*.ts'] }));
  const r = runLine('npx tsc -p bad/tsconfig.json', app);
  assert.notEqual(r.status, 0);
  assert.match(r.stdout, /topk\.ts.*TS2561.*'topK' does not exist.*Did you mean to write 'top_k'\?/);
  assert.match(r.stdout, /label\.ts.*TS2322/);
});
