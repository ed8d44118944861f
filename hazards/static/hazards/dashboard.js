/* Hazard dashboard charts (Apache ECharts). Data and translated labels come from the
   JSON in #chart-data. Tooltips render as rich text on the canvas: ECharts' HTML
   tooltips carry style="" attributes, which the Content-Security-Policy refuses. */
(function () {
  "use strict";
  var node = document.getElementById("chart-data");
  if (!node || typeof echarts === "undefined") { return; }
  var d = JSON.parse(node.textContent);
  var bar = echarts.init(document.getElementById("chart-category"));
  bar.setOption({
    tooltip: { trigger: "axis", renderMode: "richText" }, legend: { data: [d.labels.open, d.labels.overdue] },
    grid: { left: 40, right: 10, bottom: 80 },
    xAxis: { type: "category", data: d.categories, axisLabel: { interval: 0, rotate: 40 } }, yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: d.labels.open, type: "bar", data: d.open, itemStyle: { color: "#1a73e8" } },
      { name: d.labels.overdue, type: "bar", data: d.overdue, itemStyle: { color: "#b3261e" } }
    ]
  });
  bar.on("click", function (p) { window.location = (p.seriesIndex === 0 ? d.urls_open : d.urls_overdue)[p.dataIndex]; });
  var pie = echarts.init(document.getElementById("chart-state"));
  pie.setOption({
    tooltip: { trigger: "item", renderMode: "richText" }, legend: { bottom: 0 },
    color: ["#1a73e8", "#f2a600", "#00897b", "#43a047", "#90a4ae"],
    series: [{ type: "pie", radius: ["32%", "58%"], center: ["50%", "44%"], data: d.states, label: { formatter: "{b}\n{c}", fontSize: 11 } }]
  });
  pie.on("click", function (p) { window.location = d.states[p.dataIndex].url; });
  window.addEventListener("resize", function () { bar.resize(); pie.resize(); });
})();
