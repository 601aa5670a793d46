// The percentage as the drafter types (actual ÷ target, one decimal; target ÷ actual for an
// "at most" indicator). Only a preview: the saved percentage is the one the API computes.
(function () {
  "use strict";
  function parse(text) {
    var t = (text || "").replace(/\s/g, "");
    if (!t) return null;
    if (/^\d{1,3}(\.\d{3})+$/.test(t)) t = t.replace(/\./g, "");
    else t = t.replace(/\./g, "").replace(",", ".");
    var n = Number(t);
    return isFinite(n) && n >= 0 ? n : NaN;
  }
  function preview(input) {
    var row = input.closest("tr");
    var output = row && row.querySelector("output.preview-pct");
    if (!output) return;
    var target = Number(row.dataset.target);
    var actual = parse(input.value);
    if (row.dataset.target === "" || !target || actual === null || isNaN(actual)) { output.textContent = ""; return; }
    var atMost = row.dataset.direction === "at_most";
    if (atMost && actual === 0) { output.textContent = ""; return; }
    var pct = Math.round((atMost ? target / actual : actual / target) * 1000) / 10;
    output.textContent = "→ " + pct.toFixed(1).replace(".", ",") + " %";
    row.classList.toggle("shortfall-preview", atMost ? actual > target : actual < target);
  }
  document.querySelectorAll("input.actual").forEach(function (input) {
    input.addEventListener("input", function () { preview(input); });
  });
})();
