// Aura's service worker: the app shell offline, and Web Push notices shown without content.
// A push carries only ids and a type (the server has nothing more); the page opens the rest.
const SHELL = 'aura-shell-v1';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(['/', '/manifest.webmanifest', '/icon.svg']))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== SHELL).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

// The API is never cached (it is per user and changes); hashed assets are cached as they load;
// the page itself is fetched fresh and falls back to the cached shell when offline.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(
      caches.open(SHELL).then(async (cache) => {
        const hit = await cache.match(event.request);
        if (hit) return hit;
        const response = await fetch(event.request);
        if (response.ok) cache.put(event.request, response.clone());
        return response;
      }),
    );
    return;
  }
  event.respondWith(
    fetch(event.request).catch(() => caches.match(event.request).then((hit) => hit || caches.match('/'))),
  );
});

const TITLES = {
  approval_requested: 'Aura needs your approval',
  completed: 'Aura finished a task',
  failed: 'A task failed',
  enrollment_requested: 'A device asks to join your account',
  access_requested: 'Support asks to see your data',
};

self.addEventListener('push', (event) => {
  let payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch {}
  const notice = payload.notice || {};
  const kind = notice.event || payload.type || 'event';
  event.waitUntil(
    self.registration.showNotification(TITLES[kind] || 'Aura', {
      body: 'Open Aura to see it.',
      // One notice per task step: a decision replaces the request it answers.
      tag: notice.taskId ? `${notice.taskId}:${notice.stepId || ''}` : notice.id || kind,
      icon: '/icon.svg',
      data: {
        url: notice.type === 'device' ? '/#/devices' : notice.type === 'support' ? '/#/support' : '/#/assistant',
      },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data?.url || '/'));
});
