// The demo page, on top of the public wrapper (gamjeong.js). Labels, groups and glosses come
// from the model (one table in the crate). `?model=` and `?quant=` choose the model.
import { Classifier, DEFAULT_MODEL } from './gamjeong.js';
import { EXAMPLES } from './examples.js';

const $ = (id) => document.getElementById(id);
const GROUP_ORDER = ['분노', '슬픔', '불안', '상처', '당황', '기쁨'];
const GROUP_GLOSS = { 분노: 'anger', 슬픔: 'sadness', 불안: 'anxiety', 상처: 'hurt', 당황: 'embarrassment', 기쁨: 'joy' };
const DEBOUNCE_MS = 250;

const params = new URLSearchParams(location.search);
const modelSpec = params.get('model') || DEFAULT_MODEL;
const quant = params.get('quant') || 'q8';
const QUANTS = ['q8', 'q4', 'f32'];
// auto: relaxed SIMD where the browser has it; simd128 computes exactly what the native CLI does.
const variant = params.get('variant') || 'auto';
// ?threads=N (docs/threads.md); absent: the library's default for this page.
const threads = params.has('threads') ? Number(params.get('threads')) : undefined;

let model = null;
let loading = true; // until Classifier.load settles: text typed or clicked meanwhile waits for it
let composing = false;
let timer = 0;
let running = false;
let again = false;
let last = null;

// ---------------------------------------------------------------- status --
const mb = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(0, n / 1e3).toFixed(0)} kB`);
const PHASE = { download: 'Downloading', convert: 'Downloading + converting', cache: 'Reading from your browser' };

function setStatus(phase, text, percent) {
  $('status').dataset.phase = phase;
  $('status-phase').textContent = phase === 'ready' ? 'Ready' : phase === 'error' ? 'Not loaded' : (PHASE[phase] || 'Loading');
  $('status-text').textContent = text;
  const bar = $('status-bar');
  if (percent === undefined) {
    bar.hidden = phase === 'ready' || phase === 'error';
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
  if (e.phase === 'cache' || !/\.safetensors$/.test(e.file)) return; // a cache read downloads nothing
  const note = e.phase === 'convert'
    ? `This model’s hub folder has only its full-precision weights (${mb(e.total)}): they download once and are converted to ${quant} in this page. Only the converted copy is kept in your browser, so the next visit starts in seconds — even offline.`
    : `The model downloads once (${mb(e.total)}), then stays in your browser, so the next visit starts in seconds — even offline.`;
  $('status-note').textContent = note;
}
function onProgress(e) {
  switch (e.status) {
    case 'initiate':
    case 'download':
      setStatus('download', `${e.file}: starting…`);
      break;
    case 'convert':
      notes.push('The hub has only full-precision weights for this model, so this page converts them to 8-bit (or about 5-bit) while they download and keeps the small version.');
      break;
    case 'progress': {
      if (e.total && !sized.has(e.file)) {
        sized.add(e.file);
        sizeNote(e);
      }
      const pct = e.total ? e.progress : undefined;
      const bytes = e.total ? `${mb(e.loaded)} of ${mb(e.total)} (${Math.floor(e.progress)} %)` : mb(e.loaded);
      setStatus(e.phase, `${e.file}: ${bytes}`, pct);
      break;
    }
    case 'cache':
      if (e.state === 'hit') setStatus('cache', `${e.file}: found in your browser’s storage`);
      if (e.state === 'corrupt') notes.push('The stored copy of the model was damaged, so it was deleted and downloaded again.');
      if (e.state === 'stale') notes.push('A copy stored by an older version of this page was removed.');
      if (e.state === 'stored') notes.push('Saved in your browser: next time it loads without downloading.');
      if (e.state === 'unavailable' || e.state === 'disabled') notes.push(`Not saved: ${e.reason}.`);
      break;
    case 'ready':
      break;
    default:
  }
}

// ---------------------------------------------------------------- errors --
const ERRORS = {
  NOT_FOUND: ['The model could not be found.', 'Check the ?model= address: a Hugging Face model id (owner/name), the URL of a folder with config.json, tokenizer.json and model.safetensors, or the URL of a quantized .safetensors file.'],
  NETWORK: ['The model could not be downloaded: the network request failed.', 'Check your internet connection and reload the page. After one complete visit the model is stored in this browser and works offline.'],
  HTTP: ['The server refused to send the model.', 'Reload in a moment; if it keeps failing, the model may be private or the server down.'],
  BAD_MODEL: ['The downloaded file is not a model this page can use.', 'Point ?model= at a BERT text-classification model in Hugging Face layout or at a file made by gamjeong quantize.'],
  BAD_MODEL_SPEC: ['The ?model= value is not a model id or a URL.', 'Use a Hugging Face id like hun3359/klue-bert-base-sentiment, or a URL.'],
  NO_SIMD: ['This browser cannot run the model: it does not support WebAssembly SIMD.', 'Use a current Chrome, Edge or Firefox, or Safari 16.4 or later.'],
  HTML: ['A web page came back instead of the model file.', 'If this network asks you to sign in (hotel, café or airport Wi-Fi), open any web page to sign in, then reload. Otherwise check the ?model= address.'],
  NO_WASM: ['This browser cannot run WebAssembly.', 'Use a current Chrome, Edge, Firefox or Safari, and check that WebAssembly is not disabled.'],
  WORKER: ['The page’s background worker could not start.', 'Reload the page; if you host this page yourself, serve worker.js and runtime.js next to gamjeong.js.'],
};

function showError(what, todo, detail) {
  const el = $('error');
  el.replaceChildren();
  const p = document.createElement('p');
  p.className = 'what';
  p.textContent = what;
  const q = document.createElement('p');
  q.textContent = todo;
  el.append(p, q);
  if (detail) {
    const d = document.createElement('p');
    d.className = 'muted small detail';
    d.textContent = `Details: ${detail}`;
    el.append(d);
  }
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
  row.setAttribute('aria-label', `${s.label}${s.gloss ? ` (${s.gloss})` : ''}${rank ? `, rank ${rank}` : ''}: ${pct(s.score)}`);
  const name = document.createElement('span');
  name.className = 'name';
  const label = document.createElement('span');
  label.className = 'label';
  label.textContent = s.label;
  const gloss = document.createElement('span');
  gloss.className = 'gloss';
  gloss.textContent = s.gloss ?? '';
  name.append(label, ' ', gloss);
  const track = document.createElement('span');
  track.className = 'track';
  track.setAttribute('aria-hidden', 'true');
  const fill = document.createElement('span');
  fill.className = 'fill';
  fill.style.width = `${(100 * s.score).toFixed(2)}%`;
  track.append(fill);
  const p = document.createElement('span');
  p.className = 'pct';
  p.textContent = pct(s.score);
  row.append(name, track, p);
  return row;
}

function render(result) {
  const scores = result.scores;
  const rank = new Map(scores.map((s, i) => [s.index, i + 1]));

  const top = $('top');
  top.replaceChildren();
  for (const s of scores.slice(0, 3)) {
    const d = document.createElement('div');
    d.className = 'top-item';
    d.dataset.group = s.group ?? '';
    const l = document.createElement('span');
    l.className = 'label';
    l.textContent = s.label;
    const g = document.createElement('span');
    g.className = 'gloss';
    g.textContent = [s.gloss, s.group && `${s.group} · ${GROUP_GLOSS[s.group] || ''}`].filter(Boolean).join(' — ');
    const p = document.createElement('span');
    p.className = 'pct';
    p.textContent = pct(s.score);
    d.append(l, p, g);
    top.append(d);
  }

  const meta = [`${result.tokens} tokens`, `${result.ms.toFixed(0)} ms`];
  $('meta').replaceChildren(meta.join(' · '));
  if (result.truncated) {
    const t = document.createElement('strong');
    t.className = 'warn';
    t.textContent = ' · ⚠ Long text: only the first 512 tokens were read.';
    $('meta').append(t);
  }

  const container = $('groups');
  container.replaceChildren();
  if ($('sorted').checked) {
    const sec = document.createElement('section');
    sec.className = 'group all';
    sec.setAttribute('aria-label', 'All 60 emotions, highest first');
    const h = document.createElement('h3');
    h.textContent = 'All 60, highest first';
    sec.append(h);
    for (const s of scores) sec.append(barRow(s, rank.get(s.index)));
    container.append(sec);
  } else {
    const groups = new Map();
    for (const s of scores) {
      const g = s.group ?? 'other';
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(s); // scores are sorted, so each group is too
    }
    const order = [...GROUP_ORDER.filter((g) => groups.has(g)), ...[...groups.keys()].filter((g) => !GROUP_ORDER.includes(g))];
    for (const g of order) {
      const items = groups.get(g);
      const total = items.reduce((a, s) => a + s.score, 0);
      const sec = document.createElement('section');
      sec.className = 'group';
      sec.dataset.group = g;
      sec.dataset.total = String(total);
      const h = document.createElement('h3');
      h.id = `group-${g}`;
      const name = document.createElement('span');
      name.textContent = `${g} `;
      const gl = document.createElement('span');
      gl.className = 'gloss';
      gl.textContent = GROUP_GLOSS[g] || '';
      const t = document.createElement('span');
      t.className = 'total';
      t.textContent = pct(total);
      h.append(name, gl, t);
      sec.setAttribute('aria-labelledby', h.id);
      sec.append(h);
      for (const s of items) sec.append(barRow(s, rank.get(s.index)));
      container.append(sec);
    }
  }
  const res = $('results');
  res.dataset.text = result.text;
  res.dataset.count = String(Number(res.dataset.count || 0) + 1);
  res.dataset.state = 'ready';
  res.setAttribute('aria-busy', 'false');
}

// -------------------------------------------------------------- classify --
/** Text given before the model is ready: say it waits; start() classifies it once loaded. */
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
  $('meta').textContent = 'The model is still loading — this text will be classified as soon as it is ready.';
  res.dataset.text = text;
  res.dataset.state = 'waiting';
  res.setAttribute('aria-busy', 'true');
}

async function classifyNow() {
  clearTimeout(timer);
  if (composing) return;
  if (!model) {
    if (loading) showWaiting();
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
      $('error').hidden = true;
    } while (again && !composing);
  } catch (e) {
    showError('This text could not be classified.', 'Try another text; the model keeps working.', e.message);
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
  $('go').addEventListener('click', classifyNow);
  $('sorted').addEventListener('change', () => last && render(last));
  $('forget').addEventListener('click', async () => {
    const n = await Classifier.clearCache();
    $('forget').hidden = true;
    $('status-note').textContent = n ? 'The stored model was removed from this browser; it will be downloaded again on the next visit.'
      : 'Nothing was stored.';
  });
}

// ------------------------------------------------------------------ load --
async function start() {
  setupInput();
  $('model-name').textContent = modelSpec;
  if (modelSpec !== DEFAULT_MODEL) {
    const link = $('model-link');
    link.textContent = modelSpec;
    link.href = /^[\w.-]+\/[\w.-]+$/.test(modelSpec) ? `https://huggingface.co/${modelSpec}` : modelSpec;
  }
  if ('serviceWorker' in navigator && location.protocol !== 'file:') {
    // Keeps the page itself (HTML, JS, wasm) available offline; the model has its own cache.
    navigator.serviceWorker.register('./sw.js').catch(() => {});
  }
  const support = Classifier.support();
  if (!support.simd) {
    loading = false;
    setInputEnabled(false);
    const [what, todo] = ERRORS[support.wasm ? 'NO_SIMD' : 'NO_WASM'];
    setStatus('error', 'This browser cannot run the model.');
    showError(what, todo);
    return;
  }
  if (!QUANTS.includes(quant)) {
    loading = false;
    setInputEnabled(false);
    setStatus('error', 'Unknown ?quant= value.');
    showError(`The ?quant= value “${quant}” is not one this page knows.`, 'Use ?quant=q8 (the default: 8-bit, about a quarter of the full size), ?quant=q4 (smaller, a little less exact) or ?quant=f32 (full precision, largest download).');
    return;
  }
  // Usable while the model loads: what is typed or clicked now is classified once it is ready.
  setInputEnabled(true);
  const t0 = performance.now();
  try {
    model = await Classifier.load({ model: modelSpec, quant, variant, threads, onProgress });
  } catch (e) {
    loading = false;
    setInputEnabled(false);
    const [what, todo] = ERRORS[e.code] || ['The model could not be loaded.', 'Reload the page to try again.'];
    setStatus('error', what);
    showError(what, todo, e.message);
    if ($('results').dataset.state === 'waiting') {
      $('results').dataset.state = 'error';
      $('results').setAttribute('aria-busy', 'false');
      $('meta').textContent = 'Not classified: the model could not be loaded.';
    }
    return;
  }
  loading = false;
  const i = model.info;
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  const from = i.source === 'cache' ? `from your browser’s storage in ${secs} s — nothing downloaded`
    : i.source === 'convert' ? `downloaded and converted in ${secs} s` : `downloaded in ${secs} s`;
  setStatus('ready', `Model ready (${from}).`);
  $('status-note').textContent = notes.length ? notes.join(' ') : 'The model is stored in this browser.';
  $('forget').hidden = !i.cacheName;
  $('model-detail').textContent = `${i.quant} weights · ${i.kernel} kernel × ${i.threads} thread${i.threads > 1 ? 's' : ''} · ${(i.memoryBytes / 2 ** 20).toFixed(0)} MiB wasm memory`;
  $('model-detail').dataset.threads = i.threads;
  if ($('text').value.trim()) classifyNow();
}

function setInputEnabled(on) {
  for (const id of ['text', 'go']) $(id).disabled = !on;
  for (const b of document.querySelectorAll('.example')) b.disabled = !on;
}

start();
