// Service worker for the page itself (HTML, CSS, JS, wasm), so a reload works offline once the
// model is in the cache. Network first (a new deploy is picked up at once), the stored copy
// when the network fails. Model files (.safetensors, config/tokenizer JSON) are not touched:
// the runtime verifies and caches those itself. The page registers it once the model is loaded,
// as sw.js?variant=VARIANT: the wasm build this browser runs is the one pre-cached. What to
// pre-cache comes from site-files.json, which the build derives from www/ and the table of wasm
// builds (scripts/builds.mjs).
const APP_CACHE = 'gamjeong-app-v1';
const VARIANT = new URL(self.location.href).searchParams.get('variant');

/** The page, its files, and the files of the wasm build `VARIANT` (the first build when unknown). */
async function shell() {
  const site = await (await fetch('site-files.json', { cache: 'no-store' })).json();
  const build = site.builds.find((b) => b.variant === VARIANT) ?? site.builds[0];
  return ['./', ...site.shell, ...(build.threads ? site.pool : []), ...site.buildFiles.map((f) => `${build.dir}/${f}`)];
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(APP_CACHE);
    const files = await shell().catch(() => ['./']);
    await Promise.all(files.map((f) => cache.add(f).catch(() => {})));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('gamjeong-app-') && name !== APP_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function isAppFile(request) {
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return false;
  if (!url.pathname.startsWith(new URL('./', self.registration.scope).pathname)) return false;
  // Model files are the runtime's to cache; site.json (which model is the default) is the page's.
  if (url.pathname.endsWith('/site.json')) return true;
  if (/\.(safetensors|json)$/.test(url.pathname)) return false;
  return request.destination !== '' || url.pathname.endsWith('.wasm');
}

self.addEventListener('fetch', (event) => {
  if (!isAppFile(event.request)) return;
  event.respondWith((async () => {
    const cache = await caches.open(APP_CACHE);
    try {
      const res = await fetch(event.request);
      if (res.ok) await cache.put(event.request, res.clone());
      return res;
    } catch (e) {
      const hit = await cache.match(event.request, { ignoreSearch: event.request.mode === 'navigate' });
      if (hit) return hit;
      throw e;
    }
  })());
});
