// The "Why?" view (www/explain-view.js) and model.explain() in headless Chromium, against the
// native CLI's `gamjeong explain --json` on the same q8 file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { server, browser, blankPage, loadIn, pageTimersPast, DEBOUNCE_MS, OUT, FIXTURES, CLI, LIKE_BROWSER, EXAMPLES, TOL } from './common.mjs';

let srv;
before(async () => { srv = await server(); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await srv?.close(); });

const Q8 = '/fixtures/tiny-ko.q8.safetensors';
const EXACT = `model=${Q8}&variant=simd128`;

/** `gamjeong explain --json` on the e2e q8 fixture: one parsed line per text. */
function cli(texts, label) {
  const args = ['explain', '--model', path.join(FIXTURES, 'tiny-ko.q8.safetensors'), '--json', ...LIKE_BROWSER];
  if (label !== undefined) args.push('--label', String(label));
  const out = execFileSync(CLI, args, { input: texts.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
  return out.trim().split('\n').map((l) => JSON.parse(l));
}

async function openPage(b, viewport = { width: 1280, height: 900 }) {
  const page = await b.context.newPage();
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.setViewportSize(viewport);
  await page.goto(`${srv.url}/?${EXACT}`);
  await page.waitForSelector('#status[data-phase="ready"]', { timeout: 60_000 });
  return page;
}

/** Waits for the view to show `text` explained for `label` (a label name). */
function waitWhy(page, text, label) {
  return page.waitForFunction(([text, label]) => {
    const w = document.getElementById('why');
    return w && w.dataset.state === 'ready' && w.dataset.text === text && (!label || w.dataset.label === label);
  }, [text, label], { timeout: 30_000 });
}

function words(page) {
  return page.$$eval('#why .why-word', (els) => els.map((e) => ({
    text: e.firstChild.textContent, score: e.dataset.wordScore, sign: e.dataset.sign,
    spoken: e.querySelector('.visually-hidden')?.textContent ?? '',
  })));
}

/** Page words vs a CLI line: same words, scores within TOL, accessible signed pp text. */
function checkWords(got, want, what) {
  const scored = want.words.filter((w) => w.score !== null);
  assert.deepEqual(got.map((w) => w.text), scored.map((w) => w.text), `${what}: words`);
  let worst = 0;
  for (const [g, w] of got.map((g, i) => [g, scored[i]])) {
    assert.match(g.score, /^-?\d+\.\d+$/, `${what}: data-word-score is a decimal`);
    worst = Math.max(worst, Math.abs(Number(g.score) - w.score));
    const pp = (100 * w.score).toFixed(1);
    assert.match(g.spoken, /^ \((?:[+−]\d+\.\d|±0\.0) pp\)$/, `${what}: spoken value ${g.spoken}`);
    if (Math.abs(100 * w.score) >= 0.06) assert.ok(g.spoken.includes(pp.replace('-', '')), `${what}: ${g.spoken} vs ${pp}`);
  }
  assert.ok(worst <= TOL, `${what}: max |Δ word score| vs CLI ${worst} > ${TOL}`);
  return worst;
}

test('the Why? view equals the CLI for every example, label by button, bar click and keyboard; screenshots', async () => {
  const ref = cli(EXAMPLES);
  const b = await browser();
  try {
    const page = await openPage(b);
    let worst = 0;
    for (let i = 0; i < EXAMPLES.length; i++) {
      await page.click(`#examples button >> nth=${i}`);
      await waitWhy(page, EXAMPLES[i], ref[i].label);
      worst = Math.max(worst, checkWords(await words(page), ref[i], `example ${i}`));
      const buttons = await page.$$eval('#why .why-label', (els) => els.map((e) => [e.textContent, e.getAttribute('aria-pressed')]));
      assert.equal(buttons.length, 3);
      assert.deepEqual(buttons[0], [ref[i].label, 'true'], 'the top label is explained first');
    }
    console.log(`Why? view vs CLI, ${EXAMPLES.length} examples: max |Δ word score| ${worst.toExponential(2)}`);

    // The second of the top 3, by its button.
    const text = EXAMPLES[EXAMPLES.length - 1];
    const second = await page.$eval('#why .why-label:nth-child(2)', (e) => e.textContent);
    await page.click('#why .why-label:nth-child(2)');
    await waitWhy(page, text, second);
    checkWords(await words(page), cli([text], second)[0], 'second label');

    // Keyboard: from the text box, Tab reaches the label buttons; Enter picks one.
    await page.focus('#text');
    let reached = null;
    for (let n = 0; n < 20 && !reached; n++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => (document.activeElement.classList.contains('why-label') ? document.activeElement.textContent : null));
    }
    assert.ok(reached, 'Tab reaches the Why? label buttons');
    await page.keyboard.press('Enter');
    await waitWhy(page, text, reached);

    // Any bar: a click, or Enter on a focused bar (bars are tab stops).
    const low = await page.$eval('#groups .bar:last-child', (e) => e.dataset.label);
    await page.click(`#groups .bar[data-label="${low}"]`);
    await waitWhy(page, text, low);
    checkWords(await words(page), cli([text], low)[0], `bar ${low}`);
    assert.equal(await page.$$eval('#why .why-label.other', (e) => e.length), 1, 'a label outside the top 3 is named');
    const barLabel = await page.$eval('#groups .bar:nth-child(2)', (e) => e.dataset.label);
    await page.focus(`#groups .bar[data-label="${barLabel}"]`);
    assert.equal(await page.evaluate(() => document.activeElement.dataset.label), barLabel, 'a bar takes focus');
    await page.keyboard.press('Enter');
    await waitWhy(page, text, barLabel);

    // Screenshots: desktop and phone, light and dark (a new text: its top label).
    await page.click('#examples button >> nth=0');
    await waitWhy(page, EXAMPLES[0], ref[0].label);
    // The top 3 and the view (the bars below are the page's own screenshots).
    const shot = async (name) => {
      const clip = await page.evaluate(() => {
        const a = document.getElementById('top').getBoundingClientRect();
        const b = document.getElementById('why').getBoundingClientRect();
        const y = a.top + window.scrollY - 8;
        return { x: 0, y, width: document.documentElement.clientWidth, height: b.bottom + window.scrollY + 8 - y };
      });
      await page.screenshot({ path: path.join(OUT, name), clip, fullPage: true });
    };
    await shot('explain-desktop.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('explain-desktop-dark.png');
    await page.setViewportSize({ width: 360, height: 780 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scroll at 360 px');
    await shot('explain-mobile-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });
    await shot('explain-mobile.png');
    assert.deepEqual(b.errors, []);
    assert.deepEqual(await page.evaluate(() => window.__csp), [], 'CSP violations');
  } finally { await b.close(); }
});

test('typing and IME composition cancel a pending explanation; the new text gets its own', async () => {
  const b = await browser();
  try {
    const page = await openPage(b);
    await page.click('#examples button >> nth=0');
    await waitWhy(page, EXAMPLES[0]);
    // Composition starts right after a result: the view goes stale and no explanation runs
    // for the half-typed text while composing.
    await page.focus('#text');
    await page.keyboard.press('End');
    await page.evaluate(() => document.getElementById('text').dispatchEvent(new CompositionEvent('compositionstart')));
    assert.equal(await page.$eval('#why', (e) => e.dataset.state), 'stale');
    const count = await page.$eval('#results', (e) => e.dataset.count);
    await page.keyboard.insertText(' 정말');
    // Explanations follow classifications: none started once the input's debounce has run, so none can come.
    await pageTimersPast(page, DEBOUNCE_MS);
    assert.deepEqual(await page.$eval('#results', (e) => [e.dataset.count, e.getAttribute('aria-busy')]), [count, 'false'], 'classified while composing');
    assert.deepEqual(await page.$eval('#why', (e) => [e.dataset.text, e.dataset.state]), [EXAMPLES[0], 'stale'], 'nothing explained while composing');
    await page.evaluate(() => document.getElementById('text').dispatchEvent(new CompositionEvent('compositionend')));
    const typed = `${EXAMPLES[0]} 정말`;
    await waitWhy(page, typed);
    const got = await words(page);
    assert.equal(got.at(-1).text, '정말');
    checkWords(got, cli([typed])[0], 'typed text');
  } finally { await b.close(); }
});

test('model.explain: UTF-16 offsets, label by name or index, queued with classify, bad labels', async () => {
  const b = await browser();
  try {
    const page = await blankPage(b, srv.url);
    const loaded = await loadIn(page, { model: Q8, variant: 'simd128' });
    assert.ok(loaded.info, JSON.stringify(loaded.error));
    const text = ' 😀오늘  \u{1F1F0}\u{1F1F7}韓國語\t좋아👍\n끝 ';
    const r = await page.evaluate(async (text) => {
      const c = window.__c;
      const [a, e, z, byName] = await Promise.all([
        c.classify('첫째'), c.explain(text), c.classify('셋째'), c.explain(text, { label: '기쁨' }),
      ]);
      const bad = await c.explain(text, { label: '없는감정' }).catch((err) => ({ code: err.code, message: err.message }));
      const badType = await c.explain(text, { label: -1 }).catch((err) => ({ code: err.code, message: err.message }));
      const empty = await c.explain('  \n ');
      return {
        order: [a.text, z.text], e, byName, bad, badType, empty,
        sliced: e.words.map((w) => text.slice(w.start, w.end) === w.text),
      };
    }, text);
    assert.deepEqual(r.order, ['첫째', '셋째']);
    assert.deepEqual(r.e.words.map((w) => w.text), text.split(/\s+/).filter(Boolean));
    assert.ok(r.sliced.every(Boolean), 'text.slice(start, end) === word.text');
    const want = cli([text.replace(/\s+/g, ' ')]);
    assert.equal(r.e.label, want[0].label);
    assert.equal(r.byName.label, '기쁨');
    assert.equal(r.byName.index, 50);
    assert.match(r.bad.message, /없는감정/);
    assert.equal(r.badType.code, 'BAD_INPUT');
    assert.deepEqual(r.empty.words, []);
  } finally { await b.close(); }
});
