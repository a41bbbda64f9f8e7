"""Crossings of point lines (a reference of address points only) and abbreviation aliases.

Oracles: the analytic crossing of the lines the points were drawn from (computed here with
plain algebra on the generating parameters), and the street names given.
"""

from __future__ import annotations

import numpy as np
import pytest

from geo311.address.aliases import abbreviation_aliases, field_aliases
from geo311.address.intersections import cross_point_lines, fit_line


def _street(start: tuple[float, float], angle_deg: float, length: float, n: int,
            noise: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` points along a straight street, scattered ``noise`` metres across it."""
    direction = np.array([np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))])
    normal = np.array([-direction[1], direction[0]])
    along = rng.uniform(0, length, n)
    return (np.asarray(start) + along[:, None] * direction
            + rng.normal(0, noise, n)[:, None] * normal)


@pytest.mark.parametrize("seed", range(5))
def test_two_straight_streets_cross_where_their_lines_do(seed):
    rng = np.random.default_rng(seed)
    angle = rng.uniform(30, 150)
    first = _street((-800.0, 0.0), 0.0, 1600.0, 12, 15.0, rng)  # the x axis
    # the second street passes through (c, 0) at ``angle``, its points on both sides of it
    c = rng.uniform(-300, 300)
    d = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
    second = _street((c - 700 * d[0], -700 * d[1]), angle, 1400.0, 10, 15.0, rng)
    found = cross_point_lines(first, second)
    assert found is not None
    error = np.hypot(found.x - c, found.y)
    assert error < 25 and found.precision_m >= error


def test_a_bending_street_crosses_at_its_local_direction():
    rng = np.random.default_rng(7)
    # a 4 km street bending through 60 degrees (an arc of radius 4 km), and a straight
    # street crossing it where the arc passes through (0, 0)
    radius = 4000.0
    t = rng.uniform(-0.5, 0.5, 40)
    arc = np.column_stack([radius * np.sin(t), radius * (1 - np.cos(t))])
    cross = _street((0.0, -600.0), 90.0, 1200.0, 10, 5.0, rng)
    assert fit_line(arc).rms_m > 100  # as a whole, no straight line
    found = cross_point_lines(arc, cross)
    assert found is not None
    error = np.hypot(found.x, found.y)  # the chord of 1 km sags ~31 m from the arc
    assert error < 40 and error <= found.precision_m


def test_parallel_or_unstraight_streets_have_no_crossing():
    rng = np.random.default_rng(3)
    first = _street((0.0, 0.0), 0.0, 1000.0, 10, 5.0, rng)
    parallel = _street((0.0, 200.0), 5.0, 1000.0, 10, 5.0, rng)
    assert cross_point_lines(first, parallel) is None
    scattered = rng.uniform(-500, 500, (12, 2))  # no line at all
    assert cross_point_lines(first, scattered + [500, 0]) is None
    assert cross_point_lines(first, first[:1]) is None  # one point is no line


def test_abbreviations_alias_both_ways_and_never_shadow_a_street():
    streets = {("MASSACHUSETTS", "AVE"), ("MEMORIAL", "DR"), ("JFK", "ST"),
               ("MONSIGNOR OBRIEN", "HWY"), ("MEMORIAL", "PL")}
    aliases = abbreviation_aliases(streets)
    assert aliases[("MASS", "AVE")] == ("MASSACHUSETTS", "AVE")
    assert aliases[("MEM", "DR")] == ("MEMORIAL", "DR")
    assert aliases[("JOHN F KENNEDY", "ST")] == ("JFK", "ST")
    assert aliases[("MSGR OBRIEN", "HWY")] == ("MONSIGNOR OBRIEN", "HWY")
    assert aliases[("OBRIEN", "HWY")] == ("MONSIGNOR OBRIEN", "HWY")
    assert aliases[("MEM", "PL")] == ("MEMORIAL", "PL")  # each suffix its own
    # a variant that is a street's name is no alias, whatever the suffix
    shadowed = abbreviation_aliases(streets | {("MASS", "ST")})
    assert not any(name == "MASS" for name, _ in shadowed)
    assert not {name for name, _ in aliases} & {name for name, _ in streets}


def test_alternate_names_split_on_commas_and_a_name_two_streets_carry_is_none():
    def parse_street(text):
        *name, suffix = text.upper().split()
        return (None, " ".join(name), suffix, None)

    pairs = [("Edwin H Land Blvd, Commercial Ave", ("LAND", "BLVD")),
             ("Industrial Park Rd", ("EDUCATION", "ST")),
             ("Industrial Park Rd", ("MUSEUM", "WAY")),
             ("Land Blvd", ("LAND", "BLVD"))]
    aliases = field_aliases(pairs, parse_street)
    assert aliases == {("EDWIN H LAND", "BLVD"): ("LAND", "BLVD"),
                       ("COMMERCIAL", "AVE"): ("LAND", "BLVD")}
