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

// ---- Red drug alerts by Web Push (docs/ALERTS.md) --------------------------------------
// Shown even when PeerKit is closed. The phone then tells the server it received the
// alert, and that its person opened it, so the coordinator sees who has it.

function deviceToken() {
  return new Promise((resolve) => {
    const request = indexedDB.open("peerkit");
    // No database (a wiped phone): do not create an empty one, which the app could not
    // upgrade into its own stores.
    request.onupgradeneeded = () => request.transaction.abort();
    request.onerror = () => resolve(null);
    request.onsuccess = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("meta")) { db.close(); resolve(null); return; }
      const get = db.transaction("meta").objectStore("meta").get("token");
      get.onsuccess = () => { db.close(); resolve(get.result ? get.result.value : null); };
      get.onerror = () => { db.close(); resolve(null); };
    };
  });
}

async function receipt(alertId, event) {
  const token = await deviceToken();
  if (!token || !alertId) return;
  try {
    await fetch("/api/v1/alert-receipts", {
      method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ alert_id: alertId, event }) });
  } catch (error) {
    // No signal: the alert still shows; the count misses this phone until it is opened.
  }
}

self.addEventListener("push", (event) => {
  let alert = {};
  try { alert = event.data ? event.data.json() : {}; } catch (error) { alert = {}; }
  event.waitUntil(Promise.all([
    self.registration.showNotification(alert.title || "PeerKit drug alert", {
      body: alert.body || "Open PeerKit to read the alert.", tag: `alert-${alert.alert_id}`,
      requireInteraction: true, data: { alertId: alert.alert_id } }),
    receipt(alert.alert_id, "received"),
  ]));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const alertId = event.notification.data && event.notification.data.alertId;
  event.waitUntil(Promise.all([receipt(alertId, "opened"), self.clients.openWindow("/app#home")]));
});
