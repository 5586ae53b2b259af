// The generic-classifier fixtures (tests/fixtures/make_generic_fixtures.py) and the check that
// a pipeline's results are transformers' `pipeline("text-classification", top_k=None)` ones;
// shared by the Node and the Chromium tests so both are held to the same reference.
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { ROOT } from './common.mjs';

export const GENERIC = ['tiny-ko-sentiment', 'tiny-ko-multilabel', 'tiny-ko-electra', 'tiny-ko-electra-multilabel'];
export const genericDir = (name) => path.join(ROOT, 'tests/fixtures', name);
export const genericReference = (name) => JSON.parse(fs.readFileSync(path.join(genericDir(name), 'reference.json'), 'utf8'));

/**
 * `got[i]`: what `classifier(text, {top_k: null})` returned for reference case i. Same labels,
 * scores within `tol`, the same order (labels whose reference scores are within `tol` may swap).
 * Returns the largest |Δ|.
 */
export function assertPipelineParity(name, got, ref, tol) {
  assert.equal(got.length, ref.cases.length);
  let worst = 0;
  ref.cases.forEach((c, i) => {
    const out = got[i];
    assert.equal(out.length, c.pipeline.length, `${name} case ${i}`);
    c.pipeline.forEach((want, rank) => {
      const ours = out.find((r) => r.label === want.label);
      assert.ok(ours, `${name} case ${i}: no label ${want.label}`);
      assert.deepEqual(Object.keys(ours).sort(), ['label', 'score'], 'a pipeline result is {label, score}');
      worst = Math.max(worst, Math.abs(ours.score - want.score));
      assert.ok(out[rank].label === want.label || Math.abs(out[rank].score - want.score) <= tol,
        `${name} case ${i} rank ${rank}: ${JSON.stringify(out[rank])} vs ${JSON.stringify(want)}`);
    });
  });
  assert.ok(worst <= tol, `${name}: max |Δ| ${worst} > ${tol}`);
  return worst;
}

/**
 * transformers.js's shapes (src/pipelines/text-classification.js): one text → [{label, score}]
 * (top_k entries, 1 by default); an array → a flat list with top_k 1, else one list per text.
 * `run(texts, options)` calls the pipeline under test.
 */
export async function assertResultShapes(run, nLabels) {
  const one = await run('오늘 정말 행복해', undefined);
  assert.ok(Array.isArray(one) && one.length === 1 && typeof one[0].label === 'string' && typeof one[0].score === 'number');
  const all = await run('오늘 정말 행복해', { top_k: null });
  assert.equal(all.length, nLabels);
  assert.deepEqual(all[0], one[0]);
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].score >= all[i].score);
  const two = await run('오늘 정말 행복해', { top_k: 2 });
  assert.deepEqual(two, all.slice(0, 2));
  const flat = await run(['행복해', '화가 나'], undefined);
  assert.equal(flat.length, 2);
  assert.ok(flat.every((r) => !Array.isArray(r) && typeof r.label === 'string'));
  assert.deepEqual(flat[0], one.length && (await run('행복해', undefined))[0]);
  const nested = await run(['행복해', '화가 나'], { top_k: 2 });
  assert.ok(nested.length === 2 && nested.every((r) => Array.isArray(r) && r.length === 2));
  assert.deepEqual(nested[1][0], flat[1]);
  const big = await run('행복해', { top_k: 100 });
  assert.equal(big.length, nLabels, 'top_k beyond the label count gives every label');
  assert.deepEqual(await run([], undefined), []);
}
