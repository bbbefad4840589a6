// The lobby screen rotates attention between its panels every 15 seconds; the page reloads
// itself every 5 minutes (meta refresh) to show fresh figures.
(function () {
  "use strict";
  var panels = Array.prototype.slice.call(document.querySelectorAll("[data-panel]"));
  if (panels.length < 2) { return; }
  var i = 0;
  setInterval(function () {
    i = (i + 1) % panels.length;
    panels.forEach(function (p, n) { p.classList.toggle("dimmed", n !== i && n !== 0); });
  }, 15000);
})();
