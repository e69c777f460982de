// On a narrow screen the main navigation and the tools fold into a menu behind one button
// (the stylesheet hides the button on wide screens). Without this script nothing folds.
(function () {
  "use strict";
  const button = document.getElementById("menu-toggle");
  const header = button && button.closest("header");
  if (!header) return;
  function show(open) {
    button.setAttribute("aria-expanded", String(open));
    header.classList.toggle("menu-open", open);
  }
  button.hidden = false;
  header.classList.add("has-menu");
  button.addEventListener("click", function () {
    show(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      show(false);
      button.focus();
    }
  });
})();
