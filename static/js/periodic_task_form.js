/* The admin's periodic task form (django-celery-beat): under the crontab choice, the chosen
   crontab in words; the read-only field that repeats it is hidden. django-celery-beat's own
   inline script did this, which the Content Security Policy refuses. */
(function () {
  "use strict";
  var source = document.getElementById("readable-crontabs");
  var self = document.getElementById("periodic-task-overrides");
  var choice = document.getElementById("id_crontab");
  if (!source || !self || !choice) { return; }
  var readable = JSON.parse(source.textContent);
  var help = self.dataset.crontabHelp || "";
  document.querySelectorAll(".field-crontab_translation").forEach(function (row) {
    row.style.display = "none";  // CSSOM, which the policy allows
  });
  choice.addEventListener("change", function () {
    var box = document.querySelector(".field-crontab .help");
    if (!box) { return; }
    box.textContent = help;
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode("Translation: " + (readable[choice.value] || "")));
  });
})();
