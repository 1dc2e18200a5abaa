// 调解统计 charts: data comes from the json_script block (no inline script: CSP).
(function () {
  "use strict";
  var source = document.getElementById("sz-stats-data");
  if (!source || typeof window.echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var charts = [];
  (data.charts || []).forEach(function (spec) {
    var el = document.getElementById("sz-chart-" + spec.id);
    if (!el) return;
    el.style.height = "300px";
    var chart = window.echarts.init(el);
    var option;
    if (spec.kind === "pie") {
      option = {
        title: { text: spec.title, left: "center", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "item" },
        series: [{
          type: "pie",
          radius: ["35%", "65%"],
          top: 24,
          data: spec.labels.map(function (label, i) { return { name: label, value: spec.values[i] }; })
            .filter(function (item) { return item.value > 0; })
        }]
      };
    } else {
      option = {
        title: { text: spec.title, left: "center", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis" },
        grid: { containLabel: true, left: 8, right: 8, bottom: 8, top: 40 },
        xAxis: { type: "category", data: spec.labels, axisLabel: { interval: 0, rotate: spec.labels.length > 6 ? 40 : 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: spec.kind === "line" ? "line" : "bar", data: spec.values, name: spec.title }]
      };
    }
    chart.setOption(option);
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
