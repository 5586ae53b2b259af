// One thread of the wasm thread pool (src/web/pool.rs, docs/threads.md): instantiates the
// threads build the model worker runs (`variant`, a build of builds.js) on the model worker's
// shared memory, then runs the rayon thread it is handed until the model worker ends. A
// same-origin module, so `worker-src 'self'` covers it.
import { buildOf } from './builds.js';

self.addEventListener('message', async ({ data }) => {
  if (data?.type !== 'gamjeong-pool-init') return;
  try {
    const build = buildOf(data.variant);
    if (!build?.threads) throw new Error(`${data.variant} is not a threads build`);
    const { initSync, pool_worker_run } = await build.load();
    initSync({ module: data.module, memory: data.memory });
    self.postMessage({ type: 'gamjeong-pool-ready' });
    pool_worker_run(data.receiver); // blocks for the life of the pool
  } catch (e) {
    self.postMessage({ type: 'gamjeong-pool-error', message: e?.message || String(e) });
  }
}, { once: true });
