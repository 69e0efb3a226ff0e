/* Offline trip and expense entry: entries are kept in localStorage, listed as not yet sent, and sent through the
   API with a client_id (a repeat stores nothing) whenever the server answers. The service worker keeps this page
   and its assets so that it opens without a network. All text shown comes from data-* attributes (translated). */
(function () {
  "use strict";
  var app = document.getElementById("offline-app");
  if (!app) { return; }
  var STORE = "tracker.offline.v1";
  var RETRY_MS = 15000;
  // a connection that takes a request and never answers (weak signal) gives up after this: the round ends as offline
  // and the next one may start (it hung on "正在发送…" for good, and no retry could start)
  var ANSWER_MS = 20000;
  var d = app.dataset;
  var sending = false;
  var editing = null;  // the refused entry shown in the form to fix: it stays stored until the form is saved

  function $(id) { return document.getElementById(id); }

  function fetchWithin(url, options) {
    if (!window.AbortController) { return fetch(url, options); }
    var controller = new AbortController();
    window.setTimeout(function () { controller.abort(); }, ANSWER_MS);  // after the answer was read, a no-op
    return fetch(url, Object.assign({ signal: controller.signal }, options));
  }

  function load() {
    try {
      var data = JSON.parse(window.localStorage.getItem(STORE) || "{}");
      return { queue: data.queue || [], sent: data.sent || [] };
    } catch (e) { return { queue: [], sent: [] }; }
  }
  function save(state) { window.localStorage.setItem(STORE, JSON.stringify(state)); }

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function localToday() {
    var now = new Date();
    now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
    return now.toISOString().slice(0, 10);
  }

  function describe(entry) {
    var b = entry.body;
    if (entry.kind === "trip") {
      var times = b.full_day ? d.msgFullDay : (b.depart + "–" + b["return"]);
      return d.msgTrip + " " + b.date + " " + times + (b.customer ? " " + b.customer : "") +
        (b.purpose ? " · " + b.purpose : "");
    }
    return d.msgExpense + " " + b.date + " " + (app.getAttribute("data-category-" + b.category) || b.category) +
      " " + b.amount + " " + d.msgYuan + (b.note ? " · " + b.note : "");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function render() {
    var state = load();
    // what was sent is the server's to show: another user's sent entries are not kept on a shared phone
    var mine = state.sent.filter(function (e) { return e.username === d.username; });
    if (mine.length !== state.sent.length) { state.sent = mine; save(state); }
    var list = $("queue");
    list.textContent = "";
    // another user's entries on a shared phone are theirs to read: counted, never shown (their dates, customers and
    // purposes were listed to whoever logged in next)
    var others = state.queue.filter(function (e) { return e.username !== d.username; }).length;
    state.queue.filter(function (e) { return e.username === d.username; }).forEach(function (entry) {
      var item = el("li", "list-group-item offline-entry");
      item.setAttribute("data-state", entry.state);
      item.setAttribute("data-client-id", entry.client_id);
      var badge = entry.state === "refused" ? el("span", "badge bg-danger me-1", d.msgRefused)
        : el("span", "badge bg-warning text-dark me-1", d.msgPending);
      item.appendChild(badge);
      item.appendChild(el("span", "entry-text", describe(entry)));
      // a refused entry can be fixed or given up; one not sent yet given up too (a typo seen without signal was
      // stored as typed, to be found and deleted online), but not while a round may be sending it
      if (entry.state === "refused" || !sending) {
        var actions = el("div", "mt-1 d-flex gap-2");
        if (entry.state === "refused") {
          item.appendChild(el("div", "small text-danger refusal", entry.error));
          var fix = el("button", "btn btn-sm btn-outline-primary fix-entry", d.msgFix);
          fix.type = "button";
          fix.addEventListener("click", function () { fixEntry(entry.client_id); });
          actions.appendChild(fix);
        }
        var discard = el("button", "btn btn-sm btn-outline-danger discard-entry", d.msgDiscard);
        discard.type = "button";
        discard.addEventListener("click", function () {
          if (window.confirm(d.msgConfirmDiscard)) {
            removeEntry(entry.client_id);
            if (editing === entry.client_id) {  // nothing left to fix: its data leaves the form too (a tap on
              editing = null;                   // 保存 queued the discarded entry again)
              $("form-error").hidden = true;
              $("offline-form").reset();
              $("f-date").value = localToday();
              syncFullDay();
            }
            var refusedLeft = load().queue.some(function (e) { return e.state === "refused" && e.username === d.username; });
            if (!refusedLeft && $("sync-message").textContent === d.msgSomeRefused) { say(""); }
            render();
          }
        });
        actions.appendChild(discard);
        item.appendChild(actions);
      }
      list.appendChild(item);
    });
    if (others) {
      list.appendChild(el("li", "list-group-item small text-muted other-user-entries",
                          d.msgOtherUser.replace("{n}", String(others))));
    }
    $("queue-count").textContent = String(state.queue.filter(function (e) {
      return e.state === "pending" && e.username === d.username;
    }).length);
    // refused entries wait here too: "尚未发送 0" alone read as nothing left to do
    var refusedCount = state.queue.filter(function (e) { return e.state === "refused" && e.username === d.username; }).length;
    var refusedBadge = $("refused-count");  // absent from a page kept by an earlier release
    if (refusedBadge) {
      refusedBadge.textContent = d.msgRefused + " " + refusedCount;
      refusedBadge.hidden = !refusedCount;
    }
    var sent = $("sent");
    sent.textContent = "";
    state.sent.filter(function (e) { return e.username === d.username; }).slice(-10).reverse().forEach(function (entry) {
      var item = el("li", "list-group-item sent-entry");
      item.appendChild(el("span", "badge bg-success me-1", d.msgSent));
      item.appendChild(el("span", null, describe(entry) + (entry.hours !== undefined ? " (" + entry.hours + " " + d.msgHours + ")" : "")));
      sent.appendChild(item);
    });
  }

  function removeEntry(clientId) {
    var state = load();
    state.queue = state.queue.filter(function (e) { return e.client_id !== clientId; });
    save(state);
  }

  function setKind(kind) {
    $("kind-" + kind).checked = true;
    document.querySelectorAll("[data-kind]").forEach(function (box) {
      box.hidden = box.getAttribute("data-kind") !== kind;
    });
  }

  function syncFullDay() { $("f-times").hidden = $("f-full-day").checked; }

  function fixEntry(clientId) {
    var entry = load().queue.filter(function (e) { return e.client_id === clientId; })[0];
    if (!entry) { return; }
    var b = entry.body;
    setKind(entry.kind);
    $("f-date").value = b.date || "";
    $("f-note").value = b.note || "";
    if (entry.kind === "trip") {
      $("f-full-day").checked = !!b.full_day;
      $("f-depart").value = b.depart || "";
      $("f-return").value = b["return"] === "24:00" ? "00:00" : (b["return"] || "");
      $("f-customer").value = b.customer || "";
      $("f-purpose").value = b.purpose || "";
      syncFullDay();
    } else {
      $("f-category").value = b.category;
      $("f-amount").value = b.amount;
    }
    editing = clientId;  // kept on the list (and on the phone) until the form is saved: it replaces it then
    render();
    clearMarks();
    if (entry.error) {  // what to change, by the form being changed (it was only down in the list)
      showError(entry.error, entry.field);
    } else {
      $("form-error").hidden = true;
    }
    if (!entry.error || !entry.field || !$("f-" + entry.field)) { $("f-date").focus(); }
  }

  /* No field marked, each field's own help (返回 00:00 表示当晚 24:00) the only thing it names again. */
  function clearMarks() {
    document.querySelectorAll("#offline-form [aria-invalid]").forEach(function (input) {
      input.removeAttribute("aria-invalid");
      input.classList.remove("is-invalid");
      var own = input.getAttribute("data-describedby");
      if (own) { input.setAttribute("aria-describedby", own); } else { input.removeAttribute("aria-describedby"); }
    });
  }

  /* The message shown right under the field at fault (it stood below 备注, 400 px away from the date), which is
     marked, tied to it and focused, as on the server's forms; at the end of the form when no field is named. */
  function showError(message, name) {
    var error = $("form-error");
    var field = name && $("f-" + name);
    error.textContent = message;
    error.hidden = false;
    if (field) {
      field.insertAdjacentElement("afterend", error);
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", ("form-error " + (field.getAttribute("data-describedby") || "")).trim());
      field.classList.add("is-invalid");
      field.focus();
    } else {
      $("save-entry").insertAdjacentElement("beforebegin", error);
    }
  }

  function readForm() {
    var kind = $("kind-trip").checked ? "trip" : "expense";
    var body = { date: $("f-date").value };
    // notes and purposes are sent as written (the server keeps multi-line text as written); blank is left out
    var note = $("f-note").value;
    if (note.trim()) { body.note = note; }
    if (kind === "trip") {
      if ($("f-full-day").checked) { body.full_day = true; } else {
        body.depart = $("f-depart").value; body["return"] = $("f-return").value;
        // A time input cannot hold 24:00: a return at 00:00 means that midnight, 00:00–00:00 a whole day (as the
        // trip form takes it).
        if (body["return"] === "00:00" && body.depart) { body["return"] = "24:00"; }
      }
      var customer = $("f-customer").value.trim();
      var purpose = $("f-purpose").value;
      if (customer) { body.customer = customer; }
      if (purpose.trim()) { body.purpose = purpose; }
      if (!body.date || (!body.full_day && (!body.depart || !body["return"]))) {
        return { error: d.msgRequired, field: !body.date ? "date" : !body.depart ? "depart" : "return" };
      }
      if (!body.full_day && body["return"] <= body.depart) {
        return { error: said("return", d.msgReturnAfter), field: "return" };
      }
    } else {
      body.category = $("f-category").value;
      var amount = $("f-amount").value;
      if (!body.date || amount === "") { return { error: d.msgRequiredExpense, field: !body.date ? "date" : "amount" }; }
      // the limits of CONTRACT 2, said before the entry waits for a signal (it was refused only once sent, perhaps
      // long after the receipt was at hand)
      if (!/^\d+(\.\d{1,2})?$/.test(amount) || Number(amount) > 100000) {
        return { error: said("amount", d.msgAmount), field: "amount" };
      }
      body.amount = Number(amount);
    }
    if (body.date > localToday()) { return { error: said("date", d.msgFuture), field: "date" }; }
    return { kind: kind, body: body };
  }

  /* A field's message after its label ("日期：不能记录未来的日期"): the form's own refusals and the server's alike. */
  function said(name, message) {
    var zh = document.documentElement.lang.indexOf("zh") === 0;
    var label = document.querySelector('label[for="f-' + name + '"]');
    return (label ? label.textContent.trim() + (zh ? "：" : ": ") : "") + message;
  }

  function onSave(event) {
    event.preventDefault();
    var read = readForm();
    clearMarks();
    if (read.error) {
      showError(read.error, read.field);
      return;
    }
    $("form-error").hidden = true;
    var state = load();
    if (editing) {  // the fixed entry replaces the refused one
      var fixed = editing;
      state.queue = state.queue.filter(function (e) { return e.client_id !== fixed; });
      editing = null;
    }
    state.queue.push({ client_id: uuid(), kind: read.kind, body: read.body, username: d.username,
                       state: "pending", error: "", saved_at: new Date().toISOString() });
    save(state);
    $("offline-form").reset();
    $("f-date").value = localToday();
    setKind(read.kind);
    syncFullDay();
    say(d.msgSaved);
    render();
    sendAll();
  }

  function say(text) {
    $("sync-message").textContent = text;
    var login = $("login-link");
    if (login) { login.hidden = true; }
  }
  function connection(online) {
    var badge = $("connection");
    badge.className = "badge " + (online ? "bg-success" : "bg-secondary");
    badge.textContent = online ? d.msgOnline : d.msgNoServer;
    badge.setAttribute("data-online", online ? "1" : "0");
  }

  /* Why an entry was refused: each field's message after the field's label on this page ("日期：不能记录未来的日期"),
     as the answer's own message says "check the marked fields" (请检查标出的栏目) of a form this page does not mark,
     or holds a field's message once more ("amount: …"); the message alone when no field is named. */
  function errorText(answer) {
    var error = (answer && answer.error) || {};
    var names = Object.keys(error.fields || {});
    if (!names.length) { return error.message || ""; }
    var zh = document.documentElement.lang.indexOf("zh") === 0;
    return names.map(function (name) { return said(name.replace(/_/g, "-"), error.fields[name]); })
      .join(zh ? "；" : "; ");
  }

  /* The first field of this form a refusal names (the API's `return`, `amount`...), or null. */
  function firstField(answer) {
    var names = Object.keys(((answer && answer.error) || {}).fields || {});
    var found = names.map(function (name) { return name.replace(/_/g, "-"); })
      .filter(function (name) { return $("f-" + name); });
    return found.length ? found[0] : null;
  }

  /* Send the pending entries one at a time, oldest first. A network failure stops the round (all stay pending);
     a refusal marks that entry; 200 or 201 removes it from the queue. */
  function sendAll() {
    if (sending) { return Promise.resolve(); }
    var pending = load().queue.filter(function (e) { return e.state === "pending" && e.username === d.username; });
    sending = true;
    render();  // no 放弃 on an entry this round may be sending
    say(pending.length ? d.msgSending : "");
    return fetchWithin(d.session, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!response.ok || response.redirected || !json) { throw { login: true }; }
        return response.json();
      })
      .then(function (session) {
        connection(true);
        if (session.username !== d.username) { throw { login: true, other: true }; }
        return pending.reduce(function (chain, entry) {
          return chain.then(function () { return sendOne(entry, session.csrf_token); });
        }, Promise.resolve());
      })
      .then(function () {
        var queue = load().queue;
        var left = queue.filter(function (e) { return e.state === "pending" && e.username === d.username; }).length;
        // any refused entry of this user still waiting, not only one of this round's ("all sent" over a refused one
        // misled); another user's on a shared phone is theirs to fix
        var refused = queue.some(function (e) { return e.state === "refused" && e.username === d.username; });
        say(left ? "" : (refused ? d.msgSomeRefused : (pending.length ? d.msgAllSent : "")));
      })
      .catch(function (problem) {
        if (problem && problem.login) {
          connection(true);
          say(problem.other ? d.msgOtherLogin : d.msgLogin);
        } else { connection(false); say(d.msgOffline); }
        // the way to log in when the session ended; not while another user is logged in (the login page takes
        // them to their own home: they log out first, as the message says)
        var login = $("login-link");  // absent from a page kept by an earlier release
        if (login) { login.hidden = !(problem && problem.login && !problem.other); }
      })
      .then(function () { sending = false; render(); });
  }

  function sendOne(entry, csrf) {
    var body = Object.assign({}, entry.body, { client_id: entry.client_id });
    return fetchWithin(entry.kind === "trip" ? d.trips : d.expenses, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 401) { throw { login: true }; }
      if (response.status >= 500) { throw { server: true }; }
      return response.json().catch(function () { return {}; }).then(function (answer) {
        var state = load();
        var stored = state.queue.filter(function (e) { return e.client_id === entry.client_id; })[0];
        if (!stored) { return; }
        if (response.status === 200 || response.status === 201) {
          state.queue = state.queue.filter(function (e) { return e.client_id !== entry.client_id; });
          stored.state = "sent";
          stored.id = answer.id;
          if (answer.hours !== undefined) { stored.hours = answer.hours; }
          state.sent = state.sent.concat([stored]).slice(-20);
        } else {
          stored.state = "refused";
          stored.error = errorText(answer) || String(response.status);
          stored.field = firstField(answer);  // marked when the entry is opened to be fixed
        }
        save(state);
      });
    });
  }

  function registerWorker() {
    if (!window.isSecureContext || !("serviceWorker" in navigator)) {
      $("offline-unavailable").hidden = false;
      return;
    }
    navigator.serviceWorker.register(d.sw, { scope: d.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // Ask the worker to keep this page and every same-origin asset it uses, so that it opens offline.
      var urls = [window.location.pathname];
      document.querySelectorAll("link[href], script[src]").forEach(function (node) {
        var url = new URL(node.href || node.src, window.location.href);
        if (url.origin === window.location.origin) { urls.push(url.pathname + url.search); }
      });
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) {
        if (event.data && event.data.cached) { document.documentElement.setAttribute("data-offline-ready", "1"); }
      };
      registration.active.postMessage({ cache: urls }, [channel.port2]);
    }).catch(function () { $("offline-unavailable").hidden = false; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("f-date").value = localToday();
    $("kind-trip").addEventListener("change", function () { setKind("trip"); });
    $("kind-expense").addEventListener("change", function () { setKind("expense"); });
    $("f-full-day").addEventListener("change", syncFullDay);
    $("offline-form").addEventListener("submit", onSave);
    $("send-now").addEventListener("click", sendAll);
    window.addEventListener("online", sendAll);
    window.setInterval(function () {
      if (load().queue.some(function (e) { return e.state === "pending"; })) { sendAll(); }
    }, RETRY_MS);
    render();
    registerWorker();
    sendAll();
  });
})();
