// Side-by-side benchmark: onnxruntime-web (wasm backend) vs gamjeong (wasm-bindgen), on
// identical token ids, in one page. Driven by bench/run.mjs through window.bench.*;
// every function returns plain JSON.
//
// URLs (served by run.mjs): /ort/ = onnxruntime-web/dist, /pkg/ = gamjeong's wasm-bindgen
// output, /assets/ = target/bench (onnx files, q8/q4 files, ids.json), /model/ = the f32
// HF folder.

import { fetchBytes, cachedBytes, gjFromQuantized } from './bytes.js';

// ---- wasm memories: record every instance's Memory, whoever instantiates it ----------
// (onnxruntime-web does not expose its heap; wrapping instantiate is engine-agnostic.)
const memories = [];
function recordInstance(result, imports) {
  const instance = result instanceof WebAssembly.Instance ? result : result.instance;
  const mems = new Set();
  for (const v of Object.values(instance.exports)) if (v instanceof WebAssembly.Memory) mems.add(v);
  for (const ns of Object.values(imports || {}))
    for (const v of Object.values(ns || {})) if (v instanceof WebAssembly.Memory) mems.add(v);
  for (const m of mems) memories.push({ owner: currentOwner, memory: m });
  return result;
}
let currentOwner = '?';
const origInstantiate = WebAssembly.instantiate;
const origInstantiateStreaming = WebAssembly.instantiateStreaming;
WebAssembly.instantiate = function (src, imports) {
  return origInstantiate.call(this, src, imports).then((r) => recordInstance(r, imports));
};
if (origInstantiateStreaming) {
  WebAssembly.instantiateStreaming = function (src, imports) {
    return origInstantiateStreaming.call(this, src, imports).then((r) => recordInstance(r, imports));
  };
}
function memoryOf(owner) {
  const m = memories.filter((x) => x.owner === owner).map((x) => x.memory.buffer.byteLength);
  return m.length ? Math.max(...m) : null;
}

const now = () => performance.now();
const sleep0 = () => new Promise((r) => setTimeout(r, 0));

// ---- engines ----------------------------------------------------------------------------
// onnxruntime-web fixes its thread count when its wasm starts: one count per page.
let ortModule = null;
async function loadOrtModule(threads = 1) {
  if (ortModule && ortModule.env.wasm.numThreads !== threads) {
    throw new Error(`onnxruntime-web already runs ${ortModule.env.wasm.numThreads} threads in this page`);
  }
  if (!ortModule) {
    currentOwner = 'ort';
    ortModule = await import('/ort/ort.wasm.min.mjs');
    ortModule.env.wasm.wasmPaths = '/ort/';
    ortModule.env.wasm.numThreads = threads;
    ortModule.env.wasm.simd = true;
    ortModule.env.logLevel = 'error';
  }
  return ortModule;
}

class OrtEngine {
  static async create(spec, bytes) {
    const ort = await loadOrtModule(spec.threads || 1);
    currentOwner = 'ort';
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
    return new OrtEngine(spec, ort, session);
  }
  constructor(spec, ort, session) {
    this.spec = spec;
    this.ort = ort;
    this.session = session;
    this.memOwner = 'ort';
  }
  async run(rows) {
    const b = rows.length, s = rows[0].length;
    const ids = new BigInt64Array(b * s);
    rows.flat().forEach((v, i) => (ids[i] = BigInt(v)));
    const T = this.ort.Tensor;
    const feeds = {
      input_ids: new T('int64', ids, [b, s]),
      attention_mask: new T('int64', new BigInt64Array(b * s).fill(1n), [b, s]),
      token_type_ids: new T('int64', new BigInt64Array(b * s), [b, s]),
    };
    const out = await this.session.run(feeds);
    const logits = out.logits.data.slice();
    for (const t of Object.values(out)) t.dispose?.();
    return logits;
  }
}

// Each gamjeong engine gets its own copy of the wasm-bindgen module (its own wasm
// instance and linear memory) via a distinct module URL, so memory is per variant.
let gjCount = 0;
async function loadGjModule() {
  const owner = `gj${++gjCount}`;
  currentOwner = owner;
  const mod = await import(`/pkg/gamjeong.js?instance=${gjCount}`);
  const wasm = await mod.default({ module_or_path: '/pkg/gamjeong_bg.wasm' });
  return { mod, wasm, owner };
}

class GjEngine {
  static async create(spec, bytes, extra) {
    const { mod, wasm, owner } = await loadGjModule();
    let cls;
    if (spec.kind === 'gj-f32') {
      cls = new mod.WasmClassifier(extra.config, extra.tokenizer, bytes);
    } else {
      cls = gjFromQuantized(mod, bytes);
    }
    return new GjEngine(spec, mod, wasm, cls, owner);
  }
  constructor(spec, mod, wasm, cls, owner) {
    Object.assign(this, { spec, mod, wasm, cls, memOwner: owner });
  }
  async run(rows) {
    const ids = Uint32Array.from(rows.flat());
    return this.cls.logitsForIds(ids, rows.length);
  }
}

/** gamjeong in a Web Worker (gj-worker.js), as the product runs it; the only way to run the
 * threads build, whose waits may not block a page. Timed here, around the round trip. */
class GjWorkerEngine {
  static async create(spec, fromCache = false) {
    const e = new GjWorkerEngine(spec);
    e.info = await e.call({ type: 'init', spec, fromCache });
    if (spec.threads && e.info.threads !== spec.threads) {
      throw new Error(`${spec.name}: asked for ${spec.threads} threads, runs ${e.info.threads}`);
    }
    return e;
  }
  constructor(spec) {
    this.spec = spec;
    this.memOwner = null;
    this.worker = new Worker('/gj-worker.js', { type: 'module', name: spec.name });
    this.pending = new Map();
    this.next = 0;
    this.worker.onmessage = ({ data }) => {
      const p = this.pending.get(data.id);
      this.pending.delete(data.id);
      if (data.error) p.reject(new Error(`${spec.name}: ${data.error}`));
      else p.resolve(data.result);
    };
  }
  call(msg) {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }
  async run(rows) {
    const r = await this.call({ type: 'run', ids: rows.flat(), batch: rows.length });
    return r.logits;
  }
  async memory() {
    return (await this.call({ type: 'memory' })).memory;
  }
}

async function fetchExtra(spec) {
  if (spec.kind !== 'gj-f32') return null;
  const [config, tokenizer] = await Promise.all([
    fetch(spec.config).then((r) => r.text()),
    fetchBytes(spec.tokenizer),
  ]);
  return { config, tokenizer };
}

async function createEngine(spec, bytes, extra) {
  if (spec.kind === 'gjw') return GjWorkerEngine.create(spec);
  return spec.kind === 'ort' ? OrtEngine.create(spec, bytes) : GjEngine.create(spec, bytes, extra);
}
async function memoryOfEngine(e) {
  return e instanceof GjWorkerEngine ? e.memory() : memoryOf(e.memOwner);
}

function maxAbs(got, rows, ref) {
  const n = ref[0].length;
  let m = 0;
  for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) m = Math.max(m, Math.abs(got[r * n + j] - ref[r][j]));
  return m;
}
function argmaxRows(got, rows, n) {
  const out = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < n; j++) if (got[r * n + j] > got[r * n + best]) best = j;
    out.push(best);
  }
  return out;
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

// ---- warm benchmark: one page, several engines, alternating runs --------------------------
async function runSet(cfg) {
  const ids = await fetch(cfg.ids).then((r) => r.json());
  const engines = [];
  const load = {};
  for (const spec of cfg.engines) {
    // a worker engine fetches its own weights (inside its timed load)
    const bytes = spec.kind === 'gjw' ? new Uint8Array(0) : await fetchBytes(spec.url);
    const extra = await fetchExtra(spec);
    const t0 = now();
    const e = await createEngine(spec, bytes, extra);
    load[spec.name] = {
      ms: now() - t0, weights_bytes: e.info?.weights_bytes ?? bytes.byteLength,
      wasm_memory_after_load: await memoryOfEngine(e), ...(e.info ? { worker: e.info } : {}),
    };
    engines.push(e);
    await sleep0();
  }
  const results = [];
  for (const seq of cfg.seqs) {
    for (const batch of cfg.batches) {
      const rows = ids.ids[String(seq)].slice(0, batch);
      const ref = ids.torch_logits[String(seq)].slice(0, batch);
      const times = Object.fromEntries(engines.map((e) => [e.spec.name, []]));
      const check = {};
      for (const e of engines) {
        const got = await e.run(rows);
        const top = argmaxRows(got, batch, ref[0].length);
        const refTop = ref.map((r) => r.indexOf(Math.max(...r)));
        check[e.spec.name] = {
          max_abs_vs_torch: maxAbs(got, batch, ref),
          top1_agree: top.filter((t, i) => t === refTop[i]).length,
        };
        for (let w = 1; w < cfg.warmup; w++) await e.run(rows);
      }
      const rounds = cfg.rounds;
      for (let r = 0; r < rounds; r++) {
        // alternate the order every round: A B C, C B A, A B C, ...
        const order = r % 2 ? [...engines].reverse() : engines;
        for (const e of order) {
          const t0 = now();
          await e.run(rows);
          times[e.spec.name].push(now() - t0);
          // cfg.pause_ms: lets the previous engine's spinning threads (ORT's and rayon's
          // idle workers spin before they sleep) go quiet before the next engine runs
          await (cfg.pause_ms ? new Promise((r) => setTimeout(r, cfg.pause_ms)) : sleep0());
        }
      }
      for (const e of engines) {
        const t = times[e.spec.name];
        results.push({
          engine: e.spec.name, seq, batch, runs: t.length,
          median_ms: median(t), min_ms: Math.min(...t), p10_ms: quantile(t, 0.1), p90_ms: quantile(t, 0.9),
          // every round's time, in round order: ratios of two engines paired round by round
          times_ms: t,
          ...check[e.spec.name],
        });
      }
      console.log(`seq ${seq} batch ${batch}: ` +
        engines.map((e) => `${e.spec.name} ${median(times[e.spec.name]).toFixed(1)} ms`).join(', '));
    }
  }
  const memory = {};
  for (const e of engines) memory[e.spec.name] = await memoryOfEngine(e);
  return {
    load, results, wasm_memory_peak: memory, userAgent: navigator.userAgent,
    crossOriginIsolated: self.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency,
  };
}

// ---- cold start ----------------------------------------------------------------------------
// phase "fill": put the weights into the Cache API (and warm the HTTP cache for the engine's
// .js/.wasm by loading the engine once). phase "measure" (a new navigation in the same
// browser context): navigation start → engine module imported and wasm instantiated →
// weights read from the Cache API → session/classifier created → first result (24 tokens).
async function coldFill(spec) {
  const cache = await caches.open('gamjeong-bench');
  const urls = [spec.url, ...(spec.config ? [spec.config, spec.tokenizer] : [])];
  for (const u of urls) {
    const r = await fetch(u);
    await cache.put(u, r);
  }
  if (spec.kind === 'ort') await loadOrtModule(spec.threads || 1);
  else if (spec.kind === 'gjw') await GjWorkerEngine.create(spec, true);
  else await loadGjModule();
  return { filled: urls };
}

async function coldMeasureWorker(spec, idsUrl) {
  const script_start = now();
  const engine = await GjWorkerEngine.create(spec, true);
  const session_ready = now();
  const ids = await fetch(idsUrl).then((r) => r.json());
  const ids_fetched = now();
  const got = await engine.run(ids.ids['24'].slice(0, 1));
  const first_result = now();
  const i = engine.info;
  return {
    engine: spec.name, threads: i.threads, variant: i.variant,
    first_result_ms: first_result - (ids_fetched - session_ready),
    script_start_ms: script_start,
    // the worker's own phases; worker start-up and messages are in first_result_ms only
    import_and_instantiate_ms: i.import_and_instantiate_ms, cache_read_ms: i.cache_read_ms,
    session_create_ms: i.session_create_ms, first_run_ms: first_result - ids_fetched,
    ids_fetch_ms: ids_fetched - session_ready, wasm_memory: await engine.memory(),
    max_abs_vs_torch: maxAbs(got, 1, ids.torch_logits['24'].slice(0, 1)),
  };
}

async function coldMeasure(spec, idsUrl) {
  if (spec.kind === 'gjw') return coldMeasureWorker(spec, idsUrl);
  const marks = { script_start: now() };
  // engine code: import + wasm compile/instantiate
  let gj = null;
  if (spec.kind === 'ort') await loadOrtModule(spec.threads || 1);
  else gj = await loadGjModule();
  marks.engine_ready = now();
  const bytes = await cachedBytes(spec.url);
  let extra = null;
  if (spec.kind === 'gj-f32') {
    extra = {
      config: new TextDecoder().decode(await cachedBytes(spec.config)),
      tokenizer: await cachedBytes(spec.tokenizer),
    };
  }
  marks.weights_read = now();
  let engine;
  if (spec.kind === 'ort') engine = await OrtEngine.create(spec, bytes);
  else {
    const cls = spec.kind === 'gj-f32'
      ? new gj.mod.WasmClassifier(extra.config, extra.tokenizer, bytes)
      : gjFromQuantized(gj.mod, bytes);
    engine = new GjEngine(spec, gj.mod, gj.wasm, cls, gj.owner);
  }
  marks.session_ready = now();
  // ids.json is tiny and not part of the engine's start-up: fetched after the clock stops
  // would be cleaner, but the first result needs them; fetch it in parallel with nothing
  // else pending (a few ms on localhost), before the first run.
  const ids = await fetch(idsUrl).then((r) => r.json());
  marks.ids_fetched = now();
  const rows = ids.ids['24'].slice(0, 1);
  const got = await engine.run(rows);
  marks.first_result = now();
  const ids_ms = marks.ids_fetched - marks.session_ready;
  return {
    engine: spec.name,
    // time since navigation start (performance.timeOrigin), minus the ids.json fetch
    first_result_ms: marks.first_result - ids_ms,
    import_and_instantiate_ms: marks.engine_ready - marks.script_start,
    script_start_ms: marks.script_start,
    cache_read_ms: marks.weights_read - marks.engine_ready,
    session_create_ms: marks.session_ready - marks.weights_read,
    first_run_ms: marks.first_result - marks.ids_fetched,
    ids_fetch_ms: ids_ms,
    wasm_memory: memoryOf(engine.memOwner),
    max_abs_vs_torch: maxAbs(got, 1, ids.torch_logits['24'].slice(0, 1)),
  };
}

// ---- profiling helpers (bench/profile.mjs) -------------------------------------------------
const prepared = {};
let preparedIds = null;
async function prepare(specs, idsUrl) {
  preparedIds = await fetch(idsUrl).then((r) => r.json());
  for (const spec of specs) {
    const bytes = await fetchBytes(spec.url);
    prepared[spec.name] = await createEngine(spec, bytes, await fetchExtra(spec));
  }
  return Object.keys(prepared);
}
async function repeat(name, seq, batch, n) {
  const rows = preparedIds.ids[String(seq)].slice(0, batch);
  const t = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await prepared[name].run(rows);
    t.push(now() - t0);
  }
  return { median_ms: median(t), min_ms: Math.min(...t) };
}

// GjWorkerEngine: bench/contention.mjs and threads_profile.mjs drive the worker directly.
window.bench = { runSet, coldFill, coldMeasure, prepare, repeat, GjWorkerEngine, ready: true };

// index.html?cold=<spec JSON>: measure the cold start right from this navigation; the driver
// polls window.coldResult.
const coldParam = new URLSearchParams(location.search).get('cold');
if (coldParam) {
  const { spec, ids } = JSON.parse(coldParam);
  coldMeasure(spec, ids).then(
    (r) => (window.coldResult = r),
    (e) => (window.coldResult = { error: String(e && e.stack || e) }),
  );
}
