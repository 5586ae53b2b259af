// The one error type of the JS side, and how it crosses postMessage (toPlain / fromPlain).

/** An error with a machine-readable `code` that survives postMessage (see toPlain). */
export class GamjeongError extends Error {
  constructor(message, code, extra = {}) {
    super(message);
    // A cancelled load is also an AbortError, as fetch's is: `e.name === 'AbortError'` works.
    this.name = code === 'ABORTED' ? 'AbortError' : 'GamjeongError';
    this.code = code;
    Object.assign(this, extra);
  }
}

/** The error a load cancelled through its AbortSignal rejects with. */
export function abortError(signal) {
  const why = signal?.reason instanceof Error && signal.reason.name !== 'AbortError' ? ` (${signal.reason.message})` : '';
  return new GamjeongError(`Loading the model was cancelled${why}.`, 'ABORTED');
}

export function throwIfAborted(signal) {
  if (signal?.aborted) throw abortError(signal);
}

/** The stable code a wasm error carries (Rust `Error::code`); BAD_MODEL for anything else. */
export function wasmCode(e) {
  return typeof e?.code === 'string' ? e.code : 'BAD_MODEL';
}

/** What an error may carry besides its message and code: a download's, a quant's, a file's (line, columns, the run's summary so far). */
const EXTRA = ['url', 'status', 'schemes', 'line', 'columns', 'summary', 'progress'];

export function toPlain(e) {
  const p = { message: e?.message || String(e), code: e?.code || 'MODEL', name: e?.name };
  for (const k of EXTRA) if (e?.[k] !== undefined) p[k] = e[k];
  return p;
}

export function fromPlain(p) {
  return new GamjeongError(p.message, p.code, Object.fromEntries(EXTRA.filter((k) => p[k] !== undefined).map((k) => [k, p[k]])));
}
