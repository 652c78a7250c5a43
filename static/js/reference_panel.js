// Scoring page: the 考核期 reference panel sits beside the rubric on a wide screen (open) and folded above it on a
// tablet, one tap away. A static file, not inline: the Content-Security-Policy allows no inline script.
(function () {
  var panel = document.getElementById("reference-panel");
  if (panel && window.matchMedia("(min-width: 1200px)").matches) panel.open = true;
})();
