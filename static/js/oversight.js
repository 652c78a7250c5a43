// Oversight screens (issue 10): "select all" for bulk actions (confirmations are data-confirm, static/js/confirm_action.js;
// bulk actions show a server-side confirmation page).
// - a checkbox with data-select-all="name" ticks every checkbox of that name in its form.
(function () {
  "use strict";
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
