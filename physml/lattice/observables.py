"""Ensemble observables of lattice spin and field models, with errors that respect autocorrelation.

From time series of per-configuration observables, shape ``(n_measurements, n_chains)``, of
chains that share one coupling:

- :func:`estimates`: ``<|m|>``, ``<m²>``, the susceptibility ``χ = β V (<m²> - <|m|>²)``, the Binder
  cumulant U = 1 - ⟨m⁴⟩ / (3 ⟨m²⟩²) and, given energies, ⟨e⟩ and the specific heat
  C = β² V (⟨e²⟩ - ⟨e⟩²), each with a jackknife error. Independent chains are the jackknife's
  blocks (a chain's whole history is one block, so its autocorrelation is inside the block);
  a single chain is cut into ``time_blocks`` contiguous blocks (lengths differing by at most one,
  every measurement used; the delete-m_j jackknife weighs them), which must be much longer than
  its autocorrelation time (check with :func:`autocorrelation_time`).
- :func:`autocorrelation_time`: τ_int of a series with Wolff's windowing (:func:`physml.stats.tau_int`).

For the Ising model β = 1/T; for lattice φ⁴ the coupling sits in the action and β = 1. Used by
:doc:`/book/phases/neural-network-phase-transition` and
:doc:`/book/phases/order-parameter-without-labels`.
"""

from __future__ import annotations


import numpy as np

from physml import stats
from physml._checks import finite, positive_int, positive_number, real_array


def _series(name: str, x) -> np.ndarray:
    """A ``(n_measurements, n_chains)`` float64 array; a 1-D series is one chain."""
    arr = real_array(name, x, ndim=(1, 2), min_len=1)
    return arr[:, None] if arr.ndim == 1 else arr


def _block_sums(arr: np.ndarray, time_blocks: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-block sums, shape (time_blocks * n_chains, k), and sample counts: chain c's history cut
    into ``time_blocks`` contiguous pieces whose lengths differ by at most one (every measurement
    is used)."""
    n_meas, n_chains = arr.shape[:2]
    if time_blocks > n_meas:
        raise ValueError(
            f"time_blocks={time_blocks} exceeds the {n_meas} measurements per chain"
        )
    starts = np.array([b[0] for b in np.array_split(np.arange(n_meas), time_blocks)])
    sums = np.add.reduceat(arr, starts, axis=0)  # (time_blocks, n_chains, k)
    lengths = np.diff(np.r_[starts, n_meas])
    counts = np.repeat(lengths, n_chains).astype(np.float64)
    return sums.reshape(time_blocks * n_chains, *arr.shape[2:]), counts


def estimates(
    m, volume: int, beta: float = 1.0, e=None, time_blocks: int = 1
) -> dict[str, stats.Measurement]:
    """Ensemble averages of one coupling's chains with jackknife errors (see the module docstring).

    Args:
        m: the per-site magnetisation series, shape ``(n_measurements, n_chains)`` (a 1-D series
            is one chain).
        volume: the number of sites V = L².
        beta: β = 1/T for the Ising model; 1 for φ⁴ (the coupling sits in the action).
        e: the per-site energy series, the shape of ``m``; ``None`` for no energy estimates.
        time_blocks: contiguous blocks per chain for the jackknife (several chains: 1 is fine).

    Returns:
        A dict of :class:`physml.stats.Measurement` with keys ``abs_m`` (``⟨|m|⟩``), ``m2`` (⟨m²⟩), ``chi``
        (``β V (⟨m²⟩ - ⟨|m|⟩²)``), ``binder`` (1 - ⟨m⁴⟩ / (3 ⟨m²⟩²)) and, with ``e``, ``e`` and
        ``heat`` (β² V (⟨e²⟩ - ⟨e⟩²)).

    Raises:
        ValueError: on a bad volume, β or block count, ``e`` of another shape, NaN or inf, or
            fewer than two blocks in all.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/lattice/trivializing-flows`

    Examples:
        >>> m = 0.8 * np.random.default_rng(0).choice([-1.0, 1.0], size=(100, 4))
        >>> est = estimates(m, volume=16)
        >>> round(est["abs_m"].value, 4), round(est["binder"].value, 4)
        (0.8, 0.6667)
    """
    positive_int("volume", volume)
    positive_number("beta", beta)
    positive_int("time_blocks", time_blocks)
    ms = _series("m", m)
    cols = [np.abs(ms), ms**2, ms**4]
    if e is not None:
        es = _series("e", e)
        if es.shape != ms.shape:
            raise ValueError(f"e must have the shape of m {ms.shape}, got {es.shape}")
        cols += [es, es**2]
    sums, counts = _block_sums(np.stack(cols, axis=-1), time_blocks)
    if sums.shape[0] < 2:
        raise ValueError(
            "need at least two blocks: several chains, or time_blocks >= 2 for one chain"
        )

    def mean(means, i):
        return means[..., i]

    fns = {
        "abs_m": lambda r: mean(r, 0),
        "m2": lambda r: mean(r, 1),
        "chi": lambda r: beta * volume * (mean(r, 1) - mean(r, 0) ** 2),
        "binder": lambda r: 1.0 - mean(r, 2) / (3.0 * mean(r, 1) ** 2),
    }
    if e is not None:
        fns["e"] = lambda r: mean(r, 3)
        fns["heat"] = lambda r: beta**2 * volume * (mean(r, 4) - mean(r, 3) ** 2)
    return {k: stats.jackknife_block_sums(sums, counts, f) for k, f in fns.items()}


def autocorrelation_time(series) -> stats.Measurement:
    """Integrated autocorrelation time (in measurements) of a series of several chains.

    Args:
        series: shape ``(n_measurements, n_chains)`` (a 1-D series is one chain), finite.

    Returns:
        A :class:`physml.stats.Measurement`, :func:`physml.stats.tau_int` of the chains
        (τ_int in measurements, its error, ``tau`` = τ_int and the summation ``window``).
    """
    arr = _series("series", series)
    return stats.tau_int(arr.T)


def _curve(x, y) -> tuple[np.ndarray, np.ndarray]:
    xs = np.asarray(x, dtype=np.float64).reshape(-1)
    ys = np.asarray(y, dtype=np.float64).reshape(-1)
    finite("x", xs)
    finite("y", ys)
    if xs.size != ys.size or xs.size < 3:
        raise ValueError(
            f"x and y must have the same length >= 3, got {xs.size} and {ys.size}"
        )
    if not np.all(np.diff(xs) > 0):
        raise ValueError("x must be strictly increasing")
    return xs, ys


def peak(x, y) -> float:
    """Position of the maximum of a sampled curve.

    The vertex of the parabola through the largest point and its two neighbours (the grid end
    point if the maximum sits there).

    Args:
        x: the grid, shape ``(n,)`` with n >= 3, strictly increasing, finite.
        y: the curve on the grid, shape ``(n,)``, finite.

    Returns:
        The position, in the units of ``x``.

    Raises:
        ValueError: on NaN/inf in ``x`` or ``y``, unequal lengths, fewer than 3 points, or ``x``
            not strictly increasing.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`

    Examples:
        >>> x = np.linspace(0.0, 2.0, 11)
        >>> round(peak(x, -(x - 0.93) ** 2), 6)
        0.93
    """
    xs, ys = _curve(x, y)
    i = int(np.argmax(ys))
    if i == 0 or i == xs.size - 1:
        return float(xs[i])
    a, b, _ = np.polyfit(xs[i - 1 : i + 2], ys[i - 1 : i + 2], 2)
    return float(np.clip(-b / (2 * a), xs[i - 1], xs[i + 1])) if a < 0 else float(xs[i])


def crossing(x, y, level: float = 0.5) -> float:
    """Where a sampled curve first crosses ``level``, by linear interpolation.

    Args:
        x: the grid, shape ``(n,)`` with n >= 3, strictly increasing, finite.
        y: the curve on the grid, shape ``(n,)``, finite.
        level: the level, finite.

    Returns:
        The first crossing, in the units of ``x``; NaN, with a ``RuntimeWarning``, if the curve
        never reaches ``level`` on the grid (a claim on it then fails as undefined).

    Raises:
        ValueError: on NaN/inf in ``x``, ``y`` or ``level``, unequal lengths, fewer than 3 points,
            or ``x`` not strictly increasing.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`

    Examples:
        >>> crossing(np.linspace(0.0, 2.0, 11), np.linspace(0.0, 1.0, 11), level=0.5)
        1.0
    """
    xs, ys = _curve(x, y)
    level = float(finite("level", np.float64(level)))
    d = ys - level
    idx = np.nonzero(np.sign(d[:-1]) * np.sign(d[1:]) <= 0)[0]
    if idx.size == 0:
        import warnings

        warnings.warn(
            f"crossing: the curve never reaches level {level:g} on x in "
            f"[{xs[0]:g}, {xs[-1]:g}]; returning NaN",
            RuntimeWarning,
            stacklevel=2,
        )
        return float("nan")
    i = int(idx[0])
    if d[i] == d[i + 1]:
        return float(xs[i])
    return float(xs[i] - d[i] * (xs[i + 1] - xs[i]) / (d[i + 1] - d[i]))
