"""Interpolation on hand-made geometry: house numbers along centrelines and between points."""

from __future__ import annotations

import numpy as np
import pytest

from geo311.address.interpolate import (
    LEFT,
    RIGHT,
    between_points,
    centerline_point,
    in_range,
    measure,
    point_along,
    side_of,
)
from geo311.address.reference import AddressReference


def test_in_range_checks_parity_and_order() -> None:
    assert in_range(101, 101, 199) and in_range(199, 199, 101) and in_range(150, 100, 199)
    assert not in_range(102, 101, 199) and not in_range(201, 101, 199)
    assert not in_range(5, -1, -1)
    assert side_of(51, (1, 99, 2, 100)) == LEFT and side_of(50, (1, 99, 2, 100)) == RIGHT
    assert side_of(101, (1, 99, 2, 100)) is None


def test_centerline_point_by_hand() -> None:
    line = np.array([[0.0, 0.0], [100.0, 0.0]])
    # 51 is odd: left range 1..99, fraction 50/98 of 100 m, 10 m to the left (north).
    assert centerline_point(line, (1, 99, 2, 100), 51) == pytest.approx((100 * 50 / 98, 10.0))
    # 50 is even: right range 2..100, fraction 48/98, 10 m to the right (south).
    assert centerline_point(line, (1, 99, 2, 100), 50) == pytest.approx((100 * 48 / 98, -10.0))
    # Ranges digitized against the numbers: 99 sits at the start.
    assert centerline_point(line, (99, 1, 100, 2), 99, offset_m=5) == pytest.approx((0.0, 5.0))
    # One address on a side: the middle of the segment.
    assert centerline_point(line, (7, 7, -1, -1), 7, offset_m=0) == pytest.approx((50.0, 0.0))
    # Wrong parity for the only side, or beyond the ranges: no point.
    assert centerline_point(line, (1, 99, -1, -1), 50) is None
    assert centerline_point(line, (1, 99, 2, 100), 101) is None


def test_point_along_a_bent_line() -> None:
    bent = np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]])
    # 150 m along: 50 m up the second leg, which runs north; its left is west.
    assert point_along(bent, 0.75, 10.0, LEFT) == pytest.approx((90.0, 50.0))
    assert point_along(bent, 0.75, 10.0, RIGHT) == pytest.approx((110.0, 50.0))
    assert point_along(bent, 0.25, 0.0) == pytest.approx((50.0, 0.0))
    assert point_along(bent, 1.5, 0.0) == pytest.approx((100.0, 100.0))  # clipped
    repeated = np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 0.0]])
    assert point_along(repeated, 1.0, 10.0, LEFT) == pytest.approx((100.0, 10.0))


def test_a_measured_line_places_the_same_floats_as_point_along(
        reference: AddressReference) -> None:
    # the matcher measures each centreline once: its points must not move by one ulp
    rng = np.random.default_rng(5)
    lines = [reference.segment_coords(j, metric=True)
             for j in range(0, len(reference.segment_vertices) - 1, 3)]
    for k in range(1500):
        line = rng.normal(0, 1000, (int(rng.integers(2, 7)), 2)) * rng.choice([1e-6, 1, 1e3])
        if k % 3 == 0:
            line[int(rng.integers(0, len(line)))] = line[0]  # a repeated vertex
        if k % 7 == 0:
            line[:] = line[0]  # no length at all
        lines.append(line)
    compared = 0
    for coords in lines:
        measured = measure(coords)
        for fraction in (*rng.random(3), 0.0, -0.0, 0.5, 1.0, -0.3, 1.7):
            for offset, side in ((10.0, LEFT), (10.0, RIGHT), (0.0, LEFT)):
                want = point_along(coords, fraction, offset, side)
                got = point_along(measured, fraction, offset, side)
                assert got == want and np.signbit(got).tolist() == np.signbit(want).tolist()
                compared += 1
    assert compared > 50_000
    for j in range(0, len(reference.segment_vertices) - 1, 25):  # as the matcher calls it
        ranges = tuple(int(r) for r in reference.segment_ranges[j])
        coords = reference.segment_coords(j, metric=True)
        measured = measure(coords)
        for number in range(max(min(ranges), 0), max(ranges) + 2, 7):
            assert (centerline_point(measured, ranges, number)
                    == centerline_point(coords, ranges, number))


def test_between_points_by_hand() -> None:
    numbers = np.array([10, 20, 40])
    coords = np.array([[0.0, 0.0], [10.0, 0.0], [30.0, 20.0]])
    assert between_points(numbers, coords, 30) == pytest.approx((20.0, 10.0))
    assert between_points(numbers, coords, 12) == pytest.approx((2.0, 0.0))
    assert between_points(numbers, coords, 20) is None  # known already
    assert between_points(numbers, coords, 8) is None
    assert between_points(numbers, coords, 42) is None
