// The stakeholder card's forms answer invalid input with status 400 and the form with its
// messages. htmx does not swap 4xx answers by default; for forms marked data-swap-errors it
// shows them, so the messages appear where the user typed.
document.addEventListener("htmx:beforeSwap", (event) => {
  const detail = event.detail;
  const source = detail.requestConfig ? detail.requestConfig.elt : null;
  if (detail.xhr.status === 400 && source && source.closest("[data-swap-errors]")) {
    detail.shouldSwap = true;
    detail.isError = false;
  }
});
