// The demo page: loads a model (hub id, folder URL or quantized file), then classifies
// as you type. Labels, groups and glosses come from the crate (one label table).
import init, { WasmClassifier } from './pkg/gamjeong.js';

// The model card's widget sentences.
const EXAMPLES = [
  '오늘 밥이 너무 맛있었어. 행복해',
  '오늘 따라 저녁이 좀 맛있네.',
  '직장에서 부당한 일을 겪어서 너무 화가 나',
  '퇴직금으로 적립한 펀드 수익률이 많이 올랐어.',
  '퇴직금으로 적립한 펀드 수익률이 많이 떨어졌어.',
  '퇴직금으로 적립한 펀드 수익률이 많이 내려갔어.',
  '우연히 남자친구가 헤어진 전 여자친구를 잊지 못했다는 걸 알았어.',
];
const DEFAULT_MODEL = 'hun3359/klue-bert-base-sentiment';
const $ = (id) => document.getElementById(id);

let model = null;
let composing = false;
let timer = 0;

function showError(what, todo) {
  const el = $('error');
  el.hidden = false;
  el.innerHTML = '';
  const p = document.createElement('p');
  p.textContent = what;
  const q = document.createElement('p');
  q.className = 'muted';
  q.textContent = todo;
  el.append(p, q);
}

function status(text, loaded, total) {
  $('status-text').textContent = text;
  const bar = $('status-bar');
  bar.hidden = total === undefined;
  if (total) { bar.max = total; bar.value = loaded; } else if (total === 0) { bar.removeAttribute('value'); }
}

const mb = (n) => (n / 1e6).toFixed(1) + ' MB';

async function fetchBytes(url, file) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${file}: HTTP ${res.status} from ${url}`);
  const total = Number(res.headers.get('content-length')) || 0;
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    status(`Downloading ${file}: ${mb(loaded)}${total ? ' of ' + mb(total) + ` (${Math.round(100 * loaded / total)}%)` : ''}`, loaded, total);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/** `?model=` is a hub id, a folder URL in HF layout, or a quantized .safetensors URL. */
function resolveModel(spec) {
  if (spec.endsWith('.safetensors')) return { file: new URL(spec, location.href).href };
  const isUrl = /^(https?:)?\/\//.test(spec) || spec.startsWith('.') || spec.startsWith('/');
  const base = isUrl ? new URL(spec.replace(/\/?$/, '/'), location.href).href
    : `https://huggingface.co/${spec}/resolve/main/`;
  return { folder: base };
}

async function loadModel() {
  const params = new URLSearchParams(location.search);
  const spec = params.get('model') || DEFAULT_MODEL;
  if (!WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]))) {
    throw Object.assign(new Error('This browser lacks WebAssembly SIMD.'), { todo: 'Use a current Chrome, Edge, Firefox or Safari (2021 or later).' });
  }
  status('Loading the WebAssembly module…');
  await init();
  const where = resolveModel(spec);
  try {
    if (where.file) {
      const bytes = await fetchBytes(where.file, where.file.split('/').pop());
      status('Preparing the model…');
      return WasmClassifier.fromQuantized(bytes);
    }
    const config = new TextDecoder().decode(await fetchBytes(where.folder + 'config.json', 'config.json'));
    const tokenizer = await fetchBytes(where.folder + 'tokenizer.json', 'tokenizer.json');
    const weights = await fetchBytes(where.folder + 'model.safetensors', 'model.safetensors');
    status('Preparing the model…');
    return new WasmClassifier(config, tokenizer, weights);
  } catch (e) {
    const offline = e instanceof TypeError;
    throw Object.assign(new Error(`Could not load the model “${spec}”: ${e.message || e}`), {
      todo: offline ? 'Check your network connection and reload the page.'
        : 'Check the ?model= address: a Hugging Face model id, a folder with config.json, tokenizer.json and model.safetensors, or a quantized .safetensors file.',
    });
  }
}

function render(result, ms) {
  const labels = result.scores;
  const groups = new Map();
  for (const s of labels) {
    const g = s.group ?? 'labels';
    if (!groups.has(g)) groups.set(g, { name: g, total: 0, items: [], first: s.index });
    const entry = groups.get(g);
    entry.total += s.score;
    entry.items.push(s);
    entry.first = Math.min(entry.first, s.index);
  }
  const top = $('top');
  top.innerHTML = '';
  for (const s of labels.slice(0, 3)) {
    const d = document.createElement('div');
    d.className = 'top-item';
    d.dataset.group = s.group ?? '';
    d.innerHTML = '<span class="label"></span> <span class="gloss"></span> <span class="pct"></span>';
    d.querySelector('.label').textContent = s.label;
    d.querySelector('.gloss').textContent = s.gloss ? `(${s.gloss})` : '';
    d.querySelector('.pct').textContent = (100 * s.score).toFixed(1) + '%';
    top.append(d);
  }
  $('meta').textContent = `${result.tokens} tokens${result.truncated ? ' · ⚠ text was truncated to the model’s 512 tokens' : ''} · ${ms.toFixed(0)} ms`;
  const container = $('groups');
  container.innerHTML = '';
  const sortedAll = $('sorted').checked;
  const sections = sortedAll ? [{ name: 'all 60', total: 1, items: labels, all: true }]
    : [...groups.values()].sort((a, b) => a.first - b.first);
  for (const g of sections) {
    const sec = document.createElement('section');
    sec.className = 'group';
    if (!g.all) sec.dataset.group = g.name;
    const h = document.createElement('h2');
    h.textContent = g.all ? 'All emotions, by score' : g.name;
    if (!g.all) {
      const t = document.createElement('span');
      t.className = 'total';
      t.textContent = (100 * g.total).toFixed(1) + '%';
      h.append(' ', t);
    }
    sec.append(h);
    for (const s of g.items) {
      const row = document.createElement('div');
      row.className = 'bar';
      row.dataset.label = s.label;
      row.dataset.score = String(s.score);
      row.dataset.group = s.group ?? '';
      row.setAttribute('role', 'meter');
      row.setAttribute('aria-valuemin', '0');
      row.setAttribute('aria-valuemax', '100');
      row.setAttribute('aria-valuenow', (100 * s.score).toFixed(1));
      row.setAttribute('aria-label', `${s.label}${s.gloss ? ' (' + s.gloss + ')' : ''}: ${(100 * s.score).toFixed(1)}%`);
      row.innerHTML = '<span class="name"><span class="label"></span> <span class="gloss"></span></span><span class="track"><span class="fill"></span></span><span class="pct"></span>';
      row.querySelector('.label').textContent = s.label;
      row.querySelector('.gloss').textContent = s.gloss ?? '';
      row.querySelector('.fill').style.width = (100 * s.score).toFixed(2) + '%';
      row.querySelector('.pct').textContent = (100 * s.score).toFixed(1) + '%';
      sec.append(row);
    }
    container.append(sec);
  }
  $('results').dataset.state = 'ready';
}

let last = null;
function classifyNow() {
  clearTimeout(timer);
  if (!model || composing) return;
  const text = $('text').value;
  const t0 = performance.now();
  try {
    const result = model.classify(text);
    last = { result, ms: performance.now() - t0 };
    render(last.result, last.ms);
    $('error').hidden = true;
  } catch (e) {
    showError(`Classification failed: ${e.message || e}`, 'Try another text; the model keeps working.');
  }
}

function setup() {
  const ex = $('examples');
  for (const text of EXAMPLES) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'example';
    b.disabled = true;
    b.textContent = text;
    b.addEventListener('click', () => { $('text').value = text; classifyNow(); });
    ex.append(b);
  }
  const ta = $('text');
  ta.addEventListener('compositionstart', () => { composing = true; });
  ta.addEventListener('compositionend', () => { composing = false; schedule(); });
  ta.addEventListener('input', (e) => { if (!e.isComposing && !composing) schedule(); });
  ta.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); composing = false; classifyNow(); }
  });
  $('go').addEventListener('click', classifyNow);
  $('sorted').addEventListener('change', () => last && render(last.result, last.ms));
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(classifyNow, 300);
}

setup();
loadModel().then((m) => {
  model = m;
  status('Ready.');
  $('status-note').textContent = 'Model loaded. Type Korean text or pick an example.';
  for (const id of ['text', 'go']) $(id).disabled = false;
  for (const b of document.querySelectorAll('.example')) b.disabled = false;
}).catch((e) => {
  status('Not loaded.');
  showError(e.message || String(e), e.todo || 'Reload the page to try again.');
});
