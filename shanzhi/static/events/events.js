/*
 * Event pages: the point map of the detail page, the pin map of the report forms and the
 * "use my location" button. Configured by data-* attributes; no inline script (CSP).
 *
 *   [data-sz-point-map]  data-lon, data-lat: one point (the event's position).
 *   [data-sz-pin-map]    click to place a pin; writes WGS-84 lon/lat into the inputs named by
 *                        data-lon-input / data-lat-input, and follows them when typed.
 *   [data-sz-locate]     navigator.geolocation into the same inputs.
 *   data-tile-url        a tile layer only when set (works with no internet otherwise).
 */
(function () {
  "use strict";

  var DEFAULT_CENTRE = [34.8, 117.3]; // 枣庄
  var DEFAULT_ZOOM = 10;

  function baseMap(el, centre, zoom) {
    var tileUrl = el.dataset.tileUrl || "";
    var map = L.map(el, { attributionControl: Boolean(tileUrl) }).setView(centre, zoom);
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 19, attribution: el.dataset.tileAttribution || "" }).addTo(map);
    }
    return map;
  }

  function pointMarker(latlng) {
    return L.circleMarker(latlng, { radius: 8, color: "#dc2626", weight: 2, fillOpacity: 0.6 });
  }

  function readPoint(lonInput, latInput) {
    var lon = parseFloat(lonInput.value);
    var lat = parseFloat(latInput.value);
    return isFinite(lon) && isFinite(lat) ? [lat, lon] : null;
  }

  function changed(input) {
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function initPointMap(el) {
    var lat = parseFloat(el.dataset.lat);
    var lon = parseFloat(el.dataset.lon);
    if (!isFinite(lat) || !isFinite(lon) || typeof L === "undefined") {
      return;
    }
    var map = baseMap(el, [lat, lon], 16);
    pointMarker([lat, lon]).addTo(map);
  }

  function initPinMap(el) {
    var lonInput = document.getElementById(el.dataset.lonInput);
    var latInput = document.getElementById(el.dataset.latInput);
    if (!lonInput || !latInput || typeof L === "undefined") {
      return;
    }
    var start = readPoint(lonInput, latInput);
    var map = baseMap(el, start || DEFAULT_CENTRE, start ? 16 : DEFAULT_ZOOM);
    var marker = start ? pointMarker(start).addTo(map) : null;

    function place(latlng) {
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = pointMarker(latlng).addTo(map);
      }
    }
    map.on("click", function (e) {
      lonInput.value = e.latlng.lng.toFixed(6);
      latInput.value = e.latlng.lat.toFixed(6);
      place(e.latlng);
      changed(lonInput);
    });
    function follow() {
      var point = readPoint(lonInput, latInput);
      if (point) {
        place(point);
        map.setView(point, Math.max(map.getZoom(), 15));
      }
    }
    lonInput.addEventListener("change", follow);
    latInput.addEventListener("change", follow);
  }

  function initLocate(button) {
    var lonInput = document.getElementById(button.dataset.lonInput);
    var latInput = document.getElementById(button.dataset.latInput);
    var status = document.getElementById(button.dataset.status || "");
    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }
    button.addEventListener("click", function () {
      if (!navigator.geolocation) {
        say(button.dataset.msgUnsupported || "");
        return;
      }
      say(button.dataset.msgLocating || "");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lonInput.value = position.coords.longitude.toFixed(6);
          latInput.value = position.coords.latitude.toFixed(6);
          say(button.dataset.msgDone || "");
          changed(lonInput);
        },
        function () {
          say(button.dataset.msgFailed || "");
        },
        { enableHighAccuracy: true, timeout: 15000 }
      );
    });
  }

  function init() {
    document.querySelectorAll("[data-sz-point-map]").forEach(initPointMap);
    document.querySelectorAll("[data-sz-pin-map]").forEach(initPinMap);
    document.querySelectorAll("[data-sz-locate]").forEach(initLocate);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
