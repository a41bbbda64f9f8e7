"""Emerging hot spots: the cube, Mann-Kendall, per-step Gi* and ESRI's 16 patterns."""

from __future__ import annotations

from collections import Counter

import esda
import h3
import numpy as np
import pandas as pd
import pytest
from libpysal.weights import W
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse, stats

from geo311.errors import InputError
from geo311.hotspots.binning import hex_centroids, hex_counts, project_lonlat
from geo311.hotspots.emerging import (
    CATEGORIES,
    MIN_STEPS,
    SpaceTimeCube,
    classify_patterns,
    emerging_hotspots,
    mann_kendall,
    space_time_counts,
    space_time_gi_star,
)
from geo311.hotspots.gistar import GiStar, gi_star_z
from geo311.hotspots.weights import distance_band, knn
from geo311.service.requests import load_requests

LA_REQUESTS = "los_angeles/311/myla311_2017-12-27_to_2017-12-31_subset.csv"


def grid(side: int) -> tuple[np.ndarray, np.ndarray]:
    """Column and row of each cell of a ``side`` x ``side`` grid, row-major."""
    y, x = np.divmod(np.arange(side * side), side)
    return x.astype(float), y.astype(float)


# --- the space-time cube ---------------------------------------------------------------------


def test_months_are_calendar_months_and_empty_ones_are_kept():
    times = pd.to_datetime(pd.Series(["2024-01-31 23:59:59", "2024-02-01 00:00:00",
                                      "2024-05-15 12:00:00", "2024-01-01 00:00:00"]))
    cube = space_time_counts(np.array([0, 0, 2, 1]), times, n_cells=3)
    assert isinstance(cube, SpaceTimeCube)
    assert cube.step == "month"
    assert_array_equal(cube.steps, pd.date_range("2024-01-01", periods=5, freq="MS"))
    assert cube.counts.tolist() == [[1, 1, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 1]]
    assert cube.counts.dtype == np.int64
    assert (cube.skipped, cube.outside, cube.shape) == (0, 0, (3, 5))


def test_weeks_start_on_monday():
    # 2024-03-10 is a Sunday, 2024-03-11 a Monday.
    times = pd.to_datetime(pd.Series(["2024-03-10 23:59:59", "2024-03-11 00:00:00",
                                      "2024-03-04 00:00:00", "2024-03-27 08:00:00"]))
    cube = space_time_counts(np.zeros(4, dtype=int), times, n_cells=1, step="week")
    assert_array_equal(cube.steps, pd.to_datetime(["2024-03-04", "2024-03-11", "2024-03-18",
                                                   "2024-03-25"]))
    assert (cube.steps.day_of_week == 0).all()
    assert cube.counts.tolist() == [[2, 1, 0, 1]]


@pytest.mark.parametrize(("step", "period"), [("month", "M"), ("week", "W-SUN"), ("day", "D")])
def test_steps_equal_pandas_periods_before_and_after_1970(step, period):
    rng = np.random.default_rng(4)
    seconds = rng.integers(pd.Timestamp("1968-11-20").value // 10**9,
                           pd.Timestamp("1971-02-10").value // 10**9, 3000)
    times = pd.Series(pd.to_datetime(seconds, unit="s"))
    cells = rng.integers(0, 4, times.size)
    cube = space_time_counts(cells, times, n_cells=4, step=step)
    starts = times.dt.to_period(period).dt.start_time
    assert_array_equal(cube.steps, pd.period_range(starts.min(), starts.max(),
                                                   freq=period).start_time)
    expected = pd.crosstab(cells, starts).reindex(columns=cube.steps, fill_value=0)
    assert_array_equal(cube.counts, expected.to_numpy())


def test_nat_and_negative_cells_are_skipped_and_every_event_is_accounted_for():
    times = pd.Series(pd.to_datetime(["2024-01-05", None, "2024-02-05", "2024-03-05",
                                      "2024-04-05", None]))
    cells = np.array([0, 1, -1, 1, 1, -1])
    cube = space_time_counts(cells, times, n_cells=2, start="2024-01-01", end="2024-04-01")
    assert cube.skipped == 3  # two NaT (one also outside any cell) and one cell -1
    assert cube.outside == 1  # April, at or after ``end``
    assert cube.counts.sum() + cube.skipped + cube.outside == len(times)
    assert cube.counts.tolist() == [[1, 0, 0], [0, 0, 1]]


def test_bounds_give_every_step_between_them_even_without_events():
    times = np.array(["2024-06-15T10:00"], dtype="datetime64[s]")
    cube = space_time_counts(np.array([0]), times, n_cells=2, step="week",
                             start="2024-05-29", end="2024-07-01")
    # From the week of Wed 29 May (Mon 27) to that of Sun 30 June (Mon 24): end is exclusive.
    assert_array_equal(cube.steps, pd.date_range("2024-05-27", "2024-06-24", freq="7D"))
    assert cube.counts.tolist() == [[0, 0, 1, 0, 0], [0] * 5]
    empty = space_time_counts(np.array([], dtype=int), np.array([], dtype="datetime64[ns]"),
                              n_cells=1, start="2024-01-01", end="2024-03-01")
    assert empty.counts.tolist() == [[0, 0]]


def test_tz_aware_times_are_binned_on_their_local_clock():
    utc = pd.Series(pd.to_datetime(["2024-04-01 06:30", "2024-04-01 07:30",
                                    "2024-03-10 07:59", "2024-03-10 08:00"], utc=True))
    local = utc.dt.tz_convert("America/Los_Angeles")  # 23:30 PDT on 31 March, 00:30 on 1 April
    months = space_time_counts(np.zeros(4, dtype=int), local, n_cells=1)
    assert str(months.steps.tz) == "America/Los_Angeles"
    assert months.steps[0] == pd.Timestamp("2024-03-01", tz="America/Los_Angeles")
    assert months.counts.tolist() == [[3, 1]]
    # Clocks went forward on Sunday 10 March 2024: 07:59 and 08:00 UTC are 23:59 on Saturday 9
    # and 00:00 on Sunday 10, local time. A naive bound is local time.
    days = space_time_counts(np.zeros(4, dtype=int), local, n_cells=1, step="day",
                             start=pd.Timestamp("2024-03-09"), end="2024-03-11")
    assert days.counts.tolist() == [[1, 1]]
    assert days.outside == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"step": "year"}, "unknown time step"),
        ({"cell_index": np.array([0, 1])}, "cell indices"),
        ({"cell_index": np.array([0, 5, 1])}, "out of range"),
        ({"cell_index": np.array([0.0, 1.0, 1.0])}, "integers"),
        ({"times": np.array(["2024-01-01", "2024-02-01", "2024-03-01"])}, "datetime64"),
        ({"start": "2024-03-01", "end": "2024-01-01"}, "not before"),
        ({"n_cells": 0}, "positive"),
    ],
    ids=["unknown-step", "length-mismatch", "cell-out-of-range", "float-cells", "strings",
         "reversed-bounds", "no-cells"],
)
def test_bad_cube_input_raises_input_error(kwargs, message):
    arguments = {"cell_index": np.array([0, 1, 1]),
                 "times": pd.Series(pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])),
                 "n_cells": 2, **kwargs}
    with pytest.raises(InputError, match=message):
        space_time_counts(**arguments)


def test_a_cube_without_events_or_bounds_raises_input_error():
    with pytest.raises(InputError, match="no event"):
        space_time_counts(np.array([-1]), pd.Series(pd.to_datetime(["2024-01-01"])), 2)


# --- Mann-Kendall ----------------------------------------------------------------------------


def test_mann_kendall_of_a_hand_computed_series():
    # [1, 3, 2, 4, 4]: increasing pairs (1,3) (1,2) (1,4) (1,4) (3,4) (3,4) (2,4) (2,4),
    # decreasing (3,2), tied (4,4): S = 8 - 1 = 7.
    s, z, p, tau = mann_kendall([1, 3, 2, 4, 4])
    variance = (5 * 4 * 15 - 2 * 1 * 9) / 18  # one tie group of 2
    assert s == 7
    assert z == pytest.approx((7 - 1) / np.sqrt(variance), rel=1e-12)
    assert p == pytest.approx(2 * stats.norm.sf((7 - 1) / np.sqrt(variance)), rel=1e-9)
    assert tau == pytest.approx(7 / np.sqrt(10 * (10 - 1)), rel=1e-12)  # tau-b, 1 tied pair
    # Strictly decreasing, n = 10: S = -45, Var = 10 x 9 x 25 / 18 = 125, tau = -1.
    result = mann_kendall(np.arange(10.0)[::-1][None, :])
    assert_allclose([result.s[0], result.z[0], result.tau[0]], [-45, -44 / np.sqrt(125), -1])


def test_mann_kendall_matches_scipy_kendalltau_against_time():
    rng = np.random.default_rng(8)
    rows = np.vstack([rng.normal(size=(30, 24)),  # no ties
                      rng.integers(0, 4, size=(30, 24)),  # many ties
                      np.cumsum(rng.normal(0.3, 1, size=(30, 24)), axis=1)])  # trends
    ours = mann_kendall(rows)
    time_ = np.arange(24)
    for i, row in enumerate(rows):
        reference = stats.kendalltau(time_, row, method="asymptotic")
        assert ours.tau[i] == pytest.approx(reference.statistic, rel=1e-12, abs=1e-15)
        # scipy's asymptotic z is S / sqrt(Var S) without continuity correction: ours is
        # that times (1 - 1 / |S|), so our p-value is a little larger than scipy's.
        z_scipy = np.sign(ours.s[i]) * stats.norm.isf(reference.pvalue / 2)
        shrink = (abs(ours.s[i]) - 1) / abs(ours.s[i]) if ours.s[i] else 0.0
        assert ours.z[i] == pytest.approx(z_scipy * shrink, rel=1e-6, abs=1e-9)
        assert reference.pvalue <= ours.p[i] <= reference.pvalue + 0.06
    exact = [stats.kendalltau(time_, row).pvalue for row in rows[:30]]  # scipy: exact p
    print(f"max |p - scipy exact p| without ties: {np.abs(ours.p[:30] - exact).max():.4f}")
    assert_allclose(ours.p[:30], exact, atol=0.02)


def test_mann_kendall_vectorized_equals_one_series_at_a_time_and_a_constant_has_no_trend():
    rng = np.random.default_rng(9)
    rows = rng.integers(0, 6, size=(50, 13)).astype(float)
    rows[7] = 3.0
    ours = mann_kendall(rows)
    for i in (0, 7, 31):
        single = mann_kendall(rows[i])
        assert (single.s, single.z, single.p, single.tau) == (
            ours.s[i], ours.z[i], ours.p[i], ours.tau[i])
    assert (ours.s[7], ours.z[7], ours.p[7], ours.tau[7]) == (0, 0, 1, 0)


@pytest.mark.parametrize("series", [[1.0], [[1.0, np.nan, 2.0]], np.zeros((2, 2, 2))],
                         ids=["one-step", "nan", "3-d"])
def test_bad_mann_kendall_input_raises_input_error(series):
    with pytest.raises(InputError):
        mann_kendall(series)


# --- Gi* per time step -----------------------------------------------------------------------


@pytest.mark.parametrize("weights", [lambda x, y: distance_band(x, y, 1.5),
                                     lambda x, y: knn(x, y, 6)], ids=["queen-band", "knn-6"])
def test_each_step_is_exactly_gistar_on_its_column(weights):
    x, y = grid(20)
    w = weights(x, y)
    rng = np.random.default_rng(3)
    counts = rng.poisson(3.0, (400, 12))
    counts[(np.abs(x - 5) <= 1) & (np.abs(y - 5) <= 1), 6:] += 6
    counts[:, 4] = 2  # a constant step: z = 0, nothing significant
    result = emerging_hotspots(counts, w)
    for t in range(12):
        column = GiStar(counts[:, t], w)
        assert_array_equal(result.z[:, t], column.z)
        assert_array_equal(result.p[:, t], column.p)
        assert_array_equal(result.p_fdr[:, t], column.p_fdr)
        assert_array_equal(result.bin[:, t], column.bin)
    assert_array_equal(result.z[:, 4], 0.0)
    assert_array_equal(result.significant, np.abs(result.bin) >= 2)  # alpha 0.05 after FDR
    raw = emerging_hotspots(counts, w, fdr=False, alpha=0.1)
    assert_array_equal(raw.significant, raw.p <= 0.1)
    assert_array_equal(raw.bin[:, 7], GiStar(counts[:, 7], w, fdr=False).bin)
    # The trends are Mann-Kendall of the z-score and count series.
    for ours, series in ((result.trend, result.z), (result.count_trend, counts)):
        for got, expected in zip(ours, mann_kendall(series), strict=True):
            assert_array_equal(got, expected)


@pytest.mark.parametrize("time_window", [2, 3])
def test_a_time_window_is_gistar_on_the_stacked_steps_of_the_window(time_window):
    x, y = grid(8)
    w = distance_band(x, y, 1.5)
    counts = np.random.default_rng(5).poisson(2.0, (64, 6)).astype(float)
    z = space_time_gi_star(counts, w, time_window)
    for t in range(6):
        m = min(t + 1, time_window)  # fewer steps in the window at the start
        stacked = counts[:, t - m + 1:t + 1].T.ravel()  # step-major
        space_time_weights = sparse.kron(np.ones((m, m)), w)
        assert_allclose(z[:, t], gi_star_z(stacked, space_time_weights)[-64:], rtol=1e-12,
                        atol=1e-12)
    assert_array_equal(space_time_gi_star(counts, w, 1)[:, 0], z[:, 0])


def test_ten_thousand_cells_by_24_steps_give_a_z_per_cell_and_step():
    """The size of bench/bench_units.py's timing (measured there, not here)."""
    x, y = grid(100)
    w = distance_band(x, y, 1.5)
    counts = np.random.default_rng(6).poisson(3.0, (10_000, 24))
    result = emerging_hotspots(counts, w)
    assert result.z.shape == (10_000, 24)
    assert_allclose(result.z[:, 0], space_time_gi_star(counts, w, 1)[:, 0], rtol=1e-12)


# --- the patterns ----------------------------------------------------------------------------

SIDE, STEPS, BACKGROUND, HOT = 30, 24, 8.0, 12.0
T = np.arange(STEPS)


def _on(steps) -> np.ndarray:
    excess = np.zeros(STEPS)
    excess[list(steps)] = HOT
    return excess


# Centre (column, row) of a 3 x 3 block and the excess of its cells' Poisson mean per step;
# -BACKGROUND empties the block (a cold spot).
PLANTED = {
    "new hot spot": ((5, 5), _on([23])),
    "consecutive hot spot": ((15, 5), _on([21, 22, 23])),
    "intensifying hot spot": ((25, 5), 6 + 0.8 * T),
    "persistent hot spot": ((5, 15), np.full(STEPS, HOT)),
    "diminishing hot spot": ((15, 15), 28.4 - 0.8 * T),
    "historical hot spot": ((25, 15), _on(range(22))),  # 22 of 24 steps, not the last two
    "sporadic hot spot": ((5, 25), _on([3, 4, 9, 15, 16, 23])),
    "oscillating hot spot": ((15, 25), np.where(T < 6, -BACKGROUND, _on(range(20, 24)))),
    "persistent cold spot": ((25, 25), np.full(STEPS, -BACKGROUND)),
}


def planted_cube(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, y = grid(SIDE)
    mean = np.full((SIDE * SIDE, STEPS), BACKGROUND)
    for (cx, cy), excess in PLANTED.values():
        mean[(np.abs(x - cx) <= 1) & (np.abs(y - cy) <= 1)] += excess
    return x, y, np.random.default_rng(seed).poisson(mean)


@pytest.mark.parametrize("seed", [0, 3, 4])
def test_each_planted_pattern_gets_its_category(seed):
    # The trend test is a test: over 30 seeds, 2 persistent blocks got a (false) significant
    # trend at 5 %, and 3 persistent cold ones; these seeds have none.
    x, y, counts = planted_cube(seed)
    result = emerging_hotspots(counts, distance_band(x, y, 1.5))
    got = {name: result.category[cy * SIDE + cx] for name, ((cx, cy), _) in PLANTED.items()}
    assert got == {name: name for name in PLANTED}
    far = np.ones(SIDE * SIDE, dtype=bool)
    for (cx, cy), _ in PLANTED.values():
        far &= (np.abs(x - cx) > 2) | (np.abs(y - cy) > 2)
    assert (result.category[far] == "no pattern").all()
    intensifying = 5 * SIDE + 25
    assert result.trend.z[intensifying] > 0 and result.trend.p[intensifying] < 1e-4
    assert result.count_trend.z[intensifying] > 0
    assert result.hot_steps[15 * SIDE + 25] == 22  # historical
    assert result.cold_steps[25 * SIDE + 25] == STEPS
    assert result.summary().sum() == SIDE * SIDE


def test_null_cubes_rarely_get_a_category():
    """Uniform Poisson counts: no pattern is real, so few cells should have one."""
    x, y = grid(SIDE)
    w = distance_band(x, y, 1.5)
    shares, raw_shares, found = [], [], Counter()
    for mean in (0.5, 2.0, 8.0):
        for seed in range(8):
            counts = np.random.default_rng(seed).poisson(mean, (SIDE * SIDE, STEPS))
            result = emerging_hotspots(counts, w)
            shares.append(np.mean(result.code != 0))
            found.update(result.category[result.code != 0])
            raw_shares.append(np.mean(emerging_hotspots(counts, w, fdr=False).code != 0))
    print(f"900 cells x 24 steps, Poisson 0.5/2/8, 8 seeds each: share with a category "
          f"mean {np.mean(shares):.4f} max {np.max(shares):.4f} ({dict(found)}); "
          f"without FDR mean {np.mean(raw_shares):.4f}")
    # Observed here: mean 0.0003, max 0.0022 (all "new hot spot"); without FDR mean 0.046.
    # Over 20 seeds at Poisson 0.5 the worst cube had 1.4 % of its cells flagged.
    assert np.mean(shares) <= 0.005
    assert np.max(shares) <= 0.03
    assert np.mean(raw_shares) <= 0.1


def _series(text: str) -> tuple[np.ndarray, np.ndarray]:
    """'H' hot, 'C' cold, '.' not significant, one character per step."""
    codes = np.array(list(text))
    return codes == "H", codes == "C"


NO_TREND = (0.0, 0.5)
UP, DOWN = (10.0, 0.001), (-10.0, 0.001)


@pytest.mark.parametrize(
    ("steps", "trend", "expected"),
    [
        ("." * 9 + "H", NO_TREND, "new hot spot"),
        ("." * 7 + "HHH", NO_TREND, "consecutive hot spot"),
        ("H" + "." * 7 + "HH", NO_TREND, "sporadic hot spot"),  # the run is not the only hot
        (".H.H....HH", NO_TREND, "sporadic hot spot"),
        ("C" + "." * 8 + "H", NO_TREND, "oscillating hot spot"),  # not new: it was cold
        ("C" + "." * 6 + "HHH", NO_TREND, "oscillating hot spot"),
        ("H" * 9 + ".", NO_TREND, "historical hot spot"),  # 90 %, final step not hot
        ("H" * 9 + ".", DOWN, "historical hot spot"),
        (".HHHHHHHHH", NO_TREND, "persistent hot spot"),  # 9 of 10 = 90 %
        (".HHHHHHHHH", UP, "intensifying hot spot"),
        (".HHHHHHHHH", DOWN, "diminishing hot spot"),
        ("C" + "H" * 9, NO_TREND, "persistent hot spot"),  # >= 90 % wins over oscillating
        ("..HHHHHHHH", UP, "consecutive hot spot"),  # 80 %: a run, not intensifying
        ("H" * 9 + "C", NO_TREND, "oscillating cold spot"),  # the final step decides
        ("C" * 10, DOWN, "intensifying cold spot"),  # z falling: colder
        ("C" * 10, UP, "diminishing cold spot"),
        ("C" * 10, NO_TREND, "persistent cold spot"),
        ("." * 9 + "C", NO_TREND, "new cold spot"),
        ("." * 8 + "CC", NO_TREND, "consecutive cold spot"),
        ("C.C......C", NO_TREND, "sporadic cold spot"),
        ("CCCCCCCCC.", NO_TREND, "historical cold spot"),
        ("HHHHHHHH..", NO_TREND, "no pattern"),  # 80 % hot, not at the end
        ("..........", UP, "no pattern"),
        (".C.H.H.C..", NO_TREND, "no pattern"),
    ],
)
def test_classification_rules(steps, trend, expected):
    hot, cold = _series(steps)
    s, p = trend
    mk = mann_kendall(np.zeros((1, 10)))._replace(s=np.array([s]), p=np.array([p]))
    code = classify_patterns(hot[None, :], cold[None, :], mk, 0.05)
    index = CATEGORIES.index(expected)
    esri_code = 0 if index == 0 else (index if index <= 8 else 8 - index)
    assert code.tolist() == [esri_code]


def test_categories_are_a_stable_vocabulary_aligned_with_esri_codes():
    assert len(CATEGORIES) == len(set(CATEGORIES)) == 17
    assert CATEGORIES[0] == "no pattern"
    assert CATEGORIES[1] == "new hot spot" and CATEGORIES[9] == "new cold spot"
    assert CATEGORIES[8] == "historical hot spot" and CATEGORIES[16] == "historical cold spot"
    x, y, counts = planted_cube(0)
    result = emerging_hotspots(counts, distance_band(x, y, 1.5))
    for code, category in zip(result.code.tolist(), result.category.tolist(), strict=True):
        assert category in CATEGORIES
        assert (code > 0) == category.endswith("hot spot")
        assert (code < 0) == category.endswith("cold spot")
    assert result.summary().index.tolist() == list(CATEGORIES)
    assert result.summary()["persistent cold spot"] >= 1


@pytest.mark.parametrize(
    ("counts", "kwargs", "message"),
    [
        (np.ones((9, MIN_STEPS - 1)), {}, "at least 3 time steps"),
        (np.ones((8, 12)), {}, "do not match"),
        (np.ones(9), {}, "2-D"),
        (np.ones((9, 12)), {"alpha": 1.5}, "alpha"),
        (np.ones((9, 12)), {"trend_alpha": 0.0}, "trend_alpha"),
        (np.ones((9, 12)), {"time_window": 0}, "time_window"),
        (np.ones((9, 12)), {"time_window": 13}, "time_window"),
    ],
    ids=["two-steps", "shape-mismatch", "1-d", "alpha", "trend-alpha", "window-0",
         "window-too-long"],
)
def test_bad_emerging_input_raises_input_error(counts, kwargs, message):
    w = distance_band(*grid(3), 1.5)
    with pytest.raises(InputError, match=message):
        emerging_hotspots(counts, w, **kwargs)


# --- real data -------------------------------------------------------------------------------


def test_la_311_requests_by_hexagon_and_step(shared_data):
    requests = load_requests(shared_data / LA_REQUESTS, "myla311").valid
    lons, lats = requests["lon"].to_numpy(), requests["lat"].to_numpy()
    hexes = hex_counts(lons, lats, 8)
    point_cells = np.array([h3.str_to_int(h3.latlng_to_cell(lat, lon, 8))
                            for lon, lat in zip(lons, lats, strict=True)], dtype=np.uint64)
    cell_index = np.searchsorted(hexes.cells, point_cells)
    # The file runs from Wednesday 27 to Sunday 31 December 2017: a single Monday week.
    weeks = space_time_counts(cell_index, requests["created"], hexes.cells.size, step="week")
    assert weeks.steps.tolist() == [pd.Timestamp("2017-12-25")]
    with pytest.raises(InputError, match="at least 3 time steps"):
        emerging_hotspots(weeks, knn(*project_lonlat(*hex_centroids(hexes.cells),
                                                     "EPSG:32611"), 6))
    days = space_time_counts(cell_index, requests["created"], hexes.cells.size, step="day")
    assert_array_equal(days.steps, pd.date_range("2017-12-27", "2017-12-31", freq="D"))
    assert days.counts.shape == (hexes.cells.size, 5)
    assert days.skipped == days.outside == 0
    assert_array_equal(days.counts.sum(axis=1), hexes.counts)
    x, y = project_lonlat(*hex_centroids(hexes.cells), "EPSG:32611")
    w = knn(x, y, 6)
    result = emerging_hotspots(days, w)
    assert result.z.shape == result.bin.shape == (hexes.cells.size, 5)
    assert result.category.shape == (hexes.cells.size,)
    assert result.steps is days.steps
    busiest = int(np.argmax(days.counts.sum(axis=0)))  # Thursday 28 December
    reference = esda.G_Local(days.counts[:, busiest].astype(float), W.from_sparse(w), star=True,
                             transform="B", permutations=0)
    assert_allclose(result.z[:, busiest], reference.Zs, rtol=0, atol=1e-6)
    assert_allclose(result.p[:, busiest], 2 * reference.p_norm, rtol=1e-9, atol=1e-12)
    summary = result.summary()
    print(f"LA 311, {hexes.cells.size} res-8 hexagons x 5 days: "
          f"{summary[summary > 0].to_dict()}")


def test_float_noise_in_equal_z_scores_is_no_trend():
    """Every step has the same pattern, scaled: the z-scores are equal up to ~1e-15."""
    x = np.arange(30.0)
    counts = np.zeros((30, 24), dtype=int)
    counts[15] = [356, 365, 24, 283, 44, 489, 258, 210, 201, 493, 370, 208, 364, 92, 200, 391,
                  404, 136, 247, 283, 428, 323, 261, 100]
    result = emerging_hotspots(counts, distance_band(x, 0 * x, 1.5))
    assert np.ptp(result.z[15]) < 1e-12
    assert result.trend.s[15] == 0 and result.trend.p[15] == 1.0
    assert set(result.category[14:17]) == {"persistent hot spot"}
