// Oversight screens (issue 10): confirmation before irreversible actions and "select all" for bulk actions.
// - a button with data-confirm-submit="question" asks before its form is sent (approval, bulk approval/return);
//   without JavaScript the server-side confirmation page still asks;
// - a checkbox with data-select-all="name" ticks every checkbox of that name in its form;
// - a button with data-print prints the page (charts: the chart and its table; CSP allows no inline handler).
(function () {
  "use strict";
  document.querySelectorAll("[data-confirm-submit]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.dataset.confirmSubmit)) event.preventDefault();
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-select-all]").forEach(function (master) {
    var form = master.form || document;
    var boxes = function () {
      return form.querySelectorAll('input[type="checkbox"][name="' + master.dataset.selectAll + '"]');
    };
    master.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = master.checked; });
    });
  });
})();
