// The demo page, on the public API only (gamjeong.js). Its strings: i18n.js; labels,
// groups and glosses: the loaded model (the crate's one table). The default model: the site's
// own (site.json, written by `./build.sh space`), else the hub default. `?model=`, `?quant=`,
// `?lang=` and `?variant=` override; nothing is stored but the model.
import { Classifier, DEFAULT_MODEL, DEFAULT_QUANT, hubUrl } from './gamjeong.js';
import { EXAMPLES } from './examples.js';
import { STRINGS, LANGS, pickLang } from './i18n.js';
import { attachExplainView } from './explain-view.js';

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 250;
/** Larger downloads wait for a click (BERT-base: q8 113.5 MB, q4 68.7 MB, f32 443 MB). */
const ASK_ABOVE_BYTES = 150e6;
/** Errors a retry cannot mend: the text box stays off and no retry button is offered. */
const FINAL = ['NO_SIMD', 'NO_WASM', 'BAD_MODEL_SPEC', 'BAD_QUANT', 'BAD_INPUT'];

const params = new URLSearchParams(location.search);
const lang = pickLang(params.get('lang'), navigator.languages?.length ? navigator.languages : [navigator.language]);
const T = STRINGS[lang];
// auto: relaxed SIMD where the browser has it; simd128 computes exactly what the native CLI does.
const variant = params.get('variant') || 'auto';
// ?threads=N (docs/threads.md); absent: the library's default for this page.
const threads = params.has('threads') ? Number(params.get('threads')) : undefined;

let site = {};       // site.json: {model, quant, label, link, bytes}
let spec = DEFAULT_MODEL;
let quant = DEFAULT_QUANT;
let bundled = false; // the site's own model, not one asked for with ?model=
let model = null;
let state = 'loading'; // loading | ask | error | ready: what a text typed now waits for
let composing = false;
let timer = 0;
let running = false;
let again = false;
let reveal = false;  // bring the results into view once shown (after a tap or Ctrl+Enter)
let last = null;
let labels = { order: [], gloss: new Map() }; // groups of the loaded model

// ------------------------------------------------------------- language --
function applyLanguage() {
  document.documentElement.lang = lang;
  document.title = T.title;
  document.querySelector('meta[name="description"]').content = T.description;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = T[el.dataset.i18n];
  for (const el of document.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(',')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, T[key]);
    }
  }
  // The switch keeps the other parameters; the choice lives in the URL only.
  for (const a of $('lang').querySelectorAll('a')) {
    const u = new URLSearchParams(location.search);
    u.set('lang', a.lang);
    a.href = `?${u}`;
    a.textContent = LANGS[a.lang];
    if (a.lang === lang) a.setAttribute('aria-current', 'true'); else a.removeAttribute('aria-current');
  }
  const mac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
  $('kbd-hint').textContent = T.kbdHint(mac);
  if (mac) document.querySelector('#go kbd.mod').textContent = '⌘';
}
// "Why?" under the top 3: word scores for a chosen emotion, computed after each result shows.
const why = attachExplainView({ model: () => model, after: $('top'), input: $('text'), bars: $('groups'), strings: T.why });

// ---------------------------------------------------------------- status --
function setStatus(phase, text, percent) {
  $('status').dataset.phase = phase;
  $('status-phase').textContent = T.phase[phase] || T.phase.loading;
  $('status-text').textContent = text;
  const bar = $('status-bar');
  if (percent === undefined) {
    bar.hidden = !['download', 'convert', 'cache', 'loading'].includes(phase);
    bar.removeAttribute('value');
  } else {
    bar.hidden = false;
    bar.value = percent;
  }
}

const notes = [];
const sized = new Set();
/** The loading note, with the real size once the first weight file's size is known. */
function sizeNote(e) {
  if (e.phase === 'cache' || !/\.(safetensors|bin)$/.test(e.file)) return; // a cache read downloads nothing
  $('status-note').textContent = e.phase === 'convert' ? T.sizeNoteConvert(e.total, quant) : T.sizeNote(e.total);
}
function onProgress(e) {
  switch (e.status) {
    case 'initiate':
    case 'download':
      setStatus('download', T.starting(e.file));
      break;
    case 'convert':
      notes.push(T.noteConvert);
      break;
    case 'progress':
      if (e.total && !sized.has(e.file)) {
        sized.add(e.file);
        sizeNote(e);
      }
      setStatus(e.phase, T.progress(e.file, e.loaded, e.total, e.progress), e.total ? e.progress : undefined);
      break;
    case 'cache':
      if (e.state === 'hit') setStatus('cache', T.cacheHit(e.file));
      if (e.state === 'corrupt') notes.push(T.noteCorrupt);
      if (e.state === 'stale') notes.push(T.noteStale);
      if (e.state === 'stored') notes.push(T.noteStored);
      if (e.state === 'unavailable' || e.state === 'disabled') notes.push(T.noteNotStored(e.reason));
      break;
    default:
  }
}

// ----------------------------------------------------------------- model --
/** Names the model in the header; links only to a hub page, never to a file that may not exist. */
function showModelName(failed = false) {
  const name = bundled && site.label ? site.label : spec;
  const link = $('model-link');
  link.textContent = name;
  $('model-name').textContent = name;
  const page = bundled ? site.link : /^[\w.-]+\/[\w.-]+$/.test(spec) ? hubUrl(spec) : null;
  if (page && /^https:\/\//.test(page) && !failed) link.href = page;
  else link.removeAttribute('href');
}

async function readSite() {
  try {
    const res = await fetch('site.json');
    return res.ok ? await res.json() : {};
  } catch {
    return {}; // a host without site.json: the hub default
  }
}

/** Asks first when the download is large, converts f32 weights, or the browser saves data. */
async function prepare() {
  const saveData = navigator.connection?.saveData === true;
  let plan = null;
  if (!bundled || saveData) {
    setStatus('loading', T.preparing);
    plan = await Classifier.plan({ model: spec, quant }).catch(() => null); // load() says what is wrong
    if (bundled && plan && !plan.cached && plan.bytes === null) plan.bytes = site.bytes ?? null;
  }
  const why = !plan || plan.cached ? null : plan.convert ? 'convert'
    : plan.bytes > ASK_ABOVE_BYTES ? 'large' : saveData ? 'saveData' : null;
  if (why) ask(plan.bytes, why);
  else load();
}

function ask(bytes, why) {
  state = 'ask';
  setStatus('ask', T.askText(bundled && site.label ? site.label : spec, bytes));
  $('ask-why').textContent = T.askWhy[why];
  $('download').textContent = T.download(bytes);
  $('ask').hidden = false;
  $('ask').dataset.why = why;
  setInputEnabled(true);
  if ($('text').value.trim()) showWaiting();
}

async function load() {
  state = 'loading';
  $('ask').hidden = true;
  $('error').hidden = true;
  $('status-note').textContent = '';
  notes.length = 0;
  sized.clear();
  showModelName();
  // Usable while the model loads: what is typed or clicked now is classified once it is ready.
  setInputEnabled(true);
  setStatus('loading', T.preparing);
  if ($('text').value.trim()) showWaiting();
  const t0 = performance.now();
  try {
    model = await Classifier.load({ model: spec, quant, variant, threads, onProgress });
  } catch (e) {
    failed(e);
    return;
  }
  ready(model.info, performance.now() - t0);
}

function failed(e) {
  state = 'error';
  const final = FINAL.includes(e.code);
  const [what, todo] = e.code === 'BAD_QUANT' ? T.errors.BAD_QUANT(quant, e.schemes || [])
    : T.errors[e.code] || T.errors.default;
  setStatus('error', '');
  $('status-note').textContent = '';
  $('forget').hidden = true;
  showModelName(true);
  showError(what, todo, e.message, { retry: !final, offline: e.code === 'NETWORK' || navigator.onLine === false });
  setInputEnabled(!final);
  if ($('results').dataset.state === 'waiting') {
    $('results').dataset.state = 'error';
    $('results').setAttribute('aria-busy', 'false');
    $('meta').textContent = T.notClassified;
  }
}

function ready(info, ms) {
  state = 'ready';
  setStatus('ready', T.readyFrom(info.source, (ms / 1000).toFixed(1)));
  $('status-note').textContent = notes.length ? notes.join(' ') : T.storedHere;
  $('forget').hidden = !info.cacheName;
  $('model-detail').textContent = T.detail(info.quant, info.kernel, info.threads, (info.memoryBytes / 2 ** 20).toFixed(0));
  $('model-detail').dataset.threads = info.threads;
  // The crate attaches groups only to the 60 labels of its taxonomy: that is the seed model,
  // the one whose published accuracy the note quotes.
  const seed = info.labels.length > 0 && info.labels.every((l) => l.group);
  $('seed-note').hidden = !seed;
  labels = {
    order: [...new Set(info.labels.map((l) => l.group).filter(Boolean))],
    gloss: new Map(info.labels.filter((l) => l.group).map((l) => [l.group, l.groupGloss])),
  };
  if ('serviceWorker' in navigator && location.protocol !== 'file:') {
    // Keeps the page itself (HTML, JS, this browser's wasm build) available offline.
    navigator.serviceWorker.register(`./sw.js?variant=${info.variant}`).catch(() => {});
  }
  if ($('text').value.trim()) classifyNow();
}

// ---------------------------------------------------------------- errors --
function showError(what, todo, detail, { retry = false, offline = false } = {}) {
  const el = $('error');
  el.replaceChildren();
  const p = (text, cls) => {
    const x = document.createElement('p');
    if (cls) x.className = cls;
    x.textContent = text;
    el.append(x);
    return x;
  };
  p(what, 'what');
  p(todo);
  if (offline) {
    p(T.offline);
    if (site.model && !bundled) {
      const a = document.createElement('a');
      const u = new URLSearchParams(location.search);
      u.delete('model');
      u.delete('quant');
      a.href = `?${u}`;
      a.textContent = T.useBundled(site.label || site.model);
      p('').append(a);
    }
  }
  if (retry) {
    const b = document.createElement('button');
    b.type = 'button';
    b.id = 'retry';
    b.className = 'primary';
    b.textContent = T.retry;
    b.addEventListener('click', load);
    p('').append(b);
  }
  if (detail) p(T.details(detail), 'muted small detail');
  el.hidden = false;
}

// --------------------------------------------------------------- results --
const pct = (s) => `${(100 * s).toFixed(1)}%`;
/** `String(x)` without the exponent JS uses below 1e-6 ("1.2e-7" → "0.00000012"), all digits kept. */
function decimal(x) {
  if (x === 0 || Math.abs(x) >= 1e-6) return String(x);
  const [m, e] = x.toExponential().split('e');
  return `${x < 0 ? '-' : ''}0.${'0'.repeat(-Number(e) - 1)}${m.replace(/^-/, '').replace('.', '')}`;
}

function span(cls, text) {
  const s = document.createElement('span');
  s.className = cls;
  s.textContent = text;
  return s;
}

function barRow(s, rank) {
  const row = document.createElement('div');
  row.className = 'bar';
  row.dataset.label = s.label;
  row.dataset.score = decimal(s.score);
  row.dataset.group = s.group ?? '';
  row.setAttribute('role', 'meter');
  row.setAttribute('aria-valuemin', '0');
  row.setAttribute('aria-valuemax', '100');
  row.setAttribute('aria-valuenow', (100 * s.score).toFixed(1));
  row.setAttribute('aria-valuetext', pct(s.score));
  row.setAttribute('aria-label', `${s.label}${s.gloss ? ` (${s.gloss})` : ''}${rank ? T.rank(rank) : ''}: ${pct(s.score)}`);
  const name = span('name', '');
  name.append(span('label', s.label), ' ', span('gloss', s.gloss ?? ''));
  const track = span('track', '');
  track.setAttribute('aria-hidden', 'true');
  const fill = span('fill', '');
  fill.style.width = `${(100 * s.score).toFixed(2)}%`;
  track.append(fill);
  row.append(name, track, span('pct', pct(s.score)));
  return row;
}

/** The three highest labels, large. */
function renderTop(scores) {
  const top = $('top');
  top.replaceChildren();
  for (const s of scores.slice(0, 3)) {
    const d = document.createElement('div');
    d.className = 'top-item';
    d.dataset.group = s.group ?? '';
    const gloss = [s.gloss, s.group && `${s.group} · ${labels.gloss.get(s.group) || ''}`].filter(Boolean).join(' — ');
    d.append(span('label', s.label), span('pct', pct(s.score)), span('gloss', gloss));
    top.append(d);
  }
}

function renderMeta(result) {
  $('meta').replaceChildren(T.meta(result.tokens, result.ms.toFixed(0)));
  if (result.truncated) {
    const t = document.createElement('strong');
    t.className = 'warn';
    t.textContent = T.truncated;
    $('meta').append(t);
  }
}

/** Every label: by group in the taxonomy's order, or one list highest first. */
function renderBars(scores) {
  const rank = new Map(scores.map((s, i) => [s.index, i + 1]));
  const container = $('groups');
  container.replaceChildren();
  if ($('sorted').checked || !labels.order.length) {
    const sec = document.createElement('section');
    sec.className = 'group all';
    sec.setAttribute('aria-label', T.allSorted(scores.length));
    const h = document.createElement('h3');
    h.textContent = T.allSorted(scores.length);
    sec.append(h);
    for (const s of scores) sec.append(barRow(s, rank.get(s.index)));
    container.append(sec);
    return;
  }
  const groups = new Map(labels.order.map((g) => [g, []]));
  for (const s of scores) {
    const g = s.group ?? T.other;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(s); // scores are sorted, so each group is too
  }
  for (const [g, items] of groups) {
    if (!items.length) continue;
    const total = items.reduce((a, s) => a + s.score, 0);
    const sec = document.createElement('section');
    sec.className = 'group';
    sec.dataset.group = g;
    sec.dataset.total = String(total);
    const h = document.createElement('h3');
    h.id = `group-${g}`;
    h.append(span('', `${g} `), span('gloss', labels.gloss.get(g) || ''), span('total', pct(total)));
    sec.setAttribute('aria-labelledby', h.id);
    sec.append(h);
    for (const s of items) sec.append(barRow(s, rank.get(s.index)));
    container.append(sec);
  }
}

/** Shows one classification (the page's only result view: top three, meta line, all bars). */
function render(result) {
  renderTop(result.scores);
  renderMeta(result);
  renderBars(result.scores);
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

/** After a tap or Ctrl+Enter on a phone the results sit below the examples: scroll them up. */
function revealResults() {
  const box = $('results').getBoundingClientRect();
  const top = $('top').getBoundingClientRect();
  if (box.top >= 0 && (top.height ? top.bottom : box.top + 80) <= innerHeight) return;
  const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
  $('results').scrollIntoView({ block: 'start', behavior: still ? 'auto' : 'smooth' });
}

// -------------------------------------------------------------- classify --
/** Text given before the model is ready: say what it waits for; it is classified once loaded. */
function showWaiting() {
  const res = $('results');
  const text = $('text').value;
  if (!text.trim()) {
    res.dataset.state = 'empty';
    res.setAttribute('aria-busy', 'false');
    return;
  }
  $('top').replaceChildren();
  $('groups').replaceChildren();
  $('meta').textContent = state === 'ask' ? T.waitingAsk : state === 'error' ? T.waitingError : T.waiting;
  res.dataset.text = text;
  res.dataset.state = 'waiting';
  res.setAttribute('aria-busy', String(state === 'loading'));
  if (reveal) revealResults();
}

async function classifyNow() {
  clearTimeout(timer);
  if (composing) return;
  if (!model) {
    showWaiting();
    return;
  }
  if (running) { again = true; return; } // one in flight; then the latest text once more
  running = true;
  $('results').setAttribute('aria-busy', 'true');
  try {
    do {
      again = false;
      const result = await model.classify($('text').value);
      last = result;
      render(result);
      why.show(result);
      $('error').hidden = true;
    } while (again && !composing);
  } catch (e) {
    const [what, todo] = T.errors.classify;
    showError(what, todo, e.message);
  } finally {
    running = false;
  }
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(classifyNow, DEBOUNCE_MS);
}

function setupInput() {
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
  $('download').addEventListener('click', load);
  $('sorted').addEventListener('change', () => last && renderBars(last.scores));
  $('forget').addEventListener('click', async () => {
    const n = await Classifier.clearCache();
    $('forget').hidden = true;
    $('status-note').textContent = n ? T.forgotten : T.nothingStored;
  });
}

function setInputEnabled(on) {
  for (const id of ['text', 'go']) $(id).disabled = !on;
  for (const b of document.querySelectorAll('.example')) b.disabled = !on;
}

// ----------------------------------------------------------------- start --
async function start() {
  applyLanguage();
  setupInput();
  setStatus('starting', T.preparing);
  site = await readSite();
  bundled = !params.get('model') && typeof site.model === 'string';
  spec = params.get('model') || (bundled ? site.model : DEFAULT_MODEL);
  quant = params.get('quant') || (bundled && site.quant) || DEFAULT_QUANT;
  showModelName();
  const support = Classifier.support();
  if (!support.simd) {
    state = 'error';
    setInputEnabled(false);
    setStatus('error', '');
    const [what, todo] = T.errors[support.wasm ? 'NO_SIMD' : 'NO_WASM'];
    showError(what, todo);
    return;
  }
  await prepare();
}

start();
