/* Service worker of the offline entry page (served as /itinerary/offline/sw.js, so its scope is that folder).
   The page asks it to keep the page and its assets; pages and assets are fetched from the network first and
   from the cache when the server cannot be reached. The API and the session check always go to the network. */
"use strict";
var CACHE = "tracker-offline-v1";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== CACHE; }).map(function (name) {
      return caches.delete(name);
    }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.cache) || [];
  var reply = event.ports && event.ports[0];
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.map(function (url) {
      return fetch(url, { credentials: "same-origin", cache: "no-cache" }).then(function (response) {
        if (response.ok && !response.redirected) { return cache.put(url, response); }
      });
    }));
  }).then(function () {
    if (reply) { reply.postMessage({ cached: true }); }
  }).catch(function () {
    if (reply) { reply.postMessage({ cached: false }); }
  }));
});

// a connection that takes a request and never answers (weak signal): the kept page is shown after this, as when
// there is no network at all (the page did not open for as long as the connection was held)
var NETWORK_MS = 6000;

function fetchWithin(request) {  // a race, not an abort: a navigation's request takes no signal
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("no answer")); }, NETWORK_MS);
    fetch(request).then(function (response) { clearTimeout(timer); resolve(response); },
                        function (problem) { clearTimeout(timer); reject(problem); });
  });
}

function networkOnly(url) {
  return url.pathname.indexOf("/api/") === 0 || /\/session$/.test(url.pathname) || /\/sw\.js$/.test(url.pathname);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || networkOnly(url)) { return; }
  event.respondWith(fetchWithin(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(url.pathname + url.search, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(url.pathname + url.search).then(function (hit) {
      return hit || caches.match(url.pathname, { ignoreSearch: true }).then(function (page) {
        return page || Response.error();
      });
    });
  }));
});
