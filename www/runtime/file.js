// A whole file through the model: its bytes read chunk by chunk (File.stream(), a ReadableStream,
// a Node Readable or path) into a WasmBulk session (src/web/bulk.rs, the CLI's src/bulk/), which
// parses, classifies in length-sorted batches and writes the CLI's CSV/JSONL. `runFile` yields
// one batch per step; the worker (worker.js), the in-page Classifier and Node all drive it.
// Memory stays bounded: the next chunk is read only when the session has classified what it
// holds, and nothing keeps the file or its rows.
import { GamjeongError } from './errors.js';
import { platform } from './platform.js';

/** Rows per step: a cancel waits for at most one step; fewer rows cost more calls. */
export const STEP_ROWS = 32;
/** What inspectFile reads of a file's start by default: the format, the columns, the first rows. */
export const HEAD_BYTES = 256 * 1024;

const isBlob = (x) => typeof Blob !== 'undefined' && x instanceof Blob;

/**
 * `{chunks, name, size}` of a source: a File/Blob (its stream), a ReadableStream, an async or
 * sync iterable of Uint8Array/string chunks (a Node Readable), a Uint8Array/ArrayBuffer, or (Node)
 * a path. `name` and `size` are null where the source does not say.
 */
export async function openSource(source) {
  if (isBlob(source)) return { chunks: streamChunks(source.stream()), name: source.name ?? null, size: source.size };
  if (typeof source === 'string' || source instanceof URL) {
    const file = await platform.openFile(source);
    if (!file) {
      throw new GamjeongError('classifyFile(source): a path is read in Node.js only; in a browser pass a File or Blob (from an <input type="file"> or a drop), or a ReadableStream.', 'BAD_INPUT');
    }
    return file;
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return { chunks: [bytes], name: null, size: bytes.byteLength };
  }
  if (typeof source?.getReader === 'function') return { chunks: streamChunks(source), name: null, size: null };
  if (source && (typeof source[Symbol.asyncIterator] === 'function' || typeof source[Symbol.iterator] === 'function')) {
    return { chunks: source, name: typeof source.path === 'string' ? baseName(source.path) : null, size: null };
  }
  throw new GamjeongError(`classifyFile(source) needs a File or Blob, a ReadableStream, a Node Readable or a path, got ${describe(source)}.`, 'BAD_INPUT');
}

async function* streamChunks(stream) {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

const encoder = new TextEncoder();
/** A chunk as bytes (a Readable with an encoding set yields strings). */
export function bytesOf(chunk) {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return encoder.encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new GamjeongError(`classifyFile(source): the source gave a chunk that is not bytes (${describe(chunk)}).`, 'BAD_INPUT');
}

const baseName = (p) => String(p).split(/[\\/]/).pop() || null;

/** The options WasmBulk takes, from classifyFile's (checked in classifier.js). */
export function bulkOptions(o, name) {
  const outputs = ['rows', ...(o.files ?? [])];
  return {
    format: o.format ?? 'auto',
    fileName: o.fileName ?? name ?? undefined,
    column: o.column ?? undefined,
    allScores: o.allScores ?? false,
    lowConfidence: o.lowConfidence ?? undefined,
    outputs,
  };
}

/** Lets the event loop run (a cancel message, a progress paint) between steps; no timer clamping. */
function tick() {
  if (typeof MessageChannel !== 'function') return new Promise((r) => setTimeout(r, 0));
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => { ch.port1.close(); resolve(); };
    ch.port2.postMessage(null);
  });
}

/**
 * Classifies a whole file: yields `{rows, csv, jsonl, progress, table}` per step (csv/jsonl:
 * the bytes written by the step, for the formats in `options.files`), then returns
 * `{progress, summary}`. On an error or an abort the session's summary so far is on the
 * error (`e.summary`, `e.progress`). `mod`: the wasm-bindgen module; `model`: its WasmClassifier.
 */
export async function* runFile(mod, model, source, options = {}, signal) {
  if (signal?.aborted) throw fileAbort(signal);
  const src = await openSource(source);
  const total = options.size ?? src.size ?? null;
  const stepRows = options.stepRows ?? STEP_ROWS;
  let bulk;
  try {
    bulk = new mod.WasmBulk(model, bulkOptions(options, src.name));
  } catch (e) {
    throw fromWasm(e);
  }
  const t0 = performance.now();
  let table = null;
  const batch = () => {
    const b = {
      rows: bulk.takeRows(), csv: bulk.takeCsv(), jsonl: bulk.takeJsonl(),
      progress: progressOf(bulk.progress(), total, performance.now() - t0), table: null,
    };
    if (!table) {
      table = bulk.table();
      if (table) b.table = { ...table, outputColumns: bulk.outputColumns() };
    }
    return b;
  };
  const stop = (e) => {
    const err = e?.name === 'AbortError' || signal?.aborted ? fileAbort(signal) : fromWasm(e);
    try {
      err.summary = bulk.summary();
      err.progress = progressOf(bulk.progress(), total, performance.now() - t0);
    } catch { /* the session is gone */ }
    return err;
  };
  try {
    for await (const chunk of src.chunks) {
      if (signal?.aborted) throw fileAbort(signal);
      bulk.push(bytesOf(chunk));
      while (bulk.step(model, stepRows) > 0) {
        yield batch();
        await tick();
        if (signal?.aborted) throw fileAbort(signal);
      }
    }
    bulk.finishInput();
    // After the input ends, a step of 0 rows means the run is complete.
    for (;;) {
      const n = bulk.step(model, stepRows);
      const b = batch();
      if (n > 0 || b.rows.length || b.csv.length || b.jsonl.length || b.table) yield b;
      if (n === 0) return { progress: b.progress, summary: bulk.summary() };
      await tick();
      if (signal?.aborted) throw fileAbort(signal);
    }
  } catch (e) {
    throw stop(e);
  } finally {
    bulk.free();
  }
}

/** The session's progress with the figures a progress bar shows: rate, share, ETA, estimated rows. */
export function progressOf(p, totalBytes, ms) {
  const seconds = ms / 1000;
  const share = p.inputDone && p.complete ? 1 : totalBytes ? Math.min(1, p.bytesDone / totalBytes) : null;
  const rowsPerSecond = seconds > 0 ? p.rowsDone / seconds : 0;
  // Rows in the whole file: exact once it is read, else the rows read so far scaled by bytes.
  const rowsTotal = p.inputDone ? p.rowsRead
    : totalBytes && p.bytesRead ? Math.max(p.rowsRead, Math.round((p.rowsRead * totalBytes) / p.bytesRead)) : null;
  const etaSeconds = share === 1 ? 0 : share > 0 ? (seconds * (1 - share)) / share : null;
  return { ...p, totalBytes, share, rowsTotal, rowsTotalExact: p.inputDone, rowsPerSecond, etaSeconds, elapsedSeconds: seconds };
}

/**
 * The start of a source, for inspectFile: `{head, whole, name}` (`whole`: the head is all of
 * it). A File/Blob is sliced; a stream or a path is read until `max` bytes (a stream is used up).
 */
export async function readHead(source, max = HEAD_BYTES) {
  if (isBlob(source)) {
    return { head: new Uint8Array(await source.slice(0, max).arrayBuffer()), whole: source.size <= max, name: source.name ?? null };
  }
  const src = await openSource(source);
  const head = new Uint8Array(max);
  let n = 0;
  let whole = true;
  for await (const chunk of src.chunks) {
    const b = bytesOf(chunk);
    head.set(b.subarray(0, max - n), n);
    n += Math.min(b.byteLength, max - n);
    if (n >= max) { whole = src.size != null && src.size <= max; break; }
  }
  src.chunks.destroy?.(); // a Node file stream left half read
  return { head: head.slice(0, n), whole, name: src.name };
}

/** A file's start → `{format, columns, textColumn, columnError, rows, fileName}` (wasm `inspectFile`). */
export function inspectHead(mod, head, whole, name, options = {}) {
  const { outputs, ...o } = bulkOptions(options, name);
  try {
    return { ...mod.inspectFile(head, o, whole, options.rows ?? 5), fileName: o.fileName ?? null };
  } catch (e) {
    throw fromWasm(e);
  }
}

function fileAbort(signal) {
  const why = signal?.reason instanceof Error && signal.reason.name !== 'AbortError' ? ` (${signal.reason.message})` : '';
  return new GamjeongError(`Classifying the file was cancelled${why}.`, 'ABORTED');
}

/** A wasm error (an Error with `code`, maybe `line` and `columns`) as a GamjeongError. */
export function fromWasm(e) {
  if (e instanceof GamjeongError) return e;
  const extra = {};
  if (typeof e?.line === 'number') extra.line = e.line;
  if (Array.isArray(e?.columns)) extra.columns = [...e.columns];
  return new GamjeongError(e?.message || String(e), typeof e?.code === 'string' ? e.code : 'MODEL', extra);
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v}${typeof v === 'number' ? ` (${v})` : ''}`;
}
