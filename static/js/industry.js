/* Industry section and division selects that agree (the register list's filters and the
   enterprise form).
   A division belongs to one section (GB/T 4754-2017): choosing a section leaves only its
   divisions selectable (and hides the other sections' groups of the form's list); choosing a
   division first fills in its section. The map comes from the page (json_script
   "industry-divisions": {division: section}).
   As the page comes, a division chosen with another section (a pair the server refused, with
   a message naming both) stays chosen and shown, so that the user sees what was sent and
   corrects either; changing the section then clears a division that is not in it.
   Without JavaScript the server narrows the list's filter after "Apply", the form groups its
   divisions by section, and both refuse a division of another section with that message. */
(function () {
  "use strict";
  var source = document.getElementById("industry-divisions");
  if (!source) { return; }
  var sectionOf = JSON.parse(source.textContent);
  var some = Array.prototype.some;
  var each = Array.prototype.forEach;
  document.querySelectorAll("select[name=industry_division]").forEach(function (division) {
    var section = division.form && division.form.querySelector("select[name=industry_section]");
    if (!section) { return; }
    function limit(keepChoice) {
      var chosen = section.value;
      if (!keepChoice && division.value && chosen && sectionOf[division.value] !== chosen) {
        division.value = "";
      }
      each.call(division.options, function (option) {
        var other = chosen && option.value && sectionOf[option.value] !== chosen;
        option.hidden = option.disabled = Boolean(other && !option.selected);
      });
      each.call(division.querySelectorAll("optgroup"), function (group) {
        group.hidden = !some.call(group.children, function (option) { return !option.hidden; });
      });
    }
    section.addEventListener("change", function () { limit(false); });
    division.addEventListener("change", function () {
      if (division.value && !section.value) { section.value = sectionOf[division.value] || ""; }
      limit(true);
    });
    limit(true);
  });
})();
