/* Staff on-post grid: the 附件2 figures beside the grid follow the 人员到位 cells as the user changes them.
 *
 * Same rules as stations/calculations.py (the server is the source of truth and recomputes on save):
 * - 实到岗人次 = Σ 人员到位 (1, 0.5, 0) of certified staff over the 考核期; 应到岗 = required headcount × months;
 *   超配 = 实到岗 − 应到岗; 社工有效人次总数 = certified + uncertified;
 * - 从业2年以上占比 = 2-year staff's 人次 ÷ all 人次; 稳岗率 = staff with 人员到位 = 1 in every 考核期 month ÷ required
 *   staff; both as percentages half up to 2 decimals, "/" when the divisor is 0;
 * - 平均每月个人培训时数 = training hours ÷ 社工有效人次, half up to 2 decimals.
 * The server gives the part of the 考核期 outside the grid (data-outside*, data-base-*); the page adds the cells.
 * Arithmetic is exact: 人次 are counted in halves (integers) and divisions are done in BigInt.
 */
(function () {
  "use strict";
  var panel = document.getElementById("staff-figures");
  var rows = document.querySelectorAll("tr[data-staff-row]");
  if (!panel || !rows.length) return;

  function halves(text) { // "77.5" -> 155n, "-12.5" -> -25n, "" -> 0n
    if (!text) return 0n;
    var m = /^(-?)(\d+)(?:\.(\d))?$/.exec(text.trim());
    if (!m) return 0n;
    var h = BigInt(m[2]) * 2n + (m[3] === "5" ? 1n : 0n);
    return m[1] ? -h : h;
  }

  function formatHalves(h) { // stations.calculations.format_halves
    var neg = h < 0n, a = neg ? -h : h;
    var text = (a / 2n).toString() + (a % 2n ? ".5" : "");
    return neg ? "-" + text : text;
  }

  function halfUp(num, den) { // num >= 0, den > 0: num / den rounded half up to an integer
    return (2n * num + den) / (2n * den);
  }

  function fixed2(hundredths) {
    var frac = (hundredths % 100n).toString();
    return (hundredths / 100n).toString() + "." + (frac.length < 2 ? "0" + frac : frac);
  }

  function percent(num, den) { // indicators.calculations.format_percent(num / den)
    return den === 0n ? "/" : fixed2(halfUp(num * 10000n, den)) + "%";
  }

  function decimal(text) { // "783.5" -> {num: 7835n, scale: 10n}
    var m = /^(\d+)(?:\.(\d+))?$/.exec((text || "").trim());
    if (!m) return null;
    var frac = m[2] || "";
    return { num: BigInt(m[1] + frac), scale: 10n ** BigInt(frac.length) };
  }

  var data = panel.dataset;
  var base = {
    certified: halves(data.baseCertified), certifiedTwo: halves(data.baseCertifiedTwoYears),
    uncertified: halves(data.baseUncertified), uncertifiedTwo: halves(data.baseUncertifiedTwoYears),
    continuing: BigInt(data.baseContinuing || "0"),
  };
  var periodMonths = Number(data.periodMonths || "0");
  var required = halves(data.required);
  var requiredStaff = BigInt(data.requiredStaff || "0");
  var training = decimal(data.training);
  var out = {};
  ["certified", "required", "surplus", "total", "two-years", "retention", "training"].forEach(function (name) {
    out[name] = document.getElementById("fig-" + name);
  });
  var shown = {};
  Object.keys(out).forEach(function (name) { shown[name] = out[name] ? out[name].textContent : ""; });
  var note = document.getElementById("figures-unsaved");

  function recompute() {
    var certified = base.certified, certifiedTwo = base.certifiedTwo;
    var uncertified = base.uncertified, uncertifiedTwo = base.uncertifiedTwo, continuing = base.continuing;
    rows.forEach(function (row) {
      var own = halves(row.dataset.outside);
      var allOne = row.dataset.outsideContinuing === "1";
      row.querySelectorAll("select.js-on-post[data-in-period]").forEach(function (select) {
        var value = halves(select.value);
        own += value;
        if (value !== 2n) allOne = false;
      });
      var subtotal = row.querySelector("[data-row-effective]");
      if (subtotal) subtotal.textContent = formatHalves(own);
      if (row.dataset.certified === "1") {
        certified += own;
        if (row.dataset.twoYears === "1") certifiedTwo += own;
      } else {
        uncertified += own;
        if (row.dataset.twoYears === "1") uncertifiedTwo += own;
      }
      if (allOne && periodMonths > 0) continuing += 1n; // on post every month of a non-empty 考核期
    });
    var total = certified + uncertified;
    var figures = {
      certified: formatHalves(certified),
      required: formatHalves(required),
      surplus: formatHalves(certified - required),
      total: formatHalves(total),
      "two-years": percent(certifiedTwo + uncertifiedTwo, total),
      retention: percent(continuing, requiredStaff),
      // hours ÷ (halves / 2) = 2 × hours ÷ halves, in hundredths
      training: training && total > 0n ? fixed2(halfUp(200n * training.num, training.scale * total)) : "/",
    };
    var changed = false;
    Object.keys(figures).forEach(function (name) {
      if (!out[name]) return;
      out[name].textContent = figures[name];
      if (figures[name] !== shown[name]) changed = true;
    });
    if (note) note.classList.toggle("d-none", !changed);
  }

  rows.forEach(function (row) {
    row.querySelectorAll("select.js-on-post").forEach(function (select) {
      select.addEventListener("change", recompute);
    });
  });
  recompute();

  // Leaving with unsaved edits: a month is edited when 人员到位|社保|工资 differs from what the page was given (the o-
  // field, "1|1|0", "" for no record — stations.register.state_text).
  var form = document.querySelector("form.staff-months-form");
  var selects = Array.prototype.slice.call(document.querySelectorAll("select.js-on-post"));
  function cellState(select) {
    var key = select.name.slice(2); // p-<staff>-<yyyymm>
    var insurance = form.elements["s-" + key], salary = form.elements["w-" + key];
    var ticked = (insurance && insurance.checked ? "1" : "0") + "|" + (salary && salary.checked ? "1" : "0");
    if (select.value === "") return ticked === "0|0" ? "" : "?|" + ticked;
    return select.value + "|" + ticked;
  }
  function isDirty() {
    return selects.some(function (select) {
      var original = form.elements["o-" + select.name.slice(2)];
      return original && cellState(select) !== original.value;
    });
  }
  if (form) {
    var unsavedNote = document.getElementById("staff-unsaved");
    var showDirty = function () { if (unsavedNote) unsavedNote.hidden = !isDirty(); };
    form.addEventListener("change", showDirty);
    showDirty();
    var leaving = false;
    document.addEventListener("submit", function (event) {
      if (event.target === form && !event.defaultPrevented) leaving = true;
    });
    window.addEventListener("pageshow", function () { leaving = false; });
    window.addEventListener("beforeunload", function (event) {
      if (leaving || !isDirty()) return;
      event.preventDefault();
      event.returnValue = "";
    });
  }
})();
