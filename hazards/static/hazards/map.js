/* Minsheng hazard maps (Leaflet). Works without tiles: when no tile URL is configured the
   points are drawn on a plain background with a coordinate grid and the outline of each
   town's points (its convex hull), so the map stays useful on a closed network. */
(function () {
  "use strict";

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function niceStep(span) {
    var steps = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];
    for (var i = 0; i < steps.length; i++) if (span / steps[i] <= 12) return steps[i];
    return 10;
  }

  function drawGrid(map, bounds) {
    var s = bounds.getSouth(), n = bounds.getNorth(), w = bounds.getWest(), e = bounds.getEast();
    var step = niceStep(Math.max(n - s, e - w));
    var style = { color: "#c9c2b2", weight: 1, opacity: 0.8, dashArray: "2 4", interactive: false };
    for (var lat = Math.floor(s / step) * step; lat <= n + step; lat += step) L.polyline([[lat, w - step], [lat, e + step]], style).addTo(map);
    for (var lng = Math.floor(w / step) * step; lng <= e + step; lng += step) L.polyline([[s - step, lng], [n + step, lng]], style).addTo(map);
  }

  function hull(points) {
    var pts = points.map(function (p) { return [p.lng, p.lat]; }).sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    if (pts.length < 3) return pts;
    function cross(o, a, b) { return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]); }
    var lower = [], upper = [];
    pts.forEach(function (p) { while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop(); lower.push(p); });
    for (var i = pts.length - 1; i >= 0; i--) { var p = pts[i]; while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop(); upper.push(p); }
    upper.pop(); lower.pop();
    return lower.concat(upper);
  }

  function drawTowns(map, points) {
    var groups = {};
    points.forEach(function (p) { if (p.town) (groups[p.town] = groups[p.town] || []).push(p); });
    Object.keys(groups).forEach(function (name) {
      var pts = groups[name], ring = hull(pts);
      var lat = 0, lng = 0;
      pts.forEach(function (p) { lat += p.lat; lng += p.lng; });
      lat /= pts.length; lng /= pts.length;
      if (ring.length >= 3) {
        L.polygon(ring.map(function (q) { return [q[1], q[0]]; }), { color: "#8d7b5f", weight: 1.5, dashArray: "6 4", fillColor: "#e9e2d0", fillOpacity: 0.35, interactive: false }).addTo(map);
      }
      L.tooltip({ permanent: true, direction: "center", className: "hz-town-label" }).setLatLng([lat, lng]).setContent(esc(name)).addTo(map);
    });
  }

  window.hzMap = function (el, opts) {
    var map = L.map(el, { preferCanvas: true, zoomSnap: 0.25, attributionControl: !!opts.tileUrl });
    if (opts.tileUrl) L.tileLayer(opts.tileUrl, { attribution: opts.attribution || "", maxZoom: 19 }).addTo(map);
    var pts = (opts.points || []).filter(function (p) { return isFinite(p.lat) && isFinite(p.lng); });
    el.setAttribute("data-points", String(pts.length));
    if (!pts.length) {
      map.setView([30.6, 114.3], 11);
      el.insertAdjacentHTML("beforeend", '<div class="position-absolute top-50 start-50 translate-middle text-muted ms-z-500">' + esc(opts.emptyText || "") + "</div>");
      return map;
    }
    var bounds = L.latLngBounds(pts.map(function (p) { return [p.lat, p.lng]; })).pad(0.08);
    map.fitBounds(bounds);
    if (!opts.tileUrl) { drawGrid(map, bounds.pad(0.5)); drawTowns(map, pts); }
    pts.forEach(function (p) {
      L.circleMarker([p.lat, p.lng], { radius: opts.radius ? opts.radius(p) : 6, color: "#ffffff", weight: 1, fillColor: opts.color(p), fillOpacity: 0.9 })
        .bindPopup(opts.popup(p, esc)).addTo(map);
    });
    if (opts.legend) {
      var legend = L.control({ position: "bottomright" });
      legend.onAdd = function () {
        var div = L.DomUtil.create("div", "bg-white rounded border px-2 py-1 small");
        // Colours are set through the DOM, not in a style="" attribute: the Content-Security-Policy refuses inline style.
        opts.legend.forEach(function (item) {
          var row = L.DomUtil.create("div", "", div);
          var dot = L.DomUtil.create("span", "ms-legend-dot", row);
          dot.style.background = item.color;
          row.appendChild(document.createTextNode(" " + item.label));
        });
        return div;
      };
      legend.addTo(map);
    }
    return map;
  };
})();
