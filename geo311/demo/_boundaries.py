"""The city, its enclave, the neighboring agencies and the uncovered land.

Everything is cut from the same pieces so that shared borders use the same
edges: the city (with the enclave as its one hole), a ring of neighbor
polygons split by Voronoi cells around the city, the unincorporated county
area beyond them, a reservoir touching the city that no agency serves and,
outside the county line, land covered by no agency at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from geo311.demo._frame import stream, to_lonlat, xy_to_lonlat
from geo311.demo._shapes import blob, disk, star_polygon, voronoi_cells

CITY_ID = "rivergate"
CITY_NAME = "City of Rivergate"
CITY_CENTER = (300.0, -200.0)
ENCLAVE = ("millbrook", "Town of Millbrook", "(559) 555-0110")
NEIGHBORS = (
    ("ashford", "City of Ashford", "(559) 555-0111"),
    ("bellmont", "City of Bellmont", "(559) 555-0112"),
    ("cedar-springs", "City of Cedar Springs", "(559) 555-0113"),
    ("dunmore", "City of Dunmore", ""),
    ("fairhaven", "City of Fairhaven", "(559) 555-0115"),
    ("halston", "City of Halston", "(559) 555-0116"),
)
COUNTY = ("kessler-county", "Kessler County (unincorporated)", "(559) 555-0120")
#: ``contacts.csv``: fills Dunmore's empty phone, overrides two others' details.
CONTACTS = (
    ("dunmore", "City of Dunmore", "(559) 555-0114", "https://dunmore.example.gov"),
    ("ashford", "City of Ashford", "(559) 555-0119", "https://ashford.example.gov/311"),
    ("kessler-county", "Kessler County Public Works", "(559) 555-0121",
     "https://kessler-county.example.gov/public-works"),
)
LAKE_NAME = "Tamsen Reservoir"
#: Roles of the nine Voronoi cells around the city, counter-clockwise from a random angle.
_ROLES = ("city", "city", "county", "city", "city", "county", "city", "city", "county")
_DETACHED = 2  # index (among neighbor cities) of the city with a detached piece
#: Overlay precision in metres: snap rounding keeps the outputs valid after reprojection.
GRID = 1e-3


@dataclass(frozen=True)
class Place:
    """One agency polygon of the places layer (EPSG:4326)."""

    slug: str
    name: str
    type: str
    phone: str
    geom: BaseGeometry

    @property
    def url(self) -> str:
        """The agency's web address."""
        return f"https://{self.slug}.example.gov"


@dataclass(frozen=True)
class Region:
    """The demo region: boundaries in metres (``*_m``) and EPSG:4326.

    ``places`` lists the enclave first and the county area last.
    """

    city_outer_m: Polygon
    city_m: Polygon
    city: Polygon
    places: tuple[Place, ...]
    lake_m: Polygon
    urban_m: BaseGeometry
    extent_m: tuple[float, float, float, float]
    overlap: dict


def build_region(seed: int) -> Region:
    """Build the boundaries of the demo region.

    Parameters
    ----------
    seed : int
        Seed of the demo region.

    Returns
    -------
    Region
        City, enclave, neighbors, county area, reservoir and the urban area
        that gets a dense street grid.
    """
    rng = stream(seed, "boundaries")
    city_outer = _city_outline(rng)
    enclave = _enclave(rng, city_outer)
    metro = _union(
        star_polygon(rng, CITY_CENTER, 8200.0, wobble=0.18, jitter=0.02, n=200),
        city_outer.buffer(1800.0, quad_segs=4),
    )
    county = _county(rng)
    if not county.contains(metro.buffer(1500.0)):
        raise RuntimeError("county does not contain the metro area")

    n = len(_ROLES)
    angles = rng.uniform(0.0, 2.0 * np.pi) + np.arange(n) * 2.0 * np.pi / n
    angles = angles + rng.uniform(-0.15, 0.15, n)
    seeds = np.column_stack(
        [CITY_CENTER[0] + 7000.0 * np.cos(angles), CITY_CENTER[1] + 7000.0 * np.sin(angles)]
    )
    # The city centre is a seed too: nine co-circular seeds alone are degenerate.
    cells = voronoi_cells(np.vstack([seeds, [CITY_CENTER]]), county.buffer(5000.0))

    lake_angle = angles[_ROLES.index("county")]
    lake_center = _ray_hit(city_outer, lake_angle, extra=250.0)
    lake = _diff(blob(rng, lake_center, 850.0), city_outer)

    ring = _diff(metro, city_outer)
    city_pieces: list[Polygon] = []
    county_pieces: list[BaseGeometry] = [_diff(county, metro)]
    for role, cell in zip(_ROLES, cells[:-1], strict=True):
        piece = _diff(_inter(cell, ring), lake)
        if role == "county":
            county_pieces.append(piece)
            continue
        parts = sorted(shapely.get_parts(piece), key=lambda p: -p.area)
        city_pieces.append(parts[0])
        county_pieces.extend(parts[1:])

    city_angles = angles[[i for i, r in enumerate(_ROLES) if r == "city"]]
    detached = _detached_piece(rng, metro, county, city_angles[_DETACHED])
    county_area = _diff(shapely.union_all(county_pieces, grid_size=GRID), detached)
    bump, overlap = _overlap_bump(city_pieces[0], city_pieces[1], city_outer)
    claims = [enclave, _diff(city_outer, enclave), lake, county_area, detached, *city_pieces]
    faces, owner, in_bump = _partition(claims, bump)
    enclave, city, lake, county_area = (
        shapely.coverage_union_all(faces[owner == i]) for i in range(4)
    )
    pieces = [faces[owner == 5 + i] for i in range(len(city_pieces))]
    pieces[_DETACHED] = np.concatenate([pieces[_DETACHED], faces[owner == 4]])
    pieces[0] = np.concatenate([pieces[0], faces[in_bump & (owner == 6)]])
    city_pieces = [shapely.coverage_union_all(p) for p in pieces]

    city_outer = shapely.coverage_union(city, enclave)
    urban = _diff(_union(_inter(city_outer.buffer(1400.0), metro), detached), lake)
    places = [_place(ENCLAVE, "city", enclave)]
    places += [_place(n, "city", g) for n, g in zip(NEIGHBORS, city_pieces, strict=True)]
    places.append(_place(COUNTY, "county-area", county_area))
    city_ll = to_lonlat(city)
    for geom in [city, city_ll, lake] + [p.geom for p in places]:
        if not shapely.is_valid(geom):
            raise RuntimeError(f"generated an invalid boundary: {shapely.is_valid_reason(geom)}")
    xmin, ymin, xmax, ymax = county.bounds
    overlap["slugs"] = [NEIGHBORS[0][0], NEIGHBORS[1][0]]
    return Region(
        city_outer_m=city_outer,
        city_m=city,
        city=city_ll,
        places=tuple(places),
        lake_m=lake,
        urban_m=urban,
        extent_m=(xmin - 1600.0, ymin - 1600.0, xmax + 1600.0, ymax + 1600.0),
        overlap=overlap,
    )


def _partition(
    claims: list[BaseGeometry], bump: Polygon
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut the claims into faces of one noded linework so that borders share edges.

    Returns the faces, the index of the claim owning each face (-1 for none)
    and whether each face lies in the overlap bump.
    """
    lines = shapely.union_all([shapely.boundary(g) for g in [*claims, bump]], grid_size=GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    points = shapely.point_on_surface(faces)
    owner = np.full(faces.size, -1)
    for i, claim in enumerate(claims):
        owner[(owner < 0) & shapely.contains(claim, points)] = i
    return faces, owner, shapely.contains(bump, points)


def _union(a: BaseGeometry, b: BaseGeometry) -> BaseGeometry:
    return shapely.union(a, b, grid_size=GRID)


def _diff(a: BaseGeometry, b: BaseGeometry) -> BaseGeometry:
    return shapely.difference(a, b, grid_size=GRID)


def _inter(a: BaseGeometry, b: BaseGeometry) -> BaseGeometry:
    return shapely.intersection(a, b, grid_size=GRID)


def _place(ident: tuple[str, str, str], kind: str, geom_m: BaseGeometry) -> Place:
    slug, name, phone = ident
    return Place(slug, name, kind, phone, to_lonlat(geom_m))


def _city_outline(rng: np.random.Generator) -> Polygon:
    """A ragged star with one rectangular annexation sticking out of it."""
    star = star_polygon(rng, CITY_CENTER, 4700.0, wobble=0.3, jitter=0.035, n=260)
    cx, cy = _ray_hit(star, rng.uniform(0.0, 2.0 * np.pi), extra=450.0)
    outline = _union(star, box(cx - 800.0, cy - 600.0, cx + 800.0, cy + 600.0))
    if not isinstance(outline, Polygon):
        raise RuntimeError("city outline is not one polygon")
    return Polygon(outline.exterior)  # fill any pocket closed off by the annex


def _enclave(rng: np.random.Generator, city_outer: Polygon) -> Polygon:
    """A town well inside the city, away from downtown."""
    core = city_outer.buffer(-500.0)
    for _ in range(100):
        angle, dist = rng.uniform(0.0, 2.0 * np.pi), rng.uniform(1800.0, 2600.0)
        center = (dist * np.cos(angle), dist * np.sin(angle))
        town = star_polygon(rng, center, 950.0, wobble=0.2, jitter=0.03, n=120)
        if core.contains(town) and town.distance(Point(0.0, 0.0)) > 1200.0:
            return shapely.set_precision(town, GRID)
    raise RuntimeError("no room for the enclave")


def _county(rng: np.random.Generator) -> Polygon:
    """A rectangular county whose west line follows a meandering river."""
    xmin, ymin, xmax, ymax = -15500.0, -14000.0, 16500.0, 14500.0
    ys = np.linspace(ymax, ymin, 60)
    phase = rng.uniform(0.0, 2.0 * np.pi, 2)
    xs = xmin + 600.0 * np.sin(ys / 2300.0 + phase[0]) + 250.0 * np.sin(ys / 700.0 + phase[1])
    return shapely.set_precision(
        Polygon([(xmax, ymin), (xmax, ymax), *zip(xs, ys, strict=True)]), GRID
    )


def _ray_hit(poly: Polygon, angle: float, extra: float) -> tuple[float, float]:
    """The point ``extra`` metres beyond where a ray from the city centre leaves ``poly``."""
    direction = np.array([np.cos(angle), np.sin(angle)])
    ray = LineString([CITY_CENTER, tuple(np.array(CITY_CENTER) + 40000.0 * direction)])
    hits = shapely.get_parts(shapely.intersection(poly.exterior, ray))
    dist = max(Point(CITY_CENTER).distance(h) for h in hits) + extra
    x, y = np.array(CITY_CENTER) + dist * direction
    return float(x), float(y)


def _detached_piece(
    rng: np.random.Generator, metro: Polygon, county: Polygon, angle: float
) -> Polygon:
    """A detached piece of a neighbor city out in the county beyond the metro line."""
    for extra in (2300.0, 1900.0, 1500.0):
        piece = blob(rng, _ray_hit(metro, angle, extra), 750.0)
        if county.buffer(-500.0).contains(piece) and piece.distance(metro) > 400.0:
            return shapely.set_precision(piece, GRID)
    raise RuntimeError("no room for the detached piece")


def _overlap_bump(
    first: BaseGeometry, second: BaseGeometry, city_outer: Polygon
) -> tuple[Polygon, dict]:
    """A small piece of ``second`` that ``first`` will claim too (a deliberate overlap)."""
    shared = shapely.line_merge(shapely.intersection(first.boundary, second.boundary))
    line = max(shapely.get_parts(shared), key=lambda g: g.length)
    start, end = Point(line.coords[0]), Point(line.coords[-1])
    if end.distance(city_outer) < start.distance(city_outer):
        line = line.reverse()
    center = line.interpolate(0.6, normalized=True)
    bump = _inter(disk((center.x, center.y), 160.0), second)
    if bump.distance(city_outer) < 300.0:
        raise RuntimeError("overlap would touch the city")
    lon, lat = xy_to_lonlat(center.x, center.y)
    info = {"area_m2": round(float(bump.area), 1), "lon": round(float(lon), 6),
            "lat": round(float(lat), 6)}
    return bump, info
