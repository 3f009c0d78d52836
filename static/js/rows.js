// Rows added and removed in a Django formset, in the page and without a server round trip
// (so it also works offline). The markup (templates/visits/visit_form.html):
//
//   <div data-formset="PREFIX" data-cap-message="…translated…">
//     {{ formset.management_form }}
//     <div data-formset-rows> …one [data-formset-row] per form… </div>
//     <template data-formset-empty> …formset.empty_form's row (__prefix__)… </template>
//     <button type="button" data-formset-add hidden>…</button> <small data-formset-cap hidden></small>
//   </div>
//
// Each row holds a [data-formset-remove] button (hidden until this script runs) and, for the
// page without script, its "Quitar" DELETE box ([data-formset-delete], hidden here).
//
// Removing a row takes it out of the page and renumbers the rows after it, so TOTAL_FORMS stays
// the number of rows shown and a removed row frees its place under the cap (MAX_NUM_FORMS, the
// service's limit: 30 readings, 20 agreements). Every row here is plain data (the service
// replaces the visit's readings and agreements with the rows sent), so renumbering is safe; a
// removed row that was one of the INITIAL_FORMS lowers that count too, since Django requires the
// initial rows to be filled in. All text users read comes from the template (translated).
(function () {
  "use strict";

  function field(box, prefix, name) {
    return box.querySelector('input[name="' + prefix + "-" + name + '"]');
  }

  function renumber(row, prefix, index) {
    var pattern = new RegExp("(^|_)" + prefix + "-(\\d+|__prefix__)-");
    var replacement = "$1" + prefix + "-" + index + "-";
    row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) {
          el.setAttribute(attr, value.replace(pattern, replacement));
        }
      });
    });
  }

  function setUp(box) {
    var prefix = box.getAttribute("data-formset");
    var rows = box.querySelector("[data-formset-rows]");
    var empty = box.querySelector("template[data-formset-empty]");
    var add = box.querySelector("[data-formset-add]");
    var cap = box.querySelector("[data-formset-cap]");
    var total = field(box, prefix, "TOTAL_FORMS");
    var initial = field(box, prefix, "INITIAL_FORMS");
    var max = parseInt(field(box, prefix, "MAX_NUM_FORMS").value, 10);
    if (!rows || !empty || !add || !total || !initial || !(max > 0)) {
      return;
    }

    function allRows() {
      return Array.prototype.slice.call(rows.querySelectorAll(":scope > [data-formset-row]"));
    }

    function refresh() {
      var count = allRows().length;
      total.value = String(count);
      var full = count >= max;
      add.disabled = full;
      cap.textContent = full ? box.getAttribute("data-cap-message") || "" : "";
      cap.hidden = !full;
    }

    function enable(row) {
      var remove = row.querySelector("[data-formset-remove]");
      if (remove) {
        remove.hidden = false;
      }
      var deleteBox = row.querySelector("[data-formset-delete]");
      if (deleteBox) {
        deleteBox.hidden = true;
      }
    }

    add.addEventListener("click", function () {
      var count = allRows().length;
      if (count >= max) {
        refresh();
        return;
      }
      var row = empty.content.querySelector("[data-formset-row]").cloneNode(true);
      renumber(row, prefix, count);
      enable(row);
      rows.appendChild(row);
      refresh();
      var first = row.querySelector("select, input:not([type=hidden]), textarea");
      if (first) {
        first.focus();
      }
    });

    rows.addEventListener("click", function (event) {
      var button = event.target.closest("[data-formset-remove]");
      if (!button) {
        return;
      }
      var row = button.closest("[data-formset-row]");
      var index = allRows().indexOf(row);
      if (index < 0) {
        return;
      }
      if (index < parseInt(initial.value, 10)) {
        initial.value = String(parseInt(initial.value, 10) - 1);
      }
      row.remove();
      allRows().forEach(function (other, i) {
        renumber(other, prefix, i);
      });
      refresh();
      add.focus();
    });

    allRows().forEach(enable);
    add.hidden = false;
    refresh();
  }

  document.querySelectorAll("[data-formset]").forEach(setUp);
  document.querySelectorAll("[data-formset-hint]").forEach(function (hint) {
    hint.hidden = true;
  });
})();
