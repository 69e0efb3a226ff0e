/* Attendance grid: keep the horizontal position across save-and-reload; count unsaved changes. */
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
  form.addEventListener("submit", function () { sessionStorage.setItem(key, wrap.scrollLeft); });
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
