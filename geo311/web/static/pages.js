/* geo311 pages: maps (Leaflet, local), the live address check, copy buttons, the service
   filter. Text from the server is set with textContent; HTML comes only from the server's
   escaped templates. */
(function () {
  "use strict";
  var COLORS = {city: "#123c69", serving: "#a4000f", district: "#2a7f62", "other-side": "#b35c00"};

  function textNode(text) {
    var el = document.createElement("div");
    el.textContent = text;
    return el;
  }

  /* The maps drawn inside a root element, so that replacing its content removes them (and
     their window listeners and basemap requests) instead of leaking them. */
  var drawn = new WeakMap();

  function removeMaps(root) {
    (drawn.get(root) || []).forEach(function (map) { map.remove(); });
    drawn.delete(root);
  }

  function drawMaps(root) {
    if (typeof L === "undefined") { return; }
    root.querySelectorAll("script.map-data").forEach(function (script) {
      var box = script.previousElementSibling;
      if (!box || !box.classList.contains("map") || box.dataset.drawn) { return; }
      var data = JSON.parse(script.textContent);
      box.dataset.drawn = "1";
      var streets = document.body.dataset.basemap;
      var maps = drawn.get(root) || [];
      drawn.set(root, maps);
      if (data.fill) {
        var cells = L.map(box, {attributionControl: false});
        maps.push(cells);
        drawCells(cells, data.features || []);
        addBasemap(cells, streets);
        return;
      }
      var here = L.latLng(data.point[1], data.point[0]);
      var map = L.map(box, {attributionControl: false}).setView(here, data.zoom || 16);
      maps.push(map);
      addBasemap(map, streets);
      var bounds = L.latLngBounds(here, here);
      (data.features || []).forEach(function (f) {
        var p = f.properties || {};
        var layer = L.geoJSON(f, {style: {color: COLORS[p.role] || "#333", weight: p.role === "city" ? 3 : 2,
          fillOpacity: p.role === "city" ? 0.04 : 0.12, dashArray: p.role === "other-side" ? "6 4" : null, className: "shape-" + p.role}});
        var label = [p.layer, p.name, p.contact].filter(Boolean).join(" · ");
        layer.bindPopup(textNode(label));
        layer.addTo(map);
        if (p.role !== "city") { bounds.extend(layer.getBounds()); }
      });
      if (data.area) {
        L.circle(here, {radius: 120, color: "#a4000f", className: "shape-block"}).addTo(map);
      } else {
        L.circleMarker(here, {radius: 7, color: "#fff", weight: 2, fillColor: "#a4000f", fillOpacity: 1,
          className: "point-here"})
          .bindPopup(textNode(box.dataset.here || "")).addTo(map);
      }
      (data.points || []).forEach(function (pt) {
        L.circleMarker([pt.lat, pt.lon], {radius: 6, color: "#123c69", fillColor: "#ffd166", fillOpacity: 1,
          className: "point-other"})
          .bindPopup(textNode(pt.label)).addTo(map);
        bounds.extend([pt.lat, pt.lon]);
      });
      if (!data.zoom && !bounds.getNorthEast().equals(bounds.getSouthWest())) {
        map.fitBounds(bounds.pad(0.1), {maxZoom: 17});
      }
    });
  }

  var STREET_ZOOM = 15;
  var DEBOUNCE_MS = 50;   /* the live check: keys closer than this send one request, at the end */

  function addBasemap(map, url) {
    var tiles = document.body.dataset.tiles;
    if (tiles) {
      L.tileLayer(tiles, {maxZoom: 19}).addTo(map);
      L.control.attribution({prefix: false}).addAttribution(textNode(document.body.dataset.tilesAttribution).innerHTML).addTo(map);
    }
    if (!url) { return; }
    map.createPane("water").style.zIndex = 340;
    map.createPane("basemap").style.zIndex = 350;
    var labels = map.createPane("labels");  /* limit names above the data, never catching clicks */
    labels.style.zIndex = 450;
    labels.style.pointerEvents = "none";
    var water = L.layerGroup().addTo(map);
    var group = L.layerGroup().addTo(map);
    var serial = 0;
    var pending = null;
    function refresh() {
      var mine = ++serial;
      if (pending) { pending.abort(); }
      pending = new AbortController();
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
      fetch(url + "?bbox=" + bbox.join(","), {credentials: "same-origin", signal: pending.signal}).then(function (r) { return r.json(); }).then(function (data) {
        if (mine !== serial || !map.getContainer().isConnected) { return; }
        water.clearLayers();
        L.geoJSON(data.water, {pane: "water", interactive: false,
          style: {color: "#6a9ec9", weight: 2, fillColor: "#b9d6ee", fillOpacity: 0.9, className: "water"}}).addTo(water);
        group.clearLayers();
        var wide = map.getZoom() < STREET_ZOOM;
        L.geoJSON(data.limits, {pane: "basemap", interactive: false,
          style: {color: "#4a4a4a", weight: 1.5, dashArray: "4 3", fill: false, className: "limit"}}).addTo(group);
        (data.limits ? data.limits.features : []).forEach(function (f) {
          if (!wide) { return; }   /* at street zoom the street names speak */
          L.tooltip({permanent: true, direction: "center", className: "limit-label", pane: "labels"})
            .setLatLng([f.properties.label[1], f.properties.label[0]]).setContent(textNode(f.properties.name)).addTo(group);
        });
        if (wide) { return; }
        L.geoJSON(data.streets, {pane: "basemap", interactive: false,
          style: {color: "#a8a8a8", weight: 3, opacity: 0.9, className: "street"}}).addTo(group);
        data.labels.forEach(function (label) {
          L.tooltip({permanent: true, direction: "center", className: "street-label", pane: "basemap"})
            .setLatLng([label.lat, label.lon]).setContent(textNode(label.name)).addTo(group);
        });
      }).catch(ignoreAbort);
    }
    map.on("moveend", refresh);
    map.on("unload", function () { serial++; if (pending) { pending.abort(); } });
    refresh();
  }

  function ignoreAbort(error) {
    if (!error || error.name !== "AbortError") { throw error; }
  }

  function drawCells(map, features) {
    var layer = L.geoJSON({type: "FeatureCollection", features: features}, {
      style: function (f) {
        return {color: "#555", weight: 0.6, fillColor: f.properties.fill, fillOpacity: 0.75,
                className: "cell"};
      },
      onEachFeature: function (f, cell) {
        var p = f.properties;
        cell.bindPopup(textNode([p.name, p.requests_words || String(p.requests), p["class"]].filter(Boolean).join(" · ")));
      }
    }).addTo(map);
    if (features.length) { map.fitBounds(layer.getBounds()); } else { map.setView([0, 0], 2); }
  }

  function paintSwatches(root) {
    root.querySelectorAll(".swatch[data-color]").forEach(function (el) {
      el.style.background = el.dataset.color;
    });
  }

  function wireCopy(root) {
    root.querySelectorAll("button.copy").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copy);
        var status = button.nextElementSibling;
        var text = source ? source.textContent.trim() : "";
        function done(ok) { if (status) { status.textContent = ok ? "✓" : "✗"; } }
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(function () { done(true); }, function () {
            done(fallbackCopy(text));
          });
        } else {
          done(fallbackCopy(text));
        }
      });
    });
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  function wireSuggestions(root, input, check) {
    root.querySelectorAll("button.suggestion").forEach(function (button) {
      button.addEventListener("click", function () {
        var said = document.getElementById("said");  // the caller's words, for an alias
        if (said && input.value !== button.dataset.address) { said.value = input.value; }
        input.value = button.dataset.address;
        input.focus();
        if (check) { check(); }
      });
    });
  }

  function enhance(root, input, check) {
    paintSwatches(root);
    drawMaps(root);
    wireCopy(root);
    if (input) { wireSuggestions(root, input, check); }
  }

  /* After the next frame: the card's text is painted before its map is built. */
  function afterPaint(fn) {
    requestAnimationFrame(function () { setTimeout(fn, 0); });
  }

  function liveCheck(form) {
    var input = form.querySelector("input[data-check-url]");
    if (!input) { return null; }
    var target = document.getElementById("check");
    var zip = form.querySelector("#zip");
    var service = form.querySelector("#service_code");
    var timer = null;
    var serial = 0;
    var pending = null;   /* the check in flight: a newer one cancels it */
    var asked = null;     /* the URL of the check in flight or shown */
    function check() {
      clearTimeout(timer);
      var text = input.value.trim();
      var url = input.dataset.checkUrl + "?" + new URLSearchParams({address: text,
        zip: zip ? zip.value : "", service_code: service ? service.value : ""});
      if (text && url === asked) { return; }
      var mine = ++serial;
      if (pending) { pending.abort(); pending = null; }
      asked = text ? url : null;
      if (!text) { removeMaps(target); target.innerHTML = ""; return; }
      pending = new AbortController();
      fetch(url, {credentials: "same-origin", signal: pending.signal}).then(function (r) { return r.text(); }).then(function (html) {
        if (mine !== serial) { return; }
        pending = null;
        removeMaps(target);
        target.innerHTML = html;            /* server-rendered, autoescaped */
        target.dataset.checked = text;
        paintSwatches(target);
        wireCopy(target);
        wireSuggestions(target, input, check);
        afterPaint(function () { if (mine === serial) { drawMaps(target); } });
      }).catch(function (error) {
        if (mine === serial) { asked = null; }
        ignoreAbort(error);
      });
    }
    var typed = -Infinity;  /* when the text last changed */
    input.addEventListener("input", function () {
      /* after a pause the check goes at once; a burst of keys waits for its end */
      var now = performance.now(), pause = now - typed >= DEBOUNCE_MS;
      typed = now;
      clearTimeout(timer);
      if (pause) { check(); } else { timer = setTimeout(check, DEBOUNCE_MS); }
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); check(); }
    });
    if (service) { service.addEventListener("change", check); }
    return check;
  }

  function serviceChooser(form, onChange) {
    var select = form.querySelector("#service_code");
    if (!select) { return; }
    var filter = form.querySelector(".service-filter");
    if (filter) {
      filter.addEventListener("input", function () {
        var words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
        var first = null, named = null;
        select.querySelectorAll("option[data-search]").forEach(function (option) {
          var hit = words.every(function (w) { return option.dataset.search.indexOf(w) >= 0; });
          var byName = hit && words.every(function (w) {
            return option.textContent.toLowerCase().indexOf(w) >= 0;
          });
          option.hidden = !hit;
          option.disabled = !hit;
          if (hit && !first) { first = option; }
          if (byName && !named) { named = option; }
        });
        first = named || first;
        select.querySelectorAll("optgroup").forEach(function (group) {
          group.hidden = !group.querySelector("option:not([hidden])");
        });
        if (first && select.value !== first.value) {
          select.value = first.value;
          select.dispatchEvent(new Event("change"));
        }
      });
      filter.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.preventDefault(); select.focus(); }
      });
    }
    var box = document.getElementById("attributes");
    var serial = 0;
    select.addEventListener("change", function () {
      if (!box) { return; }
      var mine = ++serial;
      var url = select.dataset.formUrl + "?" + new URLSearchParams({service_code: select.value});
      fetch(url, {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
        if (mine !== serial) { return; }
        box.innerHTML = html;               /* server-rendered, autoescaped */
        box.dataset.service = select.value;
      });
    });
  }

  window.geo311Maps = {addBasemap: addBasemap};  /* for the supervisors' route map */

  document.addEventListener("DOMContentLoaded", function () {
    var input = null, check = null;
    document.querySelectorAll("form").forEach(function (form) {
      var c = liveCheck(form);
      if (c) { check = c; input = form.querySelector("input[data-check-url]"); }
      serviceChooser(form);
    });
    if (!input) { input = document.querySelector("form #address"); }
    enhance(document, input, check);
  });
})();
