/* Industry section and division selects that agree (the register list's filters; the edit form
   asks for the division only).
   A division belongs to one section (GB/T 4754-2017): choosing a section leaves only its
   divisions selectable; choosing a division first fills in its section. The map comes from
   the page (json_script "industry-divisions": {division: section}). Without JavaScript the
   server still refuses a division of another section with a message. */
(function () {
  "use strict";
  var source = document.getElementById("industry-divisions");
  if (!source) { return; }
  var sectionOf = JSON.parse(source.textContent);
  document.querySelectorAll("select[name=industry_division]").forEach(function (division) {
    var section = division.form && division.form.querySelector("select[name=industry_section]");
    if (!section) { return; }
    function limit() {
      var chosen = section.value;
      Array.prototype.forEach.call(division.options, function (option) {
        var other = chosen && option.value && sectionOf[option.value] !== chosen;
        option.hidden = option.disabled = Boolean(other);
      });
      if (division.value && chosen && sectionOf[division.value] !== chosen) { division.value = ""; }
    }
    section.addEventListener("change", limit);
    division.addEventListener("change", function () {
      if (division.value && !section.value) { section.value = sectionOf[division.value] || ""; }
      limit();
    });
    limit();
  });
})();
