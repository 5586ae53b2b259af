// The demo page's model picker: the site's own model, the curated list (models.js) with the
// chosen entry's facts under it, and "another model…" with a box for any hub id or folder URL.
// It only says what was picked: the page (app.js) loads it.
import { MODELS, curated, tierBytes } from './models.js';

const $ = (id) => document.getElementById(id);

/**
 * @param {object} o
 * @param {object} o.strings  the page's strings (i18n.js)
 * @param {string} o.lang     the page's language (`ko` | `en`), for the tasks' names
 * @param {(spec: string) => void} o.onPick  a model was chosen (a hub id, folder or file URL)
 */
export function modelPicker({ strings: T, lang, onPick }) {
  const sel = $('model-picker');
  const other = $('model-other');
  const box = $('model-other-input');

  // The sizes come from the engine's module, which the page's own thread loads only once the
  // picker is used (a visit that never opens it costs no second module): the facts show without
  // sizes until then, and stay so if it fails (the picker works either way).
  let wantSizes = false;
  const useSizes = () => {
    if (wantSizes) return;
    wantSizes = true;
    showFacts();
  };
  for (const ev of ['focus', 'pointerenter']) sel.addEventListener(ev, useSizes);

  function showFacts() {
    const m = curated(sel.value);
    const facts = $('model-facts');
    facts.textContent = m ? T.facts(m, null) : '';
    if (!m || !wantSizes) return;
    tierBytes(m.config, m.labels).then((sizes) => {
      if (curated(sel.value) === m) facts.textContent = T.facts(m, sizes);
    }, (e) => console.warn(`gamjeong: no download sizes for ${m.id}:`, e));
  }

  sel.addEventListener('change', () => {
    wantSizes = true;
    showFacts();
    other.hidden = !!sel.value;
    if (sel.value) onPick(sel.value);
    else box.focus();
  });
  other.addEventListener('submit', (e) => {
    e.preventDefault();
    const spec = box.value.trim();
    if (spec) onPick(spec);
  });

  return {
    /** Whether a model may be picked now (not while a file is being classified by the current one). */
    setEnabled(on) {
      sel.disabled = !on;
      box.disabled = !on;
      other.querySelector('button')?.toggleAttribute('disabled', !on);
    },
    /** The options (`site`: site.json, whose model comes first when it is not a curated one), `spec` selected. */
    show(spec, site) {
      const opt = (value, text) => {
        const o = document.createElement('option');
        o.value = value;
        o.textContent = text;
        sel.append(o);
      };
      sel.replaceChildren();
      if (typeof site.model === 'string' && !curated(site.model)) opt(site.model, site.label || site.model);
      for (const m of MODELS) opt(m.id, `${m.id} — ${m.task[lang]}`);
      opt('', T.pickerOther);
      const listed = [...sel.options].some((o) => o.value && o.value === spec);
      sel.value = listed ? spec : '';
      other.hidden = listed;
      if (!listed) box.value = spec;
      showFacts();
    },
  };
}
