// The "Why?" view of the demo page: the text with each word tinted by how much it moved the
// chosen emotion (model.explain: p(label | text) − p(label | word masked)). Blue supports, orange
// speaks against; the stronger the tint, the larger the effect. Every word also carries its
// signed value in percentage points as text (not colour alone) and in data-word-score.
//
// It runs after a classification is shown, a pause later (a full explanation is one forward pass
// per word), and never while the text is being typed or composed: any input cancels a pending
// explanation and marks a shown one as stale; a result for an older text or label is dropped.
// The label is one of the top 3 (buttons) or any bar clicked (or Enter/Space on a focused bar).

import { STRINGS } from './i18n.js';

const START_DELAY_MS = 350;
/** Auto-explain up to this many tokens in all rows (text + one masked copy per word): the
 * 10-word example is ~270. Past it (long texts: one full pass per word, minutes on BERT-base,
 * and the worker cannot be interrupted) the view asks first. */
const AUTO_TOKENS = 4096;
const STYLE_HREF = new URL('./explain-view.css', import.meta.url).href;

/** A signed score in percentage points, e.g. "+12.3 pp", "−0.4 pp". */
export function percentagePoints(score) {
  const v = 100 * score;
  const s = Math.abs(v).toFixed(1);
  if (s === '0.0') return '±0.0 pp';
  return `${v > 0 ? '+' : '−'}${s} pp`;
}

/**
 * @param {object} o
 * @param {() => import('./gamjeong.js').Classifier | null} o.model
 * @param {HTMLElement} o.after    the view is inserted right after this element (the top 3)
 * @param {HTMLTextAreaElement} o.input  the text box (typing cancels a pending explanation)
 * @param {HTMLElement} [o.bars]   container of the `[data-label]` bars that select a label
 * @param {object} [o.strings]  the view's texts in the page's language (i18n.js `why`; default English)
 * @returns {{show(result: object): void, clear(): void}}
 */
export function attachExplainView({ model, after, input, bars, strings = STRINGS.en.why }) {
  const S = strings;
  if (!document.querySelector(`link[href="${STYLE_HREF}"]`)) {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = STYLE_HREF;
    document.head.append(link);
  }
  const root = document.createElement('section');
  root.id = 'why';
  root.hidden = true;
  root.dataset.state = 'empty';
  root.setAttribute('aria-labelledby', 'why-title');
  const title = document.createElement('h3');
  title.id = 'why-title';
  title.textContent = S.title;
  const sub = document.createElement('span');
  sub.className = 'muted small';
  sub.textContent = S.sub;
  title.append(sub);
  const choices = document.createElement('div');
  choices.className = 'why-labels';
  choices.setAttribute('role', 'group');
  choices.setAttribute('aria-label', S.choices);
  const sentence = document.createElement('p');
  sentence.className = 'why-text';
  sentence.lang = 'ko';
  const status = document.createElement('p');
  status.className = 'why-status muted small';
  status.setAttribute('aria-live', 'polite');
  root.append(title, choices, sentence, status);
  after.insertAdjacentElement('afterend', root);

  let current = null; // {text, scores, label: {index, label}, cache: Map(index → explanation)}
  let generation = 0;
  let timer = 0;

  function invalidate() {
    generation++;
    clearTimeout(timer);
    if (current) root.dataset.state = 'stale';
  }
  input.addEventListener('input', invalidate);
  input.addEventListener('compositionstart', invalidate);

  function choose(index) {
    if (!current) return;
    const s = current.scores.find((x) => x.index === index);
    if (!s) return;
    current.label = s;
    renderChoices();
    schedule(0);
  }

  if (bars) {
    const barOf = (e) => e.target.closest?.('[data-label]');
    const pick = (bar) => {
      const s = current?.scores.find((x) => x.label === bar.dataset.label);
      if (s) { choose(s.index); root.scrollIntoView?.({ block: 'nearest' }); }
    };
    bars.addEventListener('click', (e) => { const b = barOf(e); if (b) pick(b); });
    bars.addEventListener('keydown', (e) => {
      const b = barOf(e);
      if (b && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); pick(b); }
    });
    // Bars are re-rendered by the page (sorting, each result): keep every one reachable.
    const mark = () => {
      for (const b of bars.querySelectorAll('[data-label]:not([tabindex])')) {
        b.tabIndex = 0;
        b.title = S.barTitle;
      }
    };
    new MutationObserver(mark).observe(bars, { childList: true, subtree: true });
  }

  function renderChoices() {
    choices.replaceChildren();
    for (const s of current.scores.slice(0, 3)) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'why-label';
      b.dataset.index = String(s.index);
      b.dataset.group = s.group ?? '';
      b.textContent = s.label;
      b.setAttribute('aria-pressed', String(s.index === current.label.index));
      b.addEventListener('click', () => choose(s.index));
      choices.append(b);
    }
    if (!current.scores.slice(0, 3).some((s) => s.index === current.label.index)) {
      const other = document.createElement('span');
      other.className = 'why-label other';
      other.dataset.group = current.label.group ?? '';
      other.textContent = current.label.label;
      choices.append(other);
    }
  }

  function schedule(delay) {
    const gen = ++generation;
    clearTimeout(timer);
    const cached = current.cache.get(current.label.index);
    if (cached) { renderWords(cached); return; }
    if (!current.auto) {
      root.dataset.state = 'ask';
      const go = document.createElement('button');
      go.type = 'button';
      go.className = 'why-go';
      go.textContent = S.scoreN(current.words);
      go.addEventListener('click', () => { current.auto = true; schedule(0); });
      status.replaceChildren(`A long text: scoring its words takes one model run per word (about ${current.words + 1} classifications). `, go);
      return;
    }
    root.dataset.state = 'computing';
    root.setAttribute('aria-busy', 'true');
    status.textContent = S.working(current.label.label);
    timer = setTimeout(async () => {
      const m = model();
      const shown = current;
      const { text, label } = shown;
      if (gen !== generation || !m || input.value !== text) return;
      try {
        const e = await m.explain(text, { label: label.index });
        shown.cache.set(label.index, e);
        if (gen === generation && current === shown) renderWords(e);
      } catch (err) {
        if (gen !== generation) return;
        root.dataset.state = 'error';
        root.setAttribute('aria-busy', 'false');
        status.textContent = S.failed(err.message);
      }
    }, delay);
  }

  function renderWords(e) {
    const { text, words } = e;
    const scored = words.filter((w) => w.score !== null);
    const max = Math.max(0.02, ...scored.map((w) => Math.abs(w.score)));
    const parts = [];
    let at = 0;
    for (const w of scored) {
      if (w.start > at) parts.push(text.slice(at, w.start));
      const span = document.createElement('span');
      span.className = 'why-word';
      span.dataset.wordScore = w.score.toFixed(10);
      span.dataset.sign = w.score > 0 ? 'pos' : w.score < 0 ? 'neg' : 'zero';
      span.style.setProperty('--w', (Math.abs(w.score) / max).toFixed(3));
      span.title = `${w.text}: ${percentagePoints(w.score)}`;
      const hidden = document.createElement('span');
      hidden.className = 'visually-hidden';
      hidden.textContent = ` (${percentagePoints(w.score)})`;
      span.append(w.text, hidden);
      parts.push(span);
      at = w.end;
    }
    const unread = words.length - scored.length;
    if (unread) parts.push(S.unread(unread));
    sentence.replaceChildren(...parts);
    const ranked = [...scored].sort((a, b) => b.score - a.score);
    const list = (ws) => ws.map((w) => `${w.text} ${percentagePoints(w.score)}`).join(', ');
    const up = ranked.filter((w) => w.score > 0).slice(0, 3);
    const down = ranked.filter((w) => w.score < 0).reverse().slice(0, 3);
    status.textContent = [
      `${e.label} ${(100 * e.prob).toFixed(1)}%.`,
      up.length ? S.mostFor(list(up)) : '',
      down.length ? S.mostAgainst(list(down)) : '',
      S.scored(scored.length, e.ms.toFixed(0)),
    ].filter(Boolean).join(' ');
    root.dataset.state = 'ready';
    root.dataset.label = e.label;
    root.dataset.text = text;
    root.setAttribute('aria-busy', 'false');
  }

  return {
    /** After a classification of `result.text` is shown: explain its top label (after a pause). */
    show(result) {
      if (!result?.scores?.length || !result.text.trim()) { this.clear(); return; }
      const keep = current && current.text === result.text ? current.label : null;
      current = { text: result.text, scores: result.scores, label: keep ?? result.scores[0], cache: new Map() };
      root.hidden = false;
      const words = Math.min(result.text.split(/\s+/).filter(Boolean).length, result.tokens - 2);
      current.auto = (words + 1) * result.tokens <= AUTO_TOKENS;
      current.words = words;
      renderChoices();
      sentence.replaceChildren(result.text.length > 2000 ? `${result.text.slice(0, 2000)}…` : result.text);
      schedule(START_DELAY_MS);
    },
    clear() {
      invalidate();
      current = null;
      root.hidden = true;
      root.dataset.state = 'empty';
    },
  };
}
