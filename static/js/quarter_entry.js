/* Quarterly entry grid: live cumulative actual, 完成率 and pace while typing; keyboard movement.
 *
 * Same rules as indicators/calculations.py and indicators/validation.py (the server is the source of truth):
 * - flow (累计型): cumulative = prior months + this quarter's months; stock (存量型): latest month with a value,
 *   else the latest value before the quarter;
 * - 完成率 = cumulative ÷ target, half-up to 2 decimals; "/" without a target (or target 0);
 * - on pace = target × elapsed ÷ total months (stock: the whole target); behind when cumulative is below it.
 * Arithmetic is exact: values are scaled to hundredths and held in BigInt, so 538/700 shows 76.86% as Python does.
 */
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) return;
  var elapsed = BigInt(form.dataset.elapsed || "0");
  var total = BigInt(form.dataset.total || "1");
  var TYPE_MESSAGES = { 0: "应为整数。", 1: "应为最多一位小数的时数。", 2: "应为最多两位小数的金额。" };

  // "1,234.5" -> 123450n (hundredths); "" -> null; invalid -> {error}
  function parseScaled(text, places) {
    var cleaned = String(text).replace(/[,，\s]/g, "")
      .replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/．/g, ".").replace(/－/g, "-");
    if (cleaned === "") return null;
    if (/^-\d*\.?\d*$/.test(cleaned) && cleaned !== "-") return { error: "不能为负数。" };
    var m = /^(\d+)(?:\.(\d*))?$/.exec(cleaned) || /^()\.(\d+)$/.exec(cleaned);
    if (!m) return { error: "请输入数字。" };
    var frac = (m[2] || "").replace(/0+$/, "");
    if (frac.length > places) return { error: TYPE_MESSAGES[places] };
    return BigInt(m[1] || "0") * 100n + BigInt((frac + "00").slice(0, 2));
  }

  function halfUpDiv(num, den) { // num, den >= 0, den > 0: round(num / den) half up
    return (2n * num + den) / (2n * den);
  }

  function fmtScaled(scaled, places) { // hundredths -> string with `places` decimals, half up
    return fmtScaled2(scaled, 1n, places);
  }

  function fmtPercent(actual, target) {
    if (target === null || target === 0n) return "/";
    var hundredths = halfUpDiv((actual || 0n) * 10000n, target); // percent × 100
    var s = hundredths.toString().padStart(3, "0");
    return s.slice(0, s.length - 2) + "." + s.slice(s.length - 2) + "%";
  }

  function scaledOrNull(text) {
    if (text === undefined || text === "") return null;
    var r = parseScaled(text, 2);
    return (r === null || typeof r === "object") ? null : r;
  }

  // Error display of one cell: the message below it, linked to the input (aria-describedby, aria-invalid) so a screen
  // reader reads it with the cell's name; a new message is also spoken once through the page's live region.
  function describedBy(input, id, on) {
    var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) { return x && x !== id; });
    if (on) ids.unshift(id);
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" ")); else input.removeAttribute("aria-describedby");
  }

  function showCellError(input, feedback, message) {
    var had = feedback ? feedback.textContent : "";
    input.classList.toggle("is-invalid", !!message);
    if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    if (!feedback) return;
    feedback.textContent = message;
    describedBy(input, feedback.id, !!message);
    if (message && message !== had && document.activeElement === input && window.evalportalA11y) {
      window.evalportalA11y.announce(input.getAttribute("aria-label") + "：" + message);
    }
  }

  function recompute(row) {
    var places = parseInt(row.dataset.places, 10);
    var acc = row.dataset.acc;
    var target = scaledOrNull(row.dataset.target);
    var prior = scaledOrNull(row.dataset.prior);
    var values = [];
    var invalid = false;
    row.querySelectorAll("td.entry-cell").forEach(function (td) {
      var input = td.querySelector("input.cell-input");
      if (input) {
        var parsed = parseScaled(input.value, places);
        var feedback = td.querySelector(".cell-error");
        if (parsed !== null && typeof parsed === "object") {
          invalid = true;
          showCellError(input, feedback, parsed.error);
          values.push(null);
        } else if (input.dataset.serverError !== undefined && input.value === input.defaultValue) {
          // The server refused this value for a reason the page cannot check (a rule beyond the number format):
          // the message stays until the value is changed.
          values.push(parsed);
        } else {
          showCellError(input, feedback, "");
          values.push(parsed);
        }
      } else {
        var locked = td.querySelector(".cell-locked");
        values.push(locked ? scaledOrNull(locked.dataset.value) : null);
      }
    });
    var cumulative = null;
    if (acc === "stock") {
      for (var i = values.length - 1; i >= 0; i--) { if (values[i] !== null) { cumulative = values[i]; break; } }
      if (cumulative === null) cumulative = prior;
    } else {
      var any = prior !== null;
      var sum = prior || 0n;
      values.forEach(function (v) { if (v !== null) { sum += v; any = true; } });
      cumulative = any ? sum : null;
    }
    row.entryState = { target: target, cumulative: cumulative, values: values, invalid: invalid };
    showFigures(row, places, acc, target, cumulative, invalid);
  }

  // 累计完成, 完成率, 按进度应完成 and 进度 of an area row or a 合计 row
  function showFigures(row, places, acc, target, cumulative, invalid) {
    row.querySelector(".js-cumulative").textContent = cumulative === null ? "/" : fmtScaled(cumulative, places);
    row.querySelector(".js-rate").textContent = invalid ? "?" : fmtPercent(cumulative, target);
    var expected = null;
    var behind = false;
    if (target !== null) {
      if (acc === "stock") {
        expected = target;
        behind = target !== 0n && (cumulative || 0n) < target;
      } else {
        expected = halfUpDiv(target * elapsed, total); // hundredths, for display below
        behind = target !== 0n && (cumulative || 0n) * total < target * elapsed;
        row.querySelector(".js-expected").textContent = fmtScaled2(target * elapsed, total, places);
      }
    }
    if (acc === "stock" || target === null) {
      row.querySelector(".js-expected").textContent = expected === null ? "/" : fmtScaled(expected, places);
    }
    var pace = row.querySelector(".js-pace");
    if (target === null || target === 0n) pace.innerHTML = '<span class="text-muted">/</span>';
    else if (invalid) pace.innerHTML = '<span class="text-muted">?</span>';
    else pace.innerHTML = behind ? '<span class="badge text-bg-warning">落后</span>' : '<span class="badge text-bg-success">达到</span>';
  }

  // 合计 over the 片区 (indicators.calculations.area_total): 协议量 = Σ the targets there are, 完成量 = Σ every
  // 片区's cumulative (with or without a target), 完成率 = 完成量 ÷ 协议量; flow months show each month's Σ.
  function recomputeTotal(indicatorId) {
    var totalRow = form.querySelector('tr.total-row[data-indicator="' + indicatorId + '"]');
    if (!totalRow) return;
    var rows = Array.prototype.filter.call(
      form.querySelectorAll('tr.entry-row[data-indicator="' + indicatorId + '"]'),
      function (r) { return r.dataset.area !== "0" && r.entryState; });
    var places = parseInt(totalRow.dataset.places, 10);
    var acc = totalRow.dataset.acc;
    var target = null, actual = null, invalid = false;
    rows.forEach(function (r) {
      var st = r.entryState;
      if (st.target !== null) target = (target || 0n) + st.target;
      if (st.cumulative !== null) actual = (actual || 0n) + st.cumulative;
      if (st.invalid) invalid = true;
    });
    totalRow.querySelector(".js-total-target").textContent = target === null ? "/" : fmtScaled(target, places);
    totalRow.querySelectorAll(".js-total-month").forEach(function (td, index) {
      if (acc === "stock") { td.textContent = "—"; return; } // month-end counts are not summed per month
      var sum = null, bad = false;
      rows.forEach(function (r) {
        var v = r.entryState.values[index];
        if (v === null && r.querySelectorAll("td.entry-cell")[index].querySelector("input.is-invalid")) bad = true;
        if (v !== null && v !== undefined) sum = (sum || 0n) + v;
      });
      td.textContent = bad ? "?" : (sum === null ? "—" : fmtScaled(sum, places));
    });
    showFigures(totalRow, places, acc, target, actual, invalid);
  }

  // (num / den) hundredths, rounded half up to `places` decimals, printed as 附件1 does
  // (calculations.format_indicator_value): hours drop a whole ".0" (1080, 783.5); money keeps two decimals.
  function fmtScaled2(num, den, places) {
    var unit = 10n ** BigInt(2 - places);
    var q = halfUpDiv(num, den * unit);
    if (places === 0) return q.toString();
    if (places === 1 && q % 10n === 0n) return (q / 10n).toString();
    var s = q.toString().padStart(places + 1, "0");
    return s.slice(0, s.length - places) + "." + s.slice(s.length - places);
  }

  var inputs = Array.prototype.slice.call(form.querySelectorAll("input.cell-input"));
  inputs.forEach(function (input) {
    input.addEventListener("input", function () {
      var row = input.closest("tr");
      recompute(row);
      recomputeTotal(row.dataset.indicator);
      var box = document.getElementById("entry-refused");
      if (box && box.textContent && !form.querySelector("input.cell-input[aria-invalid='true']")) {
        box.className = "";
        box.textContent = "";
      }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" && event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      event.preventDefault();
      var up = event.key === "ArrowUp" || (event.key === "Enter" && event.shiftKey);
      var col = input.dataset.col;
      var index = inputs.indexOf(input);
      var step = up ? -1 : 1;
      for (var i = index + step; i >= 0 && i < inputs.length; i += step) {
        if (inputs[i].dataset.col === col) { inputs[i].focus(); inputs[i].select(); return; }
      }
    });
  });
  form.querySelectorAll("tr.entry-row").forEach(recompute);
  form.querySelectorAll("tr.total-row").forEach(function (r) { recomputeTotal(r.dataset.indicator); });

  // 提交 asks first: data-confirm on #submit-quarter, handled by static/js/confirm_action.js.

  // Leaving with unsaved edits: a cell is edited when its text differs from the stored value the page was given
  // (the o- field). After a refused save the page shows the posted text, so it is dirty from the start — rightly.
  function isDirty() {
    return inputs.some(function (input) {
      var original = form.elements["o-" + input.name];
      return original && input.value.trim() !== original.value.trim();
    });
  }
  var unsavedNote = document.getElementById("entry-unsaved");
  function showDirty() { if (unsavedNote) unsavedNote.hidden = !isDirty(); }
  inputs.forEach(function (input) { input.addEventListener("input", showDirty); });
  showDirty();
  var leaving = false; // set when the grid itself is being saved or submitted
  // on the document after confirm_action.js: a submission it is still asking about has defaultPrevented
  document.addEventListener("submit", function (event) {
    if (event.target === form && !event.defaultPrevented) leaving = true;
  });
  window.addEventListener("pageshow", function () { leaving = false; });
  window.addEventListener("beforeunload", function (event) {
    if (leaving || !isDirty()) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers need a value to ask
  });

  // The sticky 指标 column covers cells scrolled under it on a narrow screen: scroll the grid so the focused cell is clear.
  form.addEventListener("focusin", function (event) {
    var cell = event.target.closest ? event.target.closest("td") : null;
    var scroller = cell ? cell.closest(".entry-scroll") : null;
    var header = cell ? cell.parentElement.querySelector("th.entry-name") : null;
    if (!scroller || !header) return;
    var covered = header.getBoundingClientRect().right - cell.getBoundingClientRect().left;
    if (covered > 0) scroller.scrollLeft -= covered + 8;
  });

  // A save with cells the page already knows are wrong is refused here: nothing is sent, focus goes to the first bad
  // cell and the count is announced (the server checks again and answers the same way).
  function refuseInvalid(event) {
    var bad = inputs.filter(function (input) {
      // A value the server refused for a rule the page cannot check goes back to the server, which decides again.
      var serverOnly = input.dataset.serverError !== undefined && input.value === input.defaultValue;
      return input.getAttribute("aria-invalid") === "true" && !serverOnly;
    });
    if (!bad.length) return false;
    event.preventDefault();
    var message = "有 " + bad.length + " 个单元格填写有误，未保存任何数据。请按单元格下方的提示修改。";
    var box = document.getElementById("entry-refused");
    if (box) { box.className = "alert alert-danger"; box.textContent = message; }
    bad[0].focus();
    bad[0].select();
    return true;
  }

  // Invalid cells stop the submission before confirm_action.js (on the document) asks to confirm 提交.
  form.addEventListener("submit", function (event) { refuseInvalid(event); });

  // After a save refused for edits made by someone else meanwhile (409), start at the first conflicting cell.
  if (!form.querySelector("[aria-invalid='true']")) {
    var conflicted = form.querySelector("td.has-conflict input.cell-input");
    if (conflicted) conflicted.focus();
  }
})();
