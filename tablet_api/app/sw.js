// The app's shell, kept on the tablet: it opens at once and without a network. Written at serve
// time by tablet_api/webapp.py with the list of files and a version made from their contents;
// a new version replaces the old cache. Calls to /api/v1 are never answered from here: the
// browser's own cache revalidates them with their ETags.
const VERSION = "__VERSION__";
const SHELL = ["__SHELL__"];
const CACHE = `cellgate-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("cellgate-shell-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !url.pathname.startsWith("/app/")) return;
  const key = event.request.mode === "navigate" ? "/app/" : url.pathname;
  event.respondWith(caches.match(key, { cacheName: CACHE }).then((hit) => hit || fetch(event.request)));
});
