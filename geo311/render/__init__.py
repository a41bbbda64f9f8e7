"""Presentation of geo311's results: pages and images, returned, never written.

Every function here returns ``str`` (HTML) or ``bytes`` (PNG, GeoTIFF); the caller
decides where it goes (the CLI writes it with :mod:`geo311.outputs`, a web view
returns it). The modules are imported on their own, as they pull in folium or
matplotlib:

- :mod:`~geo311.render.maps`: offline folium/Leaflet building blocks (layers, legends,
  the self-contained page with the vendored ``assets/``);
- :mod:`~geo311.render.hotspot_map`: the HTML map of a hot-spot analysis;
- :mod:`~geo311.render.static_map`: the same result as a PNG map;
- :mod:`~geo311.render.density`: a kernel density surface as GeoTIFF or PNG;
- :mod:`~geo311.render.report`: the reallocation report (HTML page and PNG chart);
- :mod:`~geo311.render._png`: PNG bytes of a matplotlib figure.

Render modules import :mod:`geo311.hotspots` (the statistics); never the reverse.
"""
