// On every page (base.html): install the service worker, keep the signed-in ATM user's offline
// copy of the field pages and district data fresh, show the "Por enviar" count in the header,
// and send the outbox when the page loads and when the signal returns.
//
// Who is signed in comes from <meta name="ato-user"> (base.html): its content is the username,
// empty for the anonymous. The offline copy lives in the Cache Storage under
// "ato-user:<username>"; another user's copy is dropped as soon as someone else signs in, and
// one's own when one signs out. The outbox (IndexedDB) is never dropped here.
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="ato-user"]');
  if (!meta) {
    return;
  }
  var username = meta.getAttribute("content") || "";
  var isAtm = meta.getAttribute("data-atm") === "1";
  var swUrl = meta.getAttribute("data-sw") || "/sw.js";
  var sessionUrl = meta.getAttribute("data-session") || "/campo/sesion.json";
  var logoutUrl = meta.getAttribute("data-logout") || "";
  var PREFIX = "ato-user:";
  var REFRESH_MS = 10 * 60 * 1000; // refetch the district's data at most every ten minutes
  var STAMP = "ato.offline";
  var root = document.documentElement;

  function ready(state) {
    root.setAttribute("data-offline-ready", state);
    window.dispatchEvent(new CustomEvent("ato:offline-ready", { detail: state }));
  }

  // --- header badge -----------------------------------------------------------------------
  function updateBadge() {
    var item = document.querySelector("[data-outbox-badge]");
    if (!item || !window.ATOOutbox) {
      return;
    }
    window.ATOOutbox.all().then(
      function (rows) {
        var count = item.querySelector("[data-outbox-count]");
        if (count) {
          count.textContent = String(rows.length);
        }
        item.hidden = rows.length === 0;
      },
      function () {
        item.hidden = true;
      }
    );
  }
  window.addEventListener("ato:outbox-changed", updateBadge);

  // --- the user's offline copy --------------------------------------------------------------
  function stamp() {
    try {
      return JSON.parse(localStorage.getItem(STAMP) || "{}");
    } catch (e) {
      return {};
    }
  }

  function dropUserCaches(keep) {
    if (!window.caches) {
      return Promise.resolve();
    }
    return caches.keys().then(function (names) {
      return Promise.all(
        names
          .filter(function (name) {
            return name.indexOf(PREFIX) === 0 && name !== keep;
          })
          .map(function (name) {
            return caches.delete(name);
          })
      );
    });
  }

  // Fetch each URL the server names for this user and keep it; a page that fails keeps its
  // previous copy. Only answers of the signed-in user are kept (not a redirect to sign in).
  function refreshUserCache() {
    var name = PREFIX + username;
    return fetch(sessionUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("session " + response.status);
        }
        return response.json();
      })
      .then(function (who) {
        if (who.username !== username) {
          throw new Error("another user");
        }
        // One URL after another (see ATOOutbox.serial).
        return caches.open(name).then(function (cache) {
          return (who.offline_urls || []).reduce(function (chain, url) {
            return chain.then(function () {
              return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(
                function (response) {
                  if (response.ok && !response.redirected) {
                    return cache.put(url, response);
                  }
                  return null;
                },
                function () {
                  return null;
                }
              );
            });
          }, Promise.resolve());
        });
      })
      .then(function () {
        localStorage.setItem(STAMP, JSON.stringify({ username: username, at: Date.now() }));
      });
  }

  function keepOfflineCopy() {
    if (!window.caches || !username) {
      return Promise.resolve("none");
    }
    var previous = stamp();
    var keep = isAtm ? PREFIX + username : "";
    // Any copy but this user's own goes: another user signed in on this phone, or this user
    // has no field pages (a reviewer).
    var dropped = dropUserCaches(keep);
    if (!isAtm) {
      return dropped.then(function () {
        return "none";
      });
    }
    var fresh = previous.username === username && Date.now() - (previous.at || 0) < REFRESH_MS;
    return dropped.then(function () {
      return caches.has(keep).then(function (has) {
        if (fresh && has) {
          return "yes";
        }
        if (!navigator.onLine) {
          return has ? "yes" : "none";
        }
        return refreshUserCache().then(
          function () {
            return "yes";
          },
          function () {
            return has ? "yes" : "none";
          }
        );
      });
    });
  }

  // Signing out drops this user's offline copy before the form is sent (the outbox stays).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!logoutUrl || form.getAttribute("action") !== logoutUrl || form.dataset.cleared) {
      return;
    }
    event.preventDefault();
    try {
      localStorage.removeItem(STAMP);
    } catch (e) {
      /* private mode */
    }
    dropUserCaches("").then(
      function () {
        form.dataset.cleared = "1";
        form.submit();
      },
      function () {
        form.dataset.cleared = "1";
        form.submit();
      }
    );
  });

  // --- service worker ------------------------------------------------------------------------
  function registerWorker() {
    if (!("serviceWorker" in navigator)) {
      return Promise.resolve(false);
    }
    return navigator.serviceWorker.register(swUrl, { scope: "/" }).then(
      function () {
        return navigator.serviceWorker.ready.then(function (registration) {
          // A page whose navigation began while the worker was activating is not claimed by
          // the worker's clients.claim(): ask it again, so that this page works offline too.
          if (!navigator.serviceWorker.controller && registration.active) {
            registration.active.postMessage("claim");
          }
          return true;
        });
      },
      function () {
        return false;
      }
    );
  }

  function send() {
    if (window.ATOOutbox && username) {
      window.ATOOutbox.sendAll();
    }
  }

  window.addEventListener("online", send);
  window.addEventListener("online", function () {
    root.removeAttribute("data-offline");
  });
  window.addEventListener("offline", function () {
    root.setAttribute("data-offline", "1");
  });

  function start() {
    if (!navigator.onLine) {
      root.setAttribute("data-offline", "1");
    }
    updateBadge();
    registerWorker()
      .then(function () {
        return window.ATOOutbox ? window.ATOOutbox.serial(keepOfflineCopy) : keepOfflineCopy();
      })
      .then(ready, function () {
        ready("none");
      });
    if (isAtm && window.ATOOutbox) {
      window.ATOOutbox.persist();
    }
    send();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
