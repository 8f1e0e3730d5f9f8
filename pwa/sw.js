// The service worker. VERSION (a hash of every shell file) and PRECACHE (their URLs) are
// written above this line by the server (peerkit/field/views.py), so a deploy that changes
// any shell file installs a new worker with a fresh cache.
//
// The shell is served cache-first, so the app starts with no network at all. API calls are
// never cached: the app's own outbox (IndexedDB) is what keeps records safe, not the worker.
const CACHE = `peerkit-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // cache: "reload" skips the HTTP cache, so a new version never precaches old files.
    await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })));
  })());
  // No skipWaiting here: the new version waits until the person taps "Switch now".
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith("peerkit-shell-") && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return;  // always the network
  const path = url.pathname === "/app/" ? "/app" : url.pathname;
  if (!PRECACHE.includes(path)) return;
  event.respondWith((async () => {
    const cached = await caches.match(path, { cacheName: CACHE });
    return cached || fetch(event.request);
  })());
});
