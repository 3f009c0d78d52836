// The field visit form (/campo/visita/, templates/field/visit_form.html): works without signal.
// The JASS and water systems come from /campo/datos.json and the rules from the form-spec
// endpoint (both kept on the phone by register.js and the service worker). Reading and
// agreement rows are added and removed here, within the server's limits. Saving puts the visit
// in the outbox (outbox.js) with a new uuid and, with signal, sends it at once. The checks here
// mirror the server's with the same sentences; the server stays the judge.
(function () {
  "use strict";

  var form = document.querySelector("[data-field-form]");
  if (!form || !window.ATOOutbox) {
    return;
  }
  var Outbox = window.ATOOutbox;

  function json(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }
  var TEXT = json("field-text");
  var SPEC = json("field-spec"); // visits.api.form_spec: the server's limits and sentences
  var URLS = json("field-urls");
  var LIMITS = SPEC;
  var MESSAGES = SPEC.messages || {};
  var LENGTHS = SPEC.lengths || {};
  var MG = SPEC.mg_per_l || { min: 0, max: 5, step: "0.01" };
  var UPLOAD = SPEC.upload || { max_bytes: 10 * 1024 * 1024, types: [] };
  var username = (document.querySelector('meta[name="ato-user"]') || {}).content || "";

  var data = { jass: [], water_systems: [] }; // the district's reference data
  var editing = null; // the outbox record opened for correction (?editar=<uuid>)
  var acta = null; // {blob, name, type, uuid}

  var statusBox = document.querySelector("[data-field-status]");
  var errorsBox = form.querySelector("[data-form-errors]");
  var jassSelect = form.querySelector("[data-jass]");
  var readingsBox = form.querySelector("[data-readings]");
  var agreementsBox = form.querySelector("[data-agreements]");

  // "%(n)d", "%(y)d", "%(n)s" (Django's placeholders) and "{n}" filled from params.
  function fmt(text, params) {
    return String(text || "").replace(/%\((\w+)\)[ds]|\{(\w+)\}/g, function (all, a, b) {
      var key = a || b;
      return params && key in params ? String(params[key]) : all;
    });
  }

  function say(key, params) {
    return fmt(MESSAGES[key] || TEXT[key] || key, params);
  }

  function today() {
    var now = new Date();
    now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
    return now.toISOString().slice(0, 10);
  }

  function addYears(isoDate, years) {
    var parts = isoDate.split("-").map(Number);
    var year = parts[0] + years;
    var day = parts[2];
    if (parts[1] === 2 && day === 29) {
      day = 28; // as the server: 29 February becomes 28
    }
    return String(year).padStart(4, "0") + "-" + isoDate.slice(5, 8) + String(day).padStart(2, "0");
  }

  function show(message, kind, link) {
    statusBox.textContent = message;
    statusBox.className = "message " + (kind || "");
    if (link) {
      statusBox.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      statusBox.appendChild(a);
    }
    statusBox.hidden = false;
  }

  // --- reference data and rules ------------------------------------------------------------

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      }
    );
  }

  function fillJass() {
    var keep = jassSelect.value;
    jassSelect.querySelectorAll("option[value]:not([value=''])").forEach(function (o) {
      o.remove();
    });
    data.jass.forEach(function (j) {
      var option = document.createElement("option");
      option.value = String(j.id);
      option.textContent = j.registry_number ? j.name + " (" + j.registry_number + ")" : j.name;
      jassSelect.appendChild(option);
    });
    if (keep) {
      jassSelect.value = keep;
    }
  }

  function systemsOf(jassId) {
    return data.water_systems.filter(function (s) {
      return String(s.jass) === String(jassId);
    });
  }

  function fillSystems(select) {
    var keep = select.value || select.getAttribute("data-value") || "";
    select.textContent = "";
    var blank = document.createElement("option");
    blank.value = "";
    blank.textContent = "—";
    select.appendChild(blank);
    systemsOf(jassSelect.value).forEach(function (s) {
      var option = document.createElement("option");
      option.value = String(s.id);
      option.textContent = s.name;
      select.appendChild(option);
    });
    select.value = keep;
    if (select.value !== keep) {
      select.value = "";
    }
    // With one system, it is that one.
    if (!select.value && select.options.length === 2) {
      select.value = select.options[1].value;
    }
  }

  // --- rows ----------------------------------------------------------------------------------

  function rows(box) {
    return Array.prototype.slice.call(box.children);
  }

  function renumber() {
    rows(readingsBox).forEach(function (row, i) {
      row.querySelector("[data-row-title]").textContent = say("reading_title", { n: i + 1 });
    });
    rows(agreementsBox).forEach(function (row, i) {
      row.querySelector("[data-row-title]").textContent = say("agreement_title", { n: i + 1 });
    });
    var nr = rows(readingsBox).length;
    var na = rows(agreementsBox).length;
    form.querySelector("[data-add-reading]").disabled = nr >= LIMITS.max_readings;
    form.querySelector("[data-add-agreement]").disabled = na >= LIMITS.max_agreements;
    form.querySelector("[data-readings-count]").textContent = nr + " / " + LIMITS.max_readings;
    form.querySelector("[data-agreements-count]").textContent = na + " / " + LIMITS.max_agreements;
  }

  function addRow(kind, values) {
    var box = kind === "reading" ? readingsBox : agreementsBox;
    var max = kind === "reading" ? LIMITS.max_readings : LIMITS.max_agreements;
    if (rows(box).length >= max) {
      form.querySelector('[data-error-for="' + kind + 's"]').textContent = say("too_many_" + kind + "s", {
        n: max,
      });
      return null;
    }
    var template = document.getElementById(kind + "-row");
    var row = template.content.firstElementChild.cloneNode(true);
    box.appendChild(row);
    var system = row.querySelector('select[name="water_system"]');
    var input = row.querySelector('input[name="mg_per_l"]');
    if (input) {
      input.min = MG.min;
      input.max = MG.max;
      input.step = MG.step;
    }
    values = values || {};
    if (system) {
      system.setAttribute("data-value", values.water_system != null ? String(values.water_system) : "");
      fillSystems(system);
    }
    Object.keys(values).forEach(function (name) {
      var field = row.querySelector('[name="' + name + '"]');
      if (field && name !== "water_system") {
        field.value = values[name] == null ? "" : values[name];
      }
    });
    renumber();
    return row;
  }

  form.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest("[data-add-reading]")) {
      var row = addRow("reading");
      if (row) {
        row.querySelector("select").focus();
      }
    } else if (target.closest("[data-add-agreement]")) {
      var arow = addRow("agreement");
      if (arow) {
        arow.querySelector("input").focus();
      }
    } else if (target.closest("[data-remove-row]")) {
      target.closest("fieldset").remove();
      form.querySelector('[data-error-for="readings"]').textContent = "";
      form.querySelector('[data-error-for="agreements"]').textContent = "";
      renumber();
    } else if (target.closest("[data-acta-clear]")) {
      setActa(null);
    }
  });

  jassSelect.addEventListener("change", function () {
    readingsBox.querySelectorAll('select[name="water_system"]').forEach(fillSystems);
  });

  // --- the acta --------------------------------------------------------------------------------

  var ACTA_TYPES = UPLOAD.types.length ? UPLOAD.types : ["image/jpeg", "image/png", "application/pdf"];

  function setActa(value) {
    acta = value;
    var chosen = form.querySelector("[data-acta-chosen]");
    chosen.hidden = !value;
    form.querySelector("[data-acta-name]").textContent = value ? value.name : "";
    form.querySelectorAll("[data-acta]").forEach(function (input) {
      input.value = "";
    });
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.hasAttribute("data-acta") || !input.files || !input.files[0]) {
      return;
    }
    var file = input.files[0];
    var error = form.querySelector('[data-error-for="acta"]');
    error.textContent = "";
    if (ACTA_TYPES.indexOf(file.type) === -1) {
      error.textContent = say("file_type");
      input.value = "";
      return;
    }
    if (file.size > UPLOAD.max_bytes) {
      error.textContent = say("file_too_large", { mb: Math.floor(UPLOAD.max_bytes / 1048576) });
      input.value = "";
      return;
    }
    // A Blob copy: IndexedDB keeps it with the record until it is uploaded.
    setActa({ blob: file.slice(0, file.size, file.type), name: file.name, type: file.type, uuid: Outbox.newUuid() });
  });

  // --- reading the form and checking it ---------------------------------------------------------

  function value(row, name) {
    var field = row.querySelector('[name="' + name + '"]');
    return field ? field.value.trim() : "";
  }

  function decimalOk(text, max, places) {
    var re = new RegExp("^\\d+(\\.\\d{1," + places + "})?$");
    return re.test(text) && Number(text) >= 0 && Number(text) <= max;
  }

  // The payload POST /api/v1/visits/ takes, and the errors found (field -> [sentences]), with
  // the server's sentences (form spec): "Medición 2: …", "Acuerdo 1: …".
  function collect() {
    var errors = {};
    function add(field, message) {
      (errors[field] = errors[field] || []).push(message);
    }
    var jass = jassSelect.value;
    var date = form.elements.date.value;
    var kind = form.elements.kind.value;
    var now = today();
    if (!jass) {
      add("jass", say("required"));
    }
    if (!date) {
      add("date", say("required"));
    } else if (date > now) {
      add("date", say("date_after_today"));
    } else if (date < "2000-01-01") {
      add("date", say("date_too_early"));
    }
    if (!kind) {
      add("kind", say("required"));
    }
    var attendees = form.elements.attendees.value.trim();
    var findings = form.elements.findings.value.trim();
    if (attendees.length > (LENGTHS.attendees || 300)) {
      add("attendees", say("too_long", { n: LENGTHS.attendees || 300 }));
    }
    if (findings.length > (LENGTHS.findings || 5000)) {
      add("findings", say("too_long", { n: LENGTHS.findings || 5000 }));
    }
    var reviewed = form.elements.finances_reviewed.checked;
    var cash = form.elements.cash_balance.value.trim().replace(",", ".");
    if (cash) {
      if (!reviewed) {
        add("cash_balance", say("cash_balance_without_review"));
      } else if (!decimalOk(cash, 99999999.99, 2)) {
        add("cash_balance", say("cash_negative"));
      }
    }
    var topics = Array.prototype.map.call(form.querySelectorAll('input[name="topics"]:checked'), function (c) {
      return c.value;
    });

    var systems = systemsOf(jass).map(function (s) {
      return String(s.id);
    });
    var readings = [];
    var readingRows = rows(readingsBox);
    if (readingRows.length > LIMITS.max_readings) {
      add("readings", say("too_many_readings", { n: LIMITS.max_readings }));
    }
    readingRows.forEach(function (row, i) {
      var n = i + 1;
      var problems = [];
      var system = value(row, "water_system");
      var point = value(row, "point");
      var mg = value(row, "mg_per_l").replace(",", ".");
      if (!system || systems.indexOf(system) === -1) {
        problems.push(say("reading_system_not_of_jass", { n: n }));
      }
      if (!point) {
        problems.push(say("reading_row", { n: n, e: say("required") }));
      }
      if (!mg) {
        problems.push(say("reading_row", { n: n, e: say("required") }));
      } else if (!/^\d+(\.\d{1,2})?$/.test(mg) || Number(mg) < Number(MG.min)) {
        problems.push(say("reading_row", { n: n, e: say("mg_per_l_min") }));
      } else if (Number(mg) > Number(MG.max)) {
        problems.push(say("reading_row", { n: n, e: say("mg_per_l_max") }));
      }
      rowErrors(row, problems);
      problems.forEach(function (p) {
        add("readings", p);
      });
      readings.push({ water_system: Number(system), point: point, mg_per_l: mg });
    });

    var agreements = [];
    var agreementRows = rows(agreementsBox);
    if (agreementRows.length > LIMITS.max_agreements) {
      add("agreements", say("too_many_agreements", { n: LIMITS.max_agreements }));
    }
    var latestDue = date ? addYears(date, LIMITS.agreement_max_years_ahead) : null;
    agreementRows.forEach(function (row, i) {
      var n = i + 1;
      var problems = [];
      var task = value(row, "task");
      var responsible = value(row, "responsible");
      var due = value(row, "due_on");
      var done = value(row, "done_on");
      if (!task || !responsible || !due) {
        problems.push(say("agreement_row", { n: n, e: say("required") }));
      }
      var taskMax = LENGTHS.task || 300;
      var responsibleMax = LENGTHS.responsible || 150;
      if (task.length > taskMax || responsible.length > responsibleMax) {
        var limit = task.length > taskMax ? taskMax : responsibleMax;
        problems.push(say("agreement_row", { n: n, e: say("too_long", { n: limit }) }));
      }
      if (due && due < "2000-01-01") {
        problems.push(say("agreement_row", { n: n, e: say("date_too_early") }));
      } else if (due && latestDue && due > latestDue) {
        problems.push(say("agreement_due_too_late", { n: n, y: LIMITS.agreement_max_years_ahead }));
      }
      if (done && done > now) {
        problems.push(say("agreement_row", { n: n, e: say("done_after_today") }));
      } else if (done && date && done < date) {
        problems.push(say("agreement_row", { n: n, e: say("done_before_visit", { date: dayFirst(date) }) }));
      }
      rowErrors(row, problems);
      problems.forEach(function (p) {
        add("agreements", p);
      });
      var line = { task: task, responsible: responsible, due_on: due };
      if (done) {
        line.done_on = done;
      }
      agreements.push(line);
    });

    var payload = {
      jass: Number(jass),
      date: date,
      kind: kind,
      topics: topics,
      findings: findings,
      attendees: attendees,
      finances_reviewed: reviewed,
      cash_balance: cash || null,
      readings: readings,
      agreements: agreements,
    };
    return { payload: payload, errors: errors };
  }

  function dayFirst(iso) {
    return iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4);
  }

  function rowErrors(row, problems) {
    row.querySelector("[data-row-error]").textContent = problems.join(" ");
  }

  function showErrors(errors) {
    form.querySelectorAll("[data-error-for]").forEach(function (node) {
      var field = node.getAttribute("data-error-for");
      node.textContent = field === "readings" || field === "agreements" ? "" : (errors[field] || []).join(" ");
    });
    var fields = Object.keys(errors);
    errorsBox.hidden = fields.length === 0;
    errorsBox.textContent = "";
    if (fields.length) {
      var intro = document.createElement("p");
      intro.textContent = say("fix_errors");
      errorsBox.appendChild(intro);
      var list = document.createElement("ul");
      fields.forEach(function (field) {
        errors[field].forEach(function (message) {
          var item = document.createElement("li");
          item.textContent = message;
          list.appendChild(item);
        });
      });
      errorsBox.appendChild(list);
      errorsBox.scrollIntoView({ block: "start" });
    }
  }

  // --- saving ------------------------------------------------------------------------------------

  function jassName(id) {
    var found = data.jass.filter(function (j) {
      return String(j.id) === String(id);
    })[0];
    return found ? found.name : "";
  }

  function reset() {
    form.reset();
    readingsBox.textContent = "";
    agreementsBox.textContent = "";
    setActa(null);
    editing = null;
    form.elements.date.value = today();
    renumber();
  }

  var saving = false;

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (saving) {
      return;
    }
    var result = collect();
    showErrors(result.errors);
    if (Object.keys(result.errors).length) {
      return;
    }
    saving = true;
    var now = new Date().toISOString();
    var entry = editing || { uuid: Outbox.newUuid(), created_at: now };
    entry.username = username;
    entry.state = "pending";
    entry.stage = null;
    entry.messages = [];
    entry.stored = null;
    entry.payload = result.payload;
    entry.jass_name = jassName(result.payload.jass);
    entry.attachment = acta;
    Outbox.put(entry)
      .then(function () {
        var uuid = entry.uuid;
        reset();
        if (history.replaceState) {
          history.replaceState(null, "", URLS.form);
        }
        if (!navigator.onLine) {
          show(say("saved_offline"), "success");
          return null;
        }
        show(say("sending"), "");
        return Outbox.sendAll().then(function () {
          return reportOn(uuid);
        });
      })
      .catch(function () {
        show(say("server_error"), "error");
      })
      .then(function () {
        saving = false;
      });
  });

  // After a send: stored (link to the visit), waiting (conflict/rejected: see the outbox) or
  // still pending (no signal after all).
  function reportOn(uuid) {
    return Outbox.get(uuid).then(function (entry) {
      if (!entry) {
        return Outbox.sentLog().then(function (log) {
          var row = log.filter(function (r) {
            return r.uuid === uuid;
          })[0];
          var href = row && row.server_id ? URLS.visit_page.replace("/0/", "/" + row.server_id + "/") : null;
          show(say("sent"), "success", href ? { href: href, text: say("see_visit") } : null);
        });
      }
      if (entry.state === "conflict" || entry.state === "rejected") {
        show(
          say(entry.state === "conflict" ? "conflict_help" : "state_rejected") + " " + (entry.messages || []).join(" "),
          "error",
          { href: URLS.outbox, text: say("state_pending") }
        );
        return null;
      }
      show(say("saved_offline"), "success");
      return null;
    });
  }

  // --- opening a record to correct it (?editar=<uuid>) -------------------------------------------

  function load(entry) {
    var p = entry.payload || {};
    editing = entry;
    jassSelect.value = String(p.jass || "");
    form.elements.date.value = p.date || today();
    form.elements.kind.value = p.kind || form.elements.kind.value;
    form.querySelectorAll('input[name="topics"]').forEach(function (box) {
      box.checked = (p.topics || []).indexOf(box.value) !== -1;
    });
    form.elements.attendees.value = p.attendees || "";
    form.elements.findings.value = p.findings || "";
    form.elements.finances_reviewed.checked = !!p.finances_reviewed;
    form.elements.cash_balance.value = p.cash_balance || "";
    (p.readings || []).forEach(function (r) {
      addRow("reading", r);
    });
    (p.agreements || []).forEach(function (a) {
      addRow("agreement", a);
    });
    if (entry.attachment) {
      setActa(entry.attachment);
    }
    show(say("loaded_for_edit") + " " + (entry.messages || []).join(" "), "");
  }

  function start() {
    var params = new URLSearchParams(location.search);
    form.elements.date.value = today();
    form.elements.date.max = today();
    renumber();
    var reference = Outbox.serial(function () {
      return getJson(URLS.data);
    }).then(
      function (body) {
        data = body;
        var name = document.querySelector("[data-district-name]");
        if (name && body.district) {
          name.textContent = body.district.name;
        }
        fillJass();
      },
      function () {
        show(say("no_data"), "error");
      }
    );
    reference.then(function () {
      renumber();
      var editUuid = params.get("editar");
      var preselect = params.get("jass");
      if (editUuid) {
        return Outbox.get(editUuid).then(function (entry) {
          if (entry && entry.username === username && entry.state !== "conflict") {
            load(entry);
          }
        });
      }
      if (preselect && /^\d{1,12}$/.test(preselect)) {
        jassSelect.value = preselect;
      }
      return null;
    }).then(function () {
      form.setAttribute("data-ready", "1");
      document.documentElement.setAttribute("data-form-ready", String(Math.round(performance.now())));
    });
  }

  start();
})();
