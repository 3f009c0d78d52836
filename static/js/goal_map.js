// The goal map (incentives/goal_detail.html): every district coloured by its status in a run,
// with department and province outlines, a legend and a click that opens a popup with links to
// the district's result (or page) and to its public page. No tile server and no request outside
// ATO: the shapes are static files (static/geo/, built by scripts/build_geo.py) and the colours
// come from /metas/<code>/mapa.json?run=<id>. The map is
// drawn into #goal-map; its URLs and words are data- attributes of #goal-map-data
// (templates/incentives/_goal_map.html) and its colours CSS classes (static/css/ato.css), so
// the Content-Security-Policy needs no inline script or style. Loaded after Leaflet (`defer`).
(function () {
  "use strict";

  var STATUSES = ["met", "not_met", "not_evaluated", "out_of_scope", "hidden"];

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(url + ": " + response.status); }
        return response.json();
      });
  }

  function label(cfg, status) {
    return cfg.getAttribute("data-label-" + status.replace(/_/g, "-"));
  }

  // Where the district's popup leads: its result in the run when it has one, else the
  // district's page; nowhere for a district the user may not read. Its public page
  // (/publico/distritos/<ubigeo>/, no login) is open to everyone.
  function linkOf(data, code, status) {
    if (status === "met" || status === "not_met") {
      return data.result_url.replace(/000000\/$/, code + "/");
    }
    if (status === "hidden") { return null; }
    return data.district_url.replace(/000000\/$/, code + "/");
  }

  function anchor(parent, href, text, className) {
    var a = L.DomUtil.create("a", className, parent);
    a.href = href;
    a.textContent = text;
    return a;
  }

  // The popup a click opens: name, status, the district's result (or page) and its public page.
  // Built as DOM nodes with textContent, so a district's name is never read as HTML.
  function popupOf(cfg, data, code, status) {
    var box = L.DomUtil.create("div", "map-popup");
    var title = L.DomUtil.create("strong", "", box);
    title.textContent = data.names[code] ? data.names[code] + " (" + code + ")" : code;
    L.DomUtil.create("div", "", box).textContent = label(cfg, status);
    var links = L.DomUtil.create("div", "map-popup-links", box);
    var link = linkOf(data, code, status);
    if (link) {
      var own = status === "met" || status === "not_met" ? "data-label-open-result"
        : "data-label-open-district";
      anchor(links, link, cfg.getAttribute(own), "map-open");
    }
    anchor(links, data.public_url.replace(/000000\/$/, code + "/"),
      cfg.getAttribute("data-label-public"), "map-public");
    return box;
  }

  function legend(cfg, counts) {
    var control = L.control({position: "bottomright"});
    control.onAdd = function () {
      var box = L.DomUtil.create("div", "map-legend");
      STATUSES.forEach(function (status) {
        if (status === "hidden" && !counts.hidden) { return; }
        var row = L.DomUtil.create("div", "", box);
        L.DomUtil.create("span", "map-swatch " + status, row);
        row.appendChild(document.createTextNode(
          label(cfg, status) + " (" + (counts[status] || 0).toLocaleString(document.documentElement.lang || "es-PE") + ")"));
      });
      return box;
    };
    return control;
  }

  function draw(el, cfg, shapes, data) {
    var map = L.map(el, {zoomSnap: 0.25, minZoom: 4, maxZoom: 12, attributionControl: true});
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(cfg.getAttribute("data-attribution"));
    var counts = {hidden: 0};
    var drawn = 0;

    function decorate(feature, layer) {
      var code = feature.properties.code;
      var status = data.status[code] || "hidden";
      if (status === "hidden") { counts.hidden += 1; }
      var name = data.names[code];
      layer.bindTooltip((name ? name + " (" + code + ")" : code) + " · " + label(cfg, status),
        {sticky: true});
      layer.bindPopup(function () { return popupOf(cfg, data, code, status); },
        {maxWidth: 260, autoPanPadding: [12, 12]});
      drawn += 1;
    }

    function classOf(feature) {
      return "district " + (data.status[feature.properties.code] || "hidden");
    }

    var districts = shapes[0];
    var polygons = {type: "FeatureCollection", features: districts.features.filter(
      function (f) { return f.geometry.type !== "Point"; })};
    var points = {type: "FeatureCollection", features: districts.features.filter(
      function (f) { return f.geometry.type === "Point"; })};

    var area = L.geoJSON(polygons, {
      style: function (f) { return {className: classOf(f), weight: 0.4}; },
      onEachFeature: decorate
    }).addTo(map);
    L.geoJSON(shapes[1], {interactive: false, style: {className: "outline province", weight: 0.8,
      fill: false}}).addTo(map);
    var departments = L.geoJSON(shapes[2], {interactive: false, style: {
      className: "outline department", weight: 1.6, fill: false}}).addTo(map);
    // Districts with no polygon (created after 2007, or a null geometry in the source): a dot at
    // the capital, drawn last so that the outlines do not cover it.
    var dots = L.geoJSON(points, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {radius: 3.5, weight: 1, className: classOf(f) + " point"});
      },
      onEachFeature: decorate
    }).addTo(map);

    STATUSES.forEach(function (s) { if (s !== "hidden") { counts[s] = data.counts[s] || 0; } });
    legend(cfg, counts).addTo(map);
    // With the page filtered by a department, the map opens on it (the rest stays drawn).
    var focus = cfg.getAttribute("data-department");
    var bounds = area.getBounds();
    departments.eachLayer(function (layer) {
      if (focus && layer.feature.properties.code === focus) { bounds = layer.getBounds(); }
    });
    map.fitBounds(bounds);  // the map has a view now: Leaflet creates the shapes' elements
    // Each district's shape names its code, for tests and for anyone reading the page's DOM
    // (the tests find Cascas by it).
    [area, dots].forEach(function (group) {
      group.eachLayer(function (layer) {
        layer.getElement().setAttribute("data-ubigeo", layer.feature.properties.code);
      });
    });
    el.setAttribute("data-drawn", String(drawn));
    el.setAttribute("data-state", "ready");
  }

  function start(el, cfg) {
    el.setAttribute("role", "region");
    el.setAttribute("aria-label", cfg.getAttribute("data-label-map"));
    el.setAttribute("data-state", "loading");
    Promise.all([
      getJSON(cfg.getAttribute("data-districts")),
      getJSON(cfg.getAttribute("data-provinces")),
      getJSON(cfg.getAttribute("data-departments")),
      getJSON(cfg.getAttribute("data-source"))
    ]).then(function (all) {
      draw(el, cfg, all.slice(0, 3), all[3]);
    }).catch(function (error) {
      el.setAttribute("data-state", "failed");
      el.textContent = cfg.getAttribute("data-label-failed");
      if (window.console) { window.console.error(error); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("goal-map");
    var cfg = document.getElementById("goal-map-data");
    if (el && cfg && window.L) { start(el, cfg); }
  });
})();
