/* Behaviour that used to sit in inline handlers (onclick=, onchange=, onsubmit=). The
   Content-Security-Policy runs no inline script (docs/security.md), so pages declare the
   behaviour with data- attributes and this file, loaded on every page by base.html, wires it.
   Listeners are delegated from the document, so content swapped in by htmx works too.

   form[data-confirm="question"]      asks before submitting; Cancel keeps the page as it is.
   select[data-autosubmit]            submits its form when the choice changes.
   [data-print]                       prints the page.
   a[data-close-panel="#id"]          with htmx, empties the panel instead of following the link.
   form[data-goto-prefix][data-goto-suffix]
                                      navigates to prefix + the value of its field
                                      data-goto-field (default "unit") + suffix. */
(function () {
  "use strict";

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      return;
    }
    var prefix = form.getAttribute("data-goto-prefix");
    if (prefix !== null) {
      ev.preventDefault();
      var field = form.elements.namedItem(form.getAttribute("data-goto-field") || "unit");
      window.location.href = prefix + encodeURIComponent(field ? field.value : "") + (form.getAttribute("data-goto-suffix") || "");
    }
  }, true);

  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  document.addEventListener("click", function (ev) {
    var target = ev.target instanceof Element ? ev.target : null;
    if (!target) { return; }
    if (target.closest("[data-print]")) {
      ev.preventDefault();
      window.print();
      return;
    }
    var close = target.closest("a[data-close-panel]");
    if (close && window.htmx) {
      var panel = document.querySelector(close.getAttribute("data-close-panel"));
      if (panel) {
        ev.preventDefault();
        panel.innerHTML = "";
      }
    }
  });
})();
