// Module Web Worker behind gamjeong.js: owns the wasm instance and the model, so the page's
// main thread never runs the download loop, the conversion, or the BERT forward pass.
// Protocol (private): {id, type, ...} in; {id, type: 'progress'|'result'|'error', ...} out.
// {type: 'abort', target} cancels the load or file run whose id is `target` (an AbortSignal).
// A file run ('classifyFile') answers with 'progress' events: {kind: 'batch', ...} per step
// (at most FILE_CREDIT ahead of the page, which sends {type: 'fileMore', target} per batch it
// takes) and, when the page streams the file in, {kind: 'pull'} for each next chunk, which
// comes as {type: 'fileChunk', target, chunk} ({done: true} at the end). A File or Blob is
// posted whole (a handle, not its bytes) and read here.
import { load } from './runtime/load.js';
import { toPlain } from './runtime/errors.js';
import { readHead } from './runtime/file.js';

/** Batches a file run may post before the page has taken them. */
const FILE_CREDIT = 4;

let handle = null;
const running = new Map(); // load or file run id -> AbortController
const files = new Map(); // file run id -> {credit, feed}

self.addEventListener('message', async (event) => {
  const { id, type } = event.data || {};
  const reply = (value) => self.postMessage({ id, type: 'result', value });
  try {
    switch (type) {
      case 'load': {
        if (handle || running.size) throw new Error('this worker already holds a model');
        const ctl = new AbortController();
        running.set(id, ctl);
        try {
          handle = await load({ ...event.data.options, signal: ctl.signal }, (ev) => self.postMessage({ id, type: 'progress', event: ev }));
        } finally {
          running.delete(id);
        }
        reply(handle.info);
        break;
      }
      case 'abort': {
        running.get(event.data.target)?.abort();
        const f = files.get(event.data.target);
        f?.credit.release();
        f?.feed?.end();
        break;
      }
      case 'classify':
        reply(need().classify(event.data.text, event.data.topK));
        break;
      case 'classifyBatch':
        reply(need().classifyBatch(event.data.texts, event.data.topK));
        break;
      case 'explain':
        reply(need().explain(event.data.text, event.data.label));
        break;
      case 'memoryBytes':
        reply(need().memoryBytes());
        break;
      case 'inspectFile': {
        const { source, head, whole, name } = event.data;
        const h = source ? await readHead(source, event.data.options.headBytes) : { head, whole, name };
        reply(need().inspectFile(h.head, h.whole, h.name, event.data.options));
        break;
      }
      case 'classifyFile':
        reply(await classifyFile(id, event.data));
        break;
      case 'fileMore':
        files.get(event.data.target)?.credit.add();
        break;
      case 'fileChunk': {
        const feed = files.get(event.data.target)?.feed;
        if (event.data.done) feed?.end(); else feed?.put(event.data.chunk);
        break;
      }
      default:
        throw new Error(`unknown message type ${type}`);
    }
  } catch (e) {
    self.postMessage({ id, type: 'error', error: toPlain(e) });
  }
});

/** One file run: its batches posted as they come, its result (the summary) as the reply. */
async function classifyFile(id, { source, options }) {
  const model = need();
  const ctl = new AbortController();
  const run = { credit: semaphore(FILE_CREDIT), feed: source ? null : pageFeed(id) };
  running.set(id, ctl);
  files.set(id, run);
  try {
    const batches = model.classifyFile(source ?? run.feed, options, ctl.signal);
    for (;;) {
      const r = await batches.next();
      if (r.done) return r.value;
      await run.credit.take();
      const b = r.value;
      self.postMessage({ id, type: 'progress', event: { kind: 'batch', ...b } }, [b.csv.buffer, b.jsonl.buffer]);
    }
  } finally {
    running.delete(id);
    files.delete(id);
  }
}

/** The chunks the page sends for a stream it reads: each asked for by a 'pull' event. */
function pageFeed(id) {
  const queue = [];
  let ended = false;
  let wake = null;
  const signal = () => { wake?.(); wake = null; };
  const pull = () => self.postMessage({ id, type: 'progress', event: { kind: 'pull' } });
  return {
    put(chunk) { queue.push(chunk); signal(); },
    end() { ended = true; signal(); },
    async* [Symbol.asyncIterator]() {
      pull();
      for (;;) {
        while (!queue.length && !ended) await new Promise((r) => { wake = r; });
        if (!queue.length) return;
        const chunk = queue.shift();
        if (!ended) pull(); // the next chunk is read while this one is classified
        yield chunk;
      }
    },
  };
}

/** Counts batches posted against those taken; `release` lets everything through (an abort). */
function semaphore(n) {
  let free = n;
  let open = false;
  const waiting = [];
  return {
    async take() {
      if (open || free > 0) { free--; return; }
      await new Promise((r) => waiting.push(r));
    },
    add() { const w = waiting.shift(); if (w) w(); else free++; },
    release() { open = true; waiting.splice(0).forEach((w) => w()); },
  };
}

function need() {
  if (!handle) throw new Error('no model loaded');
  return handle;
}
