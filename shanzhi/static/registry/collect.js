/*
 * Collection forms: the "使用我的位置" button fills longitude and latitude from the phone's
 * position (navigator.geolocation answers in WGS-84) and sets the coordinate system to
 * WGS-84; the server then locates the grid. Configured by data-* attributes, no inline script.
 *
 *   <button data-sz-geolocate data-lon="id_lon" data-lat="id_lat" data-crs="id_crs"
 *           data-status="sz-geo-status" data-text-busy=… data-text-done=…
 *           data-text-denied=… data-text-unsupported=…>
 */
(function () {
  "use strict";

  function say(button, text, kind) {
    var status = document.getElementById(button.dataset.status);
    if (!status) {
      return;
    }
    status.textContent = text;
    status.className = "small mb-2 text-" + kind;
    status.hidden = false;
  }

  function locate(button) {
    if (!("geolocation" in navigator)) {
      say(button, button.dataset.textUnsupported || "", "danger");
      return;
    }
    button.disabled = true;
    say(button, button.dataset.textBusy || "", "body-secondary");
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var lon = document.getElementById(button.dataset.lon);
        var lat = document.getElementById(button.dataset.lat);
        var crs = document.getElementById(button.dataset.crs);
        if (lon && lat) {
          lon.value = position.coords.longitude.toFixed(7);
          lat.value = position.coords.latitude.toFixed(7);
        }
        if (crs) {
          crs.value = "wgs84";
        }
        button.disabled = false;
        say(button, button.dataset.textDone || "", "success");
      },
      function () {
        button.disabled = false;
        say(button, button.dataset.textDenied || "", "danger");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-sz-geolocate]");
    if (button) {
      event.preventDefault();
      locate(button);
    }
  });
})();
