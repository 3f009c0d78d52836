// The district map (ato/district_map.html): the district's outline (or a circle at its capital
// when the boundaries have no polygon for it), its JASS as round markers and its water systems
// as square ones, coloured by how many risk signals fire and carrying that number, so colour is
// not the only cue. A tap opens a popup with the name, the signals in words and a link to the
// JASS (and, for a system, to its chlorine chart). No tile server and no request outside ATO:
// everything comes from mapa.json (#district-map-data's data-source), which the service worker
// keeps for the user's own district, so the map works offline. Words come from data-
// attributes and colours from CSS classes (static/css/district_map.css): the
// Content-Security-Policy needs no inline script or style. Loaded after Leaflet (`defer`).
(function () {
  "use strict";

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(url + ": " + response.status); }
        return response.json();
      });
  }

  function text(cfg, name) {
    return cfg.getAttribute("data-label-" + name) || "";
  }

  function anchor(parent, href, label, className) {
    var a = L.DomUtil.create("a", className, parent);
    a.href = href;
    a.textContent = label;
    return a;
  }

  // The popup of a point, built as DOM nodes with textContent: a name is never read as HTML.
  // A JASS's signals and status come as codes, their words once in data.labels; a system's
  // signals come as sentences (they carry its reading).
  function popupOf(cfg, labels, point, kind) {
    var box = L.DomUtil.create("div", "map-popup");
    L.DomUtil.create("strong", "", box).textContent = point.name;
    var what = kind === "jass" ? text(cfg, "jass") + " · " + (labels.statuses[point.status] || "")
      : text(cfg, "system") + " · " + point.jass;
    L.DomUtil.create("div", "map-popup-kind", box).textContent = what;
    if (point.level === "inactive") {
      L.DomUtil.create("div", "", box).textContent = text(cfg, "inactive-note");
    } else if (point.signals.length) {
      var list = L.DomUtil.create("ul", "map-popup-signals", box);
      point.signals.forEach(function (signal) {
        L.DomUtil.create("li", "", list).textContent =
          kind === "jass" ? labels.signals[signal] || signal : signal;
      });
    } else {
      L.DomUtil.create("div", "", box).textContent = text(cfg, "no-signals");
    }
    var links = L.DomUtil.create("div", "map-popup-links", box);
    anchor(links, point.url, text(cfg, "open-jass"), "map-open");
    if (point.chart_url) { anchor(links, point.chart_url, text(cfg, "open-chart"), "map-chart"); }
    return box;
  }

  // A marker: a 44-px touch target holding a smaller shape (circle: JASS, square: system) in
  // its level's colour, with the number of signals written in it.
  function markerOf(cfg, labels, point, kind) {
    var shape = document.createElement("span");
    shape.className = "map-shape";
    shape.textContent = point.level === "inactive" ? "–" : String(point.signals.length);
    var icon = L.divIcon({className: "map-point " + kind + " level-" + point.level, html: shape,
      iconSize: [44, 44], iconAnchor: [22, 22], popupAnchor: [0, -12]});
    // A JASS stays above the systems near it (Leaflet stacks by latitude otherwise).
    var marker = L.marker([point.lat, point.lon], {icon: icon, title: point.name,
      keyboard: true, riseOnHover: true, zIndexOffset: kind === "jass" ? 1000 : 0});
    marker.bindPopup(function () { return popupOf(cfg, labels, point, kind); },
      {maxWidth: 260, autoPanPadding: [12, 12]});
    return marker;
  }

  function draw(el, cfg, data) {
    var map = L.map(el, {zoomSnap: 0.25, maxZoom: 18, attributionControl: true});
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(text(cfg, "attribution"));
    var outline = data.outline;
    var bounds = L.latLngBounds([]);
    var shapes = [];
    if (outline.geometry && outline.geometry.type !== "Point") {
      var area = L.geoJSON(outline, {interactive: false,
        style: {className: "district-outline", weight: 2}});
      shapes.push(area);
      bounds.extend(area.getBounds());
    } else if (outline.geometry) {
      // No polygon for this district: a circle of some 2 km around its capital (the page says so).
      var c = outline.geometry.coordinates;
      var capital = L.circle([c[1], c[0]], {radius: 2000, interactive: false,
        className: "district-capital"});
      shapes.push(capital);
      bounds.extend(capital.getLatLng());
    }
    var markers = [];
    data.jass.forEach(function (p) {
      markers.push([markerOf(cfg, data.labels, p, "jass"), p, "jass"]);
      bounds.extend([p.lat, p.lon]);
    });
    data.systems.forEach(function (p) {
      markers.push([markerOf(cfg, data.labels, p, "system"), p, "system"]);
      bounds.extend([p.lat, p.lon]);
    });
    // The map needs a view before its layers are drawn (Leaflet places markers on add).
    if (bounds.isValid() && !bounds.getNorthEast().equals(bounds.getSouthWest())) {
      map.fitBounds(bounds, {padding: [24, 24]});
    } else if (bounds.isValid()) {
      map.setView(bounds.getCenter(), 13);
    } else {
      map.setView([-9.19, -75.0152], 5);  // Peru, when there is nothing at all to show
    }
    shapes.forEach(function (s) { s.addTo(map); });
    markers.forEach(function (m) {
      m[0].addTo(map);
      var node = m[0].getElement();
      node.setAttribute("data-kind", m[2]);
      node.setAttribute("data-id", String(m[1].id));
      node.setAttribute("aria-label", m[1].name);
    });
    el.setAttribute("data-jass", String(data.jass.length));
    el.setAttribute("data-systems", String(data.systems.length));
    el.setAttribute("data-outline", outline.properties.kind);
    if (data.truncated.jass || data.truncated.systems) {
      var note = document.getElementById("district-map-truncated");
      if (note) { note.hidden = false; }
    }
    el.setAttribute("data-state", "ready");
  }

  function start(el, cfg) {
    el.setAttribute("role", "region");
    el.setAttribute("aria-label", text(cfg, "map"));
    el.setAttribute("data-state", "loading");
    getJSON(cfg.getAttribute("data-source")).then(function (data) {
      draw(el, cfg, data);
    }).catch(function (error) {
      el.setAttribute("data-state", "failed");
      el.textContent = text(cfg, "failed");
      if (window.console) { window.console.error(error); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("district-map");
    var cfg = document.getElementById("district-map-data");
    if (el && cfg && window.L) { start(el, cfg); }
  });
})();
