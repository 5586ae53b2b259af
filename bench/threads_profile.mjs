#!/usr/bin/env node
// The thread profile (docs/threads.md, "Where the time went"): for gamjeong's threads builds
// in a Web Worker through the product runtime, the counters of src/kernels/parallel.rs over RUNS
// forward passes — regions per pass, the delay from a region's start to another thread's first
// task, the spinners' life — with the passes' spinning off (rayon alone: its idle worker parks
// between regions) and on, then the CPU the browser uses while the model sits idle after a
// classification, against the same interval classifying.
//
//   node bench/threads_profile.mjs [ENGINES] [SEQ] [BATCH] [RUNS] [IDLE_S]
//
// ENGINES defaults to gj-q8-t2,gj-q8-t2r (bench/lib.mjs), SEQ 24, BATCH 1, RUNS 40, IDLE_S 10.
// CPU time is read from /proc (Linux) for every process below this one: Chromium and its
// renderer, GPU and utility processes. Writes target/threads-profile.json.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, engineSpec, serve, withPage } from './lib.mjs';

const [names = 'gj-q8-t2,gj-q8-t2r', seq = '24', batch = '1', runs = '40', idleS = '10'] = process.argv.slice(2);
const TICK_MS = 1000 / 100; // USER_HZ

/** CPU ms (user + system) of every process descending from this one. */
function treeCpuMs() {
  const procs = new Map();
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(+pid, { ppid: +f[1], ticks: +f[11] + +f[12] });
    } catch {}
  }
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of procs) if (!mine.has(pid) && mine.has(p.ppid)) { mine.add(pid); grew = true; }
  }
  mine.delete(process.pid);
  return [...mine].reduce((s, pid) => s + procs.get(pid).ticks, 0) * TICK_MS;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cpu = os.cpus()[0]?.model;
const flags = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].split(' ') || [];
const vnni = ['avx_vnni', 'avx512_vnni'].filter((f) => flags.includes(f));
console.log(`${cpu} (${os.cpus().length} vCPUs; ${vnni.join(', ') || 'no VNNI'})`);

const server = await serve();
const out = { date: new Date().toISOString(), cpu_model: cpu, vnni, seq: +seq, batch: +batch, runs: +runs, idle_s: +idleS, engines: {} };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2; };
try {
  for (const name of names.split(',')) {
    out.engines[name] = await withPage(server.url, async (page) => {
      const info = await page.evaluate(async ([spec, seq, batch]) => {
        const ids = await fetch('/assets/ids.json').then((r) => r.json());
        const rows = ids.ids[String(seq)].slice(0, batch);
        const engine = await window.bench.GjWorkerEngine.create(spec);
        const call = (msg) => engine.call(msg);
        const run = () => engine.run(rows);
        window.gj = { call, run };
        return engine.info;
      }, [engineSpec(name), +seq, +batch]);
      // Spinning off (the baseline), then on, in alternating blocks of 5 passes.
      const profile = await page.evaluate(async (runs) => {
        for (let i = 0; i < 5; i++) await window.gj.run();
        const out = { off: { ms: [], stats: [] }, on: { ms: [], stats: [] } };
        for (let block = 0; block < runs / 5; block++) {
          for (const mode of ['off', 'on']) {
            await window.gj.call({ type: 'profile', timers: true, spin: mode === 'on' });
            for (let i = 0; i < 5; i++) {
              const t0 = performance.now();
              await window.gj.run();
              out[mode].ms.push(performance.now() - t0);
              await new Promise((r) => setTimeout(r, 30));
            }
            out[mode].stats.push((await window.gj.call({ type: 'profile', timers: false, spin: true })).stats);
          }
        }
        return out;
      }, +runs);
      await sleep(1000);
      // The model idle: no call at all for IDLE_S seconds.
      let c0 = treeCpuMs(); let t0 = Date.now();
      await sleep(+idleS * 1000);
      const idle = { cpu_ms: treeCpuMs() - c0, wall_ms: Date.now() - t0 };
      // The control: classifying back to back for as long.
      c0 = treeCpuMs(); t0 = Date.now();
      const busyRuns = await page.evaluate(async (ms) => {
        const end = performance.now() + ms;
        let n = 0;
        while (performance.now() < end) { await window.gj.run(); n++; }
        return n;
      }, +idleS * 1000);
      const busy = { cpu_ms: treeCpuMs() - c0, wall_ms: Date.now() - t0, runs: busyRuns };
      const sum = (list) => list[0] && Object.fromEntries(Object.keys(list[0]).map((k) => [k, list.reduce((t, x) => t + x[k], 0)]));
      const perPass = (st, n) => st && {
        regions_spun: st.regions_spun / n, regions_rayon: st.regions_rayon / n,
        tasks: st.tasks / n, tasks_others: st.tasks_others / n,
        joins_spun: st.joins_spun / n, join_spun_us: st.joins_spun ? st.join_spun_ns / st.joins_spun / 1e3 : null,
        joins_rayon: st.joins_rayon / n, join_rayon_us: st.joins_rayon ? st.join_rayon_ns / st.joins_rayon / 1e3 : null,
        region_ms: st.region_ns / n / 1e6, wait_ms: st.wait_ns / n / 1e6,
        // the pass's wall time, and the part of it outside regions (serial work, hand-overs)
        pass_ms: st.passes ? st.pass_ns / st.passes / 1e6 : null,
        outside_ms: st.passes ? (st.pass_ns - st.region_ns) / st.passes / 1e6 : null,
        spinners: st.spinners / n, spinner_ms: st.spinner_ns / n / 1e6, spin_timeouts: st.spin_timeouts / n,
      };
      const modes = Object.fromEntries(['off', 'on'].map((m) => {
        const st = sum(profile[m].stats);
        return [m, { median_ms: median(profile[m].ms), stats: st, per_pass: perPass(st, profile[m].ms.length) }];
      }));
      const row = {
        threads: info.threads, variant: info.variant, kernel: info.kernel, spin_off: modes.off, spin_on: modes.on,
        idle, busy,
        idle_cpu_pct: (100 * idle.cpu_ms) / idle.wall_ms,
        busy_cpu_pct: (100 * busy.cpu_ms) / busy.wall_ms,
      };
      const fmt = (v) => JSON.stringify(v, (k, x) => (typeof x === 'number' ? +x.toFixed(3) : x));
      console.log(`${name} (${row.variant}, ${row.threads} threads): median ${modes.off.median_ms.toFixed(1)} ms spin off, ` +
        `${modes.on.median_ms.toFixed(1)} ms spin on\n  off per pass ${fmt(modes.off.per_pass)}\n  on per pass ${fmt(modes.on.per_pass)}\n` +
        `  CPU idle ${row.idle_cpu_pct.toFixed(2)}% of one core over ${idleS} s, classifying ${row.busy_cpu_pct.toFixed(0)}%`);
      return row;
    });
  }
} finally {
  await server.close();
}
const file = path.join(REPO, 'target', 'threads-profile.json');
fs.writeFileSync(file, JSON.stringify(out, null, 1));
console.log(`wrote ${file}`);
