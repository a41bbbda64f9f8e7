"""A deterministic generator of a realistic, fictional 311 region.

``generate_demo(out_dir)`` writes the City of Rivergate (California, fictional),
its neighbors, districts, streets, address points, service catalog and two
years of service requests, plus a geo311 profile that ties them together.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from tqdm import tqdm

from geo311.demo._addresses import COLUMNS, AddressBook, build_addresses
from geo311.demo._boundaries import (
    CITY_ID,
    CITY_NAME,
    CONTACTS,
    LAKE_NAME,
    Region,
    build_region,
)
from geo311.demo._catalog import CATALOG, EVEN_DEPARTMENT, catalog_table, staffing_table
from geo311.demo._definitions import definitions
from geo311.demo._districts import Districts, build_districts
from geo311.demo._frame import UTM_CRS, stream, to_lonlat
from geo311.demo._repeats import add_repeats
from geo311.demo._service_requests import DAYS, START, UTC_OFFSET, Requests, build_requests
from geo311.demo._streets import ALIASES, StreetNetwork, build_streets
from geo311.demo._water import build_water
from geo311.demo._writer import (
    PROFILE,
    readme,
    round_coords,
    write_csv,
    write_geojson,
    write_gpkg,
    write_json,
)

__all__ = ["generate_demo"]

_STAGES = ("boundaries", "streets", "addresses", "districts", "requests", "write")
_STREET_FIELDS = (
    "TLID", "FULLNAME", "PREDIR", "NAME", "SUFFIX", "LFROMADD", "LTOADD", "RFROMADD", "RTOADD",
    "ZIPL", "ZIPR", "MTFCC",
)


def generate_demo(
    out_dir: str | Path, seed: int = 311, n_requests: int = 120_000, progress: bool = False
) -> dict:
    """Generate the demo region into out_dir (created if needed); return a summary dict of counts.

    Parameters
    ----------
    out_dir : str or Path
        Directory to write into; existing demo files are overwritten.
    seed : int
        Seed of every random choice (non-negative, as numpy's generators take;
        ValueError otherwise); the same seed gives byte-identical files.
    n_requests : int
        Number of service requests to generate.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    dict
        Counts and names of what was generated (also summarised in README.md).
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tqdm(total=len(_STAGES), desc="demo", disable=not progress, file=sys.stderr) as bar:

        def step(upcoming: str) -> None:
            bar.update()
            bar.set_postfix_str(upcoming)

        bar.set_postfix_str(_STAGES[0])
        region = build_region(seed)
        step("streets")
        network = build_streets(seed, region)
        step("addresses")
        book = build_addresses(seed, region, network)
        step("districts")
        districts = build_districts(seed, region, book)
        step("requests")
        aliases: dict[str, list[str]] = {}
        for alias, street in ALIASES:
            aliases.setdefault(street, []).append(alias)
        requests = build_requests(seed, region, book, districts.address_ward, aliases, n_requests)
        requests = add_repeats(seed, book, districts.address_ward, aliases, requests)
        staffing = staffing_table(
            stream(seed, "staffing"),
            list(districts.wards["ward"]),
            requests.ward,
            requests.table["service_code"].to_numpy(),
        )
        step("write")
        summary = _summary(seed, region, network, book, districts, requests)
        _write(out, region, network, book, districts, requests, staffing, summary)
        step("done")
    return summary


def _write(
    out: Path,
    region: Region,
    network: StreetNetwork,
    book: AddressBook,
    districts: Districts,
    requests: Requests,
    staffing: pd.DataFrame,
    summary: dict,
) -> None:
    """Write every file of the demo region into ``out``."""
    city = gpd.GeoDataFrame({"id": [CITY_ID], "name": [CITY_NAME]}, geometry=[region.city])
    write_geojson(out / "city.geojson", city)
    places = gpd.GeoDataFrame(
        {
            "slug": [p.slug for p in region.places],
            "name": [p.name for p in region.places],
            "type": [p.type for p in region.places],
            "phone": [p.phone for p in region.places],
            "url": [p.url for p in region.places],
        },
        geometry=[p.geom for p in region.places],
    )
    write_geojson(out / "places.geojson", places)
    write_csv(out / "contacts.csv", pd.DataFrame(CONTACTS, columns=["id", "name", "phone", "url"]))
    write_geojson(out / "wards.geojson", districts.wards)
    write_geojson(out / "police.geojson", districts.police)
    write_gpkg(out / "sanitation.gpkg", "sanitation", districts.sanitation.to_crs(UTM_CRS))

    seg = network.segments.copy()
    seg.insert(0, "TLID", np.arange(1, len(seg) + 1) + 640_000_000)
    streets = gpd.GeoDataFrame(
        seg[list(_STREET_FIELDS)],
        geometry=round_coords(to_lonlat(network.geoms_m)),
        crs="EPSG:4326",
    )
    write_gpkg(out / "streets.gpkg", "streets", streets)
    write_geojson(out / "water.geojson", build_water(region, network))
    write_csv(out / "address_points.csv", book.table[list(COLUMNS)])
    write_csv(out / "aliases.csv", pd.DataFrame(ALIASES, columns=["alias", "street"]))
    write_csv(out / "service_catalog.csv", catalog_table())
    write_json(out / "service_definitions.json", definitions())
    write_csv(out / "staffing.csv", staffing)
    write_csv(out / "requests.csv", requests.table)
    write_csv(out / "requests_truth.csv", requests.truth)
    write_json(out / "hotspots_truth.json", requests.hotspots)
    (out / "profile.toml").write_text(PROFILE, encoding="utf-8")
    (out / "README.md").write_text(readme(summary), encoding="utf-8")


def _summary(
    seed: int,
    region: Region,
    network: StreetNetwork,
    book: AddressBook,
    districts: Districts,
    requests: Requests,
) -> dict:
    """Counts and names of the generated region."""
    places = region.places
    truth = requests.truth
    last = START.astype("datetime64[D]") + np.timedelta64(DAYS - 1, "D")
    return {
        "seed": seed,
        "city": {
            "id": CITY_ID,
            "name": CITY_NAME,
            "area_km2": round(float(shapely.area(region.city_m)) / 1e6, 1),
        },
        "enclave": places[0].name,
        "neighbors": [p.name for p in places[1:-1]],
        "county_area": places[-1].name,
        "places": len(places),
        "uncovered": f"{LAKE_NAME} (touching the city) and the land beyond the county line "
        "are covered by no agency.",
        "overlap": region.overlap,
        "wards": len(districts.wards),
        "police_divisions": len(districts.police),
        "sanitation_areas": len(districts.sanitation),
        "street_segments": len(network.segments),
        "address_points": len(book.table),
        "address_points_in_city": int((book.table["jurisdiction"] == CITY_ID).sum()),
        "service_types": len(CATALOG),
        "requests": len(requests.table),
        "requests_outside_city": int((~truth["in_city"]).sum()),
        "repeat_requests": int((truth["problem_id"] != truth["service_request_id"]).sum()),
        "hotspots": len(requests.hotspots),
        "period": [str(START.astype("datetime64[D]")), str(last)],
        "utc_offset": UTC_OFFSET,
        "even_department": EVEN_DEPARTMENT,
    }
