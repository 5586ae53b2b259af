// Model bytes for the benchmark engines, shared by the page (bench.js) and its worker
// engine (gj-worker.js).

export async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** A file the cold-start runs put into the Cache API first (bench.js coldFill). */
export async function cachedBytes(url) {
  const cache = await caches.open('gamjeong-bench');
  const r = await cache.match(url);
  if (!r) throw new Error(`${url} is not in the Cache API`);
  return new Uint8Array(await r.arrayBuffer());
}

/** A quantized file through `WasmLoader` in 1 MiB slices, as www/runtime.js loads it: each
 * tensor moves into the model, so wasm memory holds about one copy of the file, not two. */
export function gjFromQuantized(mod, bytes) {
  const loader = new mod.WasmLoader();
  for (let at = 0; at < bytes.length; at += 1 << 20) loader.push(bytes.subarray(at, at + (1 << 20)));
  return loader.finish();
}
