// The charts of ATO's pages. A page carries a <canvas data-chart="..."> whose data comes from
// {{ value|json_script:"id" }} (data-source) and whose labels come from data- attributes, so the
// Content-Security-Policy needs no inline script. Loaded after Chart.js (both `defer`).
(function () {
  "use strict";

  function rowsOf(canvas) {
    return JSON.parse(document.getElementById(canvas.getAttribute("data-source")).textContent);
  }

  var builders = {
    // A water system's free residual chlorine over time against the target line
    // (visits/chlorine_chart.html). A time axis (Chart.js's time scale with the vendored
    // date-fns adapter): readings are spaced by their dates, shown day first. Each sampling
    // point has its own colour AND marker shape (legend with the shapes); a star marks the
    // reading that decides; the target line spans the whole axis, so it is always drawn.
    "chlorine": function (canvas) {
      var data = rowsOf(canvas);
      var DAY = "dd/MM/yyyy";
      var lang = document.documentElement.lang || "es-PE";
      var styles = {
        reservoir: {label: "data-label-reservoir", color: "#1565c0", shape: "rect"},
        first_house: {label: "data-label-first-house", color: "#2e7d32", shape: "triangle"},
        last_house: {label: "data-label-last-house", color: "#ef6c00", shape: "circle"}
      };
      // Every point has its dataset, even without readings: the legend explains all shapes.
      var datasets = Object.keys(styles).map(function (k) {
        var s = styles[k];
        return {label: canvas.getAttribute(s.label), data: data.series[k] || [], borderColor: s.color,
          backgroundColor: s.color, pointStyle: s.shape, pointRadius: 5, pointHoverRadius: 7,
          showLine: true, borderWidth: 1.5, tension: 0};
      });
      if (data.deciding) {
        datasets.push({label: canvas.getAttribute("data-label-deciding"),
          data: [{x: data.deciding.x, y: data.deciding.y}], pointStyle: "star", pointRadius: 11,
          pointHoverRadius: 12, borderColor: "#212121", backgroundColor: "#212121",
          borderWidth: 2, showLine: false});
      }
      datasets.push({label: canvas.getAttribute("data-label-target"), isTarget: true,
        data: [{x: data.start, y: data.target}, {x: data.end, y: data.target}],
        borderColor: "#c62828", backgroundColor: "#c62828", borderDash: [6, 4], pointRadius: 0,
        pointHoverRadius: 0, pointStyle: "line", showLine: true, borderWidth: 2});
      var mg = function (v) {
        return v.toLocaleString(lang, {minimumFractionDigits: 2, maximumFractionDigits: 2});
      };
      return {
        type: "scatter",
        data: {datasets: datasets},
        options: {
          animation: false, maintainAspectRatio: false,
          plugins: {
            legend: {labels: {usePointStyle: true}},
            tooltip: {
              filter: function (item) { return !item.dataset.isTarget; },
              callbacks: {
                label: function (item) { return item.dataset.label + ": " + mg(item.parsed.y) + " mg/L"; }
              }
            }
          },
          scales: {
            x: {type: "time", min: data.start, max: data.end,
              time: {minUnit: "day", tooltipFormat: DAY, displayFormats: {
                day: DAY, week: DAY, month: DAY, quarter: DAY, year: DAY}},
              ticks: {autoSkip: true, maxRotation: 45}},
            // From 0 and at least twice the target: the line is inside however high or low
            // the readings are.
            y: {min: 0, suggestedMax: data.target * 2, title: {display: true, text: "mg/L"}}
          }
        }
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
