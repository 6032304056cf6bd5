// The service worker: keeps the page's own files (and the base geography)
// so that the dashboard opens without a connection, for field capture.
// Network first, the cache when the network fails: an online page is
// always the center's current one. Nothing else is touched: the API's
// answers are never cached (but /v1/geo, public geography).
const CACHE = 'truce-shell-' + VERSION;	/* VERSION: set by build.mjs */
const SHELL = ['/', '/index.html', '/app.js', '/app.css'];
const KEEP = new Set([...SHELL, '/v1/geo']);

self.addEventListener('install', (ev) => {
	ev.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL))
	    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (ev) => {
	ev.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter(
	    (k) => k !== CACHE).map((k) => caches.delete(k))))
	    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (ev) => {
	const url = new URL(ev.request.url);
	if (ev.request.method !== 'GET' || url.origin !== self.location.origin ||
	    !KEEP.has(url.pathname) || url.search !== '')
		return;
	ev.respondWith(fetch(ev.request).then((r) => {
		if (r.ok) {
			const copy = r.clone();
			caches.open(CACHE).then((c) => c.put(url.pathname, copy));
		}
		return r;
	}).catch(() => caches.match(url.pathname).then((r) => r ||
	    Response.error())));
});
