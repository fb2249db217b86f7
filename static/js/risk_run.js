/* A classification run's page (templates/risk/run.html): while the run runs, poll the API's
   /api/v1/classification-runs/<id>/ (position, total_steps, percent, status and the counts),
   update the bar and the figures, and reload once it has finished so that its from × to table
   and its counts by class appear. No dependencies; no inline script (Content Security Policy). */
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box || box.dataset.running !== "1") { return; }
  var url = box.dataset.progressUrl;
  function fields(name) { return document.querySelectorAll('[data-field="' + name + '"]'); }
  function setText(name, value) {
    fields(name).forEach(function (el) {
      el.textContent = typeof value === "number" ? value.toLocaleString() : value;
    });
  }
  function update(data) {
    fields("bar").forEach(function (el) { el.value = data.percent; el.textContent = data.percent + "%"; });
    ["position", "total_steps", "percent", "classified", "changed_class", "changed_score",
     "assessments", "matched", "mismatched"].forEach(function (k) {
      if (typeof data[k] === "number") { setText(k, data[k]); }
    });
  }
  var failures = 0;
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        failures = 0;
        update(data);
        if (data.status === "done" || data.status === "failed") {
          window.setTimeout(function () { window.location.reload(); }, 600);
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        failures += 1;
        if (failures < 10) { window.setTimeout(poll, 3000); }
      });
  }
  window.setTimeout(poll, 500);
})();
