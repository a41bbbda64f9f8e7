"""A kernel density surface as a GeoTIFF (for GIS) or a PNG (for people), as bytes.

The surface comes from :func:`~geo311.hotspots.kde.kde`; these functions return the
file's bytes and write nothing.
"""

from __future__ import annotations

import numpy as np
from pyproj import CRS

from geo311.hotspots.kde import Density
from geo311.render._png import figure_png

__all__ = ["density_geotiff", "density_png"]


def density_geotiff(density: Density, crs: CRS | str) -> bytes:
    """Return the density as a one-band float32 GeoTIFF (deflate).

    Parameters
    ----------
    density : Density
    crs : pyproj.CRS or str
        The metric CRS of the points the density was computed from.
    """
    from rasterio.io import MemoryFile

    n_rows, n_cols = density.values.shape
    profile = {
        "driver": "GTiff", "width": n_cols, "height": n_rows, "count": 1,
        "dtype": "float32", "crs": CRS.from_user_input(crs).to_wkt(),
        "transform": density.transform, "compress": "deflate",
    }
    with MemoryFile() as memory:
        with memory.open(**profile) as dst:
            dst.write(density.values.astype(np.float32), 1)
            dst.update_tags(units="points per square metre",
                            bandwidth_m=str(density.bandwidth_m))
        return bytes(memory.getbuffer())


def density_png(density: Density, cmap: str = "magma", title: str = "") -> bytes:
    """Return the density (per km², colour bar included) drawn as a PNG."""
    from matplotlib.figure import Figure

    xmin, ymin, xmax, ymax = density.bounds
    fig = Figure(figsize=(8, 8), dpi=100, layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(density.values * 1e6, extent=(xmin, xmax, ymin, ymax), cmap=cmap,
                      origin="upper")
    fig.colorbar(image, ax=ax, shrink=0.8, label="per km²")
    ax.set_title(title or f"Kernel density, bandwidth {density.bandwidth_m:,.0f} m")
    ax.set_aspect("equal")
    return figure_png(fig)
