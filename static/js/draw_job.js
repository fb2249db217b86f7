/* A draw job's progress (templates/inspections/draws/job.html and the draw's page while a job
   runs): poll the API's /api/v1/draw-jobs/<id>/ and, once the job has finished, open the draw
   (or reload to show the failure). No dependencies; no inline script (Content Security Policy). */
(function () {
  "use strict";
  var box = document.getElementById("draw-job");
  if (!box || box.dataset.running !== "1") { return; }
  var url = box.dataset.progressUrl;
  var failures = 0;
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        failures = 0;
        box.querySelectorAll('[data-field="status"]').forEach(function (el) { el.textContent = data.status_display; });
        if (data.status === "done" && data.draw_page) {
          window.location.assign(data.draw_page);
        } else if (data.status === "done" || data.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () {
        failures += 1;
        if (failures < 10) { window.setTimeout(poll, 3000); }
      });
  }
  window.setTimeout(poll, 800);
})();
