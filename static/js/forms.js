// A form came back with problems: bring its summary into view and give it focus, so a screen reader reads it and
// a person on a phone sees every problem at once (each item links to its field).
(function () {
  var summary = document.getElementById("error-summary");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", function (e) {
    var link = e.target.closest("a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    e.preventDefault();
    var input = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
    target.scrollIntoView({ block: "center" });
    if (input) input.focus({ preventScroll: true });
  });
})();
