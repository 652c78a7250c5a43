/*
 * The autosave engine shared by the third-party scoring page (issue 4) and the survey's phone interviews (issue 14
 * §3a). Vanilla JS, no dependencies. A page script starts it with its own kinds of unit (window.EvalportalAutosave).
 *
 * Every [data-autosave] unit (a rubric item, a findings box, an interviewed respondent) is saved a moment after the
 * user stops typing, by a JSON POST carrying the version the user started from. What is typed is first written to
 * localStorage (key: evalportal:<user>:<page key>:<unit key>#<tab>), so a dropped connection, a closed tab or an
 * expired session loses nothing: the page re-sends it on the `online` event, on a retry timer and on the next load.
 * A 409 answer means someone else saved first: both versions are shown and the user chooses; nothing is dropped.
 *
 * A kind says what differs between units:
 *   url(el)            where its JSON POST goes (default: el.dataset.url)
 *   fields             the field names a save may carry
 *   mainField          the field whose emptiness makes the unit "blank"; it carries a "missing" mark
 *   blankText          the badge of a blank saved unit ("未评分"; "" hides the badge)
 *   isBlank(unit)      whether the saved unit is blank (optional; default: its mainField is empty)
 *   wholeUnit          true: every save carries every field (the server replaces the whole record)
 *   payload(unit, body) adds what else the server needs (optional)
 *   validate(unit)     a message when the typed value would be refused (optional; the server checks again)
 *   stored(data)       the saved record in a 200 answer (fields by name)
 *   conflictText(c, unit) the other person's version, for the conflict panel
 *   errorField(unit, body) the field a 400 is about (optional; default mainField)
 *   labels             {field: label} for text kept on a read-only page
 * Field values are strings; a group of radio buttons is one field (its checked value, "" when none).
 */
(function () {
  "use strict";

  function $(sel, el) { return (el || document).querySelector(sel); }
  function $all(sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); }
  function byId(id) { return document.getElementById(id); }

  // Read the CSRF token at each request: logging in again in another tab rotates it, and a stale token would make
  // every retry fail. The page's token is the fallback when the cookie is not readable.
  function csrf(root) {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : root.dataset.csrf;
  }

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  // --- fields: one input, one textarea, or one group of radio buttons -------------------------------------------

  function makeField(elements) {
    return { els: elements, radio: elements[0].type === "radio" };
  }

  function fieldValue(field) {
    if (!field.radio) return field.els[0].value;
    var checked = field.els.filter(function (el) { return el.checked; })[0];
    return checked ? checked.value : "";
  }

  function fieldDefault(field) {
    if (!field.radio) return field.els[0].defaultValue;
    var checked = field.els.filter(function (el) { return el.defaultChecked; })[0];
    return checked ? checked.value : "";
  }

  function setFieldValue(field, value) {
    value = value === null || value === undefined ? "" : String(value);
    if (!field.radio) { field.els[0].value = value; return; }
    field.els.forEach(function (el) { el.checked = el.value === value; });
  }

  function fieldFocused(field) { return field.els.indexOf(document.activeElement) !== -1; }

  // The element to focus: the checked radio button, else the first.
  function fieldElement(field) {
    if (!field.radio) return field.els[0];
    return field.els.filter(function (el) { return el.checked; })[0] || field.els[0];
  }

  function collectFields(el) {
    var groups = {};
    var order = [];
    $all("input[name], textarea[name], select[name]", el).forEach(function (input) {
      if (input.type === "file" || input.type === "hidden" || input.type === "submit") return;
      if (!groups[input.name]) { groups[input.name] = []; order.push(input.name); }
      groups[input.name].push(input);
    });
    var fields = {};
    order.forEach(function (name) { fields[name] = makeField(groups[name]); });
    return fields;
  }

  // A unit's kept entries, of every tab (key …#<tab>) and of the page before tabs had their own (the bare key).
  function storedEntries(s, base) {
    var out = [];
    for (var i = 0; i < s.length; i++) {
      var k = s.key(i);
      if (k !== base && k.indexOf(base + "#") !== 0) continue;
      var saved = null;
      try { saved = JSON.parse(s.getItem(k)); } catch (e) { saved = null; }
      out.push({ key: k, saved: saved });
    }
    return out;
  }

  // --- a read-only page: text typed here earlier and never uploaded is shown, not hidden ------------------------

  function showKeptText(root, options) {
    var s = storage();
    if (!s) return;
    var base = "evalportal:" + root.dataset.user + ":" + options.pageKey + ":";
    var count = 0;
    $all("[data-autosave]", root).forEach(function (el) {
      var kind = options.kinds[el.dataset.kind] || {};
      var labels = kind.labels || {};
      var key = base + el.dataset.key;
      var fields = collectFields(el);
      var parts = [];
      storedEntries(s, key).forEach(function (entry) {
        var kept = (entry.saved && entry.saved.fields) || {};
        Object.keys(kept).forEach(function (name) {
          if (!fields[name] || sameValue(name, kept[name], fieldDefault(fields[name]))) return;
          parts.push((labels[name] || name) + "：" + (kept[name] || "（空）"));
        });
      });
      if (!parts.length) return;
      count += 1;
      el.classList.add("is-unsaved");
      var badge = $(".save-state", el);
      if (badge) {
        badge.dataset.state = "kept";
        badge.textContent = "本机未上传";
        badge.className = "badge save-state fs-6 text-bg-warning";
        badge.hidden = false;
      }
      var box = $(".item-error", el);
      if (box) { box.textContent = "本机保存了未上传的内容——" + parts.join("；"); box.hidden = false; }
    });
    var banner = byId("kept-banner");
    if (banner && count) {
      banner.textContent = options.keptBanner(count);
      banner.hidden = false;
    }
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

  // --- the engine -----------------------------------------------------------------------------------------------

  function start(options) {
    var root = options.root;
    if (root.dataset.editable !== "1") {
      if (options.keptBanner) showKeptText(root, options);
      return null;
    }

    var DEBOUNCE_MS = 1200;
    var RETRY_MIN_MS = 2000;
    var RETRY_MAX_MS = 30000;
    // A request on a weak connection can hang for minutes; saves go one at a time, so one hung request would hold
    // every other unit back. Give up after this long and retry (a late arrival is recognised as our own save).
    var REQUEST_TIMEOUT_MS = window.EVALPORTAL_AUTOSAVE_TIMEOUT_MS || 20000;
    function csrfToken() { return csrf(root); }
    var prefix = "evalportal:" + root.dataset.user + ":" + options.pageKey + ":";
    var units = [];
    var flushing = false;
    var flushAgain = false;
    var retryTimer = null;
    var retryDelay = RETRY_MIN_MS;
    var online = navigator.onLine !== false;
    var paused = false;  // the page posts the whole form itself (it is leaving): no autosave may overtake it

    // --- units ------------------------------------------------------------------------------------------------

    function makeUnit(el) {
      var kind = options.kinds[el.dataset.kind];
      var unit = {
        el: el,
        key: el.dataset.key,
        kind: el.dataset.kind,
        spec: kind,
        url: kind.url ? kind.url(el) : el.dataset.url,
        label: el.dataset.label,
        max: el.dataset.max,
        version: parseInt(el.dataset.version || "0", 10),
        inputs: collectFields(el),
        server: {},
        dirty: {},
        edits: 0,
        conflict: null,
        error: null,
        lost: [],
        timer: null
      };
      Object.keys(unit.inputs).forEach(function (name) {
        var field = unit.inputs[name];
        unit.server[name] = fieldDefault(field);
        field.els.forEach(function (input) {
          input.addEventListener("input", function () { onEdit(unit, name); });
          input.addEventListener("change", function () { onEdit(unit, name); });
          input.addEventListener("blur", function () { if (isDirty(unit)) { schedule(unit, 0); } });
        });
      });
      var keep = $(".keep-mine", el);
      var take = $(".take-theirs", el);
      if (keep) keep.addEventListener("click", function () { keepMine(unit); });
      if (take) take.addEventListener("click", function () { takeTheirs(unit); });
      return unit;
    }

    // Each tab keeps its own entries (key …#<tab>): two tabs on the same page must not overwrite, or clear after
    // their own save, what the other one still has to send. sessionStorage keeps the tab's id across reloads.
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
      var own = storageKey(unit);
      return storedEntries(s, prefix + unit.key).map(function (entry) {
        entry.own = entry.key === own;
        return entry;
      });
    }

    function isDirty(unit) { return Object.keys(unit.dirty).length > 0; }

    function isBlank(unit) {
      return unit.spec.isBlank ? unit.spec.isBlank(unit) : !unit.server[unit.spec.mainField];
    }

    function values(unit, names) {
      var out = {};
      names.forEach(function (name) { out[name] = fieldValue(unit.inputs[name]); });
      return out;
    }

    // A whole-unit kind keeps every field it differs in, so a reload restores the record as it was being entered.
    function keptNames(unit) {
      return unit.spec.wholeUnit ? Object.keys(unit.inputs) : Object.keys(unit.dirty);
    }

    function saveLocal(unit) {
      var s = storage();
      if (!s) return;
      try {
        s.setItem(storageKey(unit), JSON.stringify({
          fields: values(unit, keptNames(unit)), base: unit.version, at: Date.now()
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

    // On load: this tab's entry (a reload), else the newest one another tab left (closed, crashed, or still open —
    // then both send it and the second finds it already stored). Entries the server already holds are removed.
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
        setFieldValue(unit.inputs[name], chosen.saved.fields[name]);
        unit.dirty[name] = true;
      });
      // Resume from the version the user was editing: if someone saved since, the server says so (409).
      unit.version = typeof chosen.saved.base === "number" ? chosen.saved.base : unit.version;
      saveLocal(unit);
      if (!chosen.own) s.removeItem(chosen.key);  // adopted: this tab keeps it now and sends it
    }

    function validate(unit) { return unit.spec.validate ? unit.spec.validate(unit) : null; }

    // --- state display ----------------------------------------------------------------------------------------

    function setBadge(unit) {
      var badge = $(".save-state", unit.el);
      var errorBox = $(".item-error", unit.el);
      var state, text;
      var blankText = unit.spec.blankText || "";
      if (unit.conflict) { state = "conflict"; text = "有冲突·未保存"; }
      else if (unit.error) { state = "error"; text = "未保存"; }
      else if (isDirty(unit)) { state = unit.sending ? "saving" : "unsaved"; text = unit.sending ? "保存中…" : "未保存"; }
      else if (isBlank(unit)) { state = "saved"; text = blankText; }
      else { state = "saved"; text = "已保存"; }
      if (badge) {
        badge.dataset.state = state;
        badge.textContent = text;
        badge.hidden = text === "";
        badge.className = "badge save-state fs-6 " + (text === blankText && blankText ? "text-bg-light" : {
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

    // The field a message is about carries aria-invalid and points at the message (aria-describedby): a refused
    // value or a value still missing at submission is read with the unit's name, not only announced once.
    function describedBy(input, id, on) {
      var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) { return x && x !== id; });
      if (on) ids.unshift(id);
      if (ids.length) input.setAttribute("aria-describedby", ids.join(" ")); else input.removeAttribute("aria-describedby");
    }

    function markInvalid(unit, errorBox) {
      var field = unit.errorField || unit.spec.mainField;
      Object.keys(unit.inputs).forEach(function (name) {
        var error = !!unit.error && name === field;
        var missing = !!unit.missing && name === unit.spec.mainField;
        unit.inputs[name].els.forEach(function (input) {
          if (error || missing) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
          if (errorBox && errorBox.id) describedBy(input, errorBox.id, error);
          if (options.missingMessageId) describedBy(input, options.missingMessageId, missing);
        });
      });
    }

    function unsavedUnits() {
      return units.filter(function (u) { return isDirty(u) || u.conflict || u.error; });
    }

    function updateSummary() {
      var n = unsavedUnits().length;
      var counter = byId("unsaved-counter");
      var summary = byId("save-summary");
      var count = byId("unsaved-count");
      if (count) count.textContent = String(n);
      if (counter) counter.hidden = n === 0;
      if (summary) {
        summary.hidden = n !== 0;
        summary.dataset.state = n === 0 ? "saved" : "unsaved";
      }
      root.dataset.unsaved = String(n);
      var banner = byId("connection-banner");
      if (banner) banner.hidden = online;
    }

    function showAuth(message) {
      var banner = byId("auth-banner");
      if (!banner) return;
      banner.textContent = message || "";
      banner.hidden = !message;
    }

    // --- editing and sending ----------------------------------------------------------------------------------

    function onEdit(unit, name) {
      if (sameValue(name, fieldValue(unit.inputs[name]), unit.server[name]) && !unit.conflict) {
        delete unit.dirty[name];
      } else {
        unit.dirty[name] = true;
      }
      unit.edits += 1;
      unit.error = validate(unit);
      unit.errorField = null;
      if (name === unit.spec.mainField) unit.missing = false;
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
      var names = unit.spec.wholeUnit ? Object.keys(unit.inputs) : Object.keys(unit.dirty).filter(function (name) {
        return unit.spec.fields.indexOf(name) !== -1;
      });
      names.forEach(function (name) { body[name] = fieldValue(unit.inputs[name]); });
      if (unit.spec.payload) unit.spec.payload(unit, body);
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
      var names = unit.spec.wholeUnit ? Object.keys(unit.inputs) : unit.spec.fields;
      return names.filter(function (n) { return n in body; });
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
          if (sameValue(name, fieldValue(unit.inputs[name]), unit.server[name])) delete unit.dirty[name];
        });
        if (isDirty(unit)) saveLocal(unit); else clearLocal(unit);
      }
      // Show the stored value in every field that is neither being typed in nor waiting to be sent.
      Object.keys(unit.inputs).forEach(function (name) {
        var field = unit.inputs[name];
        if (!unit.dirty[name] && !fieldFocused(field)) setFieldValue(field, unit.server[name]);
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
          accepted(unit, body, sentEdits, data.version, unit.spec.stored(data));
          if (options.onSaved) options.onSaved(data);
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
          unit.errorField = unit.spec.errorField ? unit.spec.errorField(unit, body) : null;
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
      if (paused) return;
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

    // --- conflicts --------------------------------------------------------------------------------------------

    function showConflict(unit, message) {
      var panel = $(".conflict-panel", unit.el);
      if (!panel) return;
      $(".conflict-message", panel).textContent = message || "已被他人修改。";
      $(".conflict-theirs", panel).textContent = unit.spec.conflictText(unit.conflict || {}, unit);
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
        if (fieldValue(unit.inputs[name]) !== unit.server[name]) unit.dirty[name] = true; else delete unit.dirty[name];
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
        setFieldValue(unit.inputs[name], v);
      });
      unit.dirty = {};
      unit.error = null;
      unit.errorField = null;
      hideConflict(unit);
      clearLocal(unit);
      setBadge(unit);
    }

    // --- wiring -----------------------------------------------------------------------------------------------

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
      if (!paused && unsavedUnits().length) { event.preventDefault(); event.returnValue = ""; }
    });
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") flush(); });

    flush();
    return {
      units: units,
      flush: flush,
      setBadge: setBadge,
      unsavedUnits: unsavedUnits,
      fieldValue: fieldValue,
      fieldElement: fieldElement,
      unsaved: function () { return unsavedUnits().length; },
      pause: function () { paused = true; }
    };
  }

  window.EvalportalAutosave = { start: start, csrf: csrf };
})();
