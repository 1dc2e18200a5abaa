/*
 * Shanzhi maps (Leaflet). Every map is a <div data-sz-map="..."> configured by data-*
 * attributes; there is no inline script (CSP script-src 'self').
 *
 *   data-sz-map="scope"     the areas and grids of the user's jurisdiction, from data-geojson-url;
 *                           clicking a grid opens a popup with its card (fetched as a partial).
 *   data-sz-map="boundary"  one area's boundary, from the json_script element named by
 *                           data-geojson-script (the public grid card, the area page).
 *
 * Without data-tile-url the map has no tile layer: boundaries on a plain background, so it
 * works with no internet. Colours of grid kinds come from CSS variables in app.css.
 */
(function () {
  "use strict";

  var GRID_LEVEL = 5;
  var LEVEL_STYLE = {
    1: { weight: 3, dashArray: null },
    2: { weight: 2.5, dashArray: null },
    3: { weight: 2, dashArray: "8 4" },
    4: { weight: 1.5, dashArray: "3 4" },
  };

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name);
    return value ? value.trim() : fallback;
  }

  function kindColour(kind) {
    return cssVar("--sz-grid-" + (kind || "basic"), "#2563eb");
  }

  function styleFor(feature) {
    var p = feature.properties || {};
    if (p.level === GRID_LEVEL) {
      var colour = kindColour(p.kind);
      return {
        color: colour,
        weight: 2,
        opacity: 0.9,
        fillColor: colour,
        fillOpacity: 0.25,
        className: "sz-area sz-grid sz-level-5 sz-kind-" + (p.kind || "basic"),
      };
    }
    var s = LEVEL_STYLE[p.level] || LEVEL_STYLE[4];
    return {
      color: cssVar("--sz-level-" + p.level, "#4b5563"),
      weight: s.weight,
      dashArray: s.dashArray,
      opacity: 0.9,
      fill: false,
      className: "sz-area sz-outline sz-level-" + p.level,
    };
  }

  function makeMap(el) {
    if (el.dataset.leafletImages) {
      L.Icon.Default.imagePath = el.dataset.leafletImages;
    }
    var tileUrl = el.dataset.tileUrl || "";
    var map = L.map(el, {
      minZoom: 3,
      maxZoom: 19,
      zoomSnap: 0.25,
      attributionControl: Boolean(tileUrl),
    });
    if (tileUrl) {
      L.tileLayer(tileUrl, {
        maxZoom: 19,
        attribution: el.dataset.tileAttribution || "",
      }).addTo(map);
    }
    return map;
  }

  function showNotice(el, text, kind) {
    var notice = el.dataset.notice ? document.getElementById(el.dataset.notice) : null;
    if (!notice) {
      return;
    }
    notice.textContent = text;
    notice.className = "sz-map-notice alert alert-" + (kind || "info") + " mt-2";
    notice.hidden = false;
  }

  function fallbackCard(p, el) {
    // Shown if the card cannot be fetched: built with textContent, never innerHTML.
    var box = document.createElement("div");
    box.className = "sz-grid-card";
    var title = document.createElement("h2");
    title.textContent = p.name;
    var code = document.createElement("div");
    code.className = "text-body-secondary small";
    code.textContent = p.code;
    box.appendChild(title);
    box.appendChild(code);
    if (p.card_url) {
      var link = document.createElement("a");
      link.href = p.card_url;
      link.textContent = el.dataset.textCard || "Card";
      box.appendChild(link);
    }
    return box;
  }

  function bindGridPopup(layer, feature, el, cache) {
    var p = feature.properties;
    var loading = document.createElement("div");
    loading.className = "sz-grid-card";
    loading.textContent = el.dataset.textLoading || "…";
    layer.bindPopup(loading, { maxWidth: 320, minWidth: 240, autoPanPadding: [16, 16] });
    layer.on("popupopen", function (event) {
      var popup = event.popup;
      if (!p.card_url) {
        popup.setContent(fallbackCard(p, el));
        return;
      }
      if (cache[p.card_url]) {
        popup.setContent(cache[p.card_url]);
        return;
      }
      var url = p.card_url + (p.card_url.indexOf("?") === -1 ? "?" : "&") + "partial=1";
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.text();
        })
        .then(function (html) {
          cache[p.card_url] = html;
          popup.setContent(html);
          popup.update();
        })
        .catch(function () {
          popup.setContent(fallbackCard(p, el));
        });
    });
    layer.on("mouseover", function () {
      layer.setStyle({ fillOpacity: 0.45, weight: 3 });
    });
    layer.on("mouseout", function () {
      layer.setStyle({ fillOpacity: 0.25, weight: 2 });
    });
  }

  function initScopeMap(el) {
    var map = makeMap(el);
    map.setView([34.8, 117.3], 9);
    var cache = {};
    fetch(el.dataset.geojsonUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json, application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        var features = (data.features || []).filter(function (f) {
          return f.geometry;
        });
        el.dataset.featureCount = String(features.length);
        if (!features.length) {
          showNotice(el, el.dataset.textEmpty || "", "info");
          el.dataset.state = "empty";
          return;
        }
        // One layer per level above grids, and one per grid kind: professional grids (a
        // department's own layer) overlap the basic ones, so they start hidden.
        var KIND_ORDER = { basic: 1, dedicated: 2, professional: 3 };
        var groups = {};
        features.forEach(function (f) {
          var p = f.properties;
          var key = p.level === GRID_LEVEL ? "5." + (KIND_ORDER[p.kind] || 9) : String(p.level);
          (groups[key] = groups[key] || []).push(f);
        });
        var overlays = {};
        var bounds = L.latLngBounds([]);
        Object.keys(groups)
          .sort(function (a, b) {
            return Number(a) - Number(b);
          })
          .forEach(function (key) {
            var items = groups[key];
            var level = items[0].properties.level;
            var isGrid = level === GRID_LEVEL;
            var hidden = isGrid && items[0].properties.kind === "professional";
            var label = isGrid || items.length <= 40;
            var layer = L.geoJSON(
              { type: "FeatureCollection", features: items },
              {
                style: styleFor,
                interactive: isGrid,
                onEachFeature: function (feature, featureLayer) {
                  if (isGrid) {
                    bindGridPopup(featureLayer, feature, el, cache);
                  } else if (label && level >= 3) {
                    featureLayer.bindTooltip(feature.properties.name, {
                      permanent: true,
                      direction: "center",
                      className: "sz-area-label",
                    });
                  }
                },
              }
            );
            if (!hidden) {
              layer.addTo(map);
            }
            layer.eachLayer(function (featureLayer) {
              var node = featureLayer.getElement && featureLayer.getElement();
              if (node) {
                node.setAttribute("data-code", featureLayer.feature.properties.code);
                node.setAttribute("data-name", featureLayer.feature.properties.name);
              }
            });
            if (isGrid && !hidden) {
              layer.bringToFront();
            }
            bounds.extend(layer.getBounds());
            var first = items[0].properties;
            var name = isGrid ? first.kind_label : first.level_label;
            overlays[name + " (" + items.length + ")"] = layer;
          });
        L.control
          .layers(null, overlays, { collapsed: window.innerWidth < 768 })
          .addTo(map);
        if (bounds.isValid()) {
          map.fitBounds(bounds, { padding: [20, 20] });
        }
        el.dataset.state = "ready";
      })
      .catch(function () {
        showNotice(el, el.dataset.textError || "", "danger");
        el.dataset.state = "error";
      });
  }

  function initBoundaryMap(el) {
    var source = document.getElementById(el.dataset.geojsonScript);
    var feature = source ? JSON.parse(source.textContent) : null;
    var map = makeMap(el);
    if (!feature || !feature.geometry) {
      map.setView([34.8, 117.3], 9);
      showNotice(el, el.dataset.textEmpty || "", "secondary");
      el.dataset.state = "empty";
      return;
    }
    var layer = L.geoJSON(feature, { style: styleFor, interactive: false }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [16, 16] });
    el.dataset.state = "ready";
  }

  function init() {
    if (typeof L === "undefined") {
      return;
    }
    document.querySelectorAll("[data-sz-map]").forEach(function (el) {
      if (el.dataset.szMap === "scope") {
        initScopeMap(el);
      } else if (el.dataset.szMap === "boundary") {
        initBoundaryMap(el);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
