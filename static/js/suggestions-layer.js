// The suggestions layer of a map: asks the viewport endpoint for clusters (low zoom, dense
// areas) or points (close up) as the map moves, so a city with 100,000 suggestions stays fluid:
// the page never holds more than about 2,000 markers. A button toggles a heatmap.
(function () {
  "use strict";
  var COLOURS = { support: "#2e7d32", oppose: "#c62828", suggest: "#1565c0" };
  document.querySelectorAll("[data-viewport-url]").forEach(function (frame) {
    var map = window[frame.dataset.mapVar];
    if (!map) { return; }
    var base = frame.dataset.viewportUrl;
    var plan = frame.dataset.plan;
    var layer = L.layerGroup().addTo(map);
    var heat = null;
    var showHeat = false;
    var latest = 0;
    var lastData = null;

    function url() {
      var b = map.getBounds();
      var clamp = function (v, lo, hi) { return Math.max(lo, Math.min(hi, v)); };
      var bbox = [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
                  clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
        .map(function (v) { return v.toFixed(6); }).join(",");
      var sep = base.indexOf("?") >= 0 ? "&" : "?";
      var u = base + sep + "bbox=" + bbox + "&zoom=" + map.getZoom();
      if (plan) { u += "&plan=" + encodeURIComponent(plan); }
      return u;
    }

    function draw(data) {
      lastData = data;
      layer.clearLayers();
      frame.dataset.markers = String(data.features.length);
      frame.dataset.kind = data.kind;
      if (showHeat) { drawHeat(data); return; }
      data.features.forEach(function (f) {
        var c = f.geometry.coordinates;
        if (data.kind === "clusters" && f.properties.count > 1) {
          var n = f.properties.count;
          var size = Math.min(56, 22 + Math.round(Math.log(n + 1) * 6));
          var icon = L.divIcon({ className: "suggestion-cluster", iconSize: [size, size],
            html: "<span>" + String(n) + "</span>" });
          L.marker([c[1], c[0]], { icon: icon, keyboard: false }).addTo(layer)
            .on("click", function () { map.setView([c[1], c[0]], Math.min(map.getZoom() + 2, 18)); });
        } else {
          L.circleMarker([c[1], c[0]], { radius: 7, weight: 2, color: "#fff", fillOpacity: 0.9,
            fillColor: COLOURS[f.properties.stance] || "#555", className: "suggestion-point" })
            .addTo(layer)
            .on("click", function () { window.location.href = "/suggestions/" + f.properties.id; });
        }
      });
    }

    function drawHeat(data) {
      if (heat) { map.removeLayer(heat); }
      var points = data.features.map(function (f) {
        var c = f.geometry.coordinates;
        return [c[1], c[0], f.properties.count || 1];
      });
      var max = points.reduce(function (m, p) { return Math.max(m, p[2]); }, 1);
      heat = L.heatLayer(points, { radius: 25, max: max }).addTo(map);
    }

    function refresh() {
      var ticket = ++latest;
      fetch(url(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data && ticket === latest) { draw(data); } })
        .catch(function () { /* keep what is shown */ });
    }

    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "heat-toggle";
    toggle.textContent = frame.dataset.heatLabel || "Heatmap";
    toggle.setAttribute("aria-pressed", "false");
    toggle.addEventListener("click", function () {
      showHeat = !showHeat;
      toggle.setAttribute("aria-pressed", String(showHeat));
      if (!showHeat && heat) { map.removeLayer(heat); heat = null; }
      if (lastData) { draw(lastData); }
    });
    frame.appendChild(toggle);
    map.on("moveend", refresh);
    refresh();
  });
})();
