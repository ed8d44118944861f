/* Duty roster month: "+" splits a day into another shift, "×" removes a shift. */
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=roster-form]");
  if (!form) { return; }
  form.addEventListener('click', function (ev) {
    const btn = ev.target.closest('button[data-split],button[data-remove]');
    if (!btn) return;
    const row = btn.closest('tr');
    const body = row.parentElement;
    if (btn.hasAttribute('data-split')) {
      const copy = row.cloneNode(true);
      copy.querySelector('.day-cell').textContent = '';
      const start = copy.querySelector('[name=start]'), end = copy.querySelector('[name=end]');
      const oldEnd = row.querySelector('[name=end]').value;
      start.value = form.getAttribute('data-split-at'); end.value = oldEnd;
      row.querySelector('[name=end]').value = form.getAttribute('data-split-at');
      copy.querySelectorAll('[name=leader],[name=officer],[name=phone]').forEach(function (i) { i.value = ''; });
      row.after(copy);
    } else if (body.querySelectorAll('tr').length > 1) {
      const first = row === body.firstElementChild;
      const label = row.querySelector('.day-cell').innerHTML;
      row.remove();
      if (first) body.firstElementChild.querySelector('.day-cell').innerHTML = label;
    } else {
      row.querySelectorAll('[name=leader],[name=officer],[name=phone]').forEach(function (i) { i.value = ''; });
    }
  });
})();
