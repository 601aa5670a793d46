// The organisation picker: a unit field of a form (data-organisation-picker) becomes a combobox
// (WAI-ARIA 1.2 pattern, list autocomplete) searching the organisation registry as one types,
// accents optional. Without JavaScript the field is plain text with the browser's own list of
// the organisations in force (a datalist), and the server turns a name back into its id.
// data-organisation-picker="many": several organisations, separated by semicolons.
(function () {
  "use strict";

  function setup(input) {
    var many = input.getAttribute("data-organisation-picker") === "many";
    var endpoint = input.form ? input.form.getAttribute("data-organisations-url") : null;
    if (!endpoint) return;
    var box = document.createElement("ul");
    box.id = input.id + "-choices";
    box.className = "picker-choices";
    box.setAttribute("role", "listbox");
    box.hidden = true;
    input.insertAdjacentElement("afterend", box);
    input.removeAttribute("list");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", box.id);
    var items = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function term() {
      if (!many) return input.value.trim();
      var parts = input.value.split(";");
      return parts[parts.length - 1].trim();
    }

    function close() {
      box.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function choose(item) {
      if (many) {
        var parts = input.value.split(";").map(function (part) { return part.trim(); });
        parts[parts.length - 1] = item.name;
        input.value = parts.filter(Boolean).join("; ") + "; ";
      } else {
        input.value = item.name;
      }
      close();
      input.focus();
    }

    function mark(index) {
      active = index;
      Array.prototype.forEach.call(box.children, function (option, at) {
        option.setAttribute("aria-selected", at === index ? "true" : "false");
      });
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", box.id + "-" + index);
        box.children[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function show(found) {
      items = found;
      box.textContent = "";
      items.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = box.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.name;
        if (item.short_name && item.short_name !== item.name) {
          var short = document.createElement("span");
          short.className = "muted";
          short.textContent = " (" + item.short_name + ")";
          option.appendChild(short);
        }
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(item);
        });
        box.appendChild(option);
      });
      active = -1;
      box.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var wanted = term();
      if (wanted.length < 2) {
        show([]);
        return;
      }
      timer = window.setTimeout(function () {
        var mine = ++asked;
        fetch(endpoint + "?q=" + encodeURIComponent(wanted), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (answer) { return answer.ok ? answer.json() : { items: [] }; })
          .then(function (body) { if (mine === asked) show((body.items || []).slice(0, 12)); })
          .catch(function () { show([]); });
      }, 200);
    });

    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && items.length) {
        event.preventDefault();
        if (box.hidden) show(items);
        mark(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp" && items.length) {
        event.preventDefault();
        mark(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && !box.hidden && active >= 0) {
        event.preventDefault();
        choose(items[active]);
      } else if (event.key === "Escape" && !box.hidden) {
        event.preventDefault();
        close();
      }
    });

    input.addEventListener("blur", function () { window.setTimeout(close, 150); });
  }

  // Set up on first focus, so rows added to the form later are pickers too.
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("input[data-organisation-picker]") && !target.hasAttribute("data-picker-ready")) {
      target.setAttribute("data-picker-ready", "");
      setup(target);
    }
  });
})();
