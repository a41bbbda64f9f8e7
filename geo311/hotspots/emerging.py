"""Emerging hot spot analysis: Gi* hot spots per time step and their trends.

As ArcGIS's "Emerging Hot Spot Analysis": events are counted into a
space-time cube of cells x time steps (:func:`space_time_counts`), Getis-Ord
Gi* is computed for every cell at every step (:func:`space_time_gi_star`), the
Mann-Kendall test (:func:`mann_kendall`) measures the trend of each cell's
Gi* z-score series, and :func:`emerging_hotspots` sorts each cell into one of
ESRI's 16 patterns (new, consecutive, intensifying, persistent, diminishing,
sporadic, oscillating or historical; hot or cold) or "no pattern".

All functions are pure: arrays in, arrays and small dataclasses out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse

from geo311.errors import InputError
from geo311.hotspots.gistar import bins, fdr_bh, p_two_sided
from geo311.service.catalog import date_bound

__all__ = [
    "CATEGORIES",
    "MIN_STEPS",
    "STEPS",
    "EmergingResult",
    "MannKendall",
    "SpaceTimeCube",
    "classify_patterns",
    "emerging_hotspots",
    "mann_kendall",
    "space_time_counts",
    "space_time_gi_star",
]

STEPS = ("month", "week", "day")
# Fewest time steps emerging_hotspots accepts (see its Notes: 10 or more are advisable).
MIN_STEPS = 3
_Z_DECIMALS = 9
"""Decimals of the Gi* z-scores the trend test compares (finer differences are ties)."""
_PATTERNS = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic",
             "oscillating", "historical")
#: Pattern names, ordered by ESRI's CATEGORY code: index k in 1..8 is the hot
#: pattern of code +k, index 8 + k the cold pattern of code -k, index 0 "no pattern".
CATEGORIES: tuple[str, ...] = (
    "no pattern",
    *(f"{name} hot spot" for name in _PATTERNS),
    *(f"{name} cold spot" for name in _PATTERNS),
)


class MannKendall(NamedTuple):
    """Mann-Kendall trend test of each series (:func:`mann_kendall`).

    Attributes
    ----------
    s : numpy.ndarray
        ``S``, concordant minus discordant pairs in time order.
    z : numpy.ndarray
        Normal score with continuity correction; > 0 for an upward trend.
    p : numpy.ndarray
        Two-sided p-value of ``z``.
    tau : numpy.ndarray
        Kendall's tau-b between time and the values.
    """

    s: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray


@dataclass(frozen=True)
class SpaceTimeCube:
    """Event counts per cell and time step (:func:`space_time_counts`).

    Attributes
    ----------
    counts : numpy.ndarray of int64, shape (n_cells, n_steps)
        Events per cell (row) and time step (column), zeros included.
    steps : pandas.DatetimeIndex
        Start of each time step, in the time zone of the event times.
    step : str
        ``"month"``, ``"week"`` (starting on Monday) or ``"day"``.
    skipped : int
        Events with no time (NaT) or a negative cell index.
    outside : int
        Events before ``start`` or at or after ``end``; 0 without bounds.
        ``counts.sum() + skipped + outside`` is the number of events.
    """

    counts: np.ndarray
    steps: pd.DatetimeIndex
    step: str
    skipped: int
    outside: int = 0

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_cells, n_steps)``."""
        return self.counts.shape


def _wall_clock(times: Any) -> tuple[np.ndarray, Any]:
    """Return event times as naive datetime64[ns] local wall-clock times, and their zone."""
    series = pd.Series(np.asarray(times) if not isinstance(times, pd.Series | pd.Index)
                       else times)
    if not pd.api.types.is_datetime64_any_dtype(series):
        raise InputError(f"times must be datetime64 values, got dtype {series.dtype}",
                         dtype=str(series.dtype))
    tz = getattr(series.dt, "tz", None)
    if tz is not None:
        series = series.dt.tz_localize(None)
    return series.to_numpy().astype("datetime64[ns]"), tz


def _wall_bound(value: Any, tz: Any, name: str) -> np.datetime64:
    """A bound by :func:`~geo311.service.catalog.date_bound`, as naive wall-clock time in ``tz``."""
    bound = date_bound(value, pd.Series(pd.DatetimeIndex([], tz=tz)), name)
    if bound.tzinfo is not None:
        bound = bound.tz_convert(tz).tz_localize(None)
    return np.datetime64(bound.as_unit("ns").to_datetime64())


def _step_numbers(wall: np.ndarray, step: str) -> np.ndarray:
    """Return the number of the step holding each time: months, Monday weeks or days since 1970."""
    if step == "month":
        return wall.astype("datetime64[M]").astype(np.int64)
    days = wall.astype("datetime64[D]").astype(np.int64)
    if step == "week":  # 1970-01-01 was a Thursday: day 4 (1970-01-05) starts week 1
        return (days + 3) // 7
    return days


def _step_starts(first: int, last: int, step: str, tz: Any) -> pd.DatetimeIndex:
    numbers = np.arange(first, last + 1)
    if step == "month":
        starts = numbers.astype("datetime64[M]")
    elif step == "week":
        starts = (numbers * 7 - 3).astype("datetime64[D]")
    else:
        starts = numbers.astype("datetime64[D]")
    index = pd.DatetimeIndex(starts.astype("datetime64[ns]"))
    if tz is not None:
        index = index.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    return index


def space_time_counts(cell_index: np.ndarray, times: pd.Series | np.ndarray, n_cells: int,
                      step: str = "month", start: Any = None, end: Any = None
                      ) -> SpaceTimeCube:
    """Return the space-time cube of event counts per cell and time step.

    Parameters
    ----------
    cell_index : array_like of int
        Cell of each event, ``0 <= cell < n_cells``; a negative index (an event
        in no cell, e.g. outside the study area) is skipped.
    times : pandas.Series, DatetimeIndex or numpy.ndarray of datetime64
        Time of each event, naive or tz-aware; NaT is skipped.
    n_cells : int
        Number of cells (rows of the cube), empty ones included.
    step : {"month", "week", "day"}
        Calendar months, weeks starting on Monday 00:00, or days, in the
        wall-clock time of ``times`` (their own zone when tz-aware).
    start, end : datetime-like, optional
        Count events at or after ``start`` and strictly before ``end`` (as
        :func:`~geo311.service.requests.load_requests`); a naive bound takes
        the zone of tz-aware times. Default: the first and last event. The
        steps run from the one holding ``start`` to the one holding the last
        instant before ``end``, every step in between included even if empty.

    Returns
    -------
    SpaceTimeCube
        ``counts`` of shape ``(n_cells, n_steps)``, the step starts, and the
        numbers of skipped and out-of-range events.

    Raises
    ------
    InputError
        If ``step`` is unknown, the inputs differ in length, a cell index is
        ``>= n_cells`` or not an integer, ``times`` are not datetimes, the
        bounds are reversed, or there is no event to place the steps without
        bounds.

    Notes
    -----
    A first or last step cut by ``start`` or ``end`` holds fewer events, but
    Gi* compares the cells of one step with each other, so its z-scores are
    not biased by it (the Mann-Kendall trend of the raw counts is).

    Examples
    --------
    >>> times = pd.to_datetime(["2024-01-31 23:59", "2024-03-01 00:00", None,
    ...                         "2024-03-15 08:30"])
    >>> cube = space_time_counts([0, 1, 1, -1], times, n_cells=2)
    >>> cube.counts.tolist(), [s.strftime("%b") for s in cube.steps], cube.skipped
    ([[1, 0, 0], [0, 0, 1]], ['Jan', 'Feb', 'Mar'], 2)
    """
    if step not in STEPS:
        raise InputError(f"unknown time step {step!r} (known: {', '.join(STEPS)})", step=step)
    if not (isinstance(n_cells, int | np.integer) and n_cells >= 1):
        raise InputError(f"n_cells must be a positive integer, got {n_cells!r}", n_cells=n_cells)
    cells = np.asarray(cell_index)
    if cells.ndim != 1 or not (cells.size == 0 or np.issubdtype(cells.dtype, np.integer)):
        raise InputError("cell_index must be a 1-D array of integers",
                         shape=cells.shape, dtype=str(cells.dtype))
    wall, tz = _wall_clock(times)
    if wall.shape != cells.shape:
        raise InputError(f"{cells.size} cell indices but {wall.size} times",
                         shapes=[cells.shape, wall.shape])
    if cells.size and cells.max() >= n_cells:
        raise InputError(f"cell index {int(cells.max())} is out of range for {n_cells} cells",
                         n_cells=int(n_cells))
    usable = (cells >= 0) & ~np.isnat(wall)
    skipped = int(cells.size - usable.sum())
    lower = _wall_bound(start, tz, "start") if start is not None else None
    upper = _wall_bound(end, tz, "end") if end is not None else None
    if lower is not None and upper is not None and not lower < upper:
        raise InputError(f"start {start!r} is not before end {end!r}",
                         start=str(start), end=str(end))
    inside = usable.copy()
    if lower is not None:
        inside &= wall >= lower
    if upper is not None:
        inside &= wall < upper
    outside = int(usable.sum() - inside.sum())
    numbers = _step_numbers(wall[inside], step)
    if lower is not None:
        first = int(_step_numbers(np.array([lower]), step)[0])
    elif numbers.size:
        first = int(numbers.min())
    else:
        raise InputError("no event has a cell and a time: give start and end to place the steps")
    if upper is not None:
        last = int(_step_numbers(np.array([upper - np.timedelta64(1, "ns")]), step)[0])
    elif numbers.size:
        last = int(numbers.max())
    else:
        raise InputError("no event has a cell and a time: give end to place the steps")
    last = max(last, first)
    n_steps = last - first + 1
    flat = cells[inside].astype(np.int64) * n_steps + (numbers - first)
    counts = np.bincount(flat, minlength=int(n_cells) * n_steps).reshape(int(n_cells), n_steps)
    return SpaceTimeCube(counts.astype(np.int64), _step_starts(first, last, step, tz), step,
                         skipped, outside)


def mann_kendall(series: np.ndarray) -> MannKendall:
    """Return the Mann-Kendall trend test of each row of ``series``.

    Parameters
    ----------
    series : array_like, shape (n_locations, n_steps) or (n_steps,)
        Finite values in time order, ``n_steps >= 2``; one row per location.

    Returns
    -------
    MannKendall
        ``(s, z, p, tau)``, arrays of length ``n_locations`` (floats for a
        1-D input):

        - ``S = sum_{i<j} sign(x_j - x_i)``;
        - ``Var(S) = [n(n-1)(2n+5) - sum_t t(t-1)(2t+5)] / 18``, the sum over
          groups of ``t`` tied values (Kendall 1975);
        - ``z = (S - sign(S)) / sqrt(Var(S))``, continuity-corrected, 0 when
          ``S = 0`` or the series is constant;
        - ``p = P(|Z| >= |z|)`` under the standard normal;
        - ``tau = S / sqrt(n0 (n0 - n1))`` with ``n0 = n(n-1)/2`` and
          ``n1 = sum_t t(t-1)/2``: Kendall's tau-b between time (no ties) and
          the values, 0 for a constant series.

    Notes
    -----
    ``tau`` equals ``scipy.stats.kendalltau(time, x).statistic`` (variant
    "b"), and ``Var(S)`` is the variance scipy uses with
    ``method="asymptotic"`` when time has no ties, so scipy's asymptotic
    z-score is ``S / sqrt(Var(S))``: ours is that times ``1 - 1 / |S|``
    (the continuity correction), and our p-value is slightly larger. scipy's
    default for short series without ties is the exact distribution, which
    this normal approximation only approaches. A constant series gives
    ``tau = 0`` where scipy returns NaN.

    Vectorized over locations: one pass over the ``n(n-1)/2`` pairs of steps,
    ~15 ms for 10,000 locations x 24 steps.

    References
    ----------
    Mann, H. B. (1945). Nonparametric tests against trend. Econometrica,
    13(3), 245-259.

    Kendall, M. G. (1975). Rank Correlation Methods, 4th ed. London: Charles
    Griffin.

    Examples
    --------
    ``[1, 3, 2, 4, 4]``: 8 increasing pairs, 1 decreasing, one tie of 2, so
    ``S = 7``, ``Var(S) = (300 - 18) / 18`` and ``tau = 7 / sqrt(10 x 9)``:

    >>> s, z, p, tau = mann_kendall([1, 3, 2, 4, 4])
    >>> s, round(z, 4), round(p, 4), round(tau, 4)
    (7.0, 1.5159, 0.1296, 0.7379)
    """
    x = np.asarray(series, dtype=float)
    one = x.ndim == 1
    if one:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] < 2 or not np.isfinite(x).all():
        raise InputError("series must be a 2-D array (locations x steps) of finite values "
                         "with at least 2 steps", shape=x.shape)
    n_loc, n = x.shape
    s = np.zeros(n_loc)
    for i in range(n - 1):
        s += np.sign(x[:, i + 1:] - x[:, i:i + 1]).sum(axis=1)
    # Tie groups: runs of equal values in each sorted row.
    ordered = np.sort(x, axis=1)
    starts = np.ones((n_loc, n), dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    group = np.cumsum(starts.ravel()) - 1
    size = np.bincount(group).astype(float)
    row = np.repeat(np.arange(n_loc), n)[starts.ravel()]
    tie_var = np.bincount(row, weights=size * (size - 1) * (2 * size + 5), minlength=n_loc)
    tie_pairs = np.bincount(row, weights=size * (size - 1) / 2, minlength=n_loc)
    var = (n * (n - 1) * (2 * n + 5) - tie_var) / 18.0
    z = np.zeros(n_loc)
    np.divide(s - np.sign(s), np.sqrt(np.maximum(var, 0.0)), out=z, where=var > 0)
    pairs = n * (n - 1) / 2.0
    tau_denominator = np.sqrt(pairs * (pairs - tie_pairs))
    tau = np.zeros(n_loc)
    np.divide(s, tau_denominator, out=tau, where=tau_denominator > 0)
    p = p_two_sided(z)
    if one:
        return MannKendall(float(s[0]), float(z[0]), float(p[0]), float(tau[0]))
    return MannKendall(s, z, p, tau)


def _cube(cube_counts: Any) -> np.ndarray:
    counts = cube_counts.counts if isinstance(cube_counts, SpaceTimeCube) else cube_counts
    x = np.asarray(counts, dtype=float)
    if x.ndim != 2 or not np.isfinite(x).all():
        raise InputError("counts must be a 2-D array (cells x steps) of finite values",
                         shape=x.shape)
    if x.shape[0] < 2:
        raise InputError(f"at least 2 cells are needed, got {x.shape[0]}", shape=x.shape)
    return x


def _weights(weights: sparse.spmatrix | np.ndarray, n: int) -> sparse.csr_matrix:
    w = sparse.csr_matrix(weights, dtype=float)
    if w.shape != (n, n):
        raise InputError(f"weights of shape {w.shape} do not match {n} cells",
                         shape=w.shape, n=n)
    return w


def _check_window(time_window: int, n_steps: int) -> None:
    if not (isinstance(time_window, int | np.integer) and 1 <= time_window <= n_steps):
        raise InputError(f"time_window must be an integer in 1..{n_steps}, got {time_window!r}",
                         time_window=time_window)


def space_time_gi_star(cube_counts: np.ndarray | SpaceTimeCube,
                       weights: sparse.spmatrix | np.ndarray,
                       time_window: int = 1) -> np.ndarray:
    """Return the Gi* z-score of every cell at every time step.

    Parameters
    ----------
    cube_counts : array_like, shape (n_cells, n_steps), or SpaceTimeCube
        Counts (or values) per cell and step, finite, ``n_cells >= 2``.
    weights : scipy.sparse matrix or array, shape (n_cells, n_cells)
        Spatial weights with each cell its own neighbor
        (:mod:`~geo311.hotspots.weights`).
    time_window : int
        Steps in the space-time neighborhood: the neighborhood of cell ``i``
        at step ``t`` is its spatial neighbors ``j`` at steps
        ``t - time_window + 1 .. t`` (fewer at the first steps). 1 (default):
        the step alone.

    Returns
    -------
    numpy.ndarray, shape (n_cells, n_steps)
        With ``m`` the steps in the window of step ``t`` and ``N = n m``
        values in it, ``z_it = (sum_j w_ij Y_jt - x_bar m W_i) /
        (s sqrt((N m S1_i - m^2 W_i^2) / (N - 1)))``, ``Y_jt`` the sum of cell
        ``j`` over the window, ``x_bar`` and ``s`` the mean and population
        standard deviation of the ``N`` values of the window: Gi* of the
        window's values stacked, with weights ``kron(ones((m, m)), w)``.
        With ``time_window=1`` column ``t`` is exactly
        ``gi_star_z(cube_counts[:, t], weights)``. A constant window gives 0.

    Notes
    -----
    The mean and variance are those of the window, not of the whole cube
    (ESRI's default "entire cube" global window): a city-wide rise in requests
    then does not make every busy cell an intensifying hot spot. One sparse
    product gives the neighborhood sums of all steps: 10,000 cells x 24 steps
    take ~20 ms.

    References
    ----------
    Getis, A. and Ord, J. K. (1992); Ord, J. K. and Getis, A. (1995), see
    :func:`~geo311.hotspots.gistar.gi_star_z`.

    Esri. How Emerging Hot Spot Analysis works (Neighborhood Time Step).
    ArcGIS Pro tool reference.
    """
    x = _cube(cube_counts)
    n, n_steps = x.shape
    w = _weights(weights, n)
    _check_window(time_window, n_steps)
    w_sum = np.asarray(w.sum(axis=1)).ravel()
    w_sq_sum = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    if time_window == 1:
        window_sum = x
        m = np.ones(n_steps, dtype=np.int64)
    else:
        window_sum = np.empty_like(x)
        m = np.minimum(np.arange(1, n_steps + 1), time_window)
        for t in range(n_steps):
            window_sum[:, t] = x[:, t - m[t] + 1:t + 1].sum(axis=1)
    rows = x.T.copy()  # step-major: each step's values contiguous, reduced as gi_star_z's 1-D x
    mean = np.empty(n_steps)
    std = np.empty(n_steps)
    constant = np.zeros(n_steps, dtype=bool)
    for t in range(n_steps):
        values = rows[t] if m[t] == 1 else rows[t - m[t] + 1:t + 1].ravel()
        constant[t] = np.ptp(values) == 0
        mean[t] = values.mean()
        std[t] = values.std()
    size = n * m
    numerator = w @ window_sum - mean * (m * w_sum[:, None])
    spread = np.maximum((size * m) * w_sq_sum[:, None] - (m * w_sum[:, None]) ** 2, 0.0)
    denominator = std * np.sqrt(spread / (size - 1))
    z = np.zeros((n, n_steps))
    np.divide(numerator, denominator, out=z, where=(denominator > 0) & ~constant)
    return z


@dataclass
class EmergingResult:
    """Emerging hot spot analysis of a space-time cube (:func:`emerging_hotspots`).

    Attributes
    ----------
    z, p, p_fdr : numpy.ndarray, shape (n_cells, n_steps)
        Gi* z-scores per step (:func:`space_time_gi_star`), their two-sided
        p-values, and the p-values Benjamini-Hochberg-adjusted within each step.
    bin : numpy.ndarray of int8, shape (n_cells, n_steps)
        -3..+3 confidence bins per step, as :class:`~geo311.hotspots.gistar.GiStar`'s.
    significant : numpy.ndarray of bool, shape (n_cells, n_steps)
        ``p_fdr <= alpha`` (``p <= alpha`` without FDR): a hot spot where
        ``z > 0``, a cold spot where ``z < 0``.
    trend : MannKendall
        Per cell, the Mann-Kendall trend of its Gi* z-score series (the
        "intensity of clustering"); ``trend.z > 0`` means hotter over time.
    count_trend : MannKendall
        Per cell, the Mann-Kendall trend of its counts.
    category : numpy.ndarray of str, shape (n_cells,)
        One of :data:`CATEGORIES`.
    code : numpy.ndarray of int8, shape (n_cells,)
        ESRI's CATEGORY code: +1..+8 new, consecutive, intensifying,
        persistent, diminishing, sporadic, oscillating, historical hot spot;
        -1..-8 the same cold spots; 0 no pattern.
    hot_steps, cold_steps : numpy.ndarray of int, shape (n_cells,)
        Steps at which the cell is a significant hot (cold) spot.
    alpha, trend_alpha : float
        Significance levels of the per-step hot spots and of the trend.
    fdr : bool
        Whether ``significant`` is judged on FDR-adjusted p-values.
    time_window : int
        Steps in the space-time neighborhood.
    steps : pandas.DatetimeIndex or None
        Start of each step when the counts came as a :class:`SpaceTimeCube`.
    """

    z: np.ndarray = field(repr=False)
    p: np.ndarray = field(repr=False)
    p_fdr: np.ndarray = field(repr=False)
    bin: np.ndarray = field(repr=False)
    significant: np.ndarray = field(repr=False)
    trend: MannKendall = field(repr=False)
    count_trend: MannKendall = field(repr=False)
    category: np.ndarray = field(repr=False)
    code: np.ndarray = field(repr=False)
    hot_steps: np.ndarray = field(repr=False)
    cold_steps: np.ndarray = field(repr=False)
    alpha: float
    trend_alpha: float
    fdr: bool
    time_window: int
    steps: pd.DatetimeIndex | None = field(default=None, repr=False)

    @property
    def hot(self) -> np.ndarray:
        """Significant hot spots, shape (n_cells, n_steps)."""
        return self.significant & (self.z > 0)

    @property
    def cold(self) -> np.ndarray:
        """Significant cold spots, shape (n_cells, n_steps)."""
        return self.significant & (self.z < 0)

    def summary(self) -> pd.Series:
        """Return the number of cells in each category, in :data:`CATEGORIES` order."""
        index = _INDEX_OF_CODE[self.code.astype(np.int64) + 8]
        counts = np.bincount(index, minlength=len(CATEGORIES))
        return pd.Series(counts, index=pd.Index(CATEGORIES, name="category"), name="cells")


# ESRI code of each CATEGORIES entry, and the index in CATEGORIES of code + 8.
_CODES = np.array([0, *range(1, 9), *range(-1, -9, -1)])
_INDEX_OF_CODE = np.empty(len(CATEGORIES), dtype=np.int64)
_INDEX_OF_CODE[_CODES + 8] = np.arange(len(CATEGORIES))
_NAMES = np.array(CATEGORIES, dtype=object)


def classify_patterns(hot: np.ndarray, cold: np.ndarray, trend: MannKendall,
              trend_alpha: float) -> np.ndarray:
    """Return ESRI's CATEGORY code of each cell from its hot/cold steps and z trend.

    ``hot``/``cold`` are (cells, steps) booleans of significant Gi* steps, ``trend`` the
    Mann-Kendall test of each cell's z series; the rules are those of
    :func:`emerging_hotspots` (module docstring).
    """
    n = hot.shape[1]
    n_hot = hot.sum(axis=1)
    n_cold = cold.sum(axis=1)
    hot_90 = 10 * n_hot >= 9 * n  # at least 90 % of the steps, in integers
    cold_90 = 10 * n_cold >= 9 * n
    # Length of the run of hot (cold) steps that ends at the final step.
    hot_run = np.cumprod(hot[:, ::-1], axis=1).sum(axis=1)
    cold_run = np.cumprod(cold[:, ::-1], axis=1).sum(axis=1)
    trending = np.asarray(trend.p) <= trend_alpha
    up = trending & (np.asarray(trend.s) > 0)
    down = trending & (np.asarray(trend.s) < 0)
    hot_end, cold_end = hot[:, -1], cold[:, -1]
    rules = [
        # The final step is a hot spot.
        (hot_end & hot_90 & up, 3),  # intensifying
        (hot_end & hot_90 & down, 5),  # diminishing
        (hot_end & hot_90, 4),  # persistent
        (hot_end & (n_cold > 0), 7),  # oscillating: a cold spot before
        (hot_end & (n_hot == 1), 1),  # new
        (hot_end & (hot_run == n_hot), 2),  # consecutive: one run of >= 2, at the end
        (hot_end, 6),  # sporadic
        # The final step is a cold spot: the mirror image, a falling z intensifying.
        (cold_end & cold_90 & down, -3),
        (cold_end & cold_90 & up, -5),
        (cold_end & cold_90, -4),
        (cold_end & (n_hot > 0), -7),
        (cold_end & (n_cold == 1), -1),
        (cold_end & (cold_run == n_cold), -2),
        (cold_end, -6),
        # The final step is not significant.
        (hot_90, 8),  # historical
        (cold_90, -8),
    ]
    return np.select([rule for rule, _ in rules], [code for _, code in rules],
                     default=0).astype(np.int8)


def emerging_hotspots(cube_counts: np.ndarray | SpaceTimeCube,
                      weights: sparse.spmatrix | np.ndarray, *, alpha: float = 0.05,
                      fdr: bool = True, time_window: int = 1,
                      trend_alpha: float = 0.05) -> EmergingResult:
    """Return ESRI's emerging hot spot pattern of every cell of a space-time cube.

    Parameters
    ----------
    cube_counts : array_like, shape (n_cells, n_steps), or SpaceTimeCube
        Counts per cell and time step (:func:`space_time_counts`), finite,
        ``n_cells >= 2`` and ``n_steps >= MIN_STEPS`` (3).
    weights : scipy.sparse matrix or array, shape (n_cells, n_cells)
        Spatial weights with each cell its own neighbor
        (:func:`~geo311.hotspots.weights.distance_band`,
        :func:`~geo311.hotspots.weights.knn`).
    alpha : float
        A cell is a significant hot (cold) spot at a step when its Gi* ``z``
        is positive (negative) and its p-value, Benjamini-Hochberg-adjusted
        over the cells of that step, is ``<= alpha``. 0.05 (default) is 95 %
        confidence, ``|bin| >= 2``; 0.10 counts every non-zero Gi_Bin (90 %).
    fdr : bool
        Judge significance on the FDR-adjusted p-values (default, as ESRI's
        tool, which applies the FDR correction to the Gi* of each bin) or on
        the raw ones.
    time_window : int
        Steps in the space-time neighborhood (:func:`space_time_gi_star`):
        ESRI's "Neighborhood Time Step" ``k`` is ``time_window = k + 1``
        (ESRI's default 1 is ``time_window=2``). Default 1: spatial
        neighbors at the same step only.
    trend_alpha : float
        Level of the two-sided Mann-Kendall test that tells intensifying and
        diminishing from persistent spots.

    Returns
    -------
    EmergingResult

    Raises
    ------
    InputError
        With fewer than 3 steps or 2 cells, counts that are not a finite 2-D
        array, weights that do not match the cells, a level outside (0, 1), or
        a ``time_window`` outside ``1..n_steps``.

    Notes
    -----
    Categories, with ESRI's definitions ("How Emerging Hot Spot Analysis
    works"). "Hot" means a significant hot spot at that step, "90 %" at
    least 90 % of the ``n`` steps (``10 hot >= 9 n``: 22 of 24, 9 of 10),
    "trend" the Mann-Kendall test of the cell's Gi* z-score series at
    ``trend_alpha``. The final step decides first:

    - final step hot and >= 90 % hot: **intensifying** if the trend is
      significantly upward (clustering of high counts grows), **diminishing**
      if significantly downward, else **persistent** hot spot;
    - final step hot, < 90 % hot: **oscillating** if the cell was a
      significant cold spot at some earlier step; else **new** if the final
      step is its only hot step; else **consecutive** if its hot steps are a
      single uninterrupted run of >= 2 ending at the final step; else
      **sporadic** (on-again off-again hot, never cold);
    - final step cold: the same for cold spots, where intensifying means a
      significantly *downward* trend of z (clustering of low counts grows),
      diminishing an upward one, and oscillating a hot spot at an earlier step;
    - final step not significant: **historical** hot (cold) spot if >= 90 %
      of the steps are hot (cold); otherwise **no pattern**.

    Where ESRI's wording leaves room, we chose: persistent requires the final
    step to be hot, as intensifying and diminishing do (a cell >= 90 % hot but
    not at the end is historical, whose definition says "the most recent time
    period is not hot"); oscillating takes precedence over new and consecutive
    (a cell that was cold is not "new"); sporadic requires the final step to
    be hot (ArcGIS Pro's current wording; ArcMap's did not); and a cell whose
    final step is cold is a cold-spot pattern even if >= 90 % of its steps were
    hot (it is then an oscillating cold spot).

    Significance per step is ``p_fdr <= alpha`` with the FDR applied within
    each step, so that ``bin[:, t]`` is exactly
    ``GiStar(counts[:, t], weights).bin`` when ``time_window=1``. The global
    mean and variance are those of each step (or time window), see
    :func:`space_time_gi_star`.

    We accept ``MIN_STEPS = 3`` steps, the fewest at which "new",
    "consecutive" and "persistent" differ, so that short extracts can be
    explored; ten or more are advisable (the figure usually cited for
    ArcGIS's tool), as the trend test has little power on short series: with
    ``trend_alpha=0.05`` it cannot be significant with fewer than 5 steps, so
    no cell is then intensifying or diminishing.

    10,000 cells x 24 steps take ~0.1 s (Gi*, FDR, both trend tests and the
    classification; 0.08-0.15 s measured on 2 cores).

    References
    ----------
    Esri. How Emerging Hot Spot Analysis works; Emerging Hot Spot Analysis
    (Space Time Pattern Mining). ArcGIS Pro tool reference.

    Getis, A. and Ord, J. K. (1992), see :func:`~geo311.hotspots.gistar.gi_star_z`.
    Mann, H. B. (1945); Kendall, M. G. (1975), see :func:`mann_kendall`.
    Benjamini, Y. and Hochberg, Y. (1995), see :func:`~geo311.hotspots.gistar.fdr_bh`.

    Examples
    --------
    A 10 x 10 grid of Poisson(5) counts over 12 steps, queen neighbors; the
    3 x 3 block around cell 44 gets 20 more requests at the last step only:

    >>> from geo311.hotspots.weights import distance_band
    >>> y, x = np.divmod(np.arange(100.0), 10)
    >>> counts = np.random.default_rng(0).poisson(5, (100, 12))
    >>> counts[(abs(x - 4) <= 1) & (abs(y - 4) <= 1), -1] += 20
    >>> result = emerging_hotspots(counts, distance_band(x, y, 1.5))
    >>> result.category[44], result.bin[44].tolist()
    ('new hot spot', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3])
    >>> summary = result.summary()
    >>> summary[summary > 0].to_dict()
    {'no pattern': 91, 'new hot spot': 9}
    """
    x = _cube(cube_counts)
    n_steps = x.shape[1]
    if n_steps < MIN_STEPS:
        raise InputError(f"emerging hot spots need at least {MIN_STEPS} time steps, "
                         f"got {n_steps}", n_steps=n_steps)
    for name, level in (("alpha", alpha), ("trend_alpha", trend_alpha)):
        if not 0 < level < 1:
            raise InputError(f"{name} must be in (0, 1), got {level!r}", **{name: level})
    z = space_time_gi_star(x, weights, time_window)
    p = p_two_sided(z)
    p_fdr = np.column_stack([fdr_bh(p[:, t])[1] for t in range(n_steps)])
    judged = p_fdr if fdr else p
    significant = judged <= alpha
    # z-scores equal in exact arithmetic differ by ~1e-15 in floating point: rounded, they
    # tie, instead of lending the trend test a spurious run of signs
    trend = mann_kendall(np.round(z, _Z_DECIMALS))
    code = classify_patterns(significant & (z > 0), significant & (z < 0), trend, trend_alpha)
    category = _NAMES[_INDEX_OF_CODE[code.astype(np.int64) + 8]]
    return EmergingResult(
        z=z, p=p, p_fdr=p_fdr, bin=bins(z, judged, fdr=False), significant=significant,
        trend=trend, count_trend=mann_kendall(x), category=category, code=code,
        hot_steps=(significant & (z > 0)).sum(axis=1),
        cold_steps=(significant & (z < 0)).sum(axis=1),
        alpha=float(alpha), trend_alpha=float(trend_alpha), fdr=bool(fdr),
        time_window=int(time_window),
        steps=cube_counts.steps if isinstance(cube_counts, SpaceTimeCube) else None,
    )
