// The summary of a file run, groups first: the counts, how far to trust them (the model's
// measured accuracy, low-confidence rows), the groups' shares and the top 10 emotions, and
// for a chat each speaker's groups over time and top emotions. From WasmBulk's summary (the
// Rust counts, src/bulk/summary.rs); a model without the six groups gets its labels instead.
import { barChart, stackedColumns, legend } from './charts.js';

/** The default model's top-1 accuracy over its 60 labels (model card: test_accuracy 0.2937). */
export const SEED_ACCURACY = 0.2937;
const SPEAKER_CHARTS = 6;

function el(name, cls, text) {
  const e = document.createElement(name);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

const topOf = (counts, k) => counts.map((c, i) => [i, c]).filter(([, c]) => c > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);

/**
 * @param {HTMLElement} root
 * @param {object} o
 * @param {object} o.summary    WasmBulk summary()
 * @param {object[]} o.labels   the model's labels (info.labels: label, group, gloss, groupGloss)
 * @param {object} o.strings    strings.file (i18n-file.js)
 * @param {number} o.threshold  the low-confidence threshold
 * @param {boolean} o.defaultModel  the page runs its default model (the accuracy is its own)
 * @param {object|null} o.partial   the progress of a run that stopped early, else null
 */
export function renderSummary(root, { summary: s, labels, strings: F, threshold, defaultModel, partial }) {
  root.replaceChildren();
  root.append(el('h3', null, F.summary));
  if (partial) {
    const p = el('p', 'partial', F.partial(partial.rowsDone, partial.rowsTotal, partial.share));
    p.setAttribute('role', 'status');
    root.append(p);
  }
  root.append(el('p', 'counts', F.counts(s.rows, s.classified, s.skippedEmpty, s.skippedMedia)));
  const grouped = labels.length > 0 && labels.every((l) => l.group);
  if (s.classified) root.append(el('p', 'low', F.low(s.lowConfidence, s.classified, threshold)));
  const notes = el('div', 'honest');
  if (grouped) notes.append(el('p', null, F.accuracy(SEED_ACCURACY, !defaultModel)));
  notes.append(el('p', 'muted small', F.lowNote(threshold)));
  root.append(notes);

  const charts = el('div', 'charts');
  const item = (i, count) => ({ name: labels[i].label, gloss: labels[i].gloss, group: labels[i].group, series: i, count });
  if (grouped) {
    const glossOf = new Map(labels.map((l) => [l.group, l.groupGloss]));
    const groups = s.categories.map((g, k) => ({ name: g, gloss: glossOf.get(g), group: g, count: s.categoryCounts[k] }));
    charts.append(barChart({ kind: 'groups', title: F.groupsChart, desc: F.groupsDesc(s.classified), items: groups, total: s.classified, strings: F }));
    const top = topOf(s.labels, 10).map(([i, c]) => item(i, c));
    charts.append(barChart({ kind: 'top', title: F.topChart, desc: F.topDesc(s.classified), items: top, total: s.classified, strings: F }));
  } else {
    const top = topOf(s.labels, 10).map(([i, c]) => item(i, c));
    charts.append(barChart({ kind: 'labels', title: F.labelsChart, desc: F.labelsDesc(s.classified), items: top, total: s.classified, strings: F }));
  }
  root.append(charts);
  if (s.speakers?.length) root.append(chat(s, labels, F, grouped));
}

/** A chat: the groups (or labels) over time per speaker, and each speaker's top emotions. */
function chat(s, labels, F, grouped) {
  const box = el('section', 'chat');
  const glossOf = new Map(labels.map((l) => [l.group, l.groupGloss]));
  const categories = s.categories.map((c, k) => (grouped ? { name: c, gloss: glossOf.get(c), group: c } : { name: c, series: k }));
  const buckets = Object.keys(s.timeline.buckets).sort();
  const speakers = [...s.speakers].sort((a, b) => b.classified - a.classified);
  if (buckets.length) {
    box.append(el('h4', null, F.timeline(s.timeline.unit)), legend(categories));
    for (const p of speakers.slice(0, SPEAKER_CHARTS)) {
      const counts = buckets.map((b) => s.timeline.buckets[b][p.name] ?? categories.map(() => 0));
      box.append(stackedColumns({ kind: 'timeline', title: p.name, desc: F.timelineDesc(p.name, p.classified), buckets, categories, counts, strings: F }));
    }
    if (speakers.length > SPEAKER_CHARTS) box.append(el('p', 'muted small', F.moreSpeakers(speakers.length - SPEAKER_CHARTS)));
  }
  box.append(el('h4', null, F.speakers));
  const t = el('table', 'speakers');
  const head = el('tr');
  for (const h of [F.speaker, F.messages, F.top]) {
    const th = el('th', null, h);
    th.scope = 'col';
    head.append(th);
  }
  t.createTHead().append(head);
  const body = t.createTBody();
  for (const p of speakers) {
    const tr = el('tr');
    tr.dataset.speaker = p.name;
    const th = el('th', null, p.name);
    th.scope = 'row';
    const tops = el('td');
    for (const [i, c] of topOf(p.labels, 3)) {
      const tag = el('span', 'tag', `${labels[i].label} ${c}`);
      if (labels[i].group) tag.dataset.group = labels[i].group;
      tops.append(tag, ' ');
    }
    tr.append(th, el('td', 'num', String(p.rows)), tops);
    body.append(tr);
  }
  box.append(t);
  return box;
}
