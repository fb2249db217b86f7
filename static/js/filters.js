/* The register list's filter panel folds away on a phone.
   The panel is a <details> that the page sends open, so every filter shows without script
   and on a wide screen (where its summary is hidden: staff.css). On a phone it starts folded,
   its summary saying how many filters are in use, unless a filter has an error to show; made
   wide again, it opens. */
(function () {
  "use strict";
  var panel = document.querySelector("details[data-fold-on-phone]");
  if (!panel) { return; }
  var phone = window.matchMedia("(max-width: 640px)");
  var hasErrors = panel.querySelector(".field--error") !== null;
  function fit() { panel.open = hasErrors || !phone.matches; }
  fit();
  if (phone.addEventListener) { phone.addEventListener("change", fit); }
})();
