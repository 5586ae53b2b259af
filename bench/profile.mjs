#!/usr/bin/env node
// Where the time goes inside one engine in Chromium: V8's sampling profiler (CDP) over N runs
// of one shape, self time aggregated by function name.
//
//   SKIP_WASM_OPT=1 ./build.sh build      # wasm with function names (wasm-opt -O3 drops them)
//   node bench/profile.mjs [ENGINE] [SEQ] [BATCH] [RUNS]
//
// ENGINE defaults to gj-q8, SEQ 24, BATCH 1, RUNS 40. Prints the top functions by self time
// and writes target/bench/profile-ENGINE-SEQxBATCH.cpuprofile (open it in Chrome DevTools).

import fs from 'node:fs';
import path from 'node:path';
import { ASSETS, ENGINES, serve, withPage } from './lib.mjs';

const [engine = 'gj-q8', seq = '24', batch = '1', runs = '40'] = process.argv.slice(2);
const server = await serve();
const { url: origin } = server;
try {
  await withPage(origin, async (page) => {
    await page.evaluate(([s, ids]) => window.bench.prepare(s, ids), [[ENGINES[engine]], '/assets/ids.json']);
    const warm = await page.evaluate(([e, s, b]) => window.bench.repeat(e, s, b, 5), [engine, +seq, +batch]);
    console.log(`warm: median ${warm.median_ms.toFixed(1)} ms`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    const r = await page.evaluate(([e, s, b, n]) => window.bench.repeat(e, s, b, n), [engine, +seq, +batch, +runs]);
    const { profile } = await cdp.send('Profiler.stop');
    console.log(`profiled ${runs} runs: median ${r.median_ms.toFixed(1)} ms`);
    const out = path.join(ASSETS, `profile-${engine}-${seq}x${batch}.cpuprofile`);
    fs.writeFileSync(out, JSON.stringify(profile));
    // self time per node = samples hitting it
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const hits = new Map();
    const deltas = profile.timeDeltas;
    profile.samples.forEach((id, i) => {
      const dt = deltas[i + 1] ?? 0;
      hits.set(id, (hits.get(id) || 0) + dt);
    });
    const self = new Map();
    let total = 0;
    for (const [id, us] of hits) {
      const n = byId.get(id);
      const name = n.callFrame.functionName || `(anonymous ${n.callFrame.url.split('/').pop()})`;
      if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') {
        self.set(name, (self.get(name) || 0) + us);
        continue;
      }
      self.set(name, (self.get(name) || 0) + us);
      total += us;
    }
    const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, 40);
    console.log(`self time over ${runs} runs (excluding idle/program/gc: ${(total / 1e3).toFixed(0)} ms):`);
    for (const [name, us] of rows) {
      console.log(`${(us / 1e3 / +runs).toFixed(2).padStart(8)} ms/run ${(100 * us / total).toFixed(1).padStart(5)}%  ${name.slice(0, 140)}`);
    }
    console.log(`wrote ${out}`);
  });
} finally {
  await server.close();
}
