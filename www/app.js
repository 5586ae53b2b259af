// The demo page, on the public API only (gamjeong.js): the model (which one, asking before a
// large download, loading it, its status and errors) and the page's two modes behind tabs,
// text-mode.js (the text box and its results) and file-mode.js (a whole file). Its strings:
// i18n.js and i18n-file.js; labels, groups and glosses: the loaded model (the
// crate's one table). The default model: the site's own (site.json, written by `./build.sh
// space`), else the hub default; the picker offers it, models.js's curated list and any hub id
// or folder URL, and a choice replaces the model in place (the previous one's worker is
// stopped, its memory freed) and goes into the address as `?model=`. `?model=`, `?quant=`,
// `?lang=` and `?variant=` override; `?mode=file` opens the file tab; nothing is stored but
// the model.
import { Classifier, DEFAULT_MODEL, DEFAULT_QUANT, hubUrl } from './gamjeong.js';
import { STRINGS, LANGS, pickLang } from './i18n.js';
import { FILE_STRINGS } from './i18n-file.js';
import { textMode } from './text-mode.js';
import { fileMode } from './file-mode.js';
import { tabs } from './tabs.js';
import { modelPicker } from './model-picker.js';
import { loadStatus } from './load-status.js';

const $ = (id) => document.getElementById(id);
/** Larger downloads wait for a click (BERT-base: q8 113.5 MB, q4 68.7 MB, f32 443 MB). */
const ASK_ABOVE_BYTES = 150e6;
/** Errors a retry cannot mend: the text box stays off and no retry button is offered. */
const FINAL = ['NO_SIMD', 'NO_WASM', 'BAD_MODEL_SPEC', 'BAD_QUANT', 'BAD_INPUT', 'UNSUPPORTED_MODEL'];

const params = new URLSearchParams(location.search);
const lang = pickLang(params.get('lang'), navigator.languages?.length ? navigator.languages : [navigator.language]);
const T = { ...STRINGS[lang], file: FILE_STRINGS[lang] };
// auto: relaxed SIMD where the browser has it (not on x86 without AVX-VNNI: runtime/wasm.js);
// simd128 computes exactly what the native CLI does.
const variant = params.get('variant') || 'auto';
// ?threads=N (docs/threads.md); absent: the library's default for this page.
const threads = params.has('threads') ? Number(params.get('threads')) : undefined;
// ?scoreFn=sigmoid: how a ?model= scores when its config.json does not say (LoadOptions.scoreFn);
// it belongs to that model, so picking another drops it.
let scoreFn = params.get('scoreFn') || undefined;

let site = {};       // site.json: {model, quant, label, link, bytes}
let spec = DEFAULT_MODEL;
let quant = DEFAULT_QUANT;
let bundled = false; // the site's own model, not one asked for with ?model=
let model = null;
let generation = 0;  // the model asked for last: a load or plan for an earlier one is dropped
let loading = null;  // the AbortController of the load under way
let state = 'loading'; // loading | ask | error | ready: what a text typed now waits for
let text = null;     // the page's modes (text-mode.js, file-mode.js), made once the page's language is set
let modes = [];
/** Tells every mode of the model's state: setEnabled, pending, ready(info), failed. */
const status = loadStatus({ strings: T, quant: () => quant });
const setStatus = status.set;
const mode = Object.fromEntries(['setEnabled', 'pending', 'ready', 'failed']
  .map((f) => [f, (...args) => modes.forEach((m) => m[f](...args))]));

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
  const gen = generation;
  const saveData = navigator.connection?.saveData === true;
  let plan = null;
  if (!bundled || saveData) {
    setStatus('loading', T.preparing);
    plan = await Classifier.plan({ model: spec, quant }).catch(() => null); // load() says what is wrong
    if (gen !== generation) return; // another model was picked meanwhile
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
  mode.setEnabled(true);
  mode.pending();
}

async function load() {
  state = 'loading';
  $('ask').hidden = true;
  $('error').hidden = true;
  status.reset();
  showModelName();
  // Usable while the model loads: what is typed or clicked now is classified once it is ready.
  mode.setEnabled(true);
  setStatus('loading', T.preparing);
  mode.pending();
  const t0 = performance.now();
  const gen = generation;
  loading = new AbortController();
  const signal = loading.signal;
  let m;
  try {
    m = await Classifier.load({ model: spec, quant, variant, threads, scoreFn, onProgress: (e) => gen === generation && status.onProgress(e), signal });
  } catch (e) {
    if (gen === generation) failed(e);
    return;
  } finally {
    if (loading?.signal === signal) loading = null;
  }
  if (gen !== generation) { m.dispose(); return; }
  model = m;
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
  mode.setEnabled(!final);
  mode.failed();
}

function ready(info, ms) {
  state = 'ready';
  setStatus('ready', T.readyFrom(info.source, (ms / 1000).toFixed(1)));
  $('status-note').textContent = status.notes() ?? T.storedHere;
  $('forget').hidden = !info.cacheName;
  $('model-detail').textContent = T.detail(info.quant, info.kernel, info.threads, (info.memoryBytes / 2 ** 20).toFixed(0));
  $('model-detail').dataset.threads = info.threads;
  // The crate attaches groups only to the 60 labels of its taxonomy: that is the seed model,
  // the one whose published accuracy the note quotes.
  const seed = info.labels.length > 0 && info.labels.every((l) => l.group);
  $('seed-note').hidden = !seed;
  if ('serviceWorker' in navigator && location.protocol !== 'file:') {
    // Keeps the page itself (HTML, JS, this browser's wasm build) available offline.
    navigator.serviceWorker.register(`./sw.js?variant=${info.variant}`).catch(() => {});
  }
  mode.ready(info);
}

// ---------------------------------------------------------------- picker --
/** The spec the page opens without ?model=: the site's own model, else the hub default. */
const pageDefault = () => (typeof site.model === 'string' ? site.model : DEFAULT_MODEL);

/**
 * Replaces the model: the load under way is cancelled, the loaded one disposed (its worker
 * stopped, which frees its wasm memory: a wasm memory never shrinks, so a new model gets a
 * new worker), the address says `?model=`, and the new one is planned and loaded as at start.
 */
function switchModel(next) {
  if (!next || next === spec) return;
  generation++;
  loading?.abort();
  loading = null;
  model?.dispose();
  model = null;
  spec = next;
  bundled = typeof site.model === 'string' && next === site.model;
  const u = new URLSearchParams(location.search);
  if (next === pageDefault()) u.delete('model'); else u.set('model', next);
  u.delete('scoreFn');
  scoreFn = undefined;
  const query = String(u);
  history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
  for (const a of $('lang').querySelectorAll('a')) {
    const l = new URL(a.href);
    if (u.has('model')) l.searchParams.set('model', next); else l.searchParams.delete('model');
    l.searchParams.delete('scoreFn');
    a.href = l.search;
  }
  $('error').hidden = true;
  $('status-note').textContent = '';
  $('seed-note').hidden = true;
  $('model-detail').textContent = '—';
  prepare();
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

// ----------------------------------------------------------------- start --
async function start() {
  applyLanguage();
  text = textMode({ strings: T, model: () => model, state: () => state, showError });
  const selectTab = tabs({ text: ['tab-text', 'input', 'results'], file: ['tab-file', 'bulk'] }, params.get('mode') === 'file' ? 'file' : 'text');
  let picker = null;
  modes = [text, fileMode({ strings: T, model: () => model, openText: (t) => { selectTab('text'); text.showText(t); }, onRunning: (r) => picker?.setEnabled(!r) })];
  $('download').addEventListener('click', load);
  $('forget').addEventListener('click', async () => {
    const n = await Classifier.clearCache();
    $('forget').hidden = true;
    $('status-note').textContent = n ? T.forgotten : T.nothingStored;
  });
  setStatus('starting', T.preparing);
  site = await readSite();
  bundled = !params.get('model') && typeof site.model === 'string';
  spec = params.get('model') || (bundled ? site.model : DEFAULT_MODEL);
  quant = params.get('quant') || (bundled && site.quant) || DEFAULT_QUANT;
  showModelName();
  picker = modelPicker({ strings: T, lang, onPick: switchModel });
  picker.show(spec, site);
  const support = Classifier.support();
  if (!support.simd) {
    state = 'error';
    mode.setEnabled(false);
    setStatus('error', '');
    const [what, todo] = T.errors[support.wasm ? 'NO_SIMD' : 'NO_WASM'];
    showError(what, todo);
    return;
  }
  await prepare();
}

start();
