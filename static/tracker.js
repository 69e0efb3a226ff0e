/* Every page: confirm before submitting a form marked data-confirm; a form posted once is not posted again while
   its answer is on the way; "back" links go back in history; the focus on the first field with an error.
   (The Content-Security-Policy allows no inline script, so page behaviour lives in static files like this one.) */
(function () {
  "use strict";
  /* The text of the last heading before `node` in the page (a box's own heading, or its section's), or null. */
  function headingBefore(node) {
    for (var at = node; at && at !== document.body; at = at.parentElement) {
      for (var before = at.previousElementSibling; before; before = before.previousElementSibling) {
        if (/^H[1-6]$/.test(before.tagName)) { return before.textContent; }
        var inner = before.querySelectorAll ? before.querySelectorAll("h1, h2, h3, h4, h5, h6") : [];
        if (inner.length) { return inner[inner.length - 1].textContent; }
      }
    }
    return null;
  }
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      // a form in a menu (全部退出 under one's name): the menu closed with the click, so the keyboard's place is
      // its button again, not nowhere
      var menu = event.target.closest(".dropdown");
      var toggle = menu && menu.querySelector("[data-bs-toggle=dropdown]");
      if (toggle) { toggle.focus(); }
      return;
    }
    // A second click (or Enter) on a slow link posted the form again: the expense, the complaint, the work order
    // was stored twice. Once a form is on its way, another submit of it waits; after a few seconds (a download
    // answers without leaving the page) or back on the page from the history, it may be sent again.
    var form = event.target;
    if (event.defaultPrevented || (form.getAttribute("method") || "").toLowerCase() !== "post") { return; }
    if (form.hasAttribute("data-sending")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sending", "");
    window.setTimeout(function () { form.removeAttribute("data-sending"); }, 5000);
  });
  window.addEventListener("pageshow", function () {
    var sending = document.querySelectorAll("form[data-sending]");
    for (var k = 0; k < sending.length; k++) { sending[k].removeAttribute("data-sending"); }
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
      var line = Number(field.getAttribute("data-error-line"));
      if (line > 0 && field.setSelectionRange) { selectLine(field, line); }
      break;
    }
  }
  /* A text box's line `line` (from 1) selected and scrolled into view: a template's fault, named by its line (the
     caret stood at the start of 200 lines, wrapped on a phone). */
  function selectLine(box, line) {
    var start = 0;
    for (var n = 1; n < line && start >= 0; n++) { start = box.value.indexOf("\n", start) + 1 || -1; }
    if (start < 0) { return; }
    var end = box.value.indexOf("\n", start);
    box.setSelectionRange(start, end < 0 ? box.value.length : end);
    // where the line is in the box, as a share of its text (wrapped lines make the share of lines a poor guide)
    box.scrollTop = Math.max(0, box.scrollHeight * start / Math.max(1, box.value.length) - box.clientHeight / 3);
  }
  // A table wider than the screen scrolls in its box: the box takes the keyboard focus (arrow keys scroll it) and
  // is named after its table, so keyboard and screen-reader users reach the columns out of view.
  var boxes = document.querySelectorAll(".table-responsive");
  for (var j = 0; j < boxes.length; j++) {
    var box = boxes[j];
    if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) {
      var table = box.querySelector("table");
      var caption = table && (table.getAttribute("aria-label") || (table.caption && table.caption.textContent));
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      // named by its table, else by the heading it stands under (two tables named after the page's title were
      // two landmarks of one name)
      box.setAttribute("aria-label", (caption || headingBefore(box) || document.title).trim());
    }
  }
  // Escape folds the phone's open menu and gives the keyboard back to its button (a menu open over the page
  // could only be closed by finding that button again); an open dropdown in it closes first, by Bootstrap
  document.addEventListener("keydown", function (event) {
    var nav = document.getElementById("nav");
    if (event.key !== "Escape" || !nav || !nav.classList.contains("show") || !window.bootstrap) { return; }
    if (nav.querySelector(".dropdown-menu.show")) { return; }
    window.bootstrap.Collapse.getOrCreateInstance(nav, { toggle: false }).hide();
    var toggler = document.querySelector(".navbar-toggler");
    if (toggler) { toggler.focus(); }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-back]") : null;
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
