// Reply templates: a click puts the template's text into the reply box, to be edited before
// sending. Template text comes from a data attribute, so it is never treated as HTML.
(function () {
  "use strict";
  var box = document.querySelector("form[action$='/reply'] textarea[name=text]");
  if (!box) { return; }
  document.querySelectorAll("[data-template-body]").forEach(function (button) {
    button.addEventListener("click", function () {
      box.value = button.dataset.templateBody;
      box.focus();
    });
  });
})();
