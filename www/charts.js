// The file summary's charts: inline SVG drawn here (no library, nothing fetched). Colours come
// from style.css through `data-group` (the six groups) or `data-series` (other models' labels),
// so they follow light and dark; text is `currentColor`. Every chart is a <figure> whose SVG
// is an image with a title and a description, followed by its numbers as a table.

const SVG = 'http://www.w3.org/2000/svg';
let uid = 0;

function svg(name, attrs = {}, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) if (v != null) e.setAttribute(k, String(v));
  if (text != null) e.textContent = text;
  return e;
}

function html(name, attrs = {}, text) {
  const e = document.createElement(name);
  for (const [k, v] of Object.entries(attrs)) if (v != null) e.setAttribute(k, String(v));
  if (text != null) e.textContent = text;
  return e;
}

/** The colour of an item: its group's, else one of six by its position. */
function colour(e, item) {
  if (item.group) e.setAttribute('data-group', item.group);
  else e.setAttribute('data-series', String((item.series ?? 0) % 6));
  return e;
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;

/** A figure with an SVG image (title, description, `alt` as its label) and a numbers table. */
function figure(kind, title, desc, alt, image, table, strings) {
  const id = `chart-${++uid}`;
  const fig = html('figure', { class: `chart ${kind}`, 'data-chart': kind });
  const cap = html('figcaption', { id: `${id}-cap` }, title);
  image.setAttribute('role', 'img');
  image.setAttribute('aria-label', `${title}. ${desc} ${alt}`);
  image.prepend(svg('title', {}, title), svg('desc', {}, `${desc} ${alt}`));
  const details = html('details');
  details.append(html('summary', {}, strings.numbers), table);
  fig.append(cap, html('p', { class: 'muted small' }, desc), image, details);
  return fig;
}

function numbersTable(head, rows) {
  const t = html('table', { class: 'numbers' });
  const tr = html('tr');
  head.forEach((h) => tr.append(html('th', { scope: 'col' }, h)));
  t.append(html('thead'));
  t.tHead.append(tr);
  const body = html('tbody');
  for (const r of rows) {
    const row = html('tr');
    r.forEach((c, i) => row.append(html(i ? 'td' : 'th', i ? {} : { scope: 'row' }, c)));
    body.append(row);
  }
  t.append(body);
  return t;
}

/**
 * Horizontal bars, one per item `{name, gloss, count, group?, series?}`, each with its share
 * of `total` (the classified rows).
 */
export function barChart({ kind, title, desc, items, total, strings }) {
  const rowH = 26;
  const W = 560;
  const labelW = 190;
  const valueW = 100;
  const barW = W - labelW - valueW;
  const max = Math.max(1, ...items.map((i) => i.count));
  const image = svg('svg', { viewBox: `0 0 ${W} ${items.length * rowH + 4}`, class: 'bars' });
  items.forEach((item, k) => {
    const y = k * rowH + 2;
    const share = total ? item.count / total : 0;
    const g = colour(svg('g', { class: 'item', 'data-label': item.name, 'data-count': item.count }), item);
    g.append(
      svg('text', { x: 0, y: y + 17, class: 'name' }, item.gloss ? `${item.name} ${item.gloss}` : item.name),
      svg('rect', { x: labelW, y: y + 5, width: barW, height: 14, rx: 3, class: 'track' }),
      svg('rect', { x: labelW, y: y + 5, width: Math.max(item.count ? 1 : 0, (barW * item.count) / max), height: 14, rx: 3, class: 'fill' }),
      svg('text', { x: W, y: y + 17, 'text-anchor': 'end', class: 'value' }, `${pct(share)} (${item.count})`),
    );
    image.append(g);
  });
  const alt = items.filter((i) => i.count).slice(0, 5).map((i) => `${i.name} ${pct(total ? i.count / total : 0)}`).join(', ');
  const table = numbersTable([title, strings.count, strings.share],
    items.map((i) => [i.gloss ? `${i.name} (${i.gloss})` : i.name, String(i.count), pct(total ? i.count / total : 0)]));
  return figure(kind, title, desc, alt, image, table, strings);
}

/**
 * Stacked columns over time: `buckets` (names, in order), `categories` (`{name, group?,
 * series?}`), `counts[bucket][category]`.
 */
export function stackedColumns({ kind, title, desc, buckets, categories, counts, strings }) {
  const W = 560;
  const H = 150;
  const left = 34;
  const bottom = 20;
  const plotW = W - left;
  const plotH = H - bottom - 6;
  const totals = counts.map((c) => c.reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const step = plotW / Math.max(1, buckets.length);
  const colW = Math.max(1, Math.min(40, step * 0.8));
  const image = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'columns' });
  image.append(
    svg('line', { x1: left, y1: 6 + plotH, x2: W, y2: 6 + plotH, class: 'axis' }),
    svg('text', { x: left - 4, y: 12, 'text-anchor': 'end', class: 'tick' }, String(max)),
    svg('text', { x: left - 4, y: 6 + plotH, 'text-anchor': 'end', class: 'tick' }, '0'),
  );
  buckets.forEach((b, i) => {
    const x = left + i * step + (step - colW) / 2;
    let y = 6 + plotH;
    const col = svg('g', { class: 'column', 'data-bucket': b, 'data-count': totals[i] });
    categories.forEach((c, k) => {
      const v = counts[i][k];
      if (!v) return;
      const h = (plotH * v) / max;
      y -= h;
      col.append(colour(svg('rect', { x, y, width: colW, height: h, class: 'fill' }), c));
    });
    image.append(col);
  });
  // The first, middle and last periods named under the axis.
  const marks = [...new Set([0, Math.floor((buckets.length - 1) / 2), buckets.length - 1])].filter((i) => i >= 0);
  for (const i of marks) {
    const anchor = buckets.length === 1 ? 'middle' : i === 0 ? 'start' : i === buckets.length - 1 ? 'end' : 'middle';
    const x = anchor === 'start' ? left : anchor === 'end' ? W : left + (i + 0.5) * step;
    image.append(svg('text', { x, y: H - 4, 'text-anchor': anchor, class: 'tick' }, buckets[i]));
  }
  const busiest = totals.indexOf(Math.max(...totals));
  const alt = buckets.length ? `${buckets[0]} – ${buckets[buckets.length - 1]}; ${buckets[busiest]}: ${totals[busiest]}.` : '';
  const table = numbersTable([strings.bucket, ...categories.map((c) => c.name)], buckets.map((b, i) => [b, ...counts[i].map(String)]));
  return figure(kind, title, desc, alt, image, table, strings);
}

/** The categories' colours, as a legend under a chart. */
export function legend(categories) {
  const ul = html('ul', { class: 'legend' });
  for (const c of categories) {
    const li = colour(html('li'), c);
    li.append(html('span', { class: 'swatch', 'aria-hidden': 'true' }), document.createTextNode(c.gloss ? `${c.name} ${c.gloss}` : c.name));
    ul.append(li);
  }
  return ul;
}
