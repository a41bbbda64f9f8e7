"""ZIP codes of the demo region: nearest-centre areas in town, one rural ZIP beyond."""

from __future__ import annotations

import numpy as np

from geo311.demo._boundaries import CITY_CENTER
from geo311.demo._frame import stream

URBAN_ZIPS = ("93690", "93691", "93692", "93693", "93694")
RURAL_ZIP = "93698"
_RURAL_RADIUS = 9500.0


class ZipMap:
    """Assign a ZIP code to any point in local metres."""

    def __init__(self, seed: int) -> None:
        rng = stream(seed, "zips")
        angles = rng.uniform(0.0, 2.0 * np.pi) + np.arange(4) * np.pi / 2.0
        ring = np.column_stack([3800.0 * np.cos(angles), 3800.0 * np.sin(angles)])
        self.centers = np.vstack([[0.0, 0.0], ring]) + np.array(CITY_CENTER)

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Return the ZIP code (5-digit string) of each point."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        d2 = (x[:, None] - self.centers[:, 0]) ** 2 + (y[:, None] - self.centers[:, 1]) ** 2
        zips = np.asarray(URBAN_ZIPS, dtype=object)[np.argmin(d2, axis=1)]
        rural = np.hypot(x - CITY_CENTER[0], y - CITY_CENTER[1]) > _RURAL_RADIUS
        zips[rural] = RURAL_ZIP
        return zips
