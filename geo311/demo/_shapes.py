"""Irregular polygon primitives in local metres."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon


def star_polygon(
    rng: np.random.Generator,
    center: tuple[float, float],
    radius: float,
    wobble: float = 0.25,
    jitter: float = 0.03,
    n: int = 240,
) -> Polygon:
    """Return a noisy star-shaped polygon around ``center``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the random harmonics and jitter.
    center : tuple of float
        Centre ``(x, y)`` in metres.
    radius : float
        Mean radius in metres.
    wobble : float
        Total relative amplitude of the low harmonics (below 0.6 keeps the
        shape star-shaped).
    jitter : float
        Relative amplitude of the smoothed vertex noise that makes edges ragged.
    n : int
        Number of vertices.

    Returns
    -------
    shapely.Polygon
        A valid simple polygon.
    """
    theta = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    orders = np.array([2, 3, 5, 7])
    weights = rng.dirichlet(np.ones(orders.size)) * wobble
    phases = rng.uniform(0.0, 2.0 * np.pi, orders.size)
    r = 1.0 + (weights[:, None] * np.sin(orders[:, None] * theta + phases[:, None])).sum(axis=0)
    noise = rng.normal(0.0, 1.0, n)
    noise = (noise + np.roll(noise, 1) + np.roll(noise, -1)) / 3.0
    r = radius * r * (1.0 + jitter * noise)
    return Polygon(np.column_stack([center[0] + r * np.cos(theta), center[1] + r * np.sin(theta)]))


def blob(rng: np.random.Generator, center: tuple[float, float], radius: float) -> Polygon:
    """Return a small, gently irregular polygon (a lake or a detached town piece)."""
    return star_polygon(rng, center, radius, wobble=0.2, jitter=0.02, n=72)


def disk(center: tuple[float, float], radius: float) -> Polygon:
    """Return a circle approximated by a 64-gon."""
    return shapely.buffer(Point(center), radius, quad_segs=16)


def voronoi_cells(points: np.ndarray, extent: shapely.Geometry) -> list[Polygon]:
    """Return the Voronoi cell of each point, in the order of ``points``.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, 2)`` array of distinct seed points.
    extent : shapely.Geometry
        The cells are extended to (at least) the envelope of this geometry.

    Returns
    -------
    list of shapely.Polygon
        ``cells[i]`` contains ``points[i]``.
    """
    cells = list(
        shapely.voronoi_polygons(MultiPoint(points), extend_to=extent, ordered=True).geoms
    )
    if not all(c.contains(Point(p)) for c, p in zip(cells, points, strict=True)):
        raise RuntimeError("degenerate Voronoi diagram")
    return cells
