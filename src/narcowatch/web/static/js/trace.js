// The trace flow graph: Cytoscape.js over the JSON the page embeds (no inline script: CSP).
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("trace-graph");
    var source = document.getElementById("trace-data");
    if (!holder || !source || typeof window.cytoscape !== "function" || holder.dataset.drawn) {
      return;
    }
    holder.dataset.drawn = "1";
    var graph = JSON.parse(source.textContent);
    var colours = { seed: "#b22222", cashout: "#1f6f3f", intermediate: "#4a6fa5", open_end: "#999999" };
    var heaviest = Math.max.apply(null, [1].concat(graph.edges.map(function (e) { return e.data.weight; })));
    var cy = window.cytoscape({
      container: holder,
      elements: graph.nodes.concat(graph.edges),
      layout: { name: "breadthfirst", directed: true, spacingFactor: 1.1,
                roots: graph.nodes.filter(function (n) { return n.data.role === "seed"; })
                                  .map(function (n) { return "#" + CSS.escape(n.data.id); }) },
      style: [
        { selector: "node", style: { "label": "data(label)", "font-size": 9, "text-wrap": "wrap",
          "background-color": function (n) { return colours[n.data("role")] || "#666"; },
          "width": 14, "height": 14 } },
        { selector: "edge", style: { "curve-style": "bezier", "target-arrow-shape": "triangle",
          "line-color": "#d9822b", "target-arrow-color": "#d9822b", "opacity": 0.8,
          "width": function (e) { return 1 + 7 * e.data("weight") / heaviest; } } }
      ]
    });
    holder.dataset.nodes = String(cy.nodes().length);
    holder.dataset.edges = String(cy.edges().length);
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
