/* Accessibility behaviour shared by every page (issue 15, WCAG 2.1 AA). Vanilla JS, loaded by templates/base.html.
 *
 * - Sticky bars ([data-sticky-bar="top"|"bottom"]: the quarter grid's 保存草稿/提交 bar, the scoring page's save bar)
 *   never cover the focused element: `scroll-padding` on <html> follows their measured height, and a focus that still
 *   lands under one (a bar that grew, a browser that ignores scroll-padding on focus) is scrolled clear.
 * - After a refused submit the server marks the fields in error with aria-invalid="true"; focus moves to the first
 *   one, so a keyboard or screen-reader user starts where the problem is instead of at the top of the page.
 * - window.evalportalA11y.announce(text) speaks a message through the page's polite live region (#live-status).
 */
(function () {
  "use strict";
  var html = document.documentElement;
  var GAP = 16; // px kept between a focused element and a sticky bar

  function bars(edge) {
    return Array.prototype.slice.call(document.querySelectorAll("[data-sticky-bar='" + edge + "']"))
      .filter(function (el) { return el.offsetParent !== null; });
  }

  function tallest(edge) {
    return bars(edge).reduce(function (h, el) { return Math.max(h, el.getBoundingClientRect().height); }, 0);
  }

  function measure() {
    var top = tallest("top");
    var bottom = tallest("bottom");
    html.style.scrollPaddingTop = top ? Math.ceil(top + GAP) + "px" : "";
    html.style.scrollPaddingBottom = bottom ? Math.ceil(bottom + GAP) + "px" : "";
  }

  // Scroll the page so that `el` is clear of every sticky bar that currently overlaps it.
  function reveal(el) {
    if (!el || !el.getBoundingClientRect) return;
    var rect = el.getBoundingClientRect();
    if (!rect.width && !rect.height) { // a visually hidden control (file input in its label): its label shows
      el = el.closest("label") || el;
      rect = el.getBoundingClientRect();
    }
    bars("top").forEach(function (bar) {
      if (bar.contains(el)) return;
      var b = bar.getBoundingClientRect();
      if (rect.top < b.bottom && rect.bottom > b.top) window.scrollBy(0, rect.top - b.bottom - GAP);
    });
    rect = el.getBoundingClientRect();
    bars("bottom").forEach(function (bar) {
      if (bar.contains(el)) return;
      var b = bar.getBoundingClientRect();
      if (rect.bottom > b.top && rect.top < b.bottom) window.scrollBy(0, rect.bottom - b.top + GAP);
    });
  }

  if (bars("top").length || bars("bottom").length) {
    measure();
    if (typeof ResizeObserver === "function") {
      var observer = new ResizeObserver(measure);
      bars("top").concat(bars("bottom")).forEach(function (el) { observer.observe(el); });
    } else {
      window.addEventListener("resize", measure);
    }
    document.addEventListener("focusin", function (event) { reveal(event.target); });
  }

  var live = document.getElementById("live-status");
  function announce(text) {
    if (!live) return;
    // Emptied first so that the same message said twice in a row is spoken twice.
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function focusFirstError() {
    var main = document.getElementById("main") || document.body;
    var field = main.querySelector(
      "input[aria-invalid='true']:not([type='hidden']):not([disabled]), " +
      "select[aria-invalid='true']:not([disabled]), textarea[aria-invalid='true']:not([disabled])"
    );
    if (!field) return;
    field.focus();
    reveal(field);
  }

  window.evalportalA11y = { announce: announce, reveal: reveal, measureStickyBars: measure };
  focusFirstError();
})();
