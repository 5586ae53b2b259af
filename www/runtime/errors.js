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

export function toPlain(e) {
  return {
    message: e?.message || String(e),
    code: e?.code || 'MODEL',
    url: e?.url, status: e?.status, name: e?.name, schemes: e?.schemes,
  };
}

export function fromPlain(p) {
  return new GamjeongError(p.message, p.code, { url: p.url, status: p.status, schemes: p.schemes });
}
