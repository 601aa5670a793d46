// The plan form's activity table: add, remove and reorder rows, indicators per
// activity, legal bases, and the budget total as the user types. Without
// JavaScript the form still works: the rows it was rendered with are submitted.
// Row keys only tell rows apart; their order in the form is the plan's order,
// so moving a row never renumbers inputs.
(function () {
  "use strict";
  const form = document.querySelector("[data-plan-form]");
  if (!form) return;
  const locale = document.documentElement.lang === "en" ? "en" : "vi";
  const activities = form.querySelector("[data-activities]");
  const legalBases = form.querySelector("[data-legal-bases]");
  const total = form.querySelector("[data-total]");

  function parseAmount(text) {
    const digits = String(text || "").replace(/[.\s,₫đ]|VND/gi, "");
    return /^\d+$/.test(digits) ? Number(digits) : null;
  }
  function grouped(amount) {
    return String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, locale === "vi" ? "." : ",");
  }
  function updateTotal() {
    let sum = 0;
    form.querySelectorAll("[data-budget]").forEach((input) => { sum += parseAmount(input.value) || 0; });
    total.textContent = grouped(sum) + "\u00a0₫";
  }
  function renumber() {
    activities.querySelectorAll("[data-activity]").forEach((row, index) => {
      row.querySelector("[data-activity-number]").textContent = String(index + 1);
    });
  }
  function nextKey(container) {
    const key = Number(container.dataset.nextKey || "0");
    container.dataset.nextKey = String(key + 1);
    return String(key);
  }
  function fromTemplate(id, replacements) {
    let html = document.getElementById(id).innerHTML;
    for (const [placeholder, value] of Object.entries(replacements)) html = html.split(placeholder).join(value);
    // A <template>'s innerHTML parses table rows too, which a <div> would drop.
    const holder = document.createElement("template");
    holder.innerHTML = html.trim();
    return holder.content.firstElementChild;
  }
  function confirmRemove() {
    const message = document.querySelector("[data-confirm-remove]");
    return !message || window.confirm(message.textContent);
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const action = button.dataset.action;
    const row = button.closest("[data-activity]");
    if (action === "add-activity") {
      // Keys continue after the largest one ever rendered, so a new row never takes a removed row's key.
      const key = nextKey(activities);
      const added = fromTemplate("activity-template", { "__A__": key });
      activities.appendChild(added);
      renumber();
      added.querySelector("input").focus();
    } else if (action === "remove-activity" && row) {
      if (!confirmRemove()) return;
      row.remove();
      renumber();
      updateTotal();
      form.querySelector("[data-action=add-activity]").focus();
    } else if (action === "move-up" && row && row.previousElementSibling) {
      row.parentNode.insertBefore(row, row.previousElementSibling);
      renumber();
      button.focus();
    } else if (action === "move-down" && row && row.nextElementSibling) {
      row.parentNode.insertBefore(row.nextElementSibling, row);
      renumber();
      button.focus();
    } else if (action === "add-indicator" && row) {
      const body = row.querySelector("[data-indicators]");
      const added = fromTemplate("indicator-template", { "__A__": row.dataset.key, "__I__": nextKey(body) });
      body.appendChild(added);
      added.querySelector("input").focus();
    } else if (action === "remove-indicator") {
      const indicator = button.closest("[data-indicator]");
      const activity = button.closest("[data-activity]");
      indicator.remove();
      activity.querySelector("[data-action=add-indicator]").focus();
    } else if (action === "add-legal-basis") {
      const added = fromTemplate("legal-basis-template", { "__L__": nextKey(legalBases) });
      legalBases.appendChild(added);
      added.querySelector("input").focus();
    } else if (action === "remove-legal-basis") {
      button.closest("[data-legal-basis]").remove();
      form.querySelector("[data-action=add-legal-basis]").focus();
    }
  });

  form.addEventListener("input", (event) => {
    if (event.target.matches("[data-budget]")) updateTotal();
  });
  // Show an amount the Vietnamese way once the user leaves the field: 150000000 -> 150.000.000.
  form.addEventListener("focusout", (event) => {
    if (!event.target.matches("[data-budget]")) return;
    const amount = parseAmount(event.target.value);
    if (amount !== null) event.target.value = grouped(amount);
  });

  // Focus after a failed save goes to the error summary (web.js), whose links lead to each field.
  updateTotal();
})();
