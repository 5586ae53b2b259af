// One thread of the wasm thread pool (src/web/pool.rs, docs/threads.md): instantiates the
// threads build on the model worker's shared memory, then runs the rayon thread it is handed
// until the model worker ends. A same-origin module, so `worker-src 'self'` covers it.
// `pkg` names the threads build the model worker runs (pkg-threads/ or pkg-threads-relaxed/).
self.addEventListener('message', async ({ data }) => {
  if (data?.type !== 'gamjeong-pool-init') return;
  try {
    // literal paths, so that bundlers see both builds
    const { initSync, pool_worker_run } = data.pkg === 'pkg-threads-relaxed'
      ? await import('./pkg-threads-relaxed/gamjeong.js')
      : await import('./pkg-threads/gamjeong.js');
    initSync({ module: data.module, memory: data.memory });
    self.postMessage({ type: 'gamjeong-pool-ready' });
    pool_worker_run(data.receiver); // blocks for the life of the pool
  } catch (e) {
    self.postMessage({ type: 'gamjeong-pool-error', message: e?.message || String(e) });
  }
}, { once: true });
