// Progress of a report ZIP bundle (templates/reports/partials/_bundle_progress.html): polls the JSON status endpoint
// until the bundle is done or failed. A static file, not inline: the Content-Security-Policy allows no inline script.
(function () {
  const box = document.querySelector(".bundle-progress");
  if (!box) return;
  const bar = box.querySelector(".progress-bar");
  bar.style.width = bar.dataset.percent + "%";
  function show(s) {
    box.dataset.status = s.status;
    box.querySelector(".js-status").textContent = s.status_display;
    box.querySelector(".js-count").textContent = s.done + " / " + s.total + " 份";
    bar.style.width = s.percent + "%";
    bar.textContent = s.percent + "%";
    box.querySelector(".progress").setAttribute("aria-valuenow", s.percent);
    const finished = s.status === "done" || s.status === "failed";
    bar.classList.toggle("progress-bar-animated", !finished);
    bar.classList.toggle("progress-bar-striped", !finished);
    bar.classList.toggle("bg-danger", s.status === "failed");
    const err = box.querySelector(".js-error");
    err.textContent = s.error; err.hidden = !s.error;
    box.querySelector(".js-download").hidden = s.status !== "done" || s.total === 0;
    box.querySelector(".js-empty").hidden = !(s.status === "done" && s.total === 0);
    return finished;
  }
  function poll() {
    fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (s) { if (!show(s)) setTimeout(poll, 2000); })
      .catch(function () { setTimeout(poll, 5000); });
  }
  if (box.dataset.status !== "done" && box.dataset.status !== "failed") setTimeout(poll, 1000);
})();
