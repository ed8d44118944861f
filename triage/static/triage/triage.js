/* Triage helpers: "copy into the draft" for similar replies. Bound once per page. */
(function () {
  "use strict";
  if (window.__triageBound) { return; }
  window.__triageBound = true;
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-copy-reply]");
    if (!btn) { return; }
    ev.preventDefault();
    var box = btn.closest("[data-similar]");
    var source = box && box.querySelector("[data-reply-text]");
    if (!source) { return; }
    var text = source.textContent.trim();
    var target = document.querySelector(btn.getAttribute("data-target") || "textarea[name=text]");
    var done = box.querySelector("[data-copied]");
    if (target) {
      target.value = target.value ? target.value + "\n\n" + text : text;
      target.dispatchEvent(new Event("input", { bubbles: true }));
      target.focus();
    } else if (navigator.clipboard) {
      navigator.clipboard.writeText(text);
    }
    if (done) { done.hidden = false; }
  });
})();
