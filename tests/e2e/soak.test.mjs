// Soak: 10,000 classifications of varied text (1–300 chars of Hangul syllables, spaces and
// punctuation from a seeded generator) through the public API (module worker) on the tiny
// fixture model. Every 500 calls: wasm linear memory, the page's and the worker's JS heap after
// a forced GC. Asserts that wasm memory stops growing (the same over the second half), that
// neither JS heap grows beyond noise over the second half, and that repeated inputs give
// bit-identical logits. Once on one thread, once on the threads build with 2 threads. The
// curves go to target/e2e/soak.json and soak-threads.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { reference, server, browser, blankPage, ARGS, OUT, EXAMPLES, autoRelaxed } from './common.mjs';

const CALLS = 10_000;
const EVERY = 500;
/**
 * JS heap growth over the second half allowed as noise (after GC), bytes: 64 KiB over 5,000
 * calls is 13 bytes a call, far below one leaked result (~10 KB). Measured: the page's heap
 * creeps ~0.8 KB per sample, the harness's own evaluate/measure calls (a batch of 2,000 calls
 * with no sampling in between grows it by ~0).
 */
const HEAP_NOISE = 64 * 1024;
let srv; let ref;

before(async () => { ref = reference(); srv = await server(); });
after(async () => { await srv?.close(); });

// One thread (the SIMD128 build), then what a cross-origin isolated page gets by default with
// 2 threads: the relaxed-SIMD threads build, or the SIMD128 one on x86 without AVX-VNNI
// (docs/threads.md; `null`: the kernel `auto` takes in this browser).
const RUNS = [
  ['', { variant: 'simd128' }, 1, 'simd128'],
  [' (2 threads)', { threads: 2 }, 2, null],
];
for (const [label, opts, threads, kernel] of RUNS) test(`soak${label}: 10,000 classifications, memory plateaus, repeated inputs give identical results`, async () => {
  // Precise performance.memory, gc() in page and worker, and measureUserAgentSpecificMemory
  // answering at once (it reports the worker's heap; performance.memory is page-only).
  const b = await browser({
    args: [...ARGS, '--enable-precise-memory-info', '--js-flags=--expose-gc', '--enable-blink-features=ForceEagerMeasureMemory'],
  });
  try {
    const page = await blankPage(b, srv.url);
    const info = await page.evaluate(async (opts) => {
      const { Classifier } = await import('/gamjeong.js');
      const c = await Classifier.load({ model: '/fixtures/tiny-ko.q8.safetensors', ...opts });
      window.__c = c;
      // mulberry32 seeded by the call index: text i is the same on every run.
      window.__text = (i) => {
        let a = (i * 2654435761 + 0x9e3779b9) >>> 0;
        const rnd = () => {
          a = (a + 0x6d2b79f5) >>> 0;
          let t = a;
          t = Math.imul(t ^ (t >>> 15), t | 1);
          t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
          return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
        };
        const len = 1 + Math.floor(rnd() * 300);
        const PUNCT = '.,!?~…';
        let s = '';
        for (let k = 0; k < len; k++) {
          const r = rnd();
          s += r < 0.8 ? String.fromCharCode(0xac00 + Math.floor(rnd() * 11172))
            : r < 0.95 ? ' ' : PUNCT[Math.floor(rnd() * PUNCT.length)];
        }
        return s;
      };
      // FNV-1a over the logits' float32 bits: "identical" means bit-identical.
      window.__hash = (logits) => {
        let h = 0x811c9dc5;
        const u = new Uint32Array(new Float32Array(logits).buffer);
        for (const x of u) h = Math.imul(h ^ x, 16777619) >>> 0;
        return h;
      };
      window.__seen = new Map(); // call index -> hash, for the first half (repeated later)
      window.__len = { min: Infinity, max: 0, sum: 0, truncated: 0 };
      return { memoryBytes: c.info.memoryBytes, kernel: c.info.kernel, threads: c.info.threads };
    }, opts);
    assert.equal(info.kernel, kernel ?? ((await autoRelaxed(page)) ? 'relaxed-simd' : 'simd128'));
    assert.equal(info.threads, threads);
    const worker = page.workers().find((w) => w.url().endsWith('/worker.js'));
    assert.ok(worker, 'the model runs in the module worker');

    // The widget sentences' logits before the soak; compared at every sample.
    const probe = () => page.evaluate(async (texts) => {
      const out = [];
      for (const t of texts) out.push(window.__hash((await window.__c.classify(t)).logits));
      return out;
    }, EXAMPLES);
    const probe0 = await probe();

    const sample = async (calls, ms) => {
      await worker.evaluate(() => { globalThis.gc(); });
      return page.evaluate(async ([calls, ms, pool]) => {
        globalThis.gc();
        // measureUserAgentSpecificMemory waits for every worker, and pool workers never return
        // to their event loop (they run rayon threads): no worker heap with threads.
        const m = pool ? null : await performance.measureUserAgentSpecificMemory();
        const workerHeap = m?.breakdown.filter((e) => e.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope'))
          .reduce((n, e) => n + e.bytes, 0) ?? null;
        return {
          calls, ms: Math.round(ms),
          wasmBytes: await window.__c.memoryBytes(),
          pageHeap: performance.memory.usedJSHeapSize,
          workerHeap,
        };
      }, [calls, ms, threads > 1]);
    };

    const curve = [await sample(0, 0)];
    let repeats = 0; let mismatches = []; let probeDiffs = 0;
    const t0 = Date.now();
    for (let start = 0; start < CALLS; start += EVERY) {
      // The second half repeats every 5th text of the first half (same index - CALLS/2).
      const r = await page.evaluate(async ([start, n, half]) => {
        let repeats = 0; const bad = [];
        for (let i = start; i < start + n; i++) {
          const rep = i >= half && i % 5 === 0;
          const text = window.__text(rep ? i - half : i);
          const res = await window.__c.classify(text);
          if (res.text !== text || res.scores.length !== 60) bad.push(`call ${i}: wrong result`);
          const h = window.__hash(res.logits);
          if (i < half && i % 5 === 0) window.__seen.set(i, h);
          if (rep) {
            repeats++;
            if (window.__seen.get(i - half) !== h) bad.push(`call ${i} repeats call ${i - half} with other logits`);
          }
          const L = window.__len;
          L.min = Math.min(L.min, text.length); L.max = Math.max(L.max, text.length); L.sum += text.length;
          L.maxTokens = Math.max(L.maxTokens || 0, res.tokens);
          if (res.truncated) L.truncated++;
        }
        const maxTokens = window.__len.maxTokens;
        window.__len.maxTokens = 0;
        return { repeats, bad, maxTokens };
      }, [start, EVERY, CALLS / 2]);
      repeats += r.repeats;
      mismatches = mismatches.concat(r.bad);
      const p = await probe();
      if (JSON.stringify(p) !== JSON.stringify(probe0)) probeDiffs++;
      curve.push({ ...await sample(start + EVERY, Date.now() - t0), maxTokens: r.maxTokens });
    }
    const totalMs = Date.now() - t0;
    const lengths = await page.evaluate(() => window.__len);

    const at = (n) => curve.find((s) => s.calls === n);
    const [s500, s5000, s10000] = [at(500), at(5000), at(10_000)];
    const maxTokens = (from, to) => Math.max(...curve.filter((s) => s.calls > from && s.calls <= to).map((s) => s.maxTokens));
    const mib = (x) => (x / 2 ** 20).toFixed(2);
    const kib = (x) => (x / 1024).toFixed(0);
    const summary = {
      calls: CALLS, totalMs, msPerCall: totalMs / CALLS,
      textLength: { min: lengths.min, max: lengths.max, mean: lengths.sum / CALLS, truncated: lengths.truncated },
      maxTokens: { firstHalf: maxTokens(0, CALLS / 2), secondHalf: maxTokens(CALLS / 2, CALLS) },
      repeatsChecked: repeats, mismatches: mismatches.length, probeSamplesDiffering: probeDiffs,
      wasmBytes: { start: curve[0].wasmBytes, at500: s500.wasmBytes, at5000: s5000.wasmBytes, at10000: s10000.wasmBytes },
      pageHeap: { at500: s500.pageHeap, at5000: s5000.pageHeap, at10000: s10000.pageHeap },
      workerHeap: { at500: s500.workerHeap, at5000: s5000.workerHeap, at10000: s10000.workerHeap },
    };
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(path.join(OUT, threads > 1 ? 'soak-threads.json' : 'soak.json'), JSON.stringify({ summary, curve }, null, 2));
    console.log(`soak${label}: ${CALLS} calls in ${(totalMs / 1000).toFixed(1)} s (${summary.msPerCall.toFixed(2)} ms/call, texts ${lengths.min}-${lengths.max} chars, up to ${summary.maxTokens.firstHalf} tokens); `
      + `wasm memory MiB @500/5000/10000: ${mib(s500.wasmBytes)}/${mib(s5000.wasmBytes)}/${mib(s10000.wasmBytes)}; `
      + `page heap KiB: ${kib(s500.pageHeap)}/${kib(s5000.pageHeap)}/${kib(s10000.pageHeap)}; `
      + `worker heap KiB: ${kib(s500.workerHeap)}/${kib(s5000.workerHeap)}/${kib(s10000.workerHeap)}; `
      + `${repeats} repeats identical: ${mismatches.length === 0}`);

    assert.deepEqual(mismatches.slice(0, 5), [], `${mismatches.length} wrong or differing results`);
    assert.equal(repeats, 1000);
    assert.equal(probeDiffs, 0, 'the widget sentences gave other logits during the soak');
    // Same top labels as the CLI at the end, for the widget sentences.
    const tops = await page.evaluate(async (texts) => {
      const out = [];
      for (const t of texts) out.push((await window.__c.classify(t)).scores[0].index);
      return out;
    }, EXAMPLES);
    assert.deepEqual(tops, ref.models.q8.slice(0, EXAMPLES.length).map((r) => r.scores[0].index));
    assert.ok(lengths.min <= 5 && lengths.max >= 295, `lengths ${lengths.min}-${lengths.max}`);
    // wasm memory: no growth at all over the second half (each sample equal to the one at 5000).
    // Memory follows the longest input so far (the start-up layout, from the download's
    // chunking, varies by a page or two between runs); the second half brings no longer input
    // (checked), so any growth there is a leak.
    assert.ok(summary.maxTokens.secondHalf <= summary.maxTokens.firstHalf, JSON.stringify(summary.maxTokens));
    const second = curve.filter((s) => s.calls >= CALLS / 2);
    assert.ok(second.every((s) => s.wasmBytes === s5000.wasmBytes),
      `wasm memory grew over the second half: ${second.map((s) => `${s.calls}:${s.wasmBytes}`).join(' ')}`);
    // JS heaps after GC: the second half's samples within noise of the one at 5000.
    for (const k of threads > 1 ? ['pageHeap'] : ['pageHeap', 'workerHeap']) {
      const growth = Math.max(...second.map((s) => s[k])) - s5000[k];
      assert.ok(growth <= HEAP_NOISE, `${k} grew ${growth} bytes over the second half: ${second.map((s) => s[k]).join(' ')}`);
    }
    assert.deepEqual(b.errors, []);
  } finally { await b.close(); }
});
