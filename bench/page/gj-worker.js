// A gamjeong engine in a Web Worker, as the product runs it (www/worker.js): the wasm build
// comes from the product runtime's loadWasm (dist/runtime.js), so the threads build starts
// its pool exactly as Classifier.load({threads}) does. Driven by bench.js (GjWorkerEngine).
import { loadWasm } from '/dist/runtime.js';

let cls = null;
let mod = null;

async function cachedOrFetched(url, fromCache) {
  if (fromCache) {
    const r = await (await caches.open('gamjeong-bench')).match(url);
    if (!r) throw new Error(`${url} is not in the Cache API`);
    return new Uint8Array(await r.arrayBuffer());
  }
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function init({ spec, fromCache }) {
  const marks = { start: performance.now() };
  const wasm = await loadWasm(spec.variant, spec.threads);
  mod = wasm.mod;
  marks.engine_ready = performance.now();
  const bytes = await cachedOrFetched(spec.url, fromCache);
  let extra = null;
  if (spec.config) {
    extra = {
      config: new TextDecoder().decode(await cachedOrFetched(spec.config, fromCache)),
      tokenizer: await cachedOrFetched(spec.tokenizer, fromCache),
    };
  }
  marks.weights_read = performance.now();
  if (extra) {
    cls = new mod.WasmClassifier(extra.config, extra.tokenizer, bytes);
  } else {
    // 1 MiB slices, as www/runtime.js streams a quantized file into WasmLoader.
    const loader = new mod.WasmLoader();
    for (let at = 0; at < bytes.length; at += 1 << 20) loader.push(bytes.subarray(at, at + (1 << 20)));
    cls = loader.finish();
  }
  marks.session_ready = performance.now();
  return {
    variant: wasm.variant, kernel: wasm.build.kernel, threads: wasm.threads,
    weights_bytes: bytes.byteLength, memory: mod.memoryBytes(),
    import_and_instantiate_ms: marks.engine_ready - marks.start,
    cache_read_ms: marks.weights_read - marks.engine_ready,
    session_create_ms: marks.session_ready - marks.weights_read,
  };
}

function run({ ids, batch }) {
  const t0 = performance.now();
  const logits = cls.logitsForIds(Uint32Array.from(ids), batch);
  return { logits, worker_ms: performance.now() - t0 };
}

self.onmessage = async ({ data }) => {
  try {
    let result;
    if (data.type === 'init') result = await init(data);
    else if (data.type === 'run') result = run(data);
    else if (data.type === 'memory') result = { memory: mod.memoryBytes() };
    else throw new Error(`unknown message ${data.type}`);
    self.postMessage({ id: data.id, result });
  } catch (e) {
    self.postMessage({ id: data.id, error: String(e?.message || e) });
  }
};
