// The demo page on a phone and in two languages. At 390 px with touch: the examples take one
// row, no keyboard hints, and after a tap (or Ctrl+Enter) the top emotion is scrolled into the
// viewport (smoothly, or at once under reduced motion). Korean by navigator.language, English
// by the visible switch (?lang=, nothing stored); every string in both. Screenshots (phone and
// desktop, ko and en) go to target/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { server, browser, openApp, waitReady, waitResult, OUT, EXAMPLES } from './common.mjs';
import { STRINGS, pickLang } from '../../www/i18n.js';

const Q8 = '/fixtures/tiny-ko.q8.safetensors';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
let srv;
before(async () => { srv = await server(); });
after(async () => { await srv?.close(); });

/** The top emotion's box, and whether it lies inside the viewport. */
const topInView = (page) => page.evaluate(() => {
  const r = document.querySelector('#top .top-item').getBoundingClientRect();
  return { top: r.top, bottom: r.bottom, inside: r.top >= 0 && r.bottom <= innerHeight && r.height > 0, scrollY };
});
const waitInView = (page) => page.waitForFunction(() => {
  const r = document.querySelector('#top .top-item')?.getBoundingClientRect();
  return r && r.top >= 0 && r.bottom <= innerHeight;
}, null, { timeout: 5000 });

test('i18n table: the same keys (and kinds of value) in Korean and English; ?lang= first, then the browser languages', () => {
  const shape = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k,
    v && typeof v === 'object' && !Array.isArray(v) ? shape(v) : Array.isArray(v) ? `array${v.length}` : typeof v]));
  assert.deepEqual(shape(STRINGS.ko), shape(STRINGS.en));
  assert.equal(pickLang('en', ['ko-KR']), 'en');
  assert.equal(pickLang(null, ['ko-KR', 'en']), 'ko');
  assert.equal(pickLang(null, ['en-GB', 'ko']), 'en');
  assert.equal(pickLang(null, ['fr-FR']), 'ko');
  assert.equal(pickLang('xx', ['de']), 'ko');
});

test('phone, Korean browser: Korean page, one row of examples, no keyboard hints, tapped result scrolled into view', async () => {
  const b = await browser({ ...PHONE, locale: 'ko-KR' });
  try {
    const page = await openApp(b, srv.url, `model=${Q8}`, null);
    await waitReady(page);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ko');
    assert.equal(await page.$eval('#status-phase', (e) => e.textContent), STRINGS.ko.phase.ready);
    assert.equal(await page.$eval('#lang a[aria-current]', (e) => e.textContent), '한국어');
    const layout = await page.evaluate(() => ({
      fine: matchMedia('(pointer: fine)').matches,
      hints: [...document.querySelectorAll('.kbd-only')].map((e) => getComputedStyle(e).display),
      examples: document.getElementById('examples').getBoundingClientRect().height,
      scrollWidth: document.documentElement.scrollWidth,
    }));
    assert.equal(layout.fine, false, 'a touch screen is no fine pointer');
    assert.deepEqual(layout.hints, ['none', 'none'], 'no keyboard hints on a touch screen');
    assert.ok(layout.examples <= 60, `examples take ${layout.examples} px`);
    assert.ok(layout.scrollWidth <= 390, 'no horizontal scroll');
    await page.screenshot({ path: path.join(OUT, 'phone-390-ko-start.png') });

    await page.tap('#examples button >> nth=0');
    await waitResult(page, EXAMPLES[0]);
    await waitInView(page);
    assert.ok((await topInView(page)).inside);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(OUT, 'phone-390-ko.png') });

    // A shorter screen (a small phone, or the browser's bars shown): the result lands below
    // the first screen and is scrolled up to.
    await page.setViewportSize({ width: 390, height: 600 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.tap('#examples button >> nth=1');
    await waitResult(page, EXAMPLES[1], 2);
    await waitInView(page);
    const after = await topInView(page);
    assert.ok(after.inside, JSON.stringify(after));
    assert.ok(after.bottom + after.scrollY > 600, `the top emotion sits at ${after.bottom + after.scrollY} px, inside the first screen`);
    assert.ok(after.scrollY > 0, 'the page scrolled to it');

    // Reduced motion: the same, at once.
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.tap('#examples button >> nth=2');
    await waitResult(page, EXAMPLES[2], 3);
    assert.ok((await topInView(page)).inside, 'in view as soon as shown');

    // Ctrl+Enter (a phone with a keyboard attached).
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.fill('#text', '오늘 하루도 고마웠어');
    await page.focus('#text');
    await page.keyboard.press('Control+Enter');
    await waitResult(page, '오늘 하루도 고마웠어');
    assert.ok((await topInView(page)).inside);

    // The language switch: English, in the URL only.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.tap('#lang a[lang="en"]');
    await page.waitForURL(/lang=en/);
    assert.equal(new URL(page.url()).searchParams.get('model'), Q8, 'the other parameters kept');
    await waitReady(page);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    assert.equal(await page.$eval('#status-phase', (e) => e.textContent), 'Ready');
    assert.deepEqual(await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie })),
      { local: 0, session: 0, cookie: '' }, 'nothing stored');
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    await page.tap('#examples button >> nth=0');
    await waitResult(page, EXAMPLES[0]);
    await waitInView(page);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(OUT, 'phone-390-en.png') });
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); }
});

test('desktop: keyboard hints shown; every static string replaced in English (no Korean outside names and examples)', async () => {
  const b = await browser({ locale: 'en-US' });
  try {
    for (const lang of ['en', 'ko']) {
      const page = await openApp(b, srv.url, `model=${Q8}&lang=${lang}`);
      await waitReady(page);
      const hints = await page.$$eval('.kbd-only', (els) => els.map((e) => getComputedStyle(e).display));
      assert.deepEqual(hints, ['inline', 'inline']);
      assert.equal(await page.$eval('#kbd-hint', (e) => e.textContent), STRINGS[lang].kbdHint(false));
      await page.click('#examples button >> nth=0');
      await waitResult(page, EXAMPLES[0]);
      if (lang === 'en') {
        // Hangul only in names (h1, the Korean switch, labels), the examples (also the Why? view's
        // sentence and label names; its strings are checked in the i18n table), the placeholder
        // and the dataset's name.
        const stray = await page.evaluate(() => {
          const skip = 'h1, #lang, #examples, #top, #groups, textarea, #seed-note, #why';
          const out = [];
          const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = walk.nextNode(); n; n = walk.nextNode()) {
            if (/[\uac00-\ud7a3]/.test(n.textContent) && !n.parentElement.closest(skip)) out.push(n.textContent.trim());
          }
          return out;
        });
        assert.deepEqual(stray, []);
        assert.doesNotMatch(await page.$eval('#seed-note', (e) => e.textContent.replace('감성대화말뭉치', '')), /[\uac00-\ud7a3]/);
        assert.equal(await page.title(), STRINGS.en.title);
      } else {
        assert.equal(await page.$eval('#go', (e) => e.textContent.trim().split(/\s/)[0]), STRINGS.ko.go);
      }
      await page.screenshot({ path: path.join(OUT, `desktop-${lang}.png`), fullPage: true });
      await page.close();
    }
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); }
});
