// Module Web Worker behind gamjeong.js: owns the wasm instance and the model, so the page's
// main thread never runs the download loop, the conversion, or the BERT forward pass.
// Protocol (private): {id, type, ...} in; {id, type: 'progress'|'result'|'error', ...} out.
// {type: 'abort', target} cancels the load whose id is `target` (the page's AbortSignal).
import { load } from './runtime/load.js';
import { toPlain } from './runtime/errors.js';

let handle = null;
const loading = new Map(); // load id -> AbortController

self.addEventListener('message', async (event) => {
  const { id, type } = event.data || {};
  const reply = (value) => self.postMessage({ id, type: 'result', value });
  try {
    switch (type) {
      case 'load': {
        if (handle || loading.size) throw new Error('this worker already holds a model');
        const ctl = new AbortController();
        loading.set(id, ctl);
        try {
          handle = await load({ ...event.data.options, signal: ctl.signal }, (ev) => self.postMessage({ id, type: 'progress', event: ev }));
        } finally {
          loading.delete(id);
        }
        reply(handle.info);
        break;
      }
      case 'abort':
        loading.get(event.data.target)?.abort();
        break;
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
      default:
        throw new Error(`unknown message type ${type}`);
    }
  } catch (e) {
    self.postMessage({ id, type: 'error', error: toPlain(e) });
  }
});

function need() {
  if (!handle) throw new Error('no model loaded');
  return handle;
}
