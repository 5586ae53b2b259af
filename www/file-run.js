// `classifier.classifyFile(source, options)`: a whole file classified, as an async iterable of
// rows (`FileRun`), or of the steps' batches with the CLI's CSV/JSONL bytes (`run.batches()`).
// The work runs where the model is (the worker, the page, Node: runtime/file.js); this module
// keeps what a caller reads after the loop: table, progress, summary (options.js checks the options).
import { GamjeongError } from './runtime/errors.js';
import { openSource, bytesOf } from './runtime/file.js';

/** What the runtime gets: plain values that cross postMessage. */
export function runOptions({ onProgress, signal, batchSize, ...o }) {
  return { ...o, ...(batchSize != null && { stepRows: batchSize }) };
}

/**
 * One run over one file, read once. Iterating it yields rows `{index, line, cells, text, label,
 * score, group, lowConfidence, skipped[, scores]}` in input order; `batches()` yields a step's
 * `{rows, csv, jsonl, progress, table}` instead. Leaving the loop early (break, an exception)
 * or the options' `signal` cancels the run; then `summary` holds the counts over the rows done.
 */
export class FileRun {
  /** `{format, columns, textColumn, outputColumns}` once the file's columns are known. */
  table = null;
  /** The latest progress (docs/js-api.md). */
  progress = null;
  /** Counts over the finished rows, once the run has ended (complete, cancelled or failed). */
  summary = null;
  /** Whether every row of the file was classified. */
  complete = false;
  #start;
  #onProgress;
  #signal;
  #started = false;

  /** `start(signal)`: an async generator of batches returning `{progress, summary}` (runtime/file.js). */
  constructor(start, { onProgress, signal } = {}) {
    this.#start = start;
    this.#onProgress = onProgress;
    this.#signal = signal;
  }

  async* batches() {
    if (this.#started) throw new GamjeongError('This FileRun was already read: call classifyFile again to read the file again.', 'BAD_INPUT');
    this.#started = true;
    const gen = this.#start(this.#signal);
    try {
      for (;;) {
        const r = await gen.next();
        if (r.done) {
          this.summary = r.value.summary;
          this.complete = true;
          this.#progress(r.value.progress);
          return;
        }
        const b = r.value;
        if (b.table) this.table = b.table;
        this.#progress(b.progress);
        yield { rows: b.rows, csv: b.csv, jsonl: b.jsonl, progress: b.progress, table: this.table };
      }
    } catch (e) {
      if (e?.summary) this.summary = e.summary;
      if (e?.progress) this.progress = e.progress;
      throw e;
    } finally {
      await gen.return?.();
    }
  }

  async* [Symbol.asyncIterator]() {
    for await (const b of this.batches()) yield* b.rows;
  }

  #progress(p) {
    this.progress = p;
    if (!this.#onProgress) return;
    try { this.#onProgress(p); } catch (e) { console.error('gamjeong: onProgress threw', e); }
  }
}

const isBlob = (x) => typeof Blob !== 'undefined' && x instanceof Blob;

/**
 * The batches of a run in the model's worker (worker.js's protocol). A File or Blob goes to the
 * worker as it is; any other source is read here, a chunk per 'pull'. `channel`: the
 * Classifier's `{open(msg, handlers) → id, post(msg)}`.
 */
export async function* workerBatches(channel, source, options, signal) {
  const blob = isBlob(source) ? source : null;
  const src = blob ? null : await openSource(source);
  const chunks = src && (src.chunks[Symbol.asyncIterator]?.() ?? src.chunks[Symbol.iterator]());
  const queue = [];
  let end = null; // {value} or {error}
  let wake = null;
  const notify = () => { wake?.(); wake = null; };
  let reading = Promise.resolve();
  let id = 0;
  const pump = async () => {
    try {
      const r = await chunks.next();
      channel.post(r.done ? { type: 'fileChunk', target: id, done: true } : { type: 'fileChunk', target: id, chunk: bytesOf(r.value) });
    } catch (e) {
      end = end || { error: e };
      channel.post({ type: 'abort', target: id });
      notify();
    }
  };
  id = channel.open({ type: 'classifyFile', source: blob, options: { ...options, size: options.size ?? src?.size ?? undefined } }, {
    event(ev) {
      if (ev.kind === 'batch') { queue.push(ev); notify(); } else if (ev.kind === 'pull') reading = reading.then(pump);
    },
    resolve(value) { end = end || { value }; notify(); },
    reject(error) { end = end || { error }; notify(); },
  });
  const onAbort = () => channel.post({ type: 'abort', target: id });
  signal?.addEventListener('abort', onAbort, { once: true });
  let ended = false;
  try {
    for (;;) {
      if (queue.length) {
        const { kind, ...b } = queue.shift();
        channel.post({ type: 'fileMore', target: id });
        yield b;
      } else if (end) {
        ended = true;
        if (end.error) throw end.error;
        return end.value;
      } else {
        await new Promise((r) => { wake = r; });
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!ended) channel.close(id);
    await chunks?.return?.();
  }
}
