// Makes the e2e fixture models and the CLI's reference outputs, at test time, from
// a seeded 60-label BERT in HF layout with the native CLI:
//   (source: tests/fixtures/tiny-ko-q, the well-conditioned fixture made for quantization;
//   E2E_FIXTURE=tiny-ko picks the other one)
//   fixtures/tiny-ko/                     the f32 HF folder (the browser converts it)
//   fixtures/tiny-ko-preq/                same + gamjeong/model.q8.safetensors (pre-quantized)
//   fixtures/tiny-ko.q8.safetensors, .q4  single quantized files (CLI quantize)
//   reference.json                        CLI `classify --json` for every text and model, with
//                                         the browser's 15-bit activations (LIKE_BROWSER)
// Usage: node tests/e2e/prepare.mjs   (GAMJEONG_CLI = path of the gamjeong binary)
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT, OUT, FIXTURES, CLI, TEXTS, LIKE_BROWSER } from './common.mjs';

function run(args, input) {
  return execFileSync(CLI, args, { input, encoding: 'utf8', maxBuffer: 1 << 28 });
}

if (!fs.existsSync(CLI)) {
  console.error(`prepare: the gamjeong CLI is not at ${CLI}: build it (cargo build --bin gamjeong) or set GAMJEONG_CLI`);
  process.exit(1);
}
const src = path.join(ROOT, 'tests/fixtures', process.env.E2E_FIXTURE || 'tiny-ko-q');
fs.rmSync(FIXTURES, { recursive: true, force: true });
fs.mkdirSync(FIXTURES, { recursive: true });
for (const dir of ['tiny-ko', 'tiny-ko-preq']) {
  fs.mkdirSync(path.join(FIXTURES, dir));
  for (const f of ['config.json', 'tokenizer.json', 'model.safetensors']) {
    fs.copyFileSync(path.join(src, f), path.join(FIXTURES, dir, f));
  }
}
fs.mkdirSync(path.join(FIXTURES, 'tiny-ko-preq/gamjeong'));
const models = { f32: path.join(FIXTURES, 'tiny-ko') };
for (const scheme of ['q8', 'q4']) {
  const out = path.join(FIXTURES, `tiny-ko.${scheme}.safetensors`);
  run(['quantize', '--model', src, '--scheme', scheme, '--out', out]);
  models[scheme] = out;
}
run(['quantize', '--model', src, '--scheme', 'q8', '--out', path.join(FIXTURES, 'tiny-ko-preq/gamjeong/model.q8.safetensors')]);

const reference = { texts: TEXTS, cli: CLI, source: src, models: {} };
for (const [name, model] of Object.entries(models)) {
  const lines = run(['classify', '--model', model, '--json', ...LIKE_BROWSER], TEXTS.join('\n') + '\n').trim().split('\n');
  if (lines.length !== TEXTS.length) throw new Error(`${name}: ${lines.length} CLI lines for ${TEXTS.length} texts`);
  reference.models[name] = lines.map((l) => JSON.parse(l));
}
fs.writeFileSync(path.join(OUT, 'reference.json'), JSON.stringify(reference));
const sizes = Object.fromEntries(fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.safetensors'))
  .map((f) => [f, fs.statSync(path.join(FIXTURES, f)).size]));
console.log(`prepare: fixtures in ${path.relative(ROOT, FIXTURES)}:`, sizes);
