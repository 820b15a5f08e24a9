// Shop graph: Cytoscape.js, expanded node by node from /shops/graph.json (CSP: no inline JS).
(function () {
  "use strict";
  var colours = { shop: "#b22222", item: "#8a8f98", source: "#1f6f3f", indicator: "#1f5fa8" };
  var shapes = { shop: "round-rectangle", item: "ellipse", source: "diamond", indicator: "ellipse" };

  function params(form, extra) {
    var q = new URLSearchParams();
    var types = [];
    form.querySelectorAll("input[name=types]:checked").forEach(function (b) { types.push(b.value); });
    q.set("types", types.join(","));
    q.set("since", form.since.value || "");
    q.set("until", form.until.value || "");
    Object.keys(extra).forEach(function (k) { q.set(k, extra[k]); });
    return q.toString();
  }

  function init() {
    var holder = document.getElementById("shop-graph");
    var form = document.getElementById("graph-controls");
    if (!holder || !form || typeof window.cytoscape !== "function" || holder.dataset.ready) {
      return;
    }
    holder.dataset.ready = "1";
    var cy = window.cytoscape({
      container: holder,
      elements: [],
      style: [
        { selector: "node", style: { "label": "data(label)", "font-size": 8, "width": 16, "height": 16,
          "text-wrap": "ellipsis", "text-max-width": 120,
          "background-color": function (n) { return colours[n.data("kind")] || "#666"; },
          "shape": function (n) { return shapes[n.data("kind")] || "ellipse"; } } },
        { selector: "edge", style: { "width": 1, "line-color": "#c5ccd4", "curve-style": "bezier" } },
        { selector: ".path", style: { "line-color": "#d97706", "background-color": "#d97706", "width": 4 } }
      ]
    });
    window.narcowatchShopGraph = cy;
    var picked = [];

    function update() {
      holder.dataset.nodes = String(cy.nodes().length);
      holder.dataset.edges = String(cy.edges().length);
    }

    function add(data) {
      cy.batch(function () {
        data.nodes.forEach(function (n) { if (cy.getElementById(n.data.id).empty()) { cy.add({ group: "nodes", data: n.data }); } });
        data.edges.forEach(function (e) { if (cy.getElementById(e.data.id).empty()) { cy.add({ group: "edges", data: e.data }); } });
      });
      cy.layout({ name: "cose", animate: false, randomize: false, nodeRepulsion: 6000 }).run();
      update();
    }

    function expand(node) {
      if (!node) { return; }
      fetch("/shops/graph.json?" + params(form, { node: node }), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { nodes: [], edges: [] }; })
        .then(add);
    }

    form.addEventListener("submit", function (ev) { ev.preventDefault(); expand(form.node.value.trim()); });
    cy.on("tap", "node", function (ev) {
      var id = ev.target.id();
      if (ev.originalEvent && ev.originalEvent.shiftKey) {
        picked = picked.concat([id]).slice(-2);
        var pf = document.getElementById("path-controls");
        pf.a.value = picked[0] || "";
        pf.b.value = picked[1] || "";
        return;
      }
      expand(id);
    });

    var pathForm = document.getElementById("path-controls");
    pathForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var out = document.getElementById("path-result");
      fetch("/shops/path.json?" + params(form, { a: pathForm.a.value.trim(), b: pathForm.b.value.trim() }),
            { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { path: [], nodes: [], edges: [] }; })
        .then(function (data) {
          cy.elements().removeClass("path");
          if (!data.path || !data.path.length) { out.textContent = out.dataset.none; return; }
          add(data);
          out.textContent = data.path.length - 1 + " →";
          data.path.forEach(function (id) { cy.getElementById(id).addClass("path"); });
          data.edges.forEach(function (e) { cy.getElementById(e.data.id).addClass("path"); });
          holder.dataset.path = data.path.join(" ");
        });
    });

    document.getElementById("export-png").addEventListener("click", function () {
      var a = document.createElement("a");
      a.href = cy.png({ full: true, bg: "#ffffff", scale: 2 });
      a.download = "narcowatch-graph.png";
      document.body.appendChild(a);
      a.click();
      a.remove();
    });

    document.getElementById("gexf-form").addEventListener("submit", function (ev) {
      var gexf = ev.target;
      gexf.querySelectorAll("input[name=node]").forEach(function (i) { i.remove(); });
      cy.nodes().forEach(function (n) {
        var i = document.createElement("input");
        i.type = "hidden"; i.name = "node"; i.value = n.id();
        gexf.appendChild(i);
      });
    });

    if (form.dataset.focus) { expand(form.dataset.focus); }
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
