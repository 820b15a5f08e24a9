/* narcowatch analyst UI: keyboard shortcuts (no inline scripts; the CSP forbids them).
 *
 * Any element with data-key="x" is clicked when "x" is pressed outside a form field.
 * In a table marked data-rows, j / k move the selection and Enter or o opens the row.
 */
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function rows() {
    var table = document.querySelector("[data-rows]");
    return table ? Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-href]")) : [];
  }

  function select(list, index) {
    list.forEach(function (row) { row.classList.remove("selected"); });
    var row = list[index];
    if (row) {
      row.classList.add("selected");
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function open(url) {
    var link = document.createElement("a");
    link.href = url;
    document.body.appendChild(link);
    link.click(); /* goes through htmx boost when htmx is loaded */
    link.remove();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    var list = rows();
    if (list.length) {
      var current = list.findIndex(function (row) { return row.classList.contains("selected"); });
      if (event.key === "j" || event.key === "k") {
        var next = event.key === "j" ? current + 1 : current - 1;
        select(list, Math.max(0, Math.min(list.length - 1, current < 0 ? 0 : next)));
        event.preventDefault();
        return;
      }
      if ((event.key === "Enter" || event.key === "o") && current >= 0) {
        open(list[current].getAttribute("data-href"));
        event.preventDefault();
        return;
      }
    }
    var target = document.querySelector('[data-key="' + CSS.escape(event.key) + '"]');
    if (target) {
      event.preventDefault();
      target.click();
    }
  });

  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("tr[data-href]");
    if (row && !event.target.closest("a, button, input, select")) {
      open(row.getAttribute("data-href"));
    }
  });
})();
