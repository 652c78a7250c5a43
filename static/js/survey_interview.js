/*
 * The survey's phone interviews on a tablet (issue 14 §3a): one respondent's record — 访问结果, answers, 意见建议 —
 * saved as it is entered by the scoring page's autosave engine (autosave.js): kept in this browser while offline,
 * sent when the connection returns, and a second device's save shown side by side to choose from.
 */
(function () {
  "use strict";

  var root = document.getElementById("autosave-root");
  if (!root || !window.EvalportalAutosave) return;

  // The label a stored value has on this page ("已接通", "满意"), and the question a field belongs to.
  function optionLabel(name, value) {
    if (value === "" || value === null || value === undefined) return "（未填）";
    var input = root.querySelector("input[name='" + name + "'][value='" + value + "']");
    var label = input && root.querySelector("label[for='" + input.id + "']");
    return label ? label.textContent.trim() : String(value);
  }

  function fieldTitle(name) {
    if (name === "outcome") return "访问结果";
    if (name === "comment") return "意见建议";
    var input = root.querySelector("input[name='" + name + "']");
    var legend = input && input.closest("fieldset") && input.closest("fieldset").querySelector("legend");
    return legend ? legend.textContent.trim() : name;
  }

  var labels = {};
  Array.prototype.slice.call(root.querySelectorAll("[data-autosave] [name]")).forEach(function (input) {
    if (input.type !== "hidden") labels[input.name] = fieldTitle(input.name);
  });

  var autosave = window.EvalportalAutosave.start({
    root: root,
    pageKey: "survey-" + root.dataset.survey,
    kinds: {
      respondent: {
        fields: [],
        wholeUnit: true,  // the server replaces the respondent's whole record
        mainField: "outcome",
        blankText: "未联系",
        isBlank: function (unit) { return !unit.server.outcome || unit.server.outcome === "pending"; },
        labels: labels,
        stored: function (data) { return data.respondent; },
        conflictText: function (c) {
          var parts = ["访问结果：" + optionLabel("outcome", c.outcome)];
          Object.keys(c).forEach(function (name) {
            if (/^q\d+$/.test(name) && c[name] !== "") parts.push(fieldTitle(name) + "：" + optionLabel(name, c[name]));
          });
          if (c.comment) parts.push("意见建议：" + c.comment);
          return "对方保存的记录——" + parts.join("；");
        }
      }
    },
    keptBanner: function (count) {
      return "本机还有未上传的访问记录（见下方）：调查已结束，不能再上传；内容保留在本机。";
    }
  });
  if (!autosave) return;

  // The page's 保存 buttons still post the whole form: send it from the version the autosave reached, not while an
  // autosave is on its way, and not while a conflict waits for a choice.
  var form = document.getElementById("interview-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      var unit = autosave.units[0];
      if (!unit) return;
      if (unit.conflict) {
        event.preventDefault();
        var button = unit.el.querySelector(".keep-mine");
        if (button) button.focus();
        return;
      }
      if (unit.sending && form.requestSubmit) {
        // An autosave is on its way: post once it is answered, from the version it reaches.
        event.preventDefault();
        var submitter = event.submitter;
        setTimeout(function () { form.requestSubmit(submitter); }, 300);
        return;
      }
      form.querySelector("input[name='version']").value = String(unit.version);
      autosave.pause();  // the form carries the whole record; a blur-triggered autosave would overtake it
    });
  }

  window.surveyInterviewAutosave = { flush: autosave.flush, unsaved: autosave.unsaved };
})();
