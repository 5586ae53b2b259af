#!/usr/bin/env node
// Peak wasm memory (memory.buffer.byteLength; it only grows) after loading a quantized model
// in headless Chromium: first from the network, then from the Cache API in a fresh page.
//   node scripts/measure_memory.mjs path/to/model.q8.safetensors
// Needs dist/ (./build.sh) and npm playwright-core (./build.sh setup).
import fs from 'node:fs';
import path from 'node:path';
import { server, browser } from '../tests/e2e/common.mjs';

const file = process.argv[2];
if (!file || !fs.existsSync(file)) { console.error('usage: node scripts/measure_memory.mjs MODEL.safetensors'); process.exit(2); }
const srv = await server({ '/m/': path.dirname(path.resolve(file)) });
const b = await browser();
const size = fs.statSync(file).size;
const MiB = (n) => `${(n / 2 ** 20).toFixed(1)} MiB`;
try {
  for (const round of ['network', 'cache']) {
    const page = await b.context.newPage();
    await page.goto(`${srv.url}/e2e/blank.html`);
    const r = await page.evaluate(async (url) => {
      const { Classifier } = await import('/gamjeong.js');
      const t0 = performance.now();
      const c = await Classifier.load({ model: url });
      const ms = performance.now() - t0;
      const r = await c.classify('오늘 밥이 너무 맛있었어. 행복해');
      return { source: c.info.source, kernel: c.info.kernel, afterLoad: c.info.memoryBytes, afterClassify: await c.memoryBytes(), ms, classifyMs: r.ms };
    }, `/m/${path.basename(file)}`);
    console.log(`${round}: source=${r.source} kernel=${r.kernel} file ${MiB(size)}; wasm memory after load ${MiB(r.afterLoad)} ` +
      `(${(r.afterLoad / size).toFixed(2)}x the file), after one classify ${MiB(r.afterClassify)}; load ${r.ms.toFixed(0)} ms, classify ${r.classifyMs.toFixed(0)} ms`);
    await page.close();
  }
} finally { await b.close(); await srv.close(); }
