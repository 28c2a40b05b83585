// Builds CityPlanner's offline map from the JSON document in #cp-map-data (see html.py).
// Project text (layer names, field names, values, attribution) reaches the page only as DOM text
// (textContent) or, where Leaflet insists on markup (layer control, attribution), HTML-escaped.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("cp-map-data").textContent);

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  function popupFor(layer, i) {
    var table = document.createElement("table");
    table.className = "cp-popup";
    layer.fields.forEach(function (name, column) {
      var row = table.insertRow();
      var th = document.createElement("th");
      th.textContent = name;
      row.appendChild(th);
      row.insertCell().textContent = layer.values[column][i];
    });
    return table;
  }

  function styleOf(layer, i) {
    var style = Object.assign({}, layer.style);
    Object.keys(layer.featureStyle).forEach(function (key) {
      style[key] = layer.featureStyle[key][i];
    });
    return style;
  }

  function overlay(layer) {
    var features = layer.geometries.map(function (geometry, i) {
      return { type: "Feature", geometry: geometry, properties: { row: i } };
    });
    return L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: function (feature) { return styleOf(layer, feature.properties.row); },
      pointToLayer: function (feature, latlng) {
        // Circles, not Leaflet's pin: the pin's images are looked up by a path the page lacks.
        var style = styleOf(layer, feature.properties.row);
        return L.circleMarker(latlng, Object.assign({ fill: true }, style, layer.marker || {}));
      },
      onEachFeature: function (feature, item) {
        if (layer.fields.length) {
          item.bindPopup(function () { return popupFor(layer, feature.properties.row); }, { maxWidth: 400 });
        }
      },
    });
  }

  var map = L.map("cp-map", { zoomSnap: data.zoomSnap, zoomDelta: data.zoomSnap });
  L.control.scale().addTo(map);
  map.attributionControl.setPrefix("Leaflet");
  if (data.attribution) {
    map.attributionControl.addAttribution(escapeHtml(data.attribution));
  }
  var overlays = {};
  data.layers.forEach(function (layer) {
    var group = overlay(layer);
    if (layer.show) {
      group.addTo(map);
    }
    // The layer control writes names as markup, so they go in escaped.
    overlays[escapeHtml(layer.name)] = group;
  });
  // Collapsed to its icon (opens on hover or tap) so it does not hide the city.
  L.control.layers(null, overlays, { collapsed: true }).addTo(map);
  map.fitBounds(data.bounds, { padding: [data.padding, data.padding] });
})();
