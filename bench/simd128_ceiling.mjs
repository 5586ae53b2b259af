// Times bench/simd128_ceiling.rs's variants in Node's V8 (how to build and run: its header).
// Modes alternate within each round; prints the median per call and GMAC/s.
import fs from 'node:fs';
const { instance } = await WebAssembly.instantiate(fs.readFileSync(process.argv[2] || '/tmp/ceiling.wasm'));
const e = instance.exports;
e.init(12345);
if (process.argv[4]) e.set_slice(+process.argv[4]);
if (process.argv[5]) e.set_dist(+process.argv[5]);
const modes = (process.argv[3] || '0,1,2,3').split(',').map(Number);
const sums = modes.map(m => e.run(m));
console.log('checksums', sums.join(' '));
for (let i = 0; i < 20; i++) for (const m of modes) e.run(m); // warm / tier up
const t = Object.fromEntries(modes.map(m => [m, []]));
for (let round = 0; round < 30; round++) {
  for (const m of (round % 2 ? [...modes].reverse() : modes)) {
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) e.run(m);
    t[m].push((performance.now() - t0) / 5);
  }
}
const med = a => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const macs = 24 * 768 * 768;
for (const m of modes) console.log(`mode ${m}: median ${med(t[m]).toFixed(3)} ms  ${(macs / med(t[m]) / 1e6).toFixed(2)} GMAC/s  ratio to mode ${modes[0]}: ${(med(t[m]) / med(t[modes[0]])).toFixed(3)}`);
