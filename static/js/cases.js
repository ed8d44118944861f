/* Complaint-case workbench: keyboard helpers, category filter, complainant rows,
   htmx response handling. No external dependencies besides htmx (already loaded). */
(function () {
  "use strict";

  // htmx 2 does not swap 4xx answers by default; the workbench answers a form with
  // errors as 422 and a version conflict as 409, both carrying a partial to show.
  if (window.htmx) {
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "409", swap: true, error: false },
      { code: "422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false }
    ];
  }

  // Ctrl+Enter (or Cmd+Enter) in a textarea submits its form.
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && t && t.tagName === "TEXTAREA" && t.form) {
      ev.preventDefault();
      if (t.form.requestSubmit) { t.form.requestSubmit(); } else { t.form.submit(); }
    }
  });

  // A text box that filters the options of a <select> (the three-level category tree).
  function bindFilter(input) {
    var select = document.getElementById(input.getAttribute("data-filter-select"));
    if (!select) { return; }
    var all = Array.prototype.slice.call(select.querySelectorAll("option"));
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      var first = null;
      all.forEach(function (opt) {
        if (!opt.value) { return; }
        var hay = (opt.getAttribute("data-search") || opt.textContent).toLowerCase();
        var show = !q || hay.indexOf(q) !== -1;
        opt.hidden = !show;
        opt.disabled = !show;
        if (show && !first) { first = opt; }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (g) {
        var any = Array.prototype.some.call(g.children, function (o) { return !o.hidden; });
        g.hidden = !any;
      });
      if (q && first && (select.selectedIndex < 0 || select.options[select.selectedIndex].hidden)) {
        select.value = first.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    input.addEventListener("keydown", function (ev) {
      // Enter in the filter box picks from the list instead of registering the case.
      if (ev.key === "ArrowDown" || (ev.key === "Enter" && !ev.ctrlKey && !ev.metaKey)) { ev.preventDefault(); select.focus(); }
    });
  }

  // Complainant rows: add a row from the <template>, remove a row, and hide the rows
  // when the case is anonymous.
  function bindComplainants(box) {
    var tpl = box.querySelector("template");
    var list = box.querySelector("[data-complainant-rows]");
    var total = document.getElementById(box.getAttribute("data-total-forms"));
    var add = box.querySelector("[data-add-complainant]");
    if (add && tpl && list && total) {
      add.addEventListener("click", function () {
        var n = parseInt(total.value, 10) || 0;
        var html = tpl.innerHTML.replace(/__prefix__/g, String(n));
        list.insertAdjacentHTML("beforeend", html);
        total.value = String(n + 1);
        var input = list.lastElementChild && list.lastElementChild.querySelector("input[type=text]");
        if (input) { input.focus(); }
      });
    }
    box.addEventListener("click", function (ev) {
      var btn = ev.target.closest("[data-remove-complainant]");
      if (!btn) { return; }
      var row = btn.closest("[data-complainant-row]");
      if (!row) { return; }
      var del = row.querySelector("input[name$='-DELETE']");
      if (del) { del.checked = true; row.hidden = true; } else { row.remove(); }
    });
    var anon = document.getElementById(box.getAttribute("data-anonymous"));
    var joint = document.getElementById(box.getAttribute("data-joint"));
    function sync() {
      var hide = anon && anon.checked;
      box.querySelectorAll("[data-named-only]").forEach(function (el) { el.hidden = !!hide; });
      var jointOnly = document.querySelectorAll("[data-joint-only]");
      jointOnly.forEach(function (el) { el.hidden = !(joint && joint.checked); });
    }
    if (anon) { anon.addEventListener("change", sync); }
    if (joint) { joint.addEventListener("change", sync); }
    sync();
  }

  // The case type "accusation" needs the accused unit; show that field only then.
  function bindType(select) {
    var target = document.querySelectorAll("[data-accusation-only]");
    function sync() {
      target.forEach(function (el) { el.hidden = select.value !== "accusation"; });
    }
    select.addEventListener("change", sync);
    sync();
  }

  // Clicking a suggested category / unit fills the form.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-apply-suggestion]");
    if (!btn) { return; }
    ev.preventDefault();
    var field = document.getElementById(btn.getAttribute("data-field"));
    if (field) {
      field.value = btn.getAttribute("data-value");
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // Fields that matter only when a checkbox is ticked (e.g. the assistance referral).
  function bindDependents(root) {
    root.querySelectorAll("[data-depends-on]").forEach(function (field) {
      var box = document.getElementById(field.getAttribute("data-depends-on"));
      var wrap = field.closest(".mb-3") || field;
      if (!box) { return; }
      function sync() { wrap.hidden = !box.checked && !wrap.querySelector(".invalid-feedback"); }
      box.addEventListener("change", sync);
      sync();
    });
  }

  function init(root) {
    bindDependents(root);
    root.querySelectorAll("[data-filter-select]").forEach(bindFilter);
    root.querySelectorAll("[data-complainants]").forEach(bindComplainants);
    root.querySelectorAll("select[data-case-type]").forEach(bindType);
    var auto = root.querySelector("[data-autofocus]");
    if (auto) { auto.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (ev) {
    var t = ev.detail && ev.detail.target;
    if (t && t.querySelector) {
      bindDependents(t);
      var first = t.querySelector("form [autofocus], form textarea, form input:not([type=hidden])");
      if (first && t.closest("[data-action-panel]")) { first.focus(); }
    }
  });
})();
