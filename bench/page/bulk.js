// The bulk benchmark's page (bench/bulk.mjs drives it): the same texts through gamjeong's
// product API — Classifier.classifyFile on a Blob of lines, as the demo page's file mode runs
// it (the model's worker, length-sorted batches, the CLI's CSV/JSONL written too) — and through
// transformers.js's pipeline('text-classification') (ONNX Runtime Web, int8) in batches.
// Every call returns plain JSON; each timing starts with the texts in memory.
import { Classifier } from '/dist/gamjeong.js';

let texts = null;
let gj = null;
let tjs = null;
const now = () => performance.now();

async function corpus() {
  texts ??= (await (await fetch('/corpus.txt')).text()).split('\n').filter((t) => t.trim());
  return texts;
}

window.bulk = {
  ready: true,
  async loadGj({ threads, variant }) {
    const t0 = now();
    gj = await Classifier.load({ model: '/assets/model.q8.safetensors', cache: false, threads, variant });
    const { labels, ...info } = gj.info;
    return { ...info, labels: labels.length, load_ms: now() - t0 };
  },
  /** All texts (or the first `n`) as one file; `files`: the page's CSV and JSONL too. */
  async runGj({ n, files = true }) {
    const list = (await corpus()).slice(0, n ?? undefined);
    const blob = new Blob([`${list.join('\n')}\n`], { type: 'text/plain' });
    const labels = [];
    const t0 = now();
    const run = gj.classifyFile(blob, { format: 'lines', files: files ? ['csv', 'jsonl'] : [] });
    for await (const b of run.batches()) for (const r of b.rows) labels.push(r.label);
    return { rows: labels.length, ms: now() - t0, labels };
  },
  async loadTjs({ threads }) {
    const t0 = now();
    const { pipeline, env } = await import('/tjs/transformers.min.js');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = '/tjs-models/';
    env.useBrowserCache = false;
    env.backends.onnx.wasm.wasmPaths = '/tjs-ort/';
    env.backends.onnx.wasm.numThreads = threads;
    tjs = await pipeline('text-classification', 'bench-bert', { dtype: 'q8', device: 'wasm' });
    return { load_ms: now() - t0, numThreads: env.backends.onnx.wasm.numThreads, version: env.version };
  },
  async runTjs({ n, batch }) {
    const list = (await corpus()).slice(0, n ?? undefined);
    const labels = [];
    const t0 = now();
    for (let i = 0; i < list.length; i += batch) {
      const out = await tjs(list.slice(i, i + batch));
      for (const o of out) labels.push(o.label);
    }
    return { rows: labels.length, ms: now() - t0, labels };
  },
};
