// Reports on a Leaflet map. No tile server is contacted (the page allows only its own
// origin): the markers sit on a plain background with a latitude/longitude grid.
(function () {
  "use strict";
  function grid(map) {
    for (let lat = 40; lat <= 56; lat += 2) {
      L.polyline([[lat, 46], [lat, 88]], { color: "#c8d0da", weight: 1, interactive: false }).addTo(map);
    }
    for (let lon = 46; lon <= 88; lon += 2) {
      L.polyline([[40, lon], [56, lon]], { color: "#c8d0da", weight: 1, interactive: false }).addTo(map);
    }
  }
  function start() {
    const el = document.getElementById("reports-map");
    if (!el || typeof L === "undefined") { return; }
    const map = L.map(el, { attributionControl: false }).setView([48, 67], 5);
    grid(map);
    fetch(el.dataset.source, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (points) {
        const note = document.getElementById("reports-map-note");
        if (!points.length) { note.textContent = el.dataset.empty; return; }
        const markers = points.map(function (p) {
          const m = L.circleMarker([p.lat, p.lon], { radius: 7, color: "#1d5fa8", weight: 2, className: "report-marker" });
          const text = document.createElement("span");
          text.textContent = p.number + " · " + p.kind + " · " + p.status;
          m.bindPopup(text);
          return m.addTo(map);
        });
        map.fitBounds(L.featureGroup(markers).getBounds().pad(0.3));
        el.dataset.markers = String(markers.length);
      });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
