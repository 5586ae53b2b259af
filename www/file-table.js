// The rows of a file run as a table: sortable by emotion and score, filtered by emotion, group,
// low confidence and a text search, a page at a time. The order and filters work on the store's
// typed arrays; only the shown page's rows are read back from the JSONL output. Clicking a row
// (or Enter on it) hands its text to the page's text view, where the "Why?" view explains it.
import { LOW, EMPTY, MEDIA } from './file-store.js';

const PAGE_ROWS = 50;
const pct = (s) => `${(100 * s).toFixed(1)}%`;

function el(name, cls, text) {
  const e = document.createElement(name);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

/**
 * @param {HTMLElement} root
 * @param {object} o
 * @param {object} o.store      file-store.js
 * @param {object} o.table      the run's table: format, columns, textColumn, outputColumns
 * @param {object[]} o.labels   the model's labels
 * @param {object} o.strings    strings.file
 * @param {(text: string) => void} o.openText
 */
export function renderTable(root, { store, table, labels, strings: F, openText }) {
  const key = (name) => table.outputColumns[table.columns.indexOf(name)] ?? name;
  const textKey = key(table.textColumn);
  const chat = table.format === 'kakao';
  let sort = { by: 'line', desc: false };
  let filter = { cat: '', low: false, hits: null };
  let order = new Uint32Array(0);
  let page = 0;
  let generation = 0;

  root.replaceChildren(el('h3', null, F.table), el('p', 'muted small', F.rowHint));
  const controls = el('div', 'row controls');
  const search = el('input');
  search.type = 'search';
  search.id = 'bulk-search';
  search.placeholder = F.search;
  search.setAttribute('aria-label', F.search);
  const cat = el('select');
  cat.id = 'bulk-filter';
  cat.setAttribute('aria-label', F.filter);
  cat.append(new Option(`${F.filter}: ${F.all}`, ''));
  const groups = [...new Set(labels.map((l) => l.group).filter(Boolean))];
  for (const g of groups) cat.append(new Option(g, `g:${g}`));
  labels.forEach((l, i) => cat.append(new Option(l.group ? `${l.group} · ${l.label}` : l.label, `l:${i}`)));
  const lowBox = el('label', 'toggle');
  const low = el('input');
  low.type = 'checkbox';
  low.id = 'bulk-low';
  lowBox.append(low, ` ${F.lowOnly}`);
  controls.append(search, cat, lowBox);

  const t = el('table', 'rows');
  t.id = 'bulk-rows';
  const cols = [['line', F.cols.line, 'line']];
  if (chat) cols.push(['date', `${F.cols.date} ${F.cols.time}`, null], ['speaker', F.cols.speaker, null]);
  cols.push(['text', F.cols.text, null], ['label', F.cols.label, 'label'], ['score', F.cols.score, 'score']);
  const head = el('tr');
  for (const [id, name, sortKey] of cols) {
    const th = el('th');
    th.scope = 'col';
    th.dataset.col = id;
    if (sortKey) {
      const b = el('button', 'linkish', name);
      b.type = 'button';
      b.dataset.sort = sortKey;
      b.title = F.sortBy(name);
      b.addEventListener('click', () => {
        sort = { by: sortKey, desc: sort.by === sortKey ? !sort.desc : sortKey !== 'line' };
        refresh();
      });
      th.append(b);
    } else th.textContent = name;
    head.append(th);
  }
  t.createTHead().append(head);
  const body = t.createTBody();
  const pager = el('div', 'row pager');
  const prev = el('button', null, F.prev);
  const next = el('button', null, F.next);
  prev.type = next.type = 'button';
  const where = el('span', 'muted');
  where.setAttribute('aria-live', 'polite');
  pager.append(prev, where, next);
  prev.addEventListener('click', () => { page--; show(); });
  next.addEventListener('click', () => { page++; show(); });
  root.append(controls, t, pager);

  function keep(i) {
    if (filter.low && !(store.flags(i) & LOW)) return false;
    if (filter.cat.startsWith('l:') && store.label(i) !== Number(filter.cat.slice(2))) return false;
    if (filter.cat.startsWith('g:') && labels[store.label(i)]?.group !== filter.cat.slice(2)) return false;
    return true;
  }

  function refresh() {
    const base = filter.hits ?? Uint32Array.from({ length: store.count }, (_, i) => i);
    const list = base.filter(keep);
    const dir = sort.desc ? -1 : 1;
    const score = (i) => (Number.isNaN(store.score(i)) ? -1 : store.score(i));
    if (sort.by === 'score') list.sort((a, b) => dir * (score(a) - score(b)) || a - b);
    else if (sort.by === 'label') list.sort((a, b) => dir * (store.label(a) - store.label(b)) || score(b) - score(a) || a - b);
    else if (sort.desc) list.reverse();
    order = list;
    page = 0;
    for (const th of head.children) {
      const s = th.querySelector('button')?.dataset.sort;
      if (s === sort.by) th.setAttribute('aria-sort', sort.desc ? 'descending' : 'ascending'); else th.removeAttribute('aria-sort');
    }
    show();
  }

  async function show() {
    const g = ++generation;
    const pages = Math.max(1, Math.ceil(order.length / PAGE_ROWS));
    page = Math.min(Math.max(0, page), pages - 1);
    const ids = order.subarray(page * PAGE_ROWS, (page + 1) * PAGE_ROWS);
    const objs = await store.rows(ids);
    if (g !== generation) return;
    body.replaceChildren();
    if (!ids.length) {
      const td = el('td', 'muted', F.none);
      td.colSpan = cols.length;
      body.append(el('tr')).append(td);
    }
    ids.forEach((i, k) => body.append(rowOf(i, objs[k])));
    where.textContent = F.page(page + 1, pages, order.length);
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
    root.dataset.shown = String(ids.length);
    root.dataset.matches = String(order.length);
  }

  function rowOf(i, o) {
    const tr = el('tr');
    const text = String(o[textKey] ?? '');
    const f = store.flags(i);
    const li = store.label(i);
    tr.dataset.row = String(i);
    if (li >= 0) tr.dataset.label = labels[li].label;
    if (labels[li]?.group) tr.dataset.group = labels[li].group;
    if (f & LOW) tr.dataset.low = 'true';
    tr.append(el('td', 'num', String(store.line(i))));
    if (chat) tr.append(el('td', 'when', `${o.date ?? ''} ${o.time ?? ''}`), el('td', 'who', String(o.speaker ?? '')));
    const cell = el('td', 'text');
    const b = el('button', 'linkish', text);
    b.type = 'button';
    b.lang = 'ko';
    b.disabled = !text.trim();
    b.addEventListener('click', () => openText(text));
    cell.append(b);
    const emo = el('td', 'emotion');
    if (li >= 0) emo.append(el('span', 'tag', labels[li].label), labels[li].group ? ` ${labels[li].group}` : '');
    else emo.append(el('span', 'muted', F.skipped[f & EMPTY ? 'empty' : f & MEDIA ? 'media' : 'empty']));
    const sc = el('td', 'num', Number.isNaN(store.score(i)) ? '' : pct(store.score(i)));
    if (f & LOW) sc.append(' ', el('span', 'low-mark', F.lowMark));
    tr.append(cell, emo, sc);
    return tr;
  }

  let timer = 0;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = search.value.trim();
      const g = ++generation;
      const hits = q ? await store.search(q, textKey) : null;
      if (g !== generation) return;
      filter = { ...filter, hits };
      refresh();
    }, 250);
  });
  cat.addEventListener('change', () => { filter = { ...filter, cat: cat.value }; refresh(); });
  low.addEventListener('change', () => { filter = { ...filter, low: low.checked }; refresh(); });
  refresh();
}
