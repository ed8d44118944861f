/* Dashboard charts (Apache ECharts) and the town map (Leaflet). Data comes from the
   JSON in #chart-data; every label in it is already translated by the server.
   Tooltips render as rich text on the canvas: ECharts' HTML tooltips carry style="" attributes,
   which the Content-Security-Policy refuses (docs/security.md). */
(function () {
  "use strict";
  var node = document.getElementById("chart-data");
  if (!node) { return; }
  var data = JSON.parse(node.textContent);
  var L10N = data.labels;
  var RED = "#b3261e", BLUE = "#2f6fb0", GREEN = "#2e8b57", ORANGE = "#d08a14", GREY = "#8a939c";
  var FONT = 'system-ui, "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif';
  var charts = [];

  function make(id) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") { return null; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }
  function empty(chart) {
    chart.setOption({ title: { text: L10N.no_data, left: "center", top: "middle", textStyle: { color: GREY, fontSize: 14, fontWeight: "normal", fontFamily: FONT } } });
  }

  // Trend: new cases and replies as bars, on-time closure and satisfaction as lines (%).
  var trend = make("chart-trend");
  if (trend) {
    var t = data.trend;
    var total = t.received.reduce(function (a, b) { return a + b; }, 0) + t.replied.reduce(function (a, b) { return a + b; }, 0);
    if (!t.x.length || (!total && t.ontime.every(function (v) { return v === null; }))) { empty(trend); }
    else {
      trend.setOption({
        textStyle: { fontFamily: FONT },
        tooltip: { trigger: "axis", renderMode: "richText" },
        legend: { data: [L10N.received, L10N.replied, L10N.ontime, L10N.satisfaction], top: 0 },
        grid: { left: 40, right: 45, top: 40, bottom: 30 },
        xAxis: { type: "category", data: t.x },
        yAxis: [{ type: "value", name: L10N.cases, minInterval: 1 }, { type: "value", name: "%", min: 0, max: 100 }],
        series: [
          { name: L10N.received, type: "bar", data: t.received, itemStyle: { color: BLUE } },
          { name: L10N.replied, type: "bar", data: t.replied, itemStyle: { color: GREEN } },
          { name: L10N.ontime, type: "line", yAxisIndex: 1, data: t.ontime, connectNulls: true, itemStyle: { color: ORANGE } },
          { name: L10N.satisfaction, type: "line", yAxisIndex: 1, data: t.satisfaction, connectNulls: true, itemStyle: { color: RED } }
        ]
      });
    }
  }

  // Categories: a ring; a click opens the list of the category's new cases.
  var cats = make("chart-categories");
  if (cats) {
    if (!data.categories.length) { empty(cats); }
    else {
      cats.setOption({
        textStyle: { fontFamily: FONT },
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)", renderMode: "richText" },
        series: [{ type: "pie", radius: ["35%", "68%"], center: ["50%", "55%"], data: data.categories, label: { formatter: "{b}\n{c}" } }]
      });
      cats.on("click", function (p) { if (p.data && p.data.url) { window.location.href = p.data.url; } });
    }
  }

  // States now.
  var states = make("chart-states");
  if (states) {
    if (!data.states.length) { empty(states); }
    else {
      states.setOption({
        textStyle: { fontFamily: FONT },
        tooltip: { trigger: "axis", renderMode: "richText" },
        grid: { left: 130, right: 30, top: 10, bottom: 20 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: data.states.map(function (s) { return s.name; }).reverse() },
        series: [{ type: "bar", data: data.states.map(function (s) { return s.value; }).reverse(), itemStyle: { color: RED }, label: { show: true, position: "right" } }]
      });
    }
  }

  // Map: a bubble per town/street; tiles only when MAP_TILE_URL is configured. When no
  // town has a position yet, the towns are drawn on a ring (a schematic, not a map).
  var mapEl = document.getElementById("map-towns");
  if (mapEl && typeof L !== "undefined") {
    var placed = data.towns.filter(function (t) { return t.lat !== null && t.lng !== null; });
    var schematic = placed.length === 0 && data.towns.length > 0;
    var towns = placed;
    if (schematic) {
      var n = data.towns.length;
      towns = data.towns.map(function (t, i) {
        var a = 2 * Math.PI * i / n - Math.PI / 2;
        return { name: t.name, n: t.n, lat: 50 - 38 * Math.sin(a), lng: 50 + 38 * Math.cos(a) };
      });
    }
    var missing = schematic ? [] : data.towns.filter(function (t) { return (t.lat === null || t.lng === null) && t.n; });
    var map = L.map(mapEl, { attributionControl: !!data.tiles && !schematic, zoomSnap: 0.25, crs: schematic ? L.CRS.Simple : L.CRS.EPSG3857 });
    if (data.tiles && !schematic) { L.tileLayer(data.tiles, { attribution: data.attribution || "" }).addTo(map); }
    var max = Math.max.apply(null, data.towns.map(function (t) { return t.n; }).concat([1]));
    var bounds = [];
    towns.forEach(function (t) {
      var r = t.n ? 8 + 22 * Math.sqrt(t.n / max) : 5;
      var m = L.circleMarker([t.lat, t.lng], { radius: r, color: RED, weight: 1, fillColor: RED, fillOpacity: t.n ? 0.45 : 0.08 }).addTo(map);
      m.bindTooltip(t.name + " " + t.n, { permanent: true, direction: "center", className: "ins-town-label" });
      bounds.push([t.lat, t.lng]);
    });
    if (bounds.length > 1) { map.fitBounds(bounds, { padding: [40, 40] }); }
    else if (bounds.length === 1) { map.setView(bounds[0], schematic ? 1 : 13); }
    else { map.setView([0, 0], 2); }
    var note = document.getElementById("map-note");
    if (note && schematic) { note.textContent = L10N.schematic; }
    else if (note && missing.length) {
      note.textContent = L10N.no_position + ": " + missing.map(function (t) { return t.name + " " + t.n; }).join("、");
    }
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
