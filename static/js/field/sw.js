// ATO's service worker (served at /sw.js by ato/pwa.py, which writes the line above this one:
// self.ATO_SW = {version, shell, offline, manifest, userCachePrefix}).
//
// - The app shell (static files, the offline page) is precached at install, in a cache named
//   after the digest of those files: a change installs a new worker, and activate deletes the
//   old shell caches.
// - Pages (navigations): network first; when the network fails, or takes too long and a copy is
//   kept, the signed-in user's copy (cache "ato-user:<username>", written by register.js),
//   ignoring the query string (/campo/visita/?jass=12 is the same page); anything else gets the
//   offline page, which says what works without signal.
// - Static files of the shell: from the cache. Other GETs of this site: network first, then the
//   user's copy (the district's data and the form rules). Writes are never touched.
/* global self, caches, fetch */
"use strict";

var CONFIG = self.ATO_SW;
var SHELL = "ato-shell-" + CONFIG.version;
var USER_PREFIX = CONFIG.userCachePrefix;
var NETWORK_WAIT_MS = 4000; // a page with a copy on the phone waits this long for the network

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(SHELL)
      .then(function (cache) {
        // The offline page is asked for without cookies: it is kept for everyone, so it is
        // the page as the anonymous see it, naming nobody.
        var anonymous = [CONFIG.offline, CONFIG.manifest].map(function (url) {
          return new Request(url, { credentials: "omit" });
        });
        return cache.addAll(CONFIG.shell.concat(anonymous));
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("ato-shell-") === 0 && name !== SHELL;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

// The signed-in user's copy of a URL (query string ignored), or undefined.
function fromUserCache(request) {
  return caches.keys().then(function (names) {
    var mine = names.filter(function (name) {
      return name.indexOf(USER_PREFIX) === 0;
    });
    var found;
    return mine
      .reduce(function (chain, name) {
        return chain.then(function () {
          if (found) {
            return found;
          }
          return caches.open(name).then(function (cache) {
            return cache.match(request, { ignoreSearch: true, ignoreVary: true }).then(function (hit) {
              found = hit;
            });
          });
        });
      }, Promise.resolve())
      .then(function () {
        return found;
      });
  });
}

// The network's answer, or the kept copy when the network fails or (with a copy) is too slow.
function networkFirst(request, fallback) {
  return fromUserCache(request).then(function (kept) {
    return new Promise(function (resolve) {
      var settled = false;
      function finish(response) {
        if (!settled) {
          settled = true;
          resolve(response);
        }
      }
      var timer = kept
        ? setTimeout(function () {
            finish(kept);
          }, NETWORK_WAIT_MS)
        : null;
      fetch(request).then(
        function (response) {
          clearTimeout(timer);
          finish(response);
        },
        function () {
          clearTimeout(timer);
          if (kept) {
            finish(kept);
          } else {
            fallback().then(finish);
          }
        }
      );
    });
  });
}

function offlinePage() {
  return caches.match(CONFIG.offline, { cacheName: SHELL, ignoreVary: true }).then(function (hit) {
    return hit || new Response("", { status: 503, statusText: "offline" });
  });
}

function failed() {
  return Promise.resolve(Response.error());
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(networkFirst(request, offlinePage));
    return;
  }
  if (CONFIG.shell.indexOf(url.pathname) !== -1 || url.pathname === CONFIG.manifest) {
    event.respondWith(
      caches.match(request, { cacheName: SHELL, ignoreSearch: true, ignoreVary: true }).then(function (hit) {
        return hit || fetch(request);
      })
    );
    return;
  }
  if (url.pathname === "/sw.js" || url.pathname.indexOf("/static/") === 0) {
    return;
  }
  event.respondWith(networkFirst(request, failed));
});

// Another tab may ask the new worker to take over at once.
self.addEventListener("message", function (event) {
  if (event.data === "skipWaiting") {
    self.skipWaiting();
  } else if (event.data === "claim") {
    event.waitUntil(self.clients.claim());
  }
});
