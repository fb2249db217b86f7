/* A button marked data-print prints the page (the activation-code notice): the handler lives
   here, not in an onclick attribute, which the Content Security Policy refuses. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
