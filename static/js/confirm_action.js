/* Confirmation before an action that cannot be undone from the page (提交, 保存并提交, 提交第三方评分, 重新开启).
 *
 * Markup only, no inline script (the Content-Security-Policy forbids it): put data-confirm="message" on the submit
 * button (or on the form, for every button of it), optionally data-confirm-title and data-confirm-ok (the label of
 * the confirming button; default: the button's own text). Submitting shows the Bootstrap dialog
 * (templates/partials/_confirm_modal.html): 取消, Esc or the backdrop submit nothing and put the focus back on the
 * button; the confirming button submits the form with the same button, so its name/value reach the server.
 *
 * The listener sits on the document in the bubbling phase, after the page's own submit handlers: a submission they
 * already stopped (the scoring page while scores are still being saved) is not confirmed for nothing. Page scripts
 * that must know whether a submission really leaves (the grids' unsaved-changes warning) listen on the document
 * after this file and look at event.defaultPrevented.
 */
(function () {
  "use strict";
  var modalEl = document.getElementById("confirm-modal");
  var pending = null; // {form, submitter} waiting for the user's answer
  var confirmed = null; // the form whose next submit was confirmed

  function messageFor(form, submitter) {
    if (submitter && submitter.hasAttribute("data-confirm")) return submitter;
    if (form.hasAttribute("data-confirm")) return form;
    return null;
  }

  function labelOf(submitter) {
    if (!submitter) return "确定";
    return (submitter.textContent || submitter.value || "确定").trim();
  }

  function resubmit(form, submitter) {
    confirmed = form;
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(submitter || undefined); // dispatches the submit event synchronously
      confirmed = null; // if a page handler stopped that submission, the next one is confirmed again
    } else { // very old browsers: keep the button's name/value
      if (submitter && submitter.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = submitter.name;
        hidden.value = submitter.value;
        form.appendChild(hidden);
      }
      form.submit();
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    if (confirmed === form) { confirmed = null; return; }
    var submitter = event.submitter || null;
    var source = messageFor(form, submitter);
    if (!source) return;
    event.preventDefault();
    var message = source.getAttribute("data-confirm");
    if (!modalEl || !window.bootstrap) { // no dialog available: the browser's own
      if (window.confirm(message)) resubmit(form, submitter);
      return;
    }
    pending = { form: form, submitter: submitter };
    document.getElementById("confirm-modal-title").textContent = source.getAttribute("data-confirm-title") || "请确认";
    document.getElementById("confirm-modal-body").textContent = message;
    var ok = document.getElementById("confirm-modal-ok");
    ok.textContent = source.getAttribute("data-confirm-ok") || labelOf(submitter);
    ok.className = "btn btn-lg " + (source.getAttribute("data-confirm-variant") || "btn-primary");
    window.bootstrap.Modal.getOrCreateInstance(modalEl).show();
  });

  if (!modalEl) return;
  document.getElementById("confirm-modal-ok").addEventListener("click", function () {
    var answer = pending;
    pending = null;
    window.bootstrap.Modal.getOrCreateInstance(modalEl).hide();
    if (answer) resubmit(answer.form, answer.submitter);
  });
  modalEl.addEventListener("shown.bs.modal", function () {
    document.getElementById("confirm-modal-cancel").focus(); // the safe answer first
  });
  modalEl.addEventListener("hidden.bs.modal", function () {
    if (pending) { // cancelled: nothing submitted, back to where the user was
      var back = pending.submitter;
      pending = null;
      if (back) back.focus();
    }
  });
})();
