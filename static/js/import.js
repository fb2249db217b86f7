/* Import job page: poll the progress endpoint while the job runs, update the bar and the
   counts, and reload once it has finished so that the error table appears. No dependencies. */
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || box.dataset.running !== "1") { return; }
  var url = box.dataset.progressUrl;
  function field(name) { return box.querySelector('[data-field="' + name + '"]'); }
  function setText(name, value) {
    var el = field(name);
    if (el) { el.textContent = typeof value === "number" ? value.toLocaleString() : value; }
  }
  function update(data) {
    field("bar").value = data.percent;  // a <progress> element: no style to set
    ["processed_rows", "total_rows"].forEach(function (k) {
      setText(k === "processed_rows" ? "processed" : "total", data[k]);
    });
    ["created", "updated", "unchanged", "error_rows"].forEach(function (k) { setText(k, data[k]); });
    setText("status", data.status_display);
    if (data.message) { var m = field("message"); m.textContent = data.message; m.hidden = false; }
  }
  var failures = 0;
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        failures = 0;
        update(data);
        if (data.finished) { window.setTimeout(function () { window.location.reload(); }, 600); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () {
        failures += 1;
        if (failures < 10) { window.setTimeout(poll, 3000); }
      });
  }
  window.setTimeout(poll, 500);
})();
