/*
 * The third-party scoring page (issue 4): its kinds of unit for the shared autosave engine (autosave.js) — a rubric
 * item (score + note) and a findings box (text) — plus evidence uploads and the submission check.
 */
(function () {
  "use strict";

  var root = document.getElementById("autosave-root");
  if (!root || !window.EvalportalAutosave) return;

  function $(sel, el) { return (el || document).querySelector(sel); }
  function csrfToken() { return window.EvalportalAutosave.csrf(root); }
  var labels = { score: "得分", note: "评分说明", text: "内容" };

  var kinds = {
    item: {
      fields: ["score", "note"],
      mainField: "score",
      blankText: "未评分",
      labels: labels,
      // Mirrors reports.services.parse_item_score; the server checks again.
      validate: function (unit) {
        if (!unit.inputs.score) return null;
        var raw = unit.inputs.score.els[0].value.trim();
        if (raw === "") return null;
        if (!/^-?\d+(\.\d+)?$/.test(raw)) return "“" + unit.label + "”的得分必须是数字。";
        var value = parseFloat(raw);
        if (value < 0) return "“" + unit.label + "”的得分不能小于 0 分。";
        if (value > parseFloat(unit.max)) return "“" + unit.label + "”的得分不能超过 " + unit.max + " 分。";
        if (/\.\d{2,}$/.test(raw) && !/\.\d0+$/.test(raw)) return "“" + unit.label + "”的得分最多保留一位小数。";
        return null;
      },
      stored: function (data) { return data.item; },
      errorField: function (unit, body) { return !("score" in body) && "note" in body ? "note" : null; },
      conflictText: function (c) {
        var parts = ["对方的得分：" + (c.score === null || c.score === undefined ? "未评分" : c.score)];
        if (c.note) parts.push("对方的说明：" + c.note);
        if (c.updated_by) parts.push("（" + c.updated_by + (c.updated_at ? " " + c.updated_at : "") + " 保存）");
        return parts.join("；");
      }
    },
    finding: {
      fields: ["text"],
      mainField: "text",
      blankText: "",
      labels: labels,
      url: function () { return root.dataset.findingUrl; },
      payload: function (unit, body) {
        var el = unit.el;
        body.party = el.dataset.party;
        body.section = el.dataset.section;
        body.kind = el.dataset.findingKind;
        body.areas = el.dataset.areas ? el.dataset.areas.split(",").map(function (x) { return parseInt(x, 10); }) : [];
        body.text = unit.inputs.text.els[0].value;
      },
      stored: function (data) { return data.finding; },
      conflictText: function (c) { return "对方的内容：" + (c.text || "（空）"); }
    }
  };

  function updateProgress(rubric) {
    if (!rubric) return;
    var raw = document.getElementById("raw-total");
    if (raw) raw.textContent = rubric.raw;
    var scored = autosave.units.filter(function (u) {
      return u.kind === "item" && u.inputs.score && u.server.score !== "";
    }).length;
    var count = document.getElementById("scored-count");
    if (count) count.textContent = String(scored);
  }

  var autosave = window.EvalportalAutosave.start({
    root: root,
    pageKey: root.dataset.evaluation,
    kinds: kinds,
    missingMessageId: "submit-blocked",
    onSaved: function (data) { updateProgress(data.rubric); },
    // A read-only page (submitted, finalised) sends nothing, but text typed here earlier and never uploaded may still
    // be kept in this browser: say so and show it beside its item instead of hiding it; it stays kept for a reopening.
    keptBanner: function (count) {
      return "本机还有 " + count + " 项未上传的内容（见下方各项）：评分已提交或已定稿，须由区民政局重新开启后才能上传；内容保留在本机。";
    }
  });
  if (!autosave) return;

  // --- evidence -----------------------------------------------------------------------------------------------

  function evidenceError(item, message) {
    var box = $(".evidence-error", item);
    if (!box) return;
    box.textContent = message || "";
    box.hidden = !message;
  }

  function addEvidenceRow(item, a) {
    var li = document.createElement("li");
    li.dataset.attachment = a.id;
    var link = document.createElement("a");
    link.href = a.url; link.target = "_blank"; link.rel = "noopener"; link.textContent = a.name;
    var del = document.createElement("button");
    del.type = "button"; del.className = "btn btn-outline-secondary btn-sm evidence-delete ms-2";
    del.dataset.url = a.delete_url; del.textContent = "删除";
    li.appendChild(link); li.appendChild(del);
    $(".evidence-list", item).appendChild(li);
  }

  function upload(item, input) {
    var files = Array.prototype.slice.call(input.files || []);
    var limit = parseInt(root.dataset.maxUploadMb, 10) * 1024 * 1024;
    evidenceError(item, "");
    files.forEach(function (file) {
      if (file.size > limit) {
        evidenceError(item, "“" + file.name + "”超过 " + root.dataset.maxUploadMb + " MB 的大小限制。");
        return;
      }
      var form = new FormData();
      form.append("file", file);
      fetch(input.dataset.url, {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }, body: form
      }).then(function (r) { return r.json(); }).then(function (data) {
        if (data.ok) addEvidenceRow(item, data.attachment); else evidenceError(item, data.error);
      }, function () {
        evidenceError(item, "网络不可用，“" + file.name + "”未上传；恢复网络后请重新添加。");
      });
    });
    input.value = "";
  }

  root.addEventListener("change", function (event) {
    var input = event.target;
    if (input.classList && input.classList.contains("evidence-input")) {
      upload(input.closest(".rubric-item"), input);
    }
  });

  root.addEventListener("click", function (event) {
    var button = event.target;
    if (!button.classList || !button.classList.contains("evidence-delete")) return;
    var item = button.closest(".rubric-item");
    fetch(button.dataset.url, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (data.ok) button.closest("li").remove(); else evidenceError(item, data.error);
    }, function () { evidenceError(item, "网络不可用，删除未完成。"); });
  });

  // --- submission ---------------------------------------------------------------------------------------------

  var submitForm = document.getElementById("submit-form");
  if (submitForm) {
    // A submission the server would refuse is stopped here: the reason is announced (#submit-blocked is an alert) and
    // focus goes to the first field to fix — an unsaved or refused item, else the first item without a score.
    submitForm.addEventListener("submit", function (event) {
      var box = document.getElementById("submit-blocked");
      var units = autosave.units;
      var pending = autosave.unsavedUnits();
      var unscored = units.filter(function (u) {
        return u.kind === "item" && u.inputs.score && u.inputs.score.els[0].value.trim() === "";
      });
      units.forEach(function (u) { if (u.missing) { u.missing = false; autosave.setBadge(u); } });
      var message = "", first = null;
      if (pending.length) {
        message = "还有 " + pending.length + " 项未保存，请等待保存完成（或处理冲突、错误）后再提交。";
        var unit = pending[0];
        var errorField = unit.error && unit.inputs[unit.kind === "item" ? (unit.errorField || "score") : "text"];
        first = (errorField && errorField.els[0]) || $(".conflict-panel:not([hidden]) button", unit.el) ||
          (unit.inputs.score || unit.inputs.text).els[0];
        autosave.flush();
      } else if (unscored.length) {
        message = "以下评估项尚未评分：" + unscored.slice(0, 5).map(function (u) {
          return u.el.dataset.code + " " + u.label;
        }).join("、") + (unscored.length > 5 ? "等 " + unscored.length + " 项" : "") + "。全部评分后才能提交。";
        unscored.forEach(function (u) { u.missing = true; autosave.setBadge(u); });
        first = unscored[0].inputs.score.els[0];
      }
      if (!message) { box.className = ""; box.textContent = ""; return; }
      event.preventDefault();
      box.className = "alert alert-warning";
      box.textContent = message;
      if (first) first.focus();
    });
  }

  window.evaluationAutosave = { flush: autosave.flush, unsaved: autosave.unsaved };
})();
