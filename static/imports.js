// The import page: upload with a progress bar (large files take a while on a slow office network), then show
// the server's report page in place.
document.querySelectorAll("form.import-form").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (!window.FormData || !form.querySelector("input[type=file]").files.length) return;
    event.preventDefault();
    var bar = form.querySelector("progress");
    var button = form.querySelector("button[type=submit]");
    bar.classList.remove("d-none");
    button.disabled = true;
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    request.upload.addEventListener("load", function () { bar.removeAttribute("value"); });
    request.addEventListener("load", function () {
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener("error", function () { button.disabled = false; bar.classList.add("d-none"); });
    request.send(new FormData(form));
  });
});
