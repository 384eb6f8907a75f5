// Forms that start something a person cannot undo (a timed attempt) ask once first: <form data-confirm="…">.
document.addEventListener("submit", function (e) {
  var form = e.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.getAttribute("data-confirm"))) e.preventDefault();
});
