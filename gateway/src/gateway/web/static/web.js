// Progressive enhancement only: every page works without it.
// After a failed submit the page comes back with an error summary; move focus there so that
// it is announced and its links lead to each field (WCAG 3.3.1, 2.4.3).
(function () {
  "use strict";
  const summary = document.querySelector("[data-error-summary]");
  if (summary && (document.activeElement === document.body || document.activeElement === null)) {
    summary.focus();
  }
})();
