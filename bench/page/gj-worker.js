// A gamjeong engine in a Web Worker, as the product runs it (www/worker.js): the wasm build
// comes from the product runtime's loadWasm (dist/runtime/wasm.js), so the threads build starts
// its pool exactly as Classifier.load({threads}) does. Driven by bench.js (GjWorkerEngine).
// spec.dist: another tree's runtime (run.mjs's `@b` engines, BENCH_DIST_B), default /dist/.
import { fetchBytes, cachedBytes, gjFromQuantized } from './bytes.js';

let cls = null;
let mod = null;

async function init({ spec, fromCache }) {
  const marks = { start: performance.now() };
  const { loadWasm } = await import(`${spec.dist || '/dist/'}runtime/wasm.js`);
  const wasm = await loadWasm(spec.variant, spec.threads);
  mod = wasm.mod;
  marks.engine_ready = performance.now();
  const read = fromCache ? cachedBytes : fetchBytes;
  const bytes = await read(spec.url);
  let extra = null;
  if (spec.config) {
    extra = {
      config: new TextDecoder().decode(await read(spec.config)),
      tokenizer: await read(spec.tokenizer),
    };
  }
  marks.weights_read = performance.now();
  cls = extra ? new mod.WasmClassifier(extra.config, extra.tokenizer, bytes) : gjFromQuantized(mod, bytes);
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
    // the pool's counters (threads builds: src/web/pool.rs; bench/threads_profile.mjs)
    else if (data.type === 'profile') result = { stats: mod.threadProfile ? mod.threadProfile(data.timers, data.spin ?? true) : null };
    else throw new Error(`unknown message ${data.type}`);
    self.postMessage({ id: data.id, result });
  } catch (e) {
    self.postMessage({ id: data.id, error: String(e?.message || e) });
  }
};
