/* Itinerary pages: confirm before submitting forms marked data-confirm; hide the times of a full-day trip. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  function syncFullDay() {
    var box = document.getElementById("full_day");
    var times = document.querySelector("[data-time-fields]");
    if (!box || !times) { return; }
    times.hidden = box.checked;
    times.querySelectorAll("input").forEach(function (input) { input.disabled = box.checked; });
  }
  document.addEventListener("change", function (event) {
    if (event.target.id === "full_day") { syncFullDay(); }
  });
  document.addEventListener("DOMContentLoaded", syncFullDay);
})();
