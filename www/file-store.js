// What the page keeps of a file run, sized for 100,000 rows and more: per row a label, a score,
// flags, its input line and the offset of its line in the JSONL output (typed arrays: ~19 bytes a row), and the
// CSV/JSONL outputs themselves as Blobs (the browser keeps those outside the JS heap). A row's
// text and cells are read back from its JSONL line when the table shows it.

const GROW = 4096;
const FLUSH_BYTES = 1 << 20;
export const LOW = 1;
export const EMPTY = 2;
export const MEDIA = 4;

/** Bytes gathered into Blobs of about a MiB each. */
function blobWriter(type) {
  const parts = [];
  let pending = [];
  let pendingBytes = 0;
  let size = 0;
  return {
    write(bytes) {
      if (!bytes?.byteLength) return;
      pending.push(bytes);
      pendingBytes += bytes.byteLength;
      size += bytes.byteLength;
      if (pendingBytes >= FLUSH_BYTES) this.flush();
    },
    flush() {
      if (pending.length) parts.push(new Blob(pending));
      pending = [];
      pendingBytes = 0;
    },
    get size() { return size; },
    blob() { this.flush(); return new Blob(parts, { type }); },
  };
}

/** @param {Map<string, number>} labelIndex  label name → class index */
export function fileStore(labelIndex) {
  let cap = 0;
  let label = new Int16Array(0);
  let score = new Float32Array(0);
  let flags = new Uint8Array(0);
  let line = new Uint32Array(0); // the row's line in the input file
  let start = new Float64Array(0); // byte offset of the row's JSONL line; start[n] = the end
  let count = 0;
  const csv = blobWriter('text/csv;charset=utf-8');
  const jsonl = blobWriter('application/x-ndjson');
  let jsonlBlob = null;

  function grow(need) {
    if (need <= cap) return;
    cap = Math.max(need, cap * 2, GROW);
    const copy = (a, T) => { const b = new T(cap + 1); b.set(a); return b; };
    label = copy(label, Int16Array);
    score = copy(score, Float32Array);
    flags = copy(flags, Uint8Array);
    line = copy(line, Uint32Array);
    start = copy(start, Float64Array);
  }

  return {
    get count() { return count; },
    label: (i) => label[i],
    score: (i) => score[i],
    flags: (i) => flags[i],
    line: (i) => line[i],

    /** A step's batch: its rows in order, and its output bytes (one JSONL line per row). */
    add(batch) {
      const rows = batch.rows;
      grow(count + rows.length);
      let at = start[count];
      let k = 0;
      for (let p = 0; p < batch.jsonl.length; p++) {
        if (batch.jsonl[p] !== 10) continue;
        start[count + ++k] = at + p + 1;
      }
      if (k !== rows.length) throw new Error(`the JSONL output has ${k} lines for ${rows.length} rows`);
      for (const r of rows) {
        label[count] = r.label == null ? -1 : labelIndex.get(r.label) ?? -1;
        score[count] = r.score ?? NaN;
        line[count] = r.line;
        flags[count] = (r.lowConfidence ? LOW : 0) | (r.skipped === 'empty' ? EMPTY : 0) | (r.skipped === 'media' ? MEDIA : 0);
        count++;
      }
      csv.write(batch.csv);
      jsonl.write(batch.jsonl);
      jsonlBlob = null;
    },

    /** The CSV or JSONL output so far, as one Blob. */
    file(kind) { return kind === 'csv' ? csv.blob() : jsonl.blob(); },

    /** The JSONL objects of rows `indices` (read back from the output). */
    async rows(indices) {
      jsonlBlob ??= jsonl.blob();
      return Promise.all(Array.from(indices, async (i) => JSON.parse(await jsonlBlob.slice(start[i], start[i + 1]).text())));
    },

    /** Every row whose text (`key` of its JSONL object) contains `query`, ignoring case; streamed. */
    async search(query, key) {
      jsonlBlob ??= jsonl.blob();
      const q = query.toLowerCase();
      const hits = [];
      const decoder = new TextDecoder();
      let row = 0;
      let rest = '';
      const reader = jsonlBlob.stream().getReader();
      for (;;) {
        const { value, done } = await reader.read();
        const text = rest + (done ? decoder.decode() : decoder.decode(value, { stream: true }));
        const lines = text.split('\n');
        rest = done ? '' : lines.pop();
        for (const line of lines) {
          if (!line) continue;
          const v = JSON.parse(line)[key];
          if (typeof v === 'string' && v.toLowerCase().includes(q)) hits.push(row);
          row++;
        }
        if (done) break;
      }
      return Uint32Array.from(hits);
    },
  };
}
