"""Density exports: the GeoTIFF keeps the georeferencing and the values, the PNG is a PNG."""

from __future__ import annotations

import numpy as np
import rasterio
from numpy.testing import assert_allclose

from geo311.hotspots.kde import kde
from geo311.outputs import write_bytes
from geo311.render.density import density_geotiff, density_png

from ..hotspots.test_kde import clusters


def test_geotiff_reads_back_with_its_transform_crs_and_values(tmp_path):
    x, y = clusters(2000, seed=3)
    x, y = x + 380_000, y + 3_770_000
    density = kde(x, y, cell_m=100.0, bandwidth_m=800.0)
    path = write_bytes(tmp_path / "kde.tif", density_geotiff(density, "EPSG:32611"))
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 32611
        assert src.transform == density.transform
        assert src.res == (100.0, 100.0)
        assert_allclose(src.bounds, density.bounds)
        band = src.read(1)
        # the densest cell is where the data has it, at the same pixel
        row, col = np.unravel_index(np.argmax(density.values), density.values.shape)
        assert np.unravel_index(np.argmax(band), band.shape) == (row, col)
        cx, cy = src.xy(row, col)
        assert_allclose((cx, cy), (density.centres()[0][row, col], density.centres()[1][row, col]))
        assert_allclose(band, density.values, rtol=1e-6)


def test_png_is_written(tmp_path):
    x, y = clusters(2000, seed=4)
    path = write_bytes(tmp_path / "kde.png", density_png(kde(x, y, 100.0)))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
