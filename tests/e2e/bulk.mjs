// Shared by the bulk e2e tests: the CLI's output for a file (the reference), the comparison of
// an output with it, and driving the page's file mode.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ROOT, CLI, LIKE_BROWSER } from './common.mjs';

export const BULK = path.join(ROOT, 'tests/fixtures/bulk');
/** Every input shape, with the options the page and the CLI are given. */
export const SHAPES = [
  { file: 'lines.txt' },
  { file: 'reviews.csv' },
  { file: 'reviews.tsv' },
  { file: 'reviews.jsonl' },
  { file: 'kakao-pc.txt' },
  { file: 'kakao-pc-en.txt' },
  { file: 'kakao-mobile.txt' },
  { file: 'kakao-android.txt' },
];

/** `gamjeong classify --input FILE --output OUT.csv|.jsonl` in the browser's format: `{csv, jsonl}` bytes. */
export function cliOutputs(model, input, { column, allScores = false, format } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gamjeong-bulk-cli-'));
  try {
    const out = {};
    for (const kind of ['csv', 'jsonl']) {
      const file = path.join(dir, `out.${kind}`);
      const args = ['classify', '--model', model, '--input', input, '--output', file, '--threads', '1', ...LIKE_BROWSER];
      if (column) args.push('--column', column);
      if (format) args.push('--format', format);
      if (allScores) args.push('--all-scores');
      execFileSync(CLI, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      out[kind] = fs.readFileSync(file);
    }
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The CLI's error for a bad file: its stderr and exit code. */
export function cliError(model, input) {
  try {
    execFileSync(CLI, ['classify', '--model', model, '--input', input], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    return { status: e.status, stderr: String(e.stderr) };
  }
  throw new Error(`the CLI accepted ${input}`);
}

/**
 * The records of an RFC 4180 CSV (the writer's output: quoted fields with doubled quotes, CRLF).
 * Kept here, a few lines, rather than a dependency: it reads only what the Rust `csv` writer
 * writes, and a wrong read fails the comparison loudly.
 */
export function parseCsv(bytes) {
  const text = Buffer.from(bytes).toString('utf8');
  assert.ok(text.startsWith('\ufeff'), 'the CSV starts with a byte-order mark');
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; } else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

const isScore = (name) => name === 'score' || name.startsWith('score_');

/**
 * `got` equals `want` (both CSV or both JSONL bytes) but for the scores, which may differ by
 * `tol`: the same rows in the same order, every other field identical. Returns
 * `{rows, maxDiff, identical}` (identical: byte for byte).
 */
export function compareOutputs(kind, got, want, tol) {
  let maxDiff = 0;
  const num = (a, b, where) => {
    if (a === b) return;
    const d = Math.abs(Number(a) - Number(b));
    assert.ok(Number.isFinite(d), `${where}: ${a} vs ${b}`);
    maxDiff = Math.max(maxDiff, d);
  };
  let rows;
  if (kind === 'csv') {
    const g = parseCsv(got);
    const w = parseCsv(want);
    assert.deepEqual(g[0], w[0], 'the header');
    assert.equal(g.length, w.length, 'the number of rows');
    g.forEach((r, i) => {
      assert.equal(r.length, w[i].length, `row ${i}: fields`);
      r.forEach((c, j) => (isScore(w[0][j]) ? num(c, w[i][j], `row ${i} ${w[0][j]}`) : assert.equal(c, w[i][j], `row ${i} ${w[0][j]}`)));
    });
    rows = g.length - 1;
  } else {
    const lines = (b) => Buffer.from(b).toString('utf8').split('\n').filter(Boolean);
    const g = lines(got);
    const w = lines(want);
    assert.equal(g.length, w.length, 'the number of rows');
    g.forEach((line, i) => {
      const a = Object.entries(JSON.parse(line));
      const b = Object.entries(JSON.parse(w[i]));
      assert.deepEqual(a.map(([k]) => k), b.map(([k]) => k), `row ${i}: keys`);
      a.forEach(([k, v], j) => (isScore(k) && v !== null ? num(v, b[j][1], `row ${i} ${k}`) : assert.deepEqual(v, b[j][1], `row ${i} ${k}`)));
    });
    rows = g.length;
  }
  return { rows, maxDiff, identical: Buffer.compare(Buffer.from(got), Buffer.from(want)) === 0 };
}

const ENDED = ['done', 'error', 'cancelled'];

/**
 * Chooses `file` in the page's file mode, picks `column` if the picker asks (or `column` is
 * given), starts and waits for the run to end. Returns `#bulk`'s state and rows.
 */
export async function analyze(page, file, { column, allScores = false, timeout = 60_000 } = {}) {
  await page.setInputFiles('#bulk-file', file);
  await page.waitForFunction(() => {
    const b = document.getElementById('bulk');
    return b.dataset.state !== 'reading' || !document.getElementById('bulk-start').hidden;
  }, null, { timeout });
  if (await page.$eval('#bulk', (b) => b.dataset.state === 'reading')) {
    if (column) await page.click(`#bulk-columns button[data-column="${column}"]`);
    if (allScores) await page.check('#bulk-all-scores');
    await page.click('#bulk-start');
  }
  await page.waitForFunction((ended) => ended.includes(document.getElementById('bulk').dataset.state), ENDED, { timeout });
  return page.$eval('#bulk', (b) => ({ state: b.dataset.state, rows: Number(b.dataset.rows), line: b.dataset.line ?? null }));
}

/**
 * The page's CSV and JSONL downloads as a user gets them: a click on each link, the file the
 * browser saves (the browser context must accept downloads). `{csv, jsonl}`: `{name, bytes}`.
 */
export async function downloads(page) {
  const out = {};
  for (const kind of ['csv', 'jsonl']) {
    const [d] = await Promise.all([page.waitForEvent('download'), page.click(`#bulk-download-${kind}`)]);
    out[kind] = { name: d.suggestedFilename(), bytes: fs.readFileSync(await d.path()) };
    await d.delete();
  }
  return out;
}

/** Runs `action` (a click on a sort button, a filter) and waits until the rows table shows its result. */
export async function tableAfter(page, action) {
  const before = await page.$eval('#bulk-table', (t) => t.dataset.rendered ?? '0');
  await action();
  await page.waitForFunction((n) => (document.getElementById('bulk-table').dataset.rendered ?? '0') !== n, before);
}
