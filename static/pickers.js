// Pickers that search as you type: an <input data-picker="engineers|customers" list="..."> fills its
// <datalist> from the API (with the page's own session) instead of the page shipping every name.
(function () {
  "use strict";
  var SOURCES = {
    engineers: function (q) { return "/api/v1/users?role=engineer&active=1&limit=20&q=" + encodeURIComponent(q); },
    customers: function (q) { return "/api/v1/customers?limit=20&q=" + encodeURIComponent(q); },
    // a customer's machines: the customer is the value of the field named by data-customer-field
    equipment: function (q, input) {
      var customer = input.form && input.form.elements[input.getAttribute("data-customer-field")];
      return "/api/v1/equipment?customer=" + encodeURIComponent(customer ? customer.value.trim() : "");
    }
  };
  var OPTIONS = {
    engineers: function (body) {
      return body.users.map(function (u) { return { value: u.username, label: u.display_name }; });
    },
    customers: function (body) {
      return body.customers.map(function (c) { return { value: c.name, label: "" }; });
    },
    equipment: function (body) {
      return body.equipment.map(function (m) {
        return { value: m.name, label: [m.model, m.serial].filter(Boolean).join(" · ") };
      });
    }
  };

  function attach(input) {
    var kind = input.getAttribute("data-picker");
    var list = document.getElementById(input.getAttribute("list"));
    if (!SOURCES[kind] || !list) { return; }
    var timer = null, asked = null;
    function search() {
      var q = input.value.trim();
      var url = SOURCES[kind](q, input);
      if (url === asked) { return; }
      asked = url;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (url !== asked) { return; }
          while (list.firstChild) { list.removeChild(list.firstChild); }
          if (!body) { return; }  // a search refused (a name too long): no suggestion is left from an earlier one
          OPTIONS[kind](body).forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.value;
            if (item.label) { option.textContent = item.label; option.label = item.label; }
            list.appendChild(option);
          });
        })
        .catch(function () { /* the field still takes typed text */ });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("focus", search);
  }

  document.querySelectorAll("input[data-picker]").forEach(attach);
}());
