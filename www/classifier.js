// The public `Classifier`: loads a model and classifies with it. By default the model lives in
// a module Web Worker (worker.js) and this class only passes messages, so the page's main
// thread stays free; with `worker: false` (or where no module worker starts) it runs the
// runtime in the page. Types: gamjeong.d.ts.
import { GamjeongError, abortError, fromPlain } from './runtime/errors.js';
import { wasmSupport } from './runtime/wasm.js';
import { cacheInfo, clearCache } from './runtime/cache.js';
import {
  checkOptions, checkLoad, loadOptions, describe, TOP_K_OPTIONS, TOP_K_HINTS, EXPLAIN_OPTIONS, CACHE_OPTIONS,
  FILE_OPTIONS, INSPECT_OPTIONS, checkFile,
} from './options.js';
import { FileRun, runOptions, workerBatches } from './file-run.js';
import { readHead } from './runtime/file.js';

/** After an abort the worker normally answers within a few ms; one held by a long synchronous step (building a large model) is stopped after this. */
const ABORT_GRACE_MS = 1000;

function safeCall(fn, ev) {
  if (!fn) return;
  try { fn(ev); } catch (e) { console.error('gamjeong: onProgress threw', e); }
}

export class Classifier {
  #worker = null;
  #handle = null;
  #pending = new Map();
  #nextId = 1;
  #dead = null;
  /** What was loaded: model, revision, quant, source ('cache'|'network'|'convert'), kernel, variant, threads, memoryBytes, loadMs, labels. */
  info = null;

  /**
   * @param {import('./gamjeong.d.ts').LoadOptions} [options]
   * @returns {Promise<Classifier>}
   */
  static async load(options = {}) {
    const { onProgress, worker = true, signal, ...rest } = checkLoad(options, 'Classifier.load(options)');
    if (signal?.aborted) throw abortError(signal);
    const opts = loadOptions(rest);
    const c = new Classifier();
    let inPage = !(worker && typeof Worker !== 'undefined');
    let workerError = null;
    if (!inPage) {
      c.#startWorker();
      try {
        c.info = await c.#call({ type: 'load', options: opts }, onProgress, signal);
        // Cancelled just as the worker finished: a cancelled load never resolves.
        if (signal?.aborted) throw abortError(signal);
      } catch (e) {
        c.#worker?.terminate();
        c.#worker = null;
        // A browser without module workers (or a worker blocked by the host): run in the page.
        if (e.code !== 'WORKER') throw e;
        safeCall(onProgress, { status: 'worker', state: 'unavailable', reason: `${e.message}; running in the page instead` });
        c.#dead = null;
        workerError = e;
        inPage = true;
      }
    }
    if (inPage) {
      const rt = await importRuntime(workerError);
      c.#handle = await rt.load({ ...opts, signal }, (ev) => safeCall(onProgress, ev));
      c.info = c.#handle.info;
    }
    return c;
  }

  /**
   * Classifies one text. Result: {text, tokens, truncated, logits, scores, ms}; scores are
   * sorted, all 60 unless topK is given.
   */
  async classify(text, options) {
    const { topK } = checkOptions(options, TOP_K_OPTIONS, 'classify(text, options)', TOP_K_HINTS);
    checkText(text, 'classify(text)');
    if (this.#handle) return this.#local(() => this.#handle.classify(text, topK));
    return this.#call({ type: 'classify', text, topK });
  }

  /** Classifies several texts in one padded batch: {results: [...], ms}. */
  async classifyBatch(texts, options) {
    const { topK } = checkOptions(options, TOP_K_OPTIONS, 'classifyBatch(texts, options)', TOP_K_HINTS);
    if (!Array.isArray(texts)) {
      throw new GamjeongError(`classifyBatch(texts) needs an array of strings, got ${describe(texts)}.`, 'BAD_INPUT');
    }
    texts.forEach((t, i) => checkText(t, `classifyBatch(texts): texts[${i}]`));
    if (this.#handle) return this.#local(() => this.#handle.classifyBatch(texts, topK));
    return this.#call({ type: 'classifyBatch', texts: [...texts], topK });
  }

  /**
   * Why a label: every word of `text` (a run of non-whitespace) with its score
   * p(label | text) − p(label | the word's tokens masked). `label` is a class index or label
   * name (default: the top label). Result: {text, label, index, prob, tokens, truncated,
   * words: [{text, start, end, tokens, score}], ms}; offsets are UTF-16 (text.slice(start,
   * end) === word.text); score is null past the 512-token limit. Queued like classify.
   */
  async explain(text, options) {
    checkText(text, 'explain(text)');
    const { label } = checkOptions(options, EXPLAIN_OPTIONS, 'explain(text, options)');
    if (this.#handle) return this.#local(() => this.#handle.explain(text, label));
    return this.#call({ type: 'explain', text, label });
  }

  /**
   * Classifies a whole file — lines, CSV/TSV, JSON Lines or a KakaoTalk chat export — read in
   * chunks (a File/Blob, a ReadableStream, a Node Readable or path). Returns a `FileRun`: an
   * async iterable of rows in input order (file-run.js; docs/js-api.md). Nothing leaves the
   * machine, and memory stays bounded whatever the file's size.
   */
  classifyFile(source, options = {}) {
    const o = checkFile(options, FILE_OPTIONS, 'classifyFile(source, options)');
    const opts = runOptions(o);
    const start = (signal) => {
      if (this.#dead) throw this.#dead;
      if (this.#handle) return this.#handle.classifyFile(source, opts, signal);
      return workerBatches(this.#channel(), source, opts, signal);
    };
    return new FileRun(start, o);
  }

  /**
   * The start of a file, for a column picker: `{format, columns, textColumn, columnError,
   * rows, fileName}` (the detected format, the columns, the text column chosen without asking
   * or null with the reason, the first rows as strings). A stream is used up: pass a File/Blob or a path.
   */
  async inspectFile(source, options = {}) {
    const o = checkFile(options, INSPECT_OPTIONS, 'inspectFile(source, options)');
    if (this.#handle) {
      const h = await readHead(source, o.headBytes);
      return this.#local(() => this.#handle.inspectFile(h.head, h.whole, h.name, o));
    }
    if (typeof Blob !== 'undefined' && source instanceof Blob) return this.#call({ type: 'inspectFile', source, options: o });
    const h = await readHead(source, o.headBytes);
    return this.#call({ type: 'inspectFile', ...h, options: o });
  }

  /** Current wasm linear memory size in bytes (it only grows, so this is the peak). */
  async memoryBytes() {
    if (this.#handle) return this.#handle.memoryBytes();
    return this.#call({ type: 'memoryBytes' });
  }

  /** Frees the model and stops the worker. The Classifier cannot be used afterwards. */
  dispose() {
    if (this.#worker) {
      this.#worker.terminate();
      this.#worker = null;
      this.#fail(new GamjeongError('the classifier was disposed', 'DISPOSED'));
    }
    if (this.#handle) {
      this.#handle.dispose();
      this.#handle = null;
    }
    this.#dead = new GamjeongError('the classifier was disposed', 'DISPOSED');
  }

  /**
   * What `Classifier.load(options)` would download, asked without downloading a body (HEAD
   * requests and a look into the cache): `{cached, bytes, convert}` (`bytes` null when the server
   * does not say; `convert`: f32 weights would be quantized while they download), or null when
   * no weights are found (`load` then says why). For a page that asks before a large download.
   */
  static async plan(options = {}) {
    const { onProgress, worker, signal, ...rest } = checkLoad(options, 'Classifier.plan(options)');
    const rt = await importRuntime();
    return rt.planLoad(loadOptions(rest));
  }

  /** Deletes every gamjeong cache (all versions). Resolves to the number of caches deleted. */
  static async clearCache(options) {
    return clearCache(checkOptions(options, CACHE_OPTIONS, 'Classifier.clearCache(options)'));
  }

  /** {available, name, entries: [{model, revision, quant, formatVersion, file, bytes, stored}], bytes, usage, quota}. */
  static async cacheInfo(options) {
    return cacheInfo(checkOptions(options, CACHE_OPTIONS, 'Classifier.cacheInfo(options)'));
  }

  /** {wasm, simd, relaxed}: what this browser can run. */
  static support() { return wasmSupport(); }

  #local(fn) {
    if (this.#dead) return Promise.reject(this.#dead);
    try { return Promise.resolve(fn()); } catch (e) {
      return Promise.reject(e instanceof GamjeongError ? e : new GamjeongError(e.message || String(e), e?.code || 'MODEL'));
    }
  }

  #startWorker() {
    const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'gamjeong' });
    w.addEventListener('message', (e) => {
      const { id, type } = e.data || {};
      const p = this.#pending.get(id);
      if (!p) return;
      if (type === 'progress') { safeCall(p.onProgress, e.data.event); return; }
      this.#pending.delete(id);
      p.done();
      if (type === 'result') p.resolve(e.data.value);
      else p.reject(fromPlain(e.data.error));
    });
    w.addEventListener('error', (e) => {
      e.preventDefault?.();
      this.#fail(new GamjeongError(`The gamjeong worker failed: ${e.message || 'it could not start: worker.js, or a module it imports (runtime/*.js), could not be loaded. Serve every file of the package as installed, side by side'}`, 'WORKER'));
    });
    w.addEventListener('messageerror', () => this.#fail(new GamjeongError('The gamjeong worker sent an unreadable message.', 'WORKER')));
    this.#worker = w;
  }

  #fail(err) {
    this.#dead = this.#dead || err;
    for (const p of this.#pending.values()) { p.done(); p.reject(err); }
    this.#pending.clear();
  }

  /** What a file run needs of the worker protocol: a call with events, plain messages, a cancel. */
  #channel() {
    if (!this.#worker) {
      throw new GamjeongError('This Classifier has no model: make one with `await Classifier.load(options)`, not `new Classifier()`.', 'NOT_LOADED');
    }
    return {
      open: (msg, h) => {
        const id = this.#nextId++;
        this.#pending.set(id, { onProgress: h.event, resolve: h.resolve, reject: h.reject, done: () => {} });
        this.#worker.postMessage({ id, ...msg });
        return id;
      },
      post: (msg) => this.#worker?.postMessage(msg),
      close: (id) => {
        this.#pending.delete(id);
        this.#worker?.postMessage({ type: 'abort', target: id });
      },
    };
  }

  #call(msg, onProgress, signal) {
    if (this.#dead) return Promise.reject(this.#dead);
    if (!this.#worker) {
      return Promise.reject(new GamjeongError('This Classifier has no model: make one with `await Classifier.load(options)`, not `new Classifier()`.', 'NOT_LOADED'));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const p = { resolve, reject, onProgress, done: () => {} };
      if (signal) {
        let timer = 0;
        const onAbort = () => {
          // The worker aborts its fetch and answers ABORTED (the cache untouched); if it is
          // stuck in a synchronous step, load() stops it.
          this.#worker?.postMessage({ type: 'abort', target: id });
          timer = setTimeout(() => {
            if (this.#pending.get(id) !== p) return;
            this.#pending.delete(id);
            reject(abortError(signal));
          }, ABORT_GRACE_MS);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        p.done = () => { signal.removeEventListener('abort', onAbort); clearTimeout(timer); };
      }
      this.#pending.set(id, p);
      this.#worker.postMessage({ id, ...msg });
    });
  }
}

/**
 * The runtime's loader, imported when the model runs in the page; its files missing where the
 * package is served is an error with a code (after a worker that failed to start: `workerError`).
 */
async function importRuntime(workerError) {
  try {
    return await import('./runtime/load.js');
  } catch (e) {
    const why = `runtime/load.js, or a module it imports, could not be loaded (${e?.message || e}). Serve every file of the package as installed, side by side`;
    if (workerError) throw new GamjeongError(`${workerError.message}; running in the page failed too: ${why}.`, 'WORKER');
    throw new GamjeongError(`gamjeong could not start: ${why}.`, 'NOT_FOUND');
  }
}

/** A wrong argument is the caller's bug: say so, instead of classifying "undefined". */
function checkText(text, what) {
  if (typeof text !== 'string') {
    throw new GamjeongError(`${what} needs a string, got ${describe(text)}.`, 'BAD_INPUT');
  }
}

