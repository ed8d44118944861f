// Public portal: category search, and a map pin that works with or without map tiles.
(function () {
  "use strict";

  // Category filter: hide options (and empty groups) that do not match the typed text.
  var filter = document.getElementById("category-filter");
  var select = document.getElementById("id_category");
  if (filter && select) {
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      var firstMatch = null;
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        var groupHit = group.label.toLowerCase().indexOf(q) >= 0;
        var any = false;
        Array.prototype.forEach.call(group.querySelectorAll("option"), function (opt) {
          var hit = !q || groupHit || opt.textContent.toLowerCase().indexOf(q) >= 0;
          opt.hidden = !hit;
          opt.disabled = !hit;
          if (hit) { any = true; if (!firstMatch) { firstMatch = opt; } }
        });
        group.hidden = !any;
      });
      if (q && firstMatch && (select.selectedIndex <= 0 || select.options[select.selectedIndex].hidden)) {
        firstMatch.selected = true;
      }
    });
  }

  // Anonymous: the name and phone are not asked for.
  var anon = document.getElementById("id_anonymous");
  function syncAnon() {
    ["field-name"].forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { el.style.display = anon.checked ? "none" : ""; }
    });
    var note = document.getElementById("anonymous-note");
    if (note) { note.style.display = anon.checked ? "" : "none"; }
  }
  if (anon) { anon.addEventListener("change", syncAnon); syncAnon(); }

  // Map pin.
  var el = document.getElementById("map");
  var lat = document.getElementById("id_latitude");
  var lng = document.getElementById("id_longitude");
  if (!el || !lat || !lng || typeof L === "undefined") { return; }
  var center = (el.dataset.center || "30.2741,120.1551").split(",").map(Number);
  var map = L.map(el, { center: center, zoom: 14, attributionControl: !!el.dataset.tiles });
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  } else {
    // No tiles (closed network): a graticule every 0.005 degrees so that panning shows.
    var lines = [];
    for (var i = -40; i <= 40; i++) {
      var a = center[0] + i * 0.005, b = center[1] + i * 0.005;
      lines.push([[a, center[1] - 0.2], [a, center[1] + 0.2]]);
      lines.push([[center[0] - 0.2, b], [center[0] + 0.2, b]]);
    }
    L.polyline(lines, { color: "#c5ccd3", weight: 1, interactive: false }).addTo(map);
  }
  var marker = null;
  function place(latlng, fill) {
    if (!marker) {
      marker = L.circleMarker(latlng, { radius: 9, color: "#b3261e", fillColor: "#b3261e", fillOpacity: 0.6 }).addTo(map);
    } else {
      marker.setLatLng(latlng);
    }
    if (fill) {
      lat.value = latlng.lat.toFixed(6);
      lng.value = latlng.lng.toFixed(6);
    }
  }
  map.on("click", function (e) { place(e.latlng, true); });
  function fromInputs() {
    var a = parseFloat(lat.value), b = parseFloat(lng.value);
    if (isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
      place(L.latLng(a, b), false);
      map.panTo([a, b]);
    }
  }
  lat.addEventListener("change", fromInputs);
  lng.addEventListener("change", fromInputs);
  fromInputs();
  var clear = document.getElementById("clear-pin");
  if (clear) {
    clear.addEventListener("click", function () {
      if (marker) { map.removeLayer(marker); marker = null; }
      lat.value = ""; lng.value = "";
    });
  }
})();
