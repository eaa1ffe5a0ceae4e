// The metrics dashboard's charts, drawn by the vendored Chart.js from the page's
// json_script block (the Content-Security-Policy allows no inline script). Series are
// told apart by marker shape and dash pattern as well as colour.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("metrics-data");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var Chart = window.Chart;
    Chart.defaults.animation = false;
    var colours = ["#1f4e79", "#8a3b12", "#2f6b2f"];
    var markers = ["circle", "triangle", "rectRot"];
    var dashes = [[], [6, 4], [2, 3]];
    var trend = document.getElementById("chart-trend");
    if (trend) {
      new Chart(trend, {
        type: "line",
        data: {
          labels: data.trend.labels,
          datasets: data.trend.series.map(function (s, i) {
            return {
              label: s.label,
              data: s.data,
              borderColor: colours[i % 3],
              backgroundColor: colours[i % 3],
              pointStyle: markers[i % 3],
              pointRadius: 5,
              borderDash: dashes[i % 3],
              spanGaps: true
            };
          })
        },
        options: { scales: { y: { min: 0, max: 100 } }, plugins: { legend: { labels: { usePointStyle: true } } } }
      });
    }
    [["chart-reps", data.reps, "First-contact resolution (%)"], ["chart-types", data.types, "Contacts"]].forEach(function (c) {
      var el = document.getElementById(c[0]);
      if (!el) return;
      new Chart(el, {
        type: "bar",
        data: { labels: c[1].labels, datasets: [{ label: c[2], data: c[1].data, backgroundColor: "#1f4e79" }] },
        options: { indexAxis: "y", plugins: { legend: { display: false } } }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
