// The charts of ATO's pages. A page carries a <canvas data-chart="..."> whose data comes from
// {{ value|json_script:"id" }} (data-source) and whose labels come from data- attributes, so the
// Content-Security-Policy needs no inline script. Loaded after Chart.js (both `defer`).
(function () {
  "use strict";

  function rowsOf(canvas) {
    return JSON.parse(document.getElementById(canvas.getAttribute("data-source")).textContent);
  }

  var builders = {
    // A water system's free residual chlorine against the target line (visits/chlorine_chart.html).
    "chlorine": function (canvas) {
      var data = rowsOf(canvas);
      var labels = {
        reservoir: canvas.getAttribute("data-label-reservoir"),
        first_house: canvas.getAttribute("data-label-first-house"),
        last_house: canvas.getAttribute("data-label-last-house")
      };
      var colors = {reservoir: "#1565c0", first_house: "#2e7d32", last_house: "#ef6c00"};
      var datasets = Object.keys(data.series).map(function (k) {
        return {label: labels[k], data: data.series[k], borderColor: colors[k],
          backgroundColor: colors[k], showLine: true, tension: 0.2};
      });
      var all = [].concat.apply([], Object.values(data.series))
        .map(function (p) { return p.x; }).sort();
      if (all.length) {
        datasets.push({label: canvas.getAttribute("data-label-target"),
          data: [{x: all[0], y: data.target}, {x: all[all.length - 1], y: data.target}],
          borderColor: "#c62828", borderDash: [6, 4], pointRadius: 0, showLine: true});
      }
      return {
        type: "scatter",
        data: {datasets: datasets},
        options: {animation: false, maintainAspectRatio: false, scales: {
          x: {type: "category", labels: Array.from(new Set(all))},
          y: {min: 0, title: {display: true, text: "mg/L"}}
        }}
      };
    },

    // A district's (or the country's) coverage per quarter, in % (ato/_coverage_trend.html).
    "coverage-trend": function (canvas) {
      var points = rowsOf(canvas);
      return {
        type: "line",
        data: {labels: points.map(function (p) { return p.label; }), datasets: [
          {label: canvas.getAttribute("data-label"),
            data: points.map(function (p) { return p.percent; }),
            borderColor: "#1565c0", backgroundColor: "#1565c0", tension: 0.2, spanGaps: true}
        ]},
        options: {animation: false, maintainAspectRatio: false,
          scales: {y: {min: 0, max: 100, ticks: {callback: function (v) { return v + " %"; }}}}}
      };
    },

    // Planned and done visits per month (visits/work_plan_progress.html).
    "plan-progress": function (canvas) {
      var months = rowsOf(canvas);
      return {
        type: "bar",
        data: {labels: months.map(function (m) { return m.name; }), datasets: [
          {label: canvas.getAttribute("data-label-planned"),
            data: months.map(function (m) { return m.planned; }), backgroundColor: "#90caf9"},
          {label: canvas.getAttribute("data-label-done"),
            data: months.map(function (m) { return m.done; }), backgroundColor: "#2e7d32"}
        ]},
        options: {animation: false, maintainAspectRatio: false,
          scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}
      };
    }
  };

  function draw() {
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var build = builders[canvas.getAttribute("data-chart")];
      if (build) {
        new window.Chart(canvas, build(canvas));
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
