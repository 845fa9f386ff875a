/* Draws each chart from the JSON block next to its canvas (no inline scripts: the page's
   Content-Security-Policy forbids them). Every chart has a table behind it on the page, and
   without this script (or without Chart.js) the chart's box stays hidden and the tables are the page. */
(function () {
  "use strict";
  var STATUS_COLOURS = { yes: "#2e7d32", no: "#c62828", no_answer: "#9e9e9e", void: "#cfd8dc" };
  var PALETTE = ["#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#558b2f", "#4e342e", "#283593"];

  function dataset(spec, index) {
    var colour = STATUS_COLOURS[spec.key] || PALETTE[index % PALETTE.length];
    return {
      label: spec.label, data: spec.data, backgroundColor: colour, borderColor: colour,
      spanGaps: true, tension: 0.2, pointRadius: 3
    };
  }

  function options(spec) {
    var scales = spec.stacked
      ? { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
      : { y: { min: 0, max: spec.percent ? 100 : undefined, title: { display: !!spec.percent, text: "% kept" } } };
    return { animation: false, responsive: true, maintainAspectRatio: false, scales: scales };
  }

  if (typeof Chart === "undefined") { return; }
  /* The charts' boxes take room only when there is something to draw in them. */
  document.documentElement.classList.add("charts-on");
  document.querySelectorAll('script[type="application/json"][data-chart-for]').forEach(function (block) {
    var canvas = document.getElementById(block.getAttribute("data-chart-for"));
    if (!canvas) { return; }
    var spec = JSON.parse(block.textContent);
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets.map(dataset) },
      options: options(spec)
    });
  });
})();
