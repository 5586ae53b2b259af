#!/usr/bin/env node
// Do two cores slow each other down on a kernel? For each single-threaded build, two copies in
// two Web Workers (through the product runtime, as bench/run.mjs runs them): rounds alternate one
// copy alone and both at once; each copy's time both at once ÷ alone, paired by round. Near 1:
// the cores do not share what the kernel needs; above 1: a second thread cannot halve that
// kernel's time however the work is split (docs/threads.md, "Why relaxed scales worse").
//
//   BENCH_ASSETS=DIR node bench/contention.mjs [ENGINES] [SEQ] [BATCH] [ROUNDS]
//
// ENGINES defaults to gj-q8-simd128,gj-q8-relaxed (bench/lib.mjs); SEQ 24, BATCH 1, ROUNDS 30.
import os from 'node:os';
import { engineSpec, serve, withPage } from './lib.mjs';

const [names = 'gj-q8-simd128,gj-q8-relaxed', seq = '24', batch = '1', rounds = '30'] = process.argv.slice(2);
console.log(`${os.cpus()[0]?.model} (${os.cpus().length} vCPUs), ${seq} x ${batch}, ${rounds} rounds`);
const server = await serve();
try {
  for (const name of names.split(',')) {
    const r = await withPage(server.url, (page) => page.evaluate(async ([spec, seq, batch, rounds]) => {
      const ids = await fetch('/assets/ids.json').then((x) => x.json());
      const rows = ids.ids[String(seq)].slice(0, batch);
      const worker = async () => {
        const engine = await window.bench.GjWorkerEngine.create(spec);
        return async () => {
          const t0 = performance.now();
          await engine.run(rows);
          return performance.now() - t0;
        };
      };
      const a = await worker();
      const b = await worker();
      for (let i = 0; i < 3; i++) await Promise.all([a(), b()]);
      const pause = () => new Promise((res) => setTimeout(res, 30));
      const alone = [], both = [];
      for (let i = 0; i < rounds; i++) {
        // alone, then both at once, then alone again for the other copy: a paired round
        const ta = await a(); await pause();
        const [ba, bb] = await Promise.all([a(), b()]); await pause();
        const tb = await b(); await pause();
        alone.push(ta, tb); both.push(ba, bb);
      }
      return { alone, both };
    }, [engineSpec(name), +seq, +batch, +rounds]));
    const q = (xs, f) => { const v = [...xs].sort((x, y) => x - y); return v[Math.min(v.length - 1, Math.floor(f * v.length))]; };
    const ratio = r.both.map((t, i) => t / r.alone[i]);
    console.log(`${name}: alone ${q(r.alone, 0.5).toFixed(1)} ms, both at once ${q(r.both, 0.5).toFixed(1)} ms; ` +
      `paired ÷ ${q(ratio, 0.5).toFixed(3)} (p25 ${q(ratio, 0.25).toFixed(3)}, p75 ${q(ratio, 0.75).toFixed(3)})`);
  }
} finally {
  await server.close();
}
