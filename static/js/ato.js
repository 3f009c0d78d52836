// Destructive actions ask first: a form with data-confirm-deletes asks before submitting when
// any "delete" box is ticked; a form with data-confirm always asks.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var ask = form.getAttribute("data-confirm");
  if (!ask && form.hasAttribute("data-confirm-deletes")) {
    if (form.querySelector('input[type=checkbox][name$="-DELETE"]:checked')) {
      ask = form.getAttribute("data-confirm-deletes");
    }
  }
  if (ask && !window.confirm(ask)) {
    event.preventDefault();
  }
});

// Behaviour that would otherwise be inline handlers (the Content-Security-Policy runs no inline
// script): a <select data-autosubmit> submits its form when changed, first emptying the fields
// named in data-clears (a province that belongs to the previous department); a button with
// data-print prints the page.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (!field.hasAttribute || !field.hasAttribute("data-autosubmit") || !field.form) {
    return;
  }
  (field.getAttribute("data-clears") || "").split(" ").forEach(function (name) {
    if (name && field.form.elements[name]) {
      field.form.elements[name].value = "";
    }
  });
  field.form.submit();
});

document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});
