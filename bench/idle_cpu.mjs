#!/usr/bin/env node
// Does an engine's thread pool use CPU when the page does not call it? (docs/threads.md,
// "Paired pages" / "ORT-web beside gamjeong"). Each engine in a page of its own (bench.js
// prepare/repeat): after warm-up, the browser's CPU time (every process below this one, from
// /proc, as bench/threads_profile.mjs reads it) over IDLE_S seconds without a call; then the
// CPU in the windows 0-30, 30-100, 100-300 and 300-1000 ms after each of N single
// classifications (does a pool spin on after a run, into the next engine's turn?), with the
// renderer's threads summed by name (the pool workers' share).
//
//   BENCH_ASSETS=DIR node bench/idle_cpu.mjs [ENGINES] [IDLE_S] [N]
//
// ENGINES defaults to ort-int8-t2,gj-q8-t2 (bench/lib.mjs), IDLE_S 10, N 20; 24 tokens x 1.
import fs from 'node:fs';
import os from 'node:os';
import { engineSpec, serve, withPage } from './lib.mjs';

const [names = 'ort-int8-t2,gj-q8-t2', idleS = '10', n = '20'] = process.argv.slice(2);
const TICK_MS = 1000 / 100; // USER_HZ
const EDGES = [0, 30, 100, 300, 1000]; // ms after a classification returns

/** CPU ms per thread name (comm) over every thread of every process below this one. */
function cpuByThread() {
  const procs = new Map();
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      procs.set(+pid, +stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {}
  }
  const mine = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of procs) if (!mine.has(pid) && mine.has(ppid)) { mine.add(pid); grew = true; }
  }
  mine.delete(process.pid);
  const out = {};
  for (const pid of mine) {
    let tids = [];
    try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const tid of tids) {
      try {
        const s = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
        const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
        out[name] = (out[name] || 0) + (+f[11] + +f[12]) * TICK_MS;
      } catch {} // a thread that ended between the listing and the read
    }
  }
  return out;
}
const total = (m) => Object.values(m).reduce((s, x) => s + x, 0);
const diff = (a, b) => Object.fromEntries(Object.keys(b).map((k) => [k, b[k] - (a[k] || 0)]).filter(([, v]) => v > 0));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const flags = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].split(' ') || [];
console.log(`${os.cpus()[0]?.model} (${os.cpus().length} vCPUs; ${flags.includes('avx_vnni') ? 'AVX-VNNI' : 'no AVX-VNNI'})`);
const server = await serve();
try {
  for (const name of names.split(',')) {
    const spec = engineSpec(name);
    await withPage(server.url, async (page) => {
      await page.evaluate((s) => window.bench.prepare([s], '/assets/ids.json'), spec);
      const warm = await page.evaluate((nm) => window.bench.repeat(nm, 24, 1, 10), spec.name);
      await sleep(1000);
      // idle: no call for IDLE_S seconds after the last classification
      let c0 = cpuByThread(); let t0 = Date.now();
      await sleep(+idleS * 1000);
      let c1 = cpuByThread();
      const idleWall = Date.now() - t0;
      const idleBy = diff(c0, c1);
      // after each classification: CPU in the windows of EDGES
      const win = EDGES.slice(1).map(() => 0);
      const winBy = EDGES.slice(1).map(() => ({}));
      let runMs = 0; let runCpu = 0;
      for (let i = 0; i < +n; i++) {
        const r0 = cpuByThread(); const w0 = Date.now();
        await page.evaluate((nm) => window.bench.repeat(nm, 24, 1, 1), spec.name);
        let prev = cpuByThread(); t0 = Date.now();
        runMs += t0 - w0; runCpu += total(prev) - total(r0);
        for (let k = 1; k < EDGES.length; k++) {
          await sleep(EDGES[k] - (Date.now() - t0));
          const c = cpuByThread();
          win[k - 1] += total(c) - total(prev);
          for (const [t, v] of Object.entries(diff(prev, c))) winBy[k - 1][t] = (winBy[k - 1][t] || 0) + v;
          prev = c;
        }
      }
      const pct = (ms, wall) => (100 * ms / wall).toFixed(1);
      const top = (by) => Object.entries(by).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
      console.log(`${name}: warm median ${warm.median_ms.toFixed(1)} ms; idle ${idleS} s: ${total(idleBy).toFixed(0)} ms CPU = ` +
        `${pct(total(idleBy), idleWall)} % of one core (${top(idleBy) || 'none'})`);
      console.log(`  ${n} runs: wall ${runMs} ms, CPU ${runCpu.toFixed(0)} ms (${pct(runCpu, runMs)} % of one core incl. the driver's round trip)`);
      for (let k = 1; k < EDGES.length; k++) {
        const wall = (EDGES[k] - EDGES[k - 1]) * +n;
        console.log(`  ${EDGES[k - 1]}-${EDGES[k]} ms after each run: ${win[k - 1].toFixed(0)} ms CPU over ${wall} ms = ` +
          `${pct(win[k - 1], wall)} % of one core (${top(winBy[k - 1]) || 'none'})`);
      }
    });
  }
} finally {
  await server.close();
}
