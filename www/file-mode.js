// The demo page's file mode ("파일 분석 / Analyze a file"): pick or drop a file; its start is
// read to show the format and, for CSV/TSV/JSONL, a column picker with the first rows; then
// the whole file is classified in the model's worker (Classifier.classifyFile, File.stream()
// chunk by chunk) with progress and a stop button; then the summary (file-summary.js), the
// CLI's CSV/JSONL as downloads and the rows (file-table.js). The page (app.js) owns the model.
//
// Test hooks: #bulk-file (the input), #bulk[data-state] = idle | reading | running | done |
// error | cancelled with data-rows (rows in the output so far), data-need="column" while the
// picker waits, #bulk-download-csv, #bulk-download-jsonl.
import { DEFAULT_MODEL } from './gamjeong.js';
import { fileStore } from './file-store.js';
import { renderSummary } from './file-summary.js';
import { renderTable } from './file-table.js';

const $ = (id) => document.getElementById(id);
/** The CLI's default low-confidence threshold (docs/bulk.md), which the page keeps. */
const LOW_CONFIDENCE = 0.5;
const FORMATS = ['auto', 'lines', 'csv', 'tsv', 'jsonl', 'kakao'];
const TABLES = ['csv', 'tsv', 'jsonl'];
const PAINT_MS = 100;

const size = (b) => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(b / 1e3))} kB`);

/**
 * @param {object} o
 * @param {object} o.strings   the page's strings; `strings.file` this mode's (i18n-file.js)
 * @param {() => object | null} o.model  the loaded Classifier, null until then
 * @param {(text: string) => void} o.openText  shows a text in the text view (its "Why?")
 * @param {(running: boolean) => void} [o.onRunning]  a file run started or ended (the page
 *   keeps the model from being switched under it)
 */
export function fileMode({ strings: T, model, openText, onRunning }) {
  const F = T.file;
  const root = $('bulk');
  let info = null;
  let file = null;
  let seen = null; // inspectFile's answer
  let column = null;
  let ctl = null;
  let urls = [];
  let waiting = false;
  let painted = 0;

  for (const el of document.querySelectorAll('[data-i18n-file]')) el.textContent = F[el.dataset.i18nFile];
  for (const el of document.querySelectorAll('[data-i18n-file-attr]')) {
    const [attr, key] = el.dataset.i18nFileAttr.split(':');
    el.setAttribute(attr, F[key]);
  }
  for (const f of FORMATS) $('bulk-format').append(new Option(F.formats[f], f));

  function setState(s) {
    root.dataset.state = s;
    root.setAttribute('aria-busy', String(s === 'reading' || s === 'running'));
    onRunning?.(s === 'running');
    if (s !== 'reading') delete root.dataset.need;
  }
  const show = (ids) => {
    for (const id of ['bulk-setup', 'bulk-run', 'bulk-error', 'bulk-summary', 'bulk-downloads', 'bulk-table']) $(id).hidden = !ids.includes(id);
  };

  function reset() {
    ctl?.abort();
    ctl = null;
    urls.forEach((u) => URL.revokeObjectURL(u));
    urls = [];
    seen = null;
    column = null;
    waiting = false;
    root.dataset.rows = '0';
    delete root.dataset.line;
    show([]);
  }

  async function choose(f) {
    if (!f) return;
    reset();
    file = f;
    setState('reading');
    show(['bulk-setup']);
    $('bulk-columns').replaceChildren();
    $('bulk-start').hidden = true;
    if (!model()) {
      waiting = true;
      $('bulk-file-name').textContent = `${f.name} · ${F.waitModel}`;
      return;
    }
    await inspect();
  }

  async function inspect() {
    const f = file;
    $('bulk-file-name').textContent = F.reading(f.name);
    try {
      seen = await model().inspectFile(f, { format: $('bulk-format').value, rows: 5 });
    } catch (e) {
      if (f === file) fail(e);
      return;
    }
    if (f !== file) return;
    $('bulk-file-name').textContent = F.detected(f.name, F.formats[seen.format], size(f.size));
    if (TABLES.includes(seen.format)) picker();
    else start();
  }

  /** The first rows with a button per column; the text column chosen without asking is preselected. */
  function picker() {
    const box = $('bulk-columns');
    const t = document.createElement('table');
    t.className = 'preview';
    const head = t.createTHead().insertRow();
    const pick = (name) => {
      column = name;
      for (const b of box.querySelectorAll('button[data-column]')) b.setAttribute('aria-pressed', String(b.dataset.column === name));
      $('bulk-start').disabled = false;
      delete root.dataset.need;
      note.textContent = '';
    };
    seen.columns.forEach((c) => {
      const th = document.createElement('th');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'column';
      b.dataset.column = c;
      b.textContent = c;
      b.setAttribute('aria-pressed', 'false');
      b.addEventListener('click', () => pick(c));
      th.append(b);
      head.append(th);
    });
    const body = t.createTBody();
    for (const r of seen.rows) {
      const tr = body.insertRow();
      for (const cell of r) tr.insertCell().textContent = cell.length > 80 ? `${cell.slice(0, 80)}…` : cell;
    }
    const note = document.createElement('p');
    note.className = 'muted small';
    const scroll = document.createElement('div');
    scroll.className = 'scroll';
    scroll.append(t);
    box.replaceChildren(Object.assign(document.createElement('p'), { className: 'pick', textContent: F.pick }),
      Object.assign(document.createElement('p'), { className: 'muted small', textContent: F.pickHint }), scroll, note);
    $('bulk-start').hidden = false;
    $('bulk-start').disabled = true;
    if (seen.textColumn) pick(seen.textColumn);
    else {
      root.dataset.need = 'column';
      note.textContent = F.pickNeeded(seen.columnError || '');
    }
  }

  async function start() {
    const m = model();
    const f = file;
    const store = fileStore(new Map(info.labels.map((l, i) => [l.label, i])));
    ctl = new AbortController();
    const signal = ctl.signal;
    setState('running');
    show(['bulk-run']);
    $('bulk-cancel').disabled = false;
    $('bulk-status').textContent = F.progressOpen(0);
    $('bulk-bar').removeAttribute('value');
    const run = m.classifyFile(f, {
      format: seen.format, column: column ?? undefined, allScores: $('bulk-all-scores').checked,
      files: ['csv', 'jsonl'], signal, onProgress: paint,
    });
    let table = null;
    try {
      // After a stop the worker ends the run within a step (ABORTED, with the summary of
      // the rows done): every batch until then is kept, so the summary and the files agree.
      for await (const b of run.batches()) {
        if (f !== file) return;
        table = b.table ?? table;
        store.add(b);
        root.dataset.rows = String(store.count);
      }
      if (f !== file) return;
      finish(run, store, table, f, run.complete ? null : run.progress);
    } catch (e) {
      if (f !== file) return;
      if (e.code === 'ABORTED') finish(run, store, table, f, run.progress ?? { rowsDone: store.count });
      else fail(e);
    }
  }

  function paint(p, force = false) {
    const now = performance.now();
    if (!force && now - painted < PAINT_MS && !p.complete) return;
    painted = now;
    const bar = $('bulk-bar');
    if (p.share != null) bar.value = p.share; else bar.removeAttribute('value');
    const parts = [p.rowsTotal != null ? F.progress(p.rowsDone, p.rowsTotal, p.rowsTotalExact) : F.progressOpen(p.rowsDone)];
    if (p.rowsDone && p.elapsedSeconds > 0.5) parts.push(F.rate(p.rowsPerSecond));
    if (p.etaSeconds != null && p.rowsDone && !p.complete) parts.push(F.eta(p.etaSeconds));
    $('bulk-status').textContent = parts.join(' · ');
  }

  /** The run ended: complete (partial null) or stopped early (partial: its progress). */
  function finish(run, store, table, f, partial) {
    ctl = null;
    const summary = run.summary;
    setState(partial ? 'cancelled' : 'done');
    root.dataset.rows = String(store.count);
    show(['bulk-summary', 'bulk-downloads', ...(table && store.count ? ['bulk-table'] : [])]);
    if (summary) {
      renderSummary($('bulk-summary'), {
        summary, labels: info.labels, strings: F, threshold: LOW_CONFIDENCE,
        defaultModel: info.model === DEFAULT_MODEL, partial,
      });
    }
    const base = f.name.replace(/\.[^.]+$/, '') || 'gamjeong';
    for (const kind of ['csv', 'jsonl']) {
      const a = $(`bulk-download-${kind}`);
      const url = URL.createObjectURL(store.file(kind));
      urls.push(url);
      a.href = url;
      a.download = `${base}.gamjeong${partial ? '.partial' : ''}.${kind}`;
      a.dataset.partial = String(!!partial);
    }
    if (table && store.count) renderTable($('bulk-table'), { store, table, labels: info.labels, strings: F, openText });
  }

  function fail(e) {
    ctl = null;
    setState('error');
    show(['bulk-error']);
    const box = $('bulk-error');
    const what = Object.assign(document.createElement('p'), { className: 'what', textContent: F.failed });
    if (Number.isInteger(e.line)) {
      root.dataset.line = String(e.line);
      what.textContent += ` (${F.line(e.line)})`;
    }
    box.replaceChildren(what, Object.assign(document.createElement('p'), { className: 'detail', textContent: e.message }));
    box.dataset.code = e.code || '';
  }

  $('bulk-file').addEventListener('change', () => choose($('bulk-file').files[0]));
  $('bulk-start').addEventListener('click', () => { if (seen && root.dataset.state === 'reading') start(); });
  $('bulk-another').addEventListener('click', () => { $('bulk-file').value = ''; $('bulk-file').click(); });
  $('bulk-cancel').addEventListener('click', () => {
    $('bulk-cancel').disabled = true;
    ctl?.abort();
  });
  $('bulk-format').addEventListener('change', () => { if (file && root.dataset.state !== 'running' && model()) choose(file); });
  const drop = $('bulk-pick');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    choose(e.dataTransfer?.files?.[0]);
  });

  return {
    setEnabled(on) { $('bulk-file').disabled = !on; },
    pending() {},
    ready(i) {
      info = i;
      if (waiting) { waiting = false; inspect(); }
    },
    failed() {
      if (!waiting) return;
      waiting = false;
      fail({ message: T.notClassified });
    },
  };
}
