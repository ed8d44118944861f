/* The two hazard map pages (needs leaflet.js and hazards/map.js). Points come from
   json_script blocks; URLs and translated labels from data- attributes on the map element. */
(function () {
  "use strict";
  function json(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var cfg = json("map-settings") || {};

  // Map of open hazards (#hazard-map).
  var hazardEl = document.getElementById("hazard-map");
  if (hazardEl) {
    var base = hazardEl.getAttribute("data-base-url");
    var t = hazardEl.dataset;
    hzMap(hazardEl, {
      points: json("hazard-points") || [], tileUrl: cfg.tileUrl, attribution: cfg.attribution, emptyText: t.emptyText,
      color: function (p) { return p.grade === "major" ? "#b3261e" : (p.overdue ? "#e8710a" : "#1a73e8"); },
      radius: function (p) { return p.grade === "major" ? 8 : 5; },
      popup: function (p, esc) { return '<a href="' + base + encodeURIComponent(p.number) + '/"><strong>' + esc(p.number) + "</strong></a><br>" + esc(p.title) + "<br><span class='text-muted'>" + esc(p.category) + " · " + esc(p.town) + " · " + esc(p.state) + "</span>"; },
      legend: [{ color: "#b3261e", label: t.legendMajor }, { color: "#e8710a", label: t.legendOverdue }, { color: "#1a73e8", label: t.legendGeneral }]
    });
  }

  // Campaign targets (#target-map).
  var targetEl = document.getElementById("target-map");
  if (targetEl) {
    var inspectBase = targetEl.getAttribute("data-inspect-base");
    var d = targetEl.dataset;
    hzMap(targetEl, {
      points: json("target-points") || [], tileUrl: cfg.tileUrl, attribution: cfg.attribution, emptyText: d.emptyText,
      color: function (p) { return p.done ? "#43a047" : "#b3261e"; },
      radius: function (p) { return p.done ? 5 : 7; },
      popup: function (p, esc) { return "<strong>" + esc(p.name) + "</strong><br>" + esc(p.category) + " · " + esc(p.town) + "<br>" + (p.done ? esc(d.labelInspected) : "<a href='" + inspectBase + p.id + "/inspect/'>" + esc(d.labelInspect) + "</a>"); },
      legend: [{ color: "#b3261e", label: d.labelPending }, { color: "#43a047", label: d.labelInspected }]
    });
  }
})();
