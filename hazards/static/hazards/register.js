/* Hazard registration: the major-hazard plan section shows only for grade "major". */
(function () {
  "use strict";
  var grade = document.getElementById("id_grade"), plan = document.getElementById("plan-section");
  if (!grade || !plan) { return; }
  function sync() { plan.hidden = grade.value !== "major"; }
  grade.addEventListener("change", sync);
  sync();
})();
