// The print page's one action: open the browser's print dialog.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-button");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
});
