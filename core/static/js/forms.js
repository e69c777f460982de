// After a refused form, the keyboard (and the screen reader) moves to the first error, so
// nobody has to search for what went wrong: when the page loads with errors, and when htmx
// puts a refused form back in place.
(function () {
  "use strict";
  const ERROR = "[aria-invalid='true'], .has-error, .errorlist";
  const FIELD = "input:not([type=hidden]):not([disabled]), select, textarea";

  function focusFirstError(root) {
    const error = root && root.querySelector(ERROR);
    if (!error) return;
    let target = error.matches(FIELD) ? error : null;
    if (!target) {
      const group = error.closest("fieldset, .has-error, p, div") || error;
      target = group.querySelector(FIELD) || error;
    }
    if (!target.matches(FIELD) && !target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstError(document.getElementById("main"));
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    focusFirstError(event.detail.target);
  });
})();
