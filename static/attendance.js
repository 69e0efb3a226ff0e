/* Attendance grid: keep the horizontal position across save-and-reload; a focused cell in view; count unsaved
   changes. */
(function () {
  "use strict";
  var form = document.getElementById("attendance-form");
  if (!form) { return; }
  // keep the horizontal position across the save-and-reload, so a phone user stays at the days they edit
  var wrap = form.querySelector(".att-wrap"), key = "att-scroll:" + location.pathname;
  var saved = sessionStorage.getItem(key);
  var today = form.querySelector("th.today");
  if (saved !== null) { wrap.scrollLeft = +saved; sessionStorage.removeItem(key); }
  else if (today) { wrap.scrollLeft = today.offsetLeft - wrap.clientWidth / 2; }
  var saving = false;
  form.addEventListener("submit", function () { saving = true; sessionStorage.setItem(key, wrap.scrollLeft); });
  // leaving with changes not saved asks first (they were lost without a word)
  window.addEventListener("beforeunload", function (event) {
    if (saving || !form.querySelector("td.changed")) { return; }
    event.preventDefault();
    event.returnValue = (counter && counter.getAttribute("data-leave")) || "";
  });
  // a cell reached by the keyboard comes fully into view, clear of the sticky names column: the browser's own
  // scrolling left it under that column or cut at the box's edge, focus ring and all
  wrap.addEventListener("focusin", function (event) {
    var cell = event.target.closest("td");
    if (!cell) { return; }
    window.requestAnimationFrame(function () {
      var names = cell.parentElement.querySelector(".who");
      var box = cell.getBoundingClientRect(), edge = wrap.getBoundingClientRect();
      var left = names ? names.getBoundingClientRect().right : edge.left;
      if (box.left < left) { wrap.scrollLeft -= left - box.left + 4; }
      else if (box.right > edge.right) { wrap.scrollLeft += box.right - edge.right + 4; }
    });
  });
  var counter = document.getElementById("changed-count");
  var template = counter ? counter.getAttribute("data-template") : "";
  form.addEventListener("change", function (event) {
    var select = event.target;
    if (select.tagName !== "SELECT") { return; }
    var cell = select.parentElement;
    cell.className = "s-" + select.value + (select.value !== select.dataset.initial ? " changed" : "");
    var n = form.querySelectorAll("td.changed").length;
    if (counter) { counter.textContent = n ? template.replace("{n}", n) : ""; }
  });
})();
