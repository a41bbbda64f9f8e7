/* geo311 supervisors' page: each crew's route and its numbered stops on the map (Leaflet,
   local). Texts are set with textContent; a stop's marker shows only its number. */
(function () {
  "use strict";
  var COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#b8860b", "#a6761d",
                "#666666"];

  function textNode(text) {
    var el = document.createElement("div");
    el.textContent = text;
    return el;
  }

  function drawRoutes(script) {
    var box = document.getElementById("route-map");
    if (typeof L === "undefined" || !box) { return; }
    var data = JSON.parse(script.textContent);
    var map = L.map(box, {attributionControl: false});
    var bounds = L.latLngBounds([]);
    data.routes.forEach(function (route) {
      if (route.coords.length < 2) { return; }
      var line = L.polyline(route.coords.map(function (c) { return [c[1], c[0]]; }),
        {color: COLORS[route.color % COLORS.length], weight: 4, opacity: 0.85,
         className: "route-line"}).addTo(map);
      line.bindTooltip(textNode(route.crew));
      bounds.extend(line.getBounds());
    });
    data.stops.forEach(function (stop) {
      var icon = L.divIcon({className: "stop-num crew-" + (stop.color % COLORS.length),
                            html: String(Number(stop.seq)), iconSize: [20, 20]});
      L.marker([stop.lat, stop.lon], {icon: icon, title: stop.crew + " " + stop.seq + ": " + stop.id,
                                      alt: stop.crew + " " + stop.seq})
        .bindTooltip(textNode(stop.crew + " · " + stop.seq + " · " + stop.id + " · " + stop.type +
                              " · " + stop.eta))
        .addTo(map);
      bounds.extend([stop.lat, stop.lon]);
    });
    if (bounds.isValid()) { map.fitBounds(bounds.pad(0.1), {maxZoom: 17}); }
    else { map.setView([0, 0], 2); }
    if (window.geo311Maps) { window.geo311Maps.addBasemap(map, document.body.dataset.basemap); }
    box.dataset.drawn = "1";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var script = document.querySelector("script.route-data");
    if (script) { drawRoutes(script); }
  });
})();
