/* Every page: confirm before submitting a form marked data-confirm; "back" links go back in history; the focus on
   the first field with an error.
   (The Content-Security-Policy allows no inline script, so page behaviour lives in static files like this one.) */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // A page that shows field errors: the first bad field takes the focus (its message is read with it through
  // aria-describedby). Deferred, so the page is parsed; a field inside a closed <details> is skipped.
  var bad = document.querySelectorAll("main [aria-invalid=true]");
  for (var i = 0; i < bad.length; i++) {
    var field = bad[i];
    if (!field.disabled && field.getClientRects().length) {
      if (field.matches("[role=radiogroup]")) {
        field = field.querySelector("input:checked, input") || field;
      }
      field.focus();
      break;
    }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-back]") : null;
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
