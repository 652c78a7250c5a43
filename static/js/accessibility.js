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

  // Scroll the page so that `el` is clear of every sticky bar and, when it fits, wholly inside the window: a tall
  // textarea focused at the bottom edge shows only its first line otherwise.
  function reveal(el) {
    if (!el || !el.getBoundingClientRect || el === document.body) return;
    var rect = el.getBoundingClientRect();
    if (rect.width <= 1 || rect.height <= 1) { // a visually hidden control (file input in its label): the label shows
      el = el.closest("label") || el;
      rect = el.getBoundingClientRect();
    }
    var top = 0, bottom = window.innerHeight;
    bars("top").forEach(function (bar) {
      if (!bar.contains(el)) top = Math.max(top, bar.getBoundingClientRect().bottom);
    });
    bars("bottom").forEach(function (bar) {
      if (!bar.contains(el)) bottom = Math.min(bottom, bar.getBoundingClientRect().top);
    });
    if (rect.bottom <= top || rect.top >= bottom) { // wholly hidden: the browser did not scroll, or a bar covers it
      window.scrollBy(0, rect.top < top ? rect.top - top - GAP : rect.bottom - bottom + GAP);
    } else if (rect.top < top) {
      window.scrollBy(0, rect.top - top - GAP);
    } else if (rect.bottom > bottom && rect.height + 2 * GAP <= bottom - top) {
      window.scrollBy(0, rect.bottom - bottom + GAP);
    }
  }

  if (bars("top").length || bars("bottom").length) {
    measure();
    if (typeof ResizeObserver === "function") {
      var observer = new ResizeObserver(measure);
      bars("top").concat(bars("bottom")).forEach(function (el) { observer.observe(el); });
    } else {
      window.addEventListener("resize", measure);
    }
  }
  document.addEventListener("focusin", function (event) {
    if (event.target.closest && event.target.closest("#main") === event.target) return; // the skip link's target
    reveal(event.target);
  });

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

  // The skip link moves focus without adding "#main" to the address: a form posted from the page would carry it, and
  // the browser would then focus <main> after the load, over the field in error.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.skip-link") : null;
    var target = link ? document.getElementById(link.hash.slice(1)) : null;
    if (!target) return;
    event.preventDefault();
    target.focus();
  });

  window.evalportalA11y = { announce: announce, reveal: reveal, measureStickyBars: measure };
  focusFirstError();
  // A fragment in the address focuses its target once the page has loaded: the field in error comes first.
  if (window.location.hash) {
    window.addEventListener("load", function () {
      var active = document.activeElement;
      if (!active || active === document.body || active.id === window.location.hash.slice(1)) focusFirstError();
    });
  }
})();
