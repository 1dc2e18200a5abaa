// 考核指标 charts: data comes from the json_script block (no inline script: CSP).
(function () {
  "use strict";
  var source = document.getElementById("sz-indicator-data");
  if (!source || typeof window.echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var counts = document.getElementById("sz-chart-counts");
  var rates = document.getElementById("sz-chart-rates");
  var axis = { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 6 ? 30 : 0 } };
  var charts = [];
  [counts, rates].forEach(function (el) { if (el) el.style.height = "320px"; });
  if (counts) {
    var c = window.echarts.init(counts);
    c.setOption({
      tooltip: { trigger: "axis" },
      legend: {},
      grid: { containLabel: true, left: 8, right: 8, bottom: 8 },
      xAxis: axis,
      yAxis: { type: "value" },
      series: Object.keys(data.counters).map(function (code) {
        return { name: data.counter_names[code], type: "bar", data: data.counters[code] };
      })
    });
    charts.push(c);
  }
  if (rates) {
    var r = window.echarts.init(rates);
    r.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
      legend: { type: "scroll" },
      grid: { containLabel: true, left: 8, right: 8, bottom: 8 },
      xAxis: axis,
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: data.rates.map(function (s) { return { name: s.name, type: "line", data: s.values, connectNulls: false }; })
    });
    charts.push(r);
  }
  window.addEventListener("resize", function () { charts.forEach(function (ch) { ch.resize(); }); });
})();
