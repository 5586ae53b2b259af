// One classification on the demo page: the three highest labels large, the meta line (tokens,
// time, truncation) and a bar per label: by group in the taxonomy's order (the 60 emotions,
// whose labels the loaded model gives with their groups), else one list highest first. A
// multi-label model's scores are each label's own probability (a sigmoid, not a softmax that
// sums to 1): its bars carry the 0.5 line past which the model says a label applies.

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

/**
 * @param {object} o
 * @param {HTMLElement} o.top     the three highest labels
 * @param {HTMLElement} o.meta    tokens · ms (· truncated)
 * @param {HTMLElement} o.groups  the bars
 * @param {HTMLInputElement} o.sorted  checked: one list, highest first
 * @param {object} o.strings      the page's strings (i18n.js)
 */
export function resultsView({ top, meta, groups, sorted, strings: T }) {
  let labels = { order: [], gloss: new Map(), scoreFn: 'softmax' }; // groups of the loaded model, its score function

  function barRow(s, rank, multi = false) {
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
    row.setAttribute('aria-label', `${s.label}${s.gloss ? ` (${s.gloss})` : ''}${rank ? T.rank(rank) : ''}: ${pct(s.score)}${multi ? T.applies(s.score >= 0.5) : ''}`);
    const name = span('name', '');
    name.append(span('label', s.label), ' ', span('gloss', s.gloss ?? ''));
    const track = span('track', '');
    track.setAttribute('aria-hidden', 'true');
    const fill = span('fill', '');
    fill.style.width = `${(100 * s.score).toFixed(2)}%`;
    track.append(fill);
    if (multi) {
      row.dataset.applies = String(s.score >= 0.5);
      track.append(span('half', ''));
    }
    row.append(name, track, span('pct', pct(s.score)));
    return row;
  }

  function renderTop(scores) {
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
    meta.replaceChildren(T.meta(result.tokens, result.ms.toFixed(0)));
    if (result.truncated) {
      const t = document.createElement('strong');
      t.className = 'warn';
      t.textContent = T.truncated;
      meta.append(t);
    }
  }

  /** Every label: by group in the taxonomy's order, or one list highest first (with the 0.5 line when multi-label). */
  function renderBars(result) {
    const { scores } = result;
    const multi = labels.scoreFn === 'sigmoid';
    const byGroups = !multi && labels.order.length > 0 && !sorted.checked;
    groups.dataset.layout = byGroups ? 'groups' : 'sorted';
    groups.dataset.multilabel = String(multi);
    const rank = new Map(scores.map((s, i) => [s.index, i + 1]));
    groups.replaceChildren();
    if (!byGroups) {
      const sec = document.createElement('section');
      sec.className = 'group all';
      const h = document.createElement('h3');
      h.id = 'group-all';
      h.textContent = T.allSorted(scores.length);
      sec.setAttribute('aria-labelledby', h.id);
      sec.append(h);
      if (multi) {
        const above = scores.filter((s) => s.score >= 0.5).length;
        const note = document.createElement('p');
        note.className = 'multi-note muted small';
        note.id = 'multi-note';
        note.textContent = T.multiLabel(above);
        sec.setAttribute('aria-describedby', note.id);
        sec.append(note);
      }
      for (const s of scores) sec.append(barRow(s, rank.get(s.index), multi));
      groups.append(sec);
      return;
    }
    const byGroup = new Map(labels.order.map((g) => [g, []]));
    for (const s of scores) {
      const g = s.group ?? T.other;
      if (!byGroup.has(g)) byGroup.set(g, []);
      byGroup.get(g).push(s); // scores are sorted, so each group is too
    }
    for (const [g, items] of byGroup) {
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
      groups.append(sec);
    }
  }

  return {
    /** The groups (and their glosses) of the loaded model's labels (`info.labels`) and how it scores (`info.scoreFn`). */
    setLabels(modelLabels, scoreFn) {
      labels = {
        scoreFn,
        order: [...new Set(modelLabels.map((l) => l.group).filter(Boolean))],
        gloss: new Map(modelLabels.filter((l) => l.group).map((l) => [l.group, l.groupGloss])),
      };
    },
    /** Shows one classification: top three, meta line, all bars. */
    render(result) {
      renderTop(result.scores);
      renderMeta(result);
      renderBars(result);
    },
    renderBars,
    clear() {
      top.replaceChildren();
      groups.replaceChildren();
      delete groups.dataset.layout;
      delete groups.dataset.multilabel;
    },
  };
}
