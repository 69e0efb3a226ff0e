/* Itinerary pages: hide the times of a full-day trip (confirmations: tracker.js). */
(function () {
  "use strict";
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
