// The "Por enviar" screen (/campo/por-enviar/, templates/field/outbox.html): what this phone
// holds to send, read from IndexedDB (outbox.js), with "Enviar ahora" and the user's choices:
// - a conflict (409: the server holds other content under the record's uuid) shows both
//   versions side by side; "Conservar la del servidor" drops the phone's copy, "Enviar la mía
//   como visita nueva" gives it a new uuid and sends it (two visits on the server, by choice);
// - a rejection (400, e.g. a JASS dissolved meanwhile) shows the server's sentences; the record
//   is corrected in the form (same uuid: nothing was stored under it) or discarded, after asking;
// - another user's records are shown, marked, and never sent or discarded from here.
(function () {
  "use strict";

  var list = document.querySelector("[data-outbox-list]");
  if (!list || !window.ATOOutbox) {
    return;
  }
  var Outbox = window.ATOOutbox;

  function json(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }
  var TEXT = json("field-text");
  var URLS = json("field-urls");
  var username = (document.querySelector('meta[name="ato-user"]') || {}).content || "";
  var statusBox = document.querySelector("[data-outbox-status]");
  var systems = {}; // water system id -> name, from the district's data when it is on the phone

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text != null) {
      node.textContent = text;
    }
    return node;
  }

  function visitHref(id) {
    return URLS.visit_page.replace("/0/", "/" + id + "/");
  }

  function dayFirst(iso) {
    // Dates as Peruvians read them: 05/03/2026.
    if (!iso || !/^\d{4}-\d{2}-\d{2}/.test(iso)) {
      return iso || "";
    }
    return iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4);
  }

  function show(message, kind) {
    statusBox.textContent = message;
    statusBox.className = "message " + (kind || "");
    statusBox.hidden = !message;
  }

  // One version of a visit (the phone's payload or the server's stored visit), briefly.
  function summary(visit, title) {
    var box = el("div", "version");
    box.appendChild(el("h4", null, title));
    var dl = el("dl", "fields");
    function row(label, value) {
      dl.appendChild(el("dt", null, label));
      dl.appendChild(el("dd", null, value == null || value === "" ? "—" : String(value)));
    }
    var labels = TEXT.labels || {};
    row(labels.date || "", dayFirst(visit.date));
    row(labels.kind || "", (TEXT.kinds || {})[visit.kind] || visit.kind);
    row(labels.findings || "", visit.findings);
    row(
      TEXT.readings_count,
      (visit.readings || [])
        .map(function (r) {
          var point = (TEXT.points || {})[r.point] || r.point;
          return (systems[r.water_system] || "#" + r.water_system) + " · " + point + " · " + r.mg_per_l + " mg/L";
        })
        .join("; ")
    );
    row(
      TEXT.agreements_count,
      (visit.agreements || [])
        .map(function (a) {
          return a.task + " (" + a.responsible + ", " + dayFirst(a.due_on) + ")";
        })
        .join("; ")
    );
    box.appendChild(dl);
    return box;
  }

  function button(text, className, handler) {
    var b = el("button", className, text);
    b.type = "button";
    b.addEventListener("click", handler);
    return b;
  }

  function item(entry) {
    var mine = entry.username === username;
    var p = entry.payload || {};
    var li = el("li", "outbox-item state-" + (mine ? entry.state : "other"));
    li.setAttribute("data-uuid", entry.uuid);
    var head = el("p", "outbox-head");
    head.appendChild(el("strong", null, entry.jass_name || "#" + p.jass));
    head.appendChild(document.createTextNode(" · " + dayFirst(p.date) + " "));
    var stateText = mine ? TEXT["state_" + entry.state] || entry.state : TEXT.state_other_user + " (" + entry.username + ")";
    head.appendChild(el("span", "badge state", stateText));
    li.appendChild(head);
    var counts = TEXT.readings_count + ": " + (p.readings || []).length + " · " + TEXT.agreements_count + ": " + (p.agreements || []).length;
    if (entry.attachment) {
      counts += " · " + TEXT.with_acta;
    }
    li.appendChild(el("p", "muted outbox-counts", counts));
    if (entry.state === "rejected" && entry.stage === "attachment") {
      li.appendChild(el("p", "error", TEXT.acta_rejected));
    }
    if (entry.messages && entry.messages.length) {
      var ul = el("ul", "error outbox-messages");
      entry.messages.forEach(function (m) {
        ul.appendChild(el("li", null, m));
      });
      li.appendChild(ul);
    }
    if (mine && entry.state === "pending" && entry.last_error) {
      li.appendChild(el("p", "muted", TEXT[entry.last_error === "network" ? "network_error" : "server_error"]));
    }
    if (!mine) {
      return li;
    }
    var actions = el("div", "actions");
    if (entry.state === "conflict") {
      if (!(entry.messages && entry.messages.length)) {
        li.appendChild(el("p", null, TEXT.conflict_help)); // the server said nothing readable
      }
      var both = el("div", "versions");
      both.appendChild(summary(p, TEXT.yours));
      both.appendChild(summary(entry.stored || {}, TEXT.stored));
      li.appendChild(both);
      if (entry.stored && entry.stored.id) {
        var link = el("a", null, TEXT.see_visit);
        link.href = visitHref(entry.stored.id);
        actions.appendChild(link);
      }
      actions.appendChild(
        button(TEXT.keep_server, "secondary", function () {
          if (window.confirm(TEXT.keep_server_confirm)) {
            Outbox.markSent(entry, entry.stored && entry.stored.id).then(render);
          }
        })
      );
      actions.appendChild(
        button(TEXT.send_as_new, "", function () {
          Outbox.renew(entry).then(sendNow);
        })
      );
    } else if (entry.state === "rejected" && entry.stage === "attachment") {
      if (entry.server_id) {
        var visitLink = el("a", null, TEXT.see_visit);
        visitLink.href = visitHref(entry.server_id);
        actions.appendChild(visitLink);
      }
    } else if (entry.state === "rejected") {
      var edit = el("a", "secondary", TEXT.edit);
      edit.setAttribute("role", "button");
      edit.href = URLS.form + "?editar=" + encodeURIComponent(entry.uuid);
      actions.appendChild(edit);
    }
    actions.appendChild(
      button(TEXT.discard, "secondary outline", function () {
        if (window.confirm(TEXT.discard_confirm)) {
          Outbox.remove(entry.uuid).then(render);
        }
      })
    );
    li.appendChild(actions);
    return li;
  }

  function render() {
    return Promise.all([Outbox.all(), Outbox.sentLog()]).then(function (both) {
      var rows = both[0];
      var sent = both[1];
      list.textContent = "";
      rows.forEach(function (entry) {
        list.appendChild(item(entry));
      });
      document.querySelector("[data-outbox-empty]").hidden = rows.length > 0;
      document.querySelector("[data-outbox-warning]").hidden = rows.length === 0;
      document.querySelector("[data-send-now]").disabled = !rows.some(function (e) {
        return e.state === "pending" && e.username === username;
      });
      var sentList = document.querySelector("[data-sent-list]");
      sentList.textContent = "";
      sent
        .filter(function (r) {
          return r.username === username;
        })
        .forEach(function (r) {
          var li = el("li");
          var a = el("a", null, (r.jass_name || "") + " · " + dayFirst(r.date));
          if (r.server_id) {
            a.href = visitHref(r.server_id);
          }
          li.appendChild(a);
          sentList.appendChild(li);
        });
      list.setAttribute("data-rendered", String(rows.length));
    });
  }

  function sendNow() {
    show(TEXT.sending, "");
    return Outbox.sendAll().then(function (result) {
      if (result.status === "auth") {
        show(TEXT.sign_in, "error");
      } else if (result.status === "offline") {
        show(TEXT.network_error, "error");
      } else if (result.status === "done" && (result.sent || result.conflict || result.rejected)) {
        show(TEXT.sent + " " + result.sent, result.conflict || result.rejected ? "error" : "success");
      } else {
        show("", "");
      }
      return render();
    });
  }

  document.querySelector("[data-send-now]").addEventListener("click", sendNow);
  window.addEventListener("ato:outbox-changed", render);
  window.addEventListener("ato:outbox-sent", render);

  Outbox.serial(function () {
    return fetch(URLS.data, { credentials: "same-origin", headers: { Accept: "application/json" } });
  })
    .then(function (r) {
      return r.ok ? r.json() : {};
    })
    .then(
      function (body) {
        (body.water_systems || []).forEach(function (s) {
          systems[s.id] = s.name;
        });
      },
      function () {}
    )
    .then(render);
})();
