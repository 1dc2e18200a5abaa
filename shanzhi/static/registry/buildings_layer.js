/*
 * Buildings layer (楼栋图层) for the jurisdiction map, switched on and off by a checkbox on
 * the map. Include it after leaflet.js on the map page; its settings are data-* attributes of
 * its own <script> element (no inline script, CSP):
 *
 *   <script src="…/registry/buildings_layer.js" data-url="/registry/map/buildings.geojson"
 *           data-text-label="楼栋" data-text-open="查看楼栋" data-text-floors="层"
 *           data-text-error="…"></script>
 *
 * It hooks into every Leaflet map created on a container with data-sz-map="scope"
 * (L.Map.addInitHook), so shanzhi/map.js needs no change. While the layer is on, the buildings
 * of the visible box are fetched after every move (?bbox=minLon,minLat,maxLon,maxLat, WGS-84);
 * past the server's limit it answers 400 {"code": "too_many", "error": "…"} and the control
 * shows that message ("zoom in"). The container's data-buildings-state is "loading", "ready",
 * "too_many", "error" or "off", and data-building-count the number drawn (for tests).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (typeof L === "undefined" || !script || !script.dataset.url) {
    return;
  }
  var config = script.dataset;
  var COLOUR = "#b45309";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function popupContent(p) {
    // Built with textContent, never innerHTML: names and addresses are user input.
    var box = element("div", "sz-building-card");
    box.appendChild(element("strong", "d-block", p.name));
    box.appendChild(element("div", "small text-body-secondary font-monospace", p.code));
    box.appendChild(element("div", "", p.address));
    box.appendChild(
      element("div", "small", p.grid + " · " + p.use + " · " + p.floors + (config.textFloors || ""))
    );
    var link = element("a", "", config.textOpen || "→");
    link.href = p.url;
    link.setAttribute("data-action", "open-building");
    box.appendChild(link);
    return box;
  }

  function attach(map) {
    var el = map.getContainer();
    var layer = L.layerGroup();
    var seq = 0;
    var controller = null;

    var box = element("div", "leaflet-control-layers leaflet-control-layers-expanded sz-buildings-control");
    var label = element("label", "d-flex align-items-center gap-1 mb-0");
    var toggle = element("input", "form-check-input m-0");
    toggle.type = "checkbox";
    toggle.checked = true;
    toggle.id = "sz-buildings-toggle";
    label.appendChild(toggle);
    label.appendChild(element("span", "", config.textLabel || "Buildings"));
    var status = element("div", "small text-body-secondary sz-buildings-status");
    status.hidden = true;
    box.appendChild(label);
    box.appendChild(status);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);

    var control = L.control({ position: "topleft" });
    control.onAdd = function () {
      return box;
    };
    control.addTo(map);

    function state(name, message) {
      el.dataset.buildingsState = name;
      status.textContent = message || "";
      status.hidden = !message;
    }

    function draw(features) {
      layer.clearLayers();
      features.forEach(function (f) {
        var c = f.geometry && f.geometry.coordinates;
        if (!c) {
          return;
        }
        var marker = L.circleMarker([c[1], c[0]], {
          radius: 6,
          color: COLOUR,
          weight: 1.5,
          fillColor: COLOUR,
          fillOpacity: 0.75,
          className: "sz-building",
        });
        marker.bindPopup(popupContent(f.properties), { maxWidth: 280 });
        marker.on("add", function () {
          var node = marker.getElement();
          if (node) {
            node.setAttribute("data-code", f.properties.code);
          }
        });
        layer.addLayer(marker);
      });
      el.dataset.buildingCount = String(features.length);
    }

    function refresh() {
      if (!toggle.checked) {
        return;
      }
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (v, i) {
          var limit = i % 2 === 0 ? 180 : 90;
          return Math.max(-limit, Math.min(limit, v)).toFixed(6);
        })
        .join(",");
      var mine = ++seq;
      if (controller) {
        controller.abort();
      }
      controller = typeof AbortController === "undefined" ? null : new AbortController();
      state("loading", "");
      var url = config.url + (config.url.indexOf("?") === -1 ? "?" : "&") + "bbox=" + bbox;
      fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/geo+json, application/json" },
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          return response.json().then(function (body) {
            return { ok: response.ok, body: body };
          });
        })
        .then(function (result) {
          if (mine !== seq) {
            return;
          }
          if (!result.ok) {
            layer.clearLayers();
            el.dataset.buildingCount = "0";
            var tooMany = result.body && result.body.code === "too_many";
            state(tooMany ? "too_many" : "error", (result.body && result.body.error) || config.textError);
            return;
          }
          draw(result.body.features || []);
          state("ready", "");
        })
        .catch(function (error) {
          if (mine === seq && !(error && error.name === "AbortError")) {
            state("error", config.textError || "");
          }
        });
    }

    toggle.addEventListener("change", function () {
      if (toggle.checked) {
        layer.addTo(map);
        refresh();
      } else {
        seq++;
        map.removeLayer(layer);
        state("off", "");
      }
    });
    layer.addTo(map);
    map.on("moveend", refresh);
    refresh();
  }

  L.Map.addInitHook(function () {
    var map = this;
    if (map.getContainer().dataset.szMap !== "scope") {
      return;
    }
    // The map has no view until map.js sets one; wait for it.
    map.whenReady(function () {
      attach(map);
    });
  });
})();
