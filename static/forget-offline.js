/* On the login page nobody is logged in on this browser: the offline entry page kept for the last user (their name,
   their recent entries; entries made in it are sent as theirs) is dropped, so that whoever holds the phone next
   cannot open it without signal. Their unsent entries stay in this browser's storage and are sent when they log in
   and open 离线录入 again (another user sees only how many there are); the list of what they sent recently does not
   (it is on the server). */
"use strict";
try {
  var kept = JSON.parse(window.localStorage.getItem("tracker.offline.v1") || "{}");
  if (kept.sent && kept.sent.length) {
    kept.sent = [];
    window.localStorage.setItem("tracker.offline.v1", JSON.stringify(kept));
  }
} catch (e) { /* storage unreadable or off: nothing kept to drop */ }
if (window.caches) {
  caches.keys().then(function (names) {
    names.forEach(function (name) {
      if (name.indexOf("tracker-offline") === 0) { caches.delete(name); }
    });
  });
}
