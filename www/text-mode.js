// The demo page's text mode: the text box and the example buttons, a classification as the
// user types (debounced, never mid-composition), the results view and the "Why?" view under
// it. The page (app.js) owns the model and its status; the file mode (file-mode.js) sits
// beside this one and opens a row's text here.
import { EXAMPLES } from './examples.js';
import { attachExplainView } from './explain-view.js';
import { resultsView } from './results-view.js';

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 250;

/**
 * @param {object} o
 * @param {object} o.strings             the page's strings (i18n.js)
 * @param {() => object | null} o.model  the loaded Classifier, null until then
 * @param {() => string} o.state         what a text typed now waits for: loading | ask | error | ready
 * @param {(what: string, todo: string, detail: string) => void} o.showError
 */
export function textMode({ strings: T, model, state, showError }) {
  const view = resultsView({ top: $('top'), meta: $('meta'), groups: $('groups'), sorted: $('sorted'), strings: T });
  // "Why?" under the top 3: word scores for a chosen emotion, computed after each result shows.
  const why = attachExplainView({ model, after: $('top'), input: $('text'), bars: $('groups'), strings: T.why });
  let composing = false;
  let timer = 0;
  let running = false;
  let again = false;
  let reveal = false; // bring the results into view once shown (after a tap or Ctrl+Enter)
  let last = null;

  /** After a tap or Ctrl+Enter on a phone the results sit below the examples: scroll them up. */
  function revealResults() {
    const box = $('results').getBoundingClientRect();
    const top = $('top').getBoundingClientRect();
    if (box.top >= 0 && (top.height ? top.bottom : box.top + 80) <= innerHeight) return;
    const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
    $('results').scrollIntoView({ block: 'start', behavior: still ? 'auto' : 'smooth' });
  }

  /** Shows one classification (the mode's only result view). */
  function render(result) {
    view.render(result);
    const res = $('results');
    res.dataset.text = result.text;
    res.dataset.count = String(Number(res.dataset.count || 0) + 1);
    res.dataset.state = 'ready';
    res.setAttribute('aria-busy', 'false');
    if (reveal) {
      reveal = false;
      revealResults();
    }
  }

  /** Text given before the model is ready: say what it waits for; it is classified once loaded. */
  function showWaiting() {
    const res = $('results');
    const text = $('text').value;
    if (!text.trim()) {
      res.dataset.state = 'empty';
      res.setAttribute('aria-busy', 'false');
      return;
    }
    view.clear();
    $('meta').textContent = state() === 'ask' ? T.waitingAsk : state() === 'error' ? T.waitingError : T.waiting;
    res.dataset.text = text;
    res.dataset.state = 'waiting';
    res.setAttribute('aria-busy', String(state() === 'loading'));
    if (reveal) revealResults();
  }

  async function classifyNow() {
    clearTimeout(timer);
    if (composing) return;
    const m = model();
    if (!m) {
      showWaiting();
      return;
    }
    if (running) { again = true; return; } // one in flight; then the latest text once more
    running = true;
    $('results').setAttribute('aria-busy', 'true');
    try {
      do {
        again = false;
        const result = await m.classify($('text').value);
        last = result;
        render(result);
        why.show(result);
        $('error').hidden = true;
      } while (again && !composing);
    } catch (e) {
      // A model replaced meanwhile (the picker) disposed the one this text was sent to: not an
      // error; the new model classifies the text once it is ready (it asked while this ran).
      if (model() === m) {
        const [what, todo] = T.errors.classify;
        showError(what, todo, e.message);
      } else if (again) {
        setTimeout(classifyNow);
      }
    } finally {
      running = false;
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(classifyNow, DEBOUNCE_MS);
  }

  const ex = $('examples');
  for (const text of EXAMPLES) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'example';
    b.lang = 'ko';
    b.textContent = text;
    b.addEventListener('click', () => {
      $('text').value = text;
      composing = false;
      reveal = true;
      classifyNow();
    });
    ex.append(b);
  }
  const ta = $('text');
  // A Korean IME composes each syllable: never classify a half-typed one.
  ta.addEventListener('compositionstart', () => { composing = true; clearTimeout(timer); });
  ta.addEventListener('compositionend', () => { composing = false; schedule(); });
  ta.addEventListener('input', (e) => { if (!e.isComposing && !composing) schedule(); });
  ta.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.isComposing) {
      e.preventDefault();
      reveal = true;
      classifyNow();
    }
  });
  // A fragment link scrolls but does not always move keyboard focus: focus the box itself.
  // (When the box is disabled — no model — the link falls back to its plain fragment jump.)
  document.querySelector('a.skip').addEventListener('click', (e) => {
    if ($('text').disabled) return;
    e.preventDefault();
    $('text').focus();
  });
  $('go').addEventListener('click', () => { reveal = true; classifyNow(); });
  $('sorted').addEventListener('change', () => last && view.renderBars(last));

  return {
    /** Shows `t` in the text box and classifies it (the file mode's rows open here, with "Why?"). */
    showText(t) {
      $('text').value = t;
      composing = false;
      reveal = true;
      classifyNow();
    },
    /** The text box, the button and the examples on or off. */
    setEnabled(on) {
      for (const id of ['text', 'go']) $(id).disabled = !on;
      for (const b of document.querySelectorAll('.example')) b.disabled = !on;
    },
    /** The model's state changed while it is not ready: a text already typed says what it waits for. */
    pending() {
      // Another model is coming: the last result was the previous model's.
      if (last) { last = null; view.clear(); why.clear(); }
      showWaiting();
    },
    /** The model is ready: its labels, and a text already typed is classified. */
    ready(info) {
      view.setLabels(info.labels, info.scoreFn);
      // The toggle chooses between the taxonomy's groups and one list: a model without groups has one list only.
      $('sorted').closest('label').hidden = !info.labels.some((l) => l.group);
      if ($('text').value.trim()) classifyNow();
    },
    /** The model could not be loaded: a waiting text is not classified. */
    failed() {
      if ($('results').dataset.state !== 'waiting') return;
      $('results').dataset.state = 'error';
      $('results').setAttribute('aria-busy', 'false');
      $('meta').textContent = T.notClassified;
    },
  };
}
