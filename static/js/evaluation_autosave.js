/*
 * Autosave for the third-party scoring page (issue 4). Vanilla JS, no dependencies.
 *
 * Every [data-autosave] unit (a rubric item: score + note; a findings box: text) is saved a moment after the
 * user stops typing, by a JSON POST carrying the version the user started from. What is typed is first written
 * to localStorage (key: evalportal:<user>:<evaluation>:<unit key>), so a dropped connection, a closed tab or an
 * expired session loses nothing: the page re-sends it on the `online` event, on a retry timer and on the next load.
 * A 409 answer means someone else saved first: both versions are shown and the user chooses; nothing is dropped.
 */
(function () {
  "use strict";

  var root = document.getElementById("autosave-root");
  if (!root) return;
  if (root.dataset.editable !== "1") { showKeptText(); return; }

  // A read-only page (submitted, finalised) sends nothing, but text typed here earlier and never uploaded may still be
  // kept in this browser: say so and show it beside its item instead of hiding it; it stays kept for a reopening.
  function showKeptText() {
    var s;
    try { s = window.localStorage; } catch (e) { return; }
    if (!s) return;
    var base = "evalportal:" + root.dataset.user + ":" + root.dataset.evaluation + ":";
    var labels = { score: "得分", note: "评分说明", text: "内容" };
    var count = 0;
    Array.prototype.slice.call(root.querySelectorAll("[data-autosave]")).forEach(function (el) {
      var key = base + el.dataset.key;
      var parts = [];
      for (var i = 0; i < s.length; i++) {
        var k = s.key(i);
        if (k !== key && k.indexOf(key + "#") !== 0) continue;
        var saved = null;
        try { saved = JSON.parse(s.getItem(k)); } catch (e) { saved = null; }
        var fields = (saved && saved.fields) || {};
        Object.keys(fields).forEach(function (name) {
          var input = el.querySelector("[name='" + name + "']");
          if (!input || sameValue(name, fields[name], input.defaultValue)) return;
          parts.push((labels[name] || name) + "：" + (fields[name] || "（空）"));
        });
      }
      if (!parts.length) return;
      count += 1;
      el.classList.add("is-unsaved");
      var badge = el.querySelector(".save-state");
      if (badge) {
        badge.dataset.state = "kept";
        badge.textContent = "本机未上传";
        badge.className = "badge save-state fs-6 text-bg-warning";
        badge.hidden = false;
      }
      var box = el.querySelector(".item-error");
      if (box) { box.textContent = "本机保存了未上传的内容——" + parts.join("；"); box.hidden = false; }
    });
    var banner = document.getElementById("kept-banner");
    if (banner && count) {
      banner.textContent = "本机还有 " + count + " 项未上传的内容（见下方各项）：评分已提交或已定稿，须由区民政局重新开启后才能上传；内容保留在本机。";
      banner.hidden = false;
    }
  }

  var DEBOUNCE_MS = 1200;
  var RETRY_MIN_MS = 2000;
  var RETRY_MAX_MS = 30000;
  // A request on a weak connection can hang for minutes; saves go one at a time, so one hung request would hold
  // every other item back. Give up after this long and retry (a late arrival is recognised as our own save).
  var REQUEST_TIMEOUT_MS = window.EVALPORTAL_AUTOSAVE_TIMEOUT_MS || 20000;
  // Read the CSRF token at each request: logging in again in another tab rotates it, and a stale token would
  // make every retry fail. The page's token is the fallback when the cookie is not readable.
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : root.dataset.csrf;
  }
  var prefix = "evalportal:" + root.dataset.user + ":" + root.dataset.evaluation + ":";
  var findingUrl = root.dataset.findingUrl;
  var units = [];
  var flushing = false;
  var flushAgain = false;
  var retryTimer = null;
  var retryDelay = RETRY_MIN_MS;
  var online = navigator.onLine !== false;

  function $(sel, el) { return (el || document).querySelector(sel); }
  function $all(sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); }

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  // --- units --------------------------------------------------------------------------------------------------

  function makeUnit(el) {
    var unit = {
      el: el,
      key: el.dataset.key,
      kind: el.dataset.kind,
      url: el.dataset.kind === "item" ? el.dataset.url : findingUrl,
      label: el.dataset.label,
      max: el.dataset.max,
      version: parseInt(el.dataset.version || "0", 10),
      inputs: {},
      server: {},
      dirty: {},
      edits: 0,
      conflict: null,
      error: null,
      lost: [],
      timer: null
    };
    $all("input[name], textarea[name]", el).forEach(function (input) {
      if (input.type === "file") return;
      unit.inputs[input.name] = input;
      unit.server[input.name] = input.defaultValue;
      input.addEventListener("input", function () { onEdit(unit, input.name); });
      input.addEventListener("change", function () { onEdit(unit, input.name); });
      input.addEventListener("blur", function () { if (isDirty(unit)) { schedule(unit, 0); } });
    });
    var keep = $(".keep-mine", el);
    var take = $(".take-theirs", el);
    if (keep) keep.addEventListener("click", function () { keepMine(unit); });
    if (take) take.addEventListener("click", function () { takeTheirs(unit); });
    return unit;
  }

  // Each tab keeps its own entries (key …#<tab>): two tabs on the same page must not overwrite, or clear after their own
  // save, what the other one still has to send. sessionStorage keeps the tab's id across reloads.
  var TAB_ID = (function () {
    var id = null;
    try { id = window.sessionStorage.getItem("evalportal:tab"); } catch (e) { /* private mode */ }
    if (!id) {
      id = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
      try { window.sessionStorage.setItem("evalportal:tab", id); } catch (e) { /* private mode */ }
    }
    return id;
  })();

  function storageKey(unit) { return prefix + unit.key + "#" + TAB_ID; }

  // The unit's entries of every tab (and of the page before tabs had their own), as {key, saved, own}.
  function entriesFor(unit, s) {
    var base = prefix + unit.key;
    var own = storageKey(unit);
    var out = [];
    for (var i = 0; i < s.length; i++) {
      var k = s.key(i);
      if (k !== base && k.indexOf(base + "#") !== 0) continue;
      var saved = null;
      try { saved = JSON.parse(s.getItem(k)); } catch (e) { saved = null; }
      out.push({ key: k, saved: saved, own: k === own });
    }
    return out;
  }

  function isDirty(unit) { return Object.keys(unit.dirty).length > 0; }

  function isBlank(unit) {
    var main = unit.kind === "item" ? "score" : "text";
    return !unit.server[main];
  }

  // "5" and "5.0" are the same score (the server answers with one decimal); other fields compare as text.
  function sameValue(name, a, b) {
    a = a === null || a === undefined ? "" : String(a);
    b = b === null || b === undefined ? "" : String(b);
    if (a === b) return true;
    if (name !== "score") return false;
    var num = /^\s*-?\d+(\.\d+)?\s*$/;
    return num.test(a) && num.test(b) && parseFloat(a) === parseFloat(b);
  }

  function values(unit, names) {
    var out = {};
    names.forEach(function (name) { out[name] = unit.inputs[name].value; });
    return out;
  }

  function saveLocal(unit) {
    var s = storage();
    if (!s) return;
    try {
      s.setItem(storageKey(unit), JSON.stringify({
        fields: values(unit, Object.keys(unit.dirty)), base: unit.version, at: Date.now()
      }));
    } catch (e) { /* storage full: the value is still in the page and in the queue */ }
  }

  function clearLocal(unit) {
    var s = storage();
    if (s) s.removeItem(storageKey(unit));
  }

  function differing(unit, saved) {
    var fields = (saved && saved.fields) || {};
    return Object.keys(fields).filter(function (name) {
      return unit.inputs[name] && !sameValue(name, fields[name], unit.server[name]);
    });
  }

  // On load: this tab's entry (a reload), else the newest one another tab left (closed, crashed, or still open — then
  // both send it and the second finds it already stored). Entries the server already holds are removed.
  function restoreLocal(unit) {
    var s = storage();
    if (!s) return;
    var pending = entriesFor(unit, s).filter(function (entry) {
      if (differing(unit, entry.saved).length) return true;
      s.removeItem(entry.key);
      return false;
    });
    if (!pending.length) return;
    pending.sort(function (a, b) {
      return (b.own - a.own) || (((b.saved && b.saved.at) || 0) - ((a.saved && a.saved.at) || 0));
    });
    var chosen = pending[0];
    differing(unit, chosen.saved).forEach(function (name) {
      unit.inputs[name].value = chosen.saved.fields[name];
      unit.dirty[name] = true;
    });
    // Resume from the version the user was editing: if someone saved since, the server says so (409).
    unit.version = typeof chosen.saved.base === "number" ? chosen.saved.base : unit.version;
    saveLocal(unit);
    if (!chosen.own) s.removeItem(chosen.key);  // adopted: this tab keeps it now and sends it
  }

  // --- validation (mirrors reports.services.parse_item_score; the server checks again) --------------------------

  function validate(unit) {
    if (unit.kind !== "item" || !unit.inputs.score) return null;
    var raw = unit.inputs.score.value.trim();
    if (raw === "") return null;
    if (!/^-?\d+(\.\d+)?$/.test(raw)) return "“" + unit.label + "”的得分必须是数字。";
    var value = parseFloat(raw);
    if (value < 0) return "“" + unit.label + "”的得分不能小于 0 分。";
    if (value > parseFloat(unit.max)) return "“" + unit.label + "”的得分不能超过 " + unit.max + " 分。";
    if (/\.\d{2,}$/.test(raw) && !/\.\d0+$/.test(raw)) return "“" + unit.label + "”的得分最多保留一位小数。";
    return null;
  }

  // --- state display ------------------------------------------------------------------------------------------

  function setBadge(unit) {
    var badge = $(".save-state", unit.el);
    var errorBox = $(".item-error", unit.el);
    var state, text;
    if (unit.conflict) { state = "conflict"; text = "有冲突·未保存"; }
    else if (unit.error) { state = "error"; text = "未保存"; }
    else if (isDirty(unit)) { state = unit.sending ? "saving" : "unsaved"; text = unit.sending ? "保存中…" : "未保存"; }
    else if (isBlank(unit)) { state = "saved"; text = unit.kind === "item" ? "未评分" : ""; }
    else { state = "saved"; text = "已保存"; }
    if (badge) {
      badge.dataset.state = state;
      badge.textContent = text;
      badge.hidden = text === "";
      badge.className = "badge save-state fs-6 " + (text === "未评分" ? "text-bg-light" : {
        saved: "text-bg-success", saving: "text-bg-info", unsaved: "text-bg-warning",
        error: "text-bg-danger", conflict: "text-bg-danger"
      }[state]);
    }
    unit.el.classList.toggle("is-unsaved", state !== "saved");
    if (errorBox) {
      // Set only when it changes: the box is an alert, and re-setting the same text would say it again on every key.
      if (errorBox.textContent !== (unit.error || "")) errorBox.textContent = unit.error || "";
      errorBox.hidden = !unit.error;
    }
    markInvalid(unit, errorBox);
    updateSummary();
  }

  // The field a message is about carries aria-invalid and points at the message (aria-describedby): a refused score
  // or a score still missing at submission is read with the item's name, not only announced once.
  function describedBy(input, id, on) {
    var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) { return x && x !== id; });
    if (on) ids.unshift(id);
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" ")); else input.removeAttribute("aria-describedby");
  }

  function markInvalid(unit, errorBox) {
    var field = unit.kind === "item" ? (unit.errorField || "score") : "text";
    Object.keys(unit.inputs).forEach(function (name) {
      var input = unit.inputs[name];
      var error = !!unit.error && name === field;
      var missing = !!unit.missing && name === "score";
      if (error || missing) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
      if (errorBox && errorBox.id) describedBy(input, errorBox.id, error);
      describedBy(input, "submit-blocked", missing);
    });
  }

  function unsavedUnits() {
    return units.filter(function (u) { return isDirty(u) || u.conflict || u.error; });
  }

  function updateSummary() {
    var n = unsavedUnits().length;
    var counter = document.getElementById("unsaved-counter");
    var summary = document.getElementById("save-summary");
    document.getElementById("unsaved-count").textContent = String(n);
    counter.hidden = n === 0;
    summary.hidden = n !== 0;
    summary.dataset.state = n === 0 ? "saved" : "unsaved";
    root.dataset.unsaved = String(n);
    document.getElementById("connection-banner").hidden = online;
  }

  function showAuth(message) {
    var banner = document.getElementById("auth-banner");
    banner.textContent = message || "";
    banner.hidden = !message;
  }

  function updateProgress(rubric) {
    if (!rubric) return;
    var raw = document.getElementById("raw-total");
    if (raw) raw.textContent = rubric.raw;
    var scored = units.filter(function (u) {
      return u.kind === "item" && u.inputs.score && u.server.score !== "";
    }).length;
    var count = document.getElementById("scored-count");
    if (count) count.textContent = String(scored);
  }

  // --- editing and sending ------------------------------------------------------------------------------------

  function onEdit(unit, name) {
    if (sameValue(name, unit.inputs[name].value, unit.server[name]) && !unit.conflict) {
      delete unit.dirty[name];
    } else {
      unit.dirty[name] = true;
    }
    unit.edits += 1;
    unit.error = validate(unit);
    unit.errorField = null;
    if (name === "score") unit.missing = false;
    if (isDirty(unit)) saveLocal(unit); else clearLocal(unit);
    setBadge(unit);
    schedule(unit, DEBOUNCE_MS);
  }

  function schedule(unit, delay) {
    clearTimeout(unit.timer);
    unit.timer = setTimeout(flush, delay);
  }

  function payload(unit) {
    var body = { version: unit.version };
    if (unit.kind === "item") {
      Object.keys(unit.dirty).forEach(function (name) { body[name] = unit.inputs[name].value; });
    } else {
      var el = unit.el;
      body.party = el.dataset.party;
      body.section = el.dataset.section;
      body.kind = el.dataset.findingKind;
      body.areas = el.dataset.areas ? el.dataset.areas.split(",").map(function (x) { return parseInt(x, 10); }) : [];
      body.text = unit.inputs.text.value;
    }
    return body;
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () {
      retryTimer = null;
      flush();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  }

  function sentFields(unit, body) {
    return (unit.kind === "item" ? ["score", "note"] : ["text"]).filter(function (n) { return n in body; });
  }

  function sentValues(unit, body) {
    var out = {};
    sentFields(unit, body).forEach(function (name) { out[name] = body[name]; });
    return out;
  }

  function matches(unit, fields, current) {
    return Object.keys(fields).every(function (name) { return sameValue(name, fields[name], current[name]); });
  }

  // A 409 that is no conflict: the server holds exactly what this request carries, or exactly what an earlier
  // request of this page carried whose answer was lost (timeout, dropped connection) — our own save, one version on.
  function ownSave(unit, body, current) {
    if (!current || typeof current.version !== "number") return false;
    if (matches(unit, sentValues(unit, body), current)) return true;
    return unit.lost.some(function (attempt) {
      return current.version === attempt.base + 1 && matches(unit, attempt.fields, current);
    });
  }

  // The server confirmed `body` at `version`; `stored` is what it now holds. Edits typed since the request left
  // (sentEdits null: whatever differs from `stored`) stay unsaved and in localStorage, sent next on the new version.
  function accepted(unit, body, sentEdits, version, stored) {
    online = true;
    retryDelay = RETRY_MIN_MS;
    showAuth("");
    unit.version = version;
    unit.lost = [];
    sentFields(unit, body).forEach(function (name) { unit.server[name] = String(body[name]); });
    Object.keys(stored || {}).forEach(function (name) {
      if (unit.inputs[name]) unit.server[name] = stored[name] === null ? "" : String(stored[name]);
    });
    if (sentEdits !== null && unit.edits === sentEdits) {
      unit.dirty = {};
      clearLocal(unit);
    } else {
      Object.keys(unit.dirty).forEach(function (name) {
        if (sameValue(name, unit.inputs[name].value, unit.server[name])) delete unit.dirty[name];
      });
      if (isDirty(unit)) saveLocal(unit); else clearLocal(unit);
    }
    // Show the stored value in every field that is neither being typed in nor waiting to be sent.
    Object.keys(unit.inputs).forEach(function (name) {
      var input = unit.inputs[name];
      if (!unit.dirty[name] && document.activeElement !== input) input.value = unit.server[name];
    });
  }

  function send(unit) {
    var sentEdits = unit.edits;
    var body = payload(unit);
    unit.sending = true;
    setBadge(unit);
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timeout = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    return fetch(unit.url, {
      method: "POST",
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        // A login page or a proxy error instead of our JSON: keep everything and try again later.
        return { status: response.status, data: null };
      }
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      clearTimeout(timeout);
      unit.sending = false;
      var data = result.data;
      if (result.status === 200 && data && data.ok) {
        accepted(unit, body, sentEdits, data.version, unit.kind === "item" ? data.item : data.finding);
        updateProgress(data.rubric);
        setBadge(unit);
        return "ok";
      }
      if (result.status === 409 && data && data.conflict && ownSave(unit, body, data.current)) {
        // An earlier attempt arrived but its answer was lost (or the page was reloaded mid-request): adopt the
        // stored version; whatever differs from it stays unsaved and is sent next.
        accepted(unit, {}, null, data.current.version, data.current);
        setBadge(unit);
        if (isDirty(unit)) schedule(unit, 0);
        return "ok";
      }
      if (result.status === 409 && data && data.conflict) {
        unit.conflict = data.current;
        showConflict(unit, data.error);
        setBadge(unit);
        return "conflict";
      }
      if (result.status === 400 && data && unit.edits !== sentEdits) {
        // The refusal is about a value the user has since changed: the newer value is queued and is what counts.
        unit.error = validate(unit);
        unit.errorField = null;
        setBadge(unit);
        return "invalid";
      }
      if (result.status === 400 && data) {
        unit.error = data.error;
        unit.errorField = unit.kind === "item" && !("score" in body) && "note" in body ? "note" : null;
        setBadge(unit);
        return "invalid";
      }
      if (result.status === 401 || result.status === 403) {
        showAuth(data && data.error ? data.error : "登录已过期，请重新登录；已输入的内容保存在本机。");
        setBadge(unit);
        scheduleRetry();
        return "stop";
      }
      setBadge(unit);
      scheduleRetry();
      return "stop";
    }, function () {
      // Network failure: offline, or the server could not be reached — or the answer was lost on its way back,
      // so the server may hold this attempt: remember it to recognise our own save in a later 409.
      clearTimeout(timeout);
      unit.lost.push({ base: body.version, fields: sentValues(unit, body) });
      unit.sending = false;
      online = false;
      setBadge(unit);
      scheduleRetry();
      return "stop";
    });
  }

  function flush() {
    if (flushing) { flushAgain = true; return; }
    var queue = units.filter(function (u) { return isDirty(u) && !u.conflict && !u.error; });
    if (!queue.length) return;
    flushing = true;
    var i = 0;
    function next() {
      if (i >= queue.length) return done();
      var unit = queue[i++];
      if (!isDirty(unit) || unit.conflict || unit.error) return next();
      send(unit).then(function (outcome) {
        if (outcome === "stop") return done();
        next();
      });
    }
    function done() {
      flushing = false;
      updateSummary();
      if (flushAgain) { flushAgain = false; flush(); }
    }
    next();
  }

  // --- conflicts ----------------------------------------------------------------------------------------------

  function showConflict(unit, message) {
    var panel = $(".conflict-panel", unit.el);
    if (!panel) return;
    $(".conflict-message", panel).textContent = message || "已被他人修改。";
    var c = unit.conflict || {};
    var parts = [];
    if (unit.kind === "item") {
      parts.push("对方的得分：" + (c.score === null || c.score === undefined ? "未评分" : c.score));
      if (c.note) parts.push("对方的说明：" + c.note);
      if (c.updated_by) parts.push("（" + c.updated_by + (c.updated_at ? " " + c.updated_at : "") + " 保存）");
    } else {
      parts.push("对方的内容：" + (c.text || "（空）"));
    }
    $(".conflict-theirs", panel).textContent = parts.join("；");
    panel.hidden = false;
  }

  function hideConflict(unit) {
    var panel = $(".conflict-panel", unit.el);
    if (panel) panel.hidden = true;
    unit.conflict = null;
  }

  function keepMine(unit) {
    var c = unit.conflict;
    if (!c) return;
    unit.version = c.version;
    Object.keys(unit.inputs).forEach(function (name) {
      unit.server[name] = c[name] === null || c[name] === undefined ? "" : String(c[name]);
      if (unit.inputs[name].value !== unit.server[name]) unit.dirty[name] = true; else delete unit.dirty[name];
    });
    hideConflict(unit);
    if (isDirty(unit)) saveLocal(unit); else clearLocal(unit);
    setBadge(unit);
    schedule(unit, 0);
  }

  function takeTheirs(unit) {
    var c = unit.conflict;
    if (!c) return;
    unit.version = c.version;
    Object.keys(unit.inputs).forEach(function (name) {
      var v = c[name] === null || c[name] === undefined ? "" : String(c[name]);
      unit.server[name] = v;
      unit.inputs[name].value = v;
    });
    unit.dirty = {};
    unit.error = null;
    unit.errorField = null;
    hideConflict(unit);
    clearLocal(unit);
    setBadge(unit);
  }

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

  // --- wiring -------------------------------------------------------------------------------------------------

  $all("[data-autosave]", root).forEach(function (el) { units.push(makeUnit(el)); });
  units.forEach(function (unit) { restoreLocal(unit); unit.error = validate(unit); setBadge(unit); });
  updateSummary();

  window.addEventListener("online", function () {
    online = true;
    retryDelay = RETRY_MIN_MS;
    clearTimeout(retryTimer); retryTimer = null;
    updateSummary();
    flush();
  });
  window.addEventListener("offline", function () { online = false; updateSummary(); });
  // A safety net when the browser's online event never fires (captive portals, flaky Wi-Fi).
  setInterval(function () { if (unsavedUnits().length) flush(); }, 15000);
  window.addEventListener("beforeunload", function (event) {
    if (unsavedUnits().length) { event.preventDefault(); event.returnValue = ""; }
  });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") flush(); });

  var submitForm = document.getElementById("submit-form");
  if (submitForm) {
    // A submission the server would refuse is stopped here: the reason is announced (#submit-blocked is an alert) and
    // focus goes to the first field to fix — an unsaved or refused item, else the first item without a score.
    submitForm.addEventListener("submit", function (event) {
      var box = document.getElementById("submit-blocked");
      var pending = unsavedUnits();
      var unscored = units.filter(function (u) {
        return u.kind === "item" && u.inputs.score && u.inputs.score.value.trim() === "";
      });
      units.forEach(function (u) { if (u.missing) { u.missing = false; setBadge(u); } });
      var message = "", first = null;
      if (pending.length) {
        message = "还有 " + pending.length + " 项未保存，请等待保存完成（或处理冲突、错误）后再提交。";
        var unit = pending[0];
        first = (unit.error && unit.inputs[unit.kind === "item" ? (unit.errorField || "score") : "text"]) ||
          $(".conflict-panel:not([hidden]) button", unit.el) || unit.inputs.score || unit.inputs.text;
        flush();
      } else if (unscored.length) {
        message = "以下评估项尚未评分：" + unscored.slice(0, 5).map(function (u) {
          return u.el.dataset.code + " " + u.label;
        }).join("、") + (unscored.length > 5 ? "等 " + unscored.length + " 项" : "") + "。全部评分后才能提交。";
        unscored.forEach(function (u) { u.missing = true; setBadge(u); });
        first = unscored[0].inputs.score;
      }
      if (!message) { box.className = ""; box.textContent = ""; return; }
      event.preventDefault();
      box.className = "alert alert-warning";
      box.textContent = message;
      if (first) first.focus();
    });
  }

  flush();
  window.evaluationAutosave = { flush: flush, unsaved: function () { return unsavedUnits().length; } };
})();
