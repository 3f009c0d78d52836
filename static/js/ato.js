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
