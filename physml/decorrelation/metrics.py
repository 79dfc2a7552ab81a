"""What a bump hunt asks of a classifier: rejection, and the background's acceptance against mass.

- :func:`thresholds`: the score cuts that keep a given share of the signal;
- :func:`fpr_vs_mass`: the background false-positive rate in mass bins at such a cut (the thesis's
  Figs. 3.3 and 3.5);
- :func:`relative_spread`, :func:`linear_r2`, :func:`is_monotone`: how flat, how linear and how
  monotone that curve is.

Rejection at a signal efficiency and ROC curves come from :mod:`physml.stats`
(``rejection_at``, ``roc_curve``).

Used by :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`.
"""

from __future__ import annotations

import numpy as np

from physml._checks import positive_int, real_array


def thresholds(signal_scores, signal_efficiencies) -> np.ndarray:
    """Score cuts t with a share ε of the signal at or above t (the (1 - ε) quantiles).

    Args:
        signal_scores: signal scores, ``(n,)`` real.
        signal_efficiencies: ε values in (0, 1), ``(k,)``.

    Returns:
        ``(k,)`` float64 cuts.

    Raises:
        ValueError: on empty or non-finite scores or efficiencies outside (0, 1).

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`

    Examples:
        >>> thresholds(np.arange(101) / 100, [0.5, 0.2]).round(2).tolist()
        [0.5, 0.8]
    """
    s = real_array("signal_scores", signal_scores, min_len=1)
    eff = real_array("signal_efficiencies", signal_efficiencies, min_len=1)
    if s.size == 0:
        raise ValueError("signal_scores must not be empty")
    if np.any((eff <= 0) | (eff >= 1)):
        raise ValueError("signal_efficiencies must lie in (0, 1)")
    return np.quantile(s, 1 - eff)


def fpr_vs_mass(
    background_scores, background_masses, threshold: float, edges
) -> np.ndarray:
    """Background false-positive rate (share with score >= threshold) in each mass bin.

    Args:
        background_scores: ``(n,)`` real scores.
        background_masses: ``(n,)`` real masses.
        threshold: the score cut.
        edges: ``(k + 1,)`` increasing bin edges; a mass on the last edge falls in the last bin.

    Returns:
        ``(k,)`` float64 rates; NaN in a bin without events (a caller's claim on it then fails).

    Raises:
        ValueError: on shapes that differ, non-finite values or edges that do not increase.

    References:
        Kitouni 2024 (thesis), Figs. 3.3 and 3.5.

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`

    Examples:
        >>> fpr_vs_mass([0.1, 0.9, 0.8, 0.7], [-0.5, -0.5, 0.5, 0.5], 0.5, [-1, 0, 1]).tolist()
        [0.5, 1.0]
    """
    s = real_array("background_scores", background_scores, min_len=1)
    m = real_array("background_masses", background_masses, min_len=1)
    e = real_array("edges", edges)
    if s.shape != m.shape:
        raise ValueError(
            "background_scores and background_masses must have the same shape"
        )
    if e.size < 2 or np.any(np.diff(e) <= 0):
        raise ValueError("edges must hold at least two increasing values")
    if not np.isfinite(threshold):
        raise ValueError("threshold must be finite")
    k = e.size - 1
    idx = np.clip(np.searchsorted(e, m, side="right") - 1, 0, k - 1)
    inside = (m >= e[0]) & (m <= e[-1])
    total = np.bincount(idx[inside], minlength=k).astype(float)
    passed = np.bincount(idx[inside], weights=(s[inside] >= threshold), minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return passed / total


def relative_spread(rates) -> float:
    """Standard deviation over mean of a curve (0 for a flat one).

    Args:
        rates: ``(k,)`` finite positive-mean values, k >= 2.

    Returns:
        The relative spread, a float; NaN where the mean is 0.

    Raises:
        ValueError: on fewer than two values or non-finite ones.

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`

    Examples:
        >>> relative_spread([1.0, 1.0, 1.0]), round(relative_spread([1.0, 3.0]), 2)
        (0.0, 0.5)
    """
    r = real_array("rates", rates)
    if r.size < 2:
        raise ValueError("rates must hold at least two values")
    mean = r.mean()
    return float(r.std() / mean) if mean != 0 else float("nan")


def linear_r2(centres, rates) -> float:
    """R² of a straight-line least-squares fit of ``rates`` against ``centres``.

    Args:
        centres: ``(k,)`` bin centres, k >= 3.
        rates: ``(k,)`` values.

    Returns:
        R² in [0, 1]; NaN for a constant curve (no variance to explain).

    Raises:
        ValueError: on shapes that differ, fewer than three points or non-finite values.

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`

    Examples:
        >>> round(linear_r2([0, 1, 2, 3], [1, 3, 5, 7]), 6)
        1.0
    """
    x = real_array("centres", centres)
    y = real_array("rates", rates)
    if x.shape != y.shape or x.size < 3:
        raise ValueError(
            "centres and rates must have the same shape, at least 3 points"
        )
    coef = np.polyfit(x, y, 1)
    ss_res = float(((y - np.polyval(coef, x)) ** 2).sum())
    ss_tot = float(((y - y.mean()) ** 2).sum())
    return 1 - ss_res / ss_tot if ss_tot > 0 else float("nan")


def is_monotone(rates, slack: float = 0.0) -> bool:
    """Whether a curve never rises or never falls, allowing steps against the trend up to ``slack``.

    Args:
        rates: ``(k,)`` values, k >= 2.
        slack: the largest step against the overall trend still counted as monotone (>= 0).

    Returns:
        A bool.

    Raises:
        ValueError: on fewer than two or non-finite values, or a negative ``slack``.

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`

    Examples:
        >>> is_monotone([3, 2, 2, 1]), is_monotone([1, 3, 2]), is_monotone([1, 3, 2.9], 0.2)
        (True, False, True)
    """
    r = real_array("rates", rates)
    if r.size < 2:
        raise ValueError("rates must hold at least two values")
    if not (np.isfinite(slack) and slack >= 0):
        raise ValueError("slack must be a finite number >= 0")
    d = np.diff(r)
    return bool(np.all(d <= slack) or np.all(d >= -slack))


def bin_centres(edges) -> np.ndarray:
    """Midpoints of consecutive bin edges.

    Args:
        edges: ``(k + 1,)`` increasing edges.

    Returns:
        ``(k,)`` float64 centres.

    Raises:
        ValueError: on fewer than two edges.

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`
    """
    e = real_array("edges", edges)
    positive_int("len(edges) - 1", e.size - 1)
    return 0.5 * (e[1:] + e[:-1])
