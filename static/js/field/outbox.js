// The outbox of visits recorded on this phone (issue 13): IndexedDB, so a record survives a
// reload, a closed tab and a restarted phone, and the sender that posts them to
// POST /api/v1/visits/ once and only once. Loaded on every page (base.html) as window.ATOOutbox.
//
// A record: {uuid, username, created_at, updated_at, state, payload, jass_name, attachment,
// messages, stored, server_id, stage}. `uuid` (crypto.randomUUID) is the visit's identity on
// the server: a send retried after a lost answer gets 200 and the stored visit, never a second
// visit. States: "pending" (sent when there is signal), "conflict" (409: the server holds other
// content under this uuid; both versions are shown), "rejected" (400: the server's messages,
// e.g. a JASS dissolved meanwhile). Conflicts and rejections wait for the user; nothing leaves
// the outbox without being stored on the server or discarded by the user.
(function () {
  "use strict";

  var DB_NAME = "ato-field";
  var DB_VERSION = 1;
  var OUTBOX = "outbox";
  var SENT = "sent";
  var SENT_KEPT = 20; // the "enviadas" log keeps the last few, with the server's id
  var LOCK = "ato-outbox-send";
  var URLS = { session: "/campo/sesion.json", visits: "/api/v1/visits/" };

  var dbPromise = null;

  function openDb() {
    if (dbPromise) {
      return dbPromise;
    }
    dbPromise = new Promise(function (resolve, reject) {
      if (!window.indexedDB) {
        reject(new Error("indexedDB unavailable"));
        return;
      }
      var request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(OUTBOX)) {
          db.createObjectStore(OUTBOX, { keyPath: "uuid" });
        }
        if (!db.objectStoreNames.contains(SENT)) {
          db.createObjectStore(SENT, { keyPath: "uuid" });
        }
      };
      request.onsuccess = function () {
        var db = request.result;
        // Another tab upgrading the schema: let it, this tab reopens on its next call.
        db.onversionchange = function () {
          db.close();
          dbPromise = null;
        };
        resolve(db);
      };
      request.onerror = function () {
        dbPromise = null;
        reject(request.error);
      };
    });
    return dbPromise;
  }

  // One request in one transaction, as a promise that settles when the transaction commits
  // (so a record is on disk before the form says "guardada").
  function run(store, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var result;
        var request = work(tx.objectStore(store));
        if (request) {
          request.onsuccess = function () {
            result = request.result;
          };
        }
        tx.oncomplete = function () {
          resolve(result);
        };
        tx.onerror = function () {
          reject(tx.error);
        };
        tx.onabort = function () {
          reject(tx.error || new Error("transaction aborted"));
        };
      });
    });
  }

  function all() {
    return run(OUTBOX, "readonly", function (s) {
      return s.getAll();
    }).then(function (rows) {
      return (rows || []).sort(function (a, b) {
        return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0;
      });
    });
  }

  function get(uuid) {
    return run(OUTBOX, "readonly", function (s) {
      return s.get(uuid);
    });
  }

  function put(entry) {
    entry.updated_at = new Date().toISOString();
    return run(OUTBOX, "readwrite", function (s) {
      return s.put(entry);
    }).then(function () {
      changed();
      return entry;
    });
  }

  function remove(uuid) {
    return run(OUTBOX, "readwrite", function (s) {
      return s.delete(uuid);
    }).then(changed);
  }

  function sentLog() {
    return run(SENT, "readonly", function (s) {
      return s.getAll();
    }).then(function (rows) {
      return (rows || []).sort(function (a, b) {
        return a.sent_at < b.sent_at ? 1 : -1;
      });
    });
  }

  // Move a record from the outbox to the "enviadas" log in one transaction: never both, never
  // neither, whatever moment the tab is closed.
  function markSent(entry, serverId) {
    var row = {
      uuid: entry.uuid,
      server_id: serverId,
      username: entry.username,
      jass_name: entry.jass_name || "",
      date: (entry.payload && entry.payload.date) || "",
      sent_at: new Date().toISOString(),
    };
    return openDb()
      .then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction([OUTBOX, SENT], "readwrite");
          tx.objectStore(OUTBOX).delete(entry.uuid);
          var sent = tx.objectStore(SENT);
          sent.put(row);
          var all = sent.getAll();
          all.onsuccess = function () {
            var rows = all.result.sort(function (a, b) {
              return a.sent_at < b.sent_at ? 1 : -1;
            });
            rows.slice(SENT_KEPT).forEach(function (old) {
              sent.delete(old.uuid);
            });
          };
          tx.oncomplete = resolve;
          tx.onerror = function () {
            reject(tx.error);
          };
        });
      })
      .then(changed);
  }

  // --- telling every open page that the outbox changed ------------------------------------

  var channel = "BroadcastChannel" in window ? new BroadcastChannel("ato-outbox") : null;

  function changed() {
    if (channel) {
      channel.postMessage("changed");
    }
    window.dispatchEvent(new CustomEvent("ato:outbox-changed"));
  }

  if (channel) {
    channel.onmessage = function () {
      window.dispatchEvent(new CustomEvent("ato:outbox-changed"));
    };
  }

  // --- sending --------------------------------------------------------------------------------

  function session() {
    return fetch(URLS.session, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        return { status: "auth" };
      }
      if (!response.ok) {
        return { status: "server" };
      }
      return response.json().then(function (data) {
        return data.username ? { status: "ok", data: data } : { status: "auth" };
      });
    });
  }

  // The server's messages as lines of text, whatever the shape of its JSON.
  function messagesOf(body) {
    var lines = [];
    (function walk(value, label) {
      if (value == null) {
        return;
      }
      if (typeof value === "string") {
        if (value !== "jass_dissolved") {
          lines.push(value);
        }
      } else if (Array.isArray(value)) {
        value.forEach(function (item) {
          walk(item, label);
        });
      } else if (typeof value === "object") {
        Object.keys(value).forEach(function (key) {
          if (key !== "code" && key !== "stored") {
            walk(value[key], key);
          }
        });
      }
    })(body);
    return lines.filter(function (line, i) {
      return lines.indexOf(line) === i;
    });
  }

  function readJson(response) {
    return response.text().then(function (text) {
      try {
        return JSON.parse(text);
      } catch (e) {
        return {};
      }
    });
  }

  function postVisit(entry, token) {
    var body = Object.assign({}, entry.payload, { uuid: entry.uuid });
    return fetch(URLS.visits, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": token,
      },
      body: JSON.stringify(body),
    });
  }

  function postAttachment(entry, visitId, token) {
    var form = new FormData();
    var file = entry.attachment;
    form.append("file", file.blob, file.name || "acta");
    form.append("uuid", file.uuid);
    return fetch(URLS.visits + visitId + "/attachments/", {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token },
      body: form,
    });
  }

  // Send one record. Resolves to "sent", "conflict", "rejected", "retry" (network, 5xx, 429:
  // stays pending) or "auth" (signed out: stop, keep everything).
  function sendOne(entry, token) {
    return postVisit(entry, token).then(
      function (response) {
        if (response.status === 200 || response.status === 201) {
          return readJson(response).then(function (visit) {
            return afterStored(entry, visit, token);
          });
        }
        if (response.status === 401 || response.status === 403) {
          return "auth";
        }
        if (response.status === 409) {
          return readJson(response).then(function (body) {
            entry.state = "conflict";
            entry.stored = body.stored || null;
            entry.messages = body.detail ? [String(body.detail)] : [];
            return put(entry).then(function () {
              return "conflict";
            });
          });
        }
        if (response.status === 429 || response.status >= 500) {
          return retryLater(entry, "server");
        }
        return readJson(response).then(function (body) {
          entry.state = "rejected";
          entry.stage = "visit";
          entry.dissolved = JSON.stringify(body).indexOf("jass_dissolved") !== -1;
          entry.messages = messagesOf(body);
          return put(entry).then(function () {
            return "rejected";
          });
        });
      },
      function () {
        return retryLater(entry, "network");
      }
    );
  }

  // The visit is on the server (201, or 200: it was already). Its acta, if any, goes next; the
  // record leaves the outbox only when both are stored.
  function afterStored(entry, visit, token) {
    var visitId = visit && visit.id;
    if (!entry.attachment || entry.attachment.done) {
      return markSent(entry, visitId).then(function () {
        return "sent";
      });
    }
    entry.server_id = visitId;
    return postAttachment(entry, visitId, token).then(
      function (response) {
        if (response.status === 200 || response.status === 201) {
          return markSent(entry, visitId).then(function () {
            return "sent";
          });
        }
        if (response.status === 401 || response.status === 403) {
          return put(entry).then(function () {
            return "auth";
          });
        }
        if (response.status === 429 || response.status >= 500) {
          return retryLater(entry, "server");
        }
        return readJson(response).then(function (body) {
          entry.state = "rejected";
          entry.stage = "attachment";
          entry.messages = messagesOf(body);
          return put(entry).then(function () {
            return "rejected";
          });
        });
      },
      function () {
        return retryLater(entry, "network");
      }
    );
  }

  function retryLater(entry, why) {
    entry.state = "pending";
    entry.last_error = why;
    entry.tries = (entry.tries || 0) + 1;
    return put(entry).then(function () {
      return "retry";
    });
  }

  var sending = false; // this tab; other tabs are kept out by the Web Lock

  // This page's background requests (the offline copy, the district's data, the sends) run one
  // after another: kinder to a slow link, and each request rewrites the session row (the idle
  // timeout), which an embedded SQLite database serialises anyway.
  var queue = Promise.resolve();
  function serial(task) {
    var run = queue.then(task, task);
    queue = run.catch(function () {});
    return run;
  }

  // Send every pending record of the signed-in user, one by one, oldest first. Records of
  // another user are never sent. Resolves to a summary {status, sent, conflict, rejected, retry}.
  function sendAll() {
    return serial(sendAllNow);
  }

  function sendAllNow() {
    var summary = { status: "done", sent: 0, conflict: 0, rejected: 0, retry: 0, lastId: null };
    if (!navigator.onLine) {
      summary.status = "offline";
      return Promise.resolve(summary);
    }
    function work() {
      if (sending) {
        summary.status = "busy";
        return summary;
      }
      sending = true;
      var tried = {};
      function pendingOf(username) {
        return all().then(function (rows) {
          return rows.filter(function (e) {
            return e.state === "pending" && e.username === username && !tried[e.uuid];
          });
        });
      }
      return all()
        .then(function (rows) {
          if (!rows.some(function (e) { return e.state === "pending"; })) {
            return summary;
          }
          return session().then(function (who) {
            if (who.status !== "ok") {
              summary.status = who.status;
              return summary;
            }
            var username = who.data.username;
            var token = who.data.csrf_token;
            // One by one, oldest first; then again until nothing new is pending (a record
            // saved in another tab while this one was sending goes in the same round).
            var batch = [];
            function next() {
              var ready = batch.length ? Promise.resolve(batch) : pendingOf(username);
              return ready.then(function (rows) {
                batch = rows;
                if (!batch.length) {
                  return summary;
                }
                var entry = batch.shift();
                tried[entry.uuid] = true;
                return sendOne(entry, token).then(function (outcome) {
                  if (outcome === "auth") {
                    summary.status = "auth";
                    return summary;
                  }
                  summary[outcome] += 1;
                  if (outcome === "sent") {
                    summary.lastId = entry.uuid;
                  }
                  if (outcome === "retry" && entry.last_error === "network") {
                    summary.status = "offline"; // the signal went: stop this round
                    return summary;
                  }
                  return next();
                });
              });
            }
            return next();
          });
        }, function () {
          summary.status = "error";
          return summary;
        })
        .catch(function () {
          summary.status = summary.status === "done" ? "offline" : summary.status;
          return summary;
        })
        .then(function (result) {
          sending = false;
          window.dispatchEvent(new CustomEvent("ato:outbox-sent", { detail: result }));
          return result;
        });
    }
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request(LOCK, { ifAvailable: true }, function (lock) {
        if (!lock) {
          summary.status = "busy";
          return summary;
        }
        return work();
      });
    }
    return work();
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    // Older browsers: a UUID4 from getRandomValues.
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    });
    return (
      hex.slice(0, 4).join("") + "-" + hex.slice(4, 6).join("") + "-" +
      hex.slice(6, 8).join("") + "-" + hex.slice(8, 10).join("") + "-" + hex.slice(10).join("")
    );
  }

  // Replace a record's uuid (the user chose to send a conflicting record as a new visit): the
  // new record is written and the old one deleted in one transaction.
  function renew(entry) {
    var old = entry.uuid;
    entry.previous_uuid = old;
    entry.uuid = newUuid();
    entry.state = "pending";
    entry.stored = null;
    entry.messages = [];
    entry.updated_at = new Date().toISOString();
    return openDb()
      .then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(OUTBOX, "readwrite");
          tx.objectStore(OUTBOX).put(entry);
          tx.objectStore(OUTBOX).delete(old);
          tx.oncomplete = resolve;
          tx.onerror = function () {
            reject(tx.error);
          };
        });
      })
      .then(function () {
        changed();
        return entry;
      });
  }

  // Ask the browser not to evict this site's storage under pressure (the outbox lives there).
  function persist() {
    if (navigator.storage && navigator.storage.persist) {
      return navigator.storage.persisted().then(function (already) {
        return already || navigator.storage.persist();
      });
    }
    return Promise.resolve(false);
  }

  window.ATOOutbox = {
    all: all,
    get: get,
    put: put,
    remove: remove,
    renew: renew,
    markSent: markSent,
    sentLog: sentLog,
    sendAll: sendAll,
    serial: serial,
    newUuid: newUuid,
    persist: persist,
    messagesOf: messagesOf,
  };
})();
