"""The fully specified simple model of the MoDe study (Kitouni 2024, thesis Sec. 3.3.1).

A signal and two background types, two features and a mass (eqs. 3.23-3.25):

- x1 ~ N(1, 1) for the signal, N(0, 1) for background type 1 and N(-4, 1) for type 2;
- the signal mass is N(0.2, 0.1) or U(-1, 1), each with probability 1/2; background type 1 has
  m = 1 - 2 sqrt(U) and type 2 m = -1 + 2 sqrt(U), U ~ U(0, 1), so that their densities are
  (1 - m)/2 and (1 + m)/2 and an equal mixture is flat in m;
- x2 = exp(-(m - 0.2)^2 / (2 * 0.1^2)) (the second printing of eq. 3.24), or in the modified
  model x2 = e^m + 2m (eq. 3.25).

Besides the generator: the closed-form optimum of a classifier that sees x1 only (its threshold,
false-positive rate and rejection at a signal efficiency, and its exactly linear false-positive
rate against mass), and the Bayes-optimal log likelihood ratio with both features, whose
rejection a Monte Carlo gives.

Used by :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.stats import norm

from physml._checks import fraction, positive_int

#: Means of x1 for the signal, background type 1 and background type 2 (eq. 3.23).
X1_MEANS = (1.0, 0.0, -4.0)
#: Centre and width of the signal's mass peak (and of x2's Gaussian in eq. 3.24).
PEAK, WIDTH = 0.2, 0.1


def mass_feature(m: torch.Tensor, modified: bool = False) -> torch.Tensor:
    """The second feature x2 as a function of the mass: eq. 3.24 or, modified, eq. 3.25.

    Args:
        m: masses, any shape, float, in [-1, 1].
        modified: ``False`` for x2 = exp(-(m - 0.2)^2 / (2 * 0.1^2)), ``True`` for e^m + 2m.

    Returns:
        x2, the shape and dtype of ``m``.

    Raises:
        TypeError: if ``m`` is not a floating-point tensor.

    References:
        Kitouni 2024 (thesis), eqs. 3.24 (second printing) and 3.25.

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`
    """
    if not (isinstance(m, torch.Tensor) and m.is_floating_point()):
        raise TypeError("m must be a floating-point torch.Tensor")
    if modified:
        return torch.exp(m) + 2 * m
    return torch.exp(-((m - PEAK) ** 2) / (2 * WIDTH**2))


def sample(
    n: int, modified: bool = False, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``n`` signal and ``n`` background events of the simple model (eqs. 3.23-3.25).

    The background type (1 or 2) is drawn with probability 1/2 each, the signal's mass component
    (peak or flat) likewise.

    Args:
        n: events per class (>= 2).
        modified: use the modified second feature x2 = e^m + 2m (eq. 3.25).
        generator: a CPU ``torch.Generator``; ``None`` for the global one.

    Returns:
        ``(x, y, m, kind)``, features ``(2n, 2)`` float32 (x1, x2), labels ``(2n,)`` float32
        (1 signal, 0 background), masses ``(2n,)`` float32 in [-1, 1], and ``kind`` ``(2n,)``
        int64 (0 signal, 1 and 2 the background types). Signal first, then background.

    Raises:
        ValueError: if ``n`` is not an int >= 2.

    References:
        Kitouni 2024 (thesis), Sec. 3.3.1, eqs. 3.23-3.25.

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`

    Examples:
        >>> x, y, m, kind = sample(1000, generator=torch.Generator().manual_seed(0))
        >>> tuple(x.shape), float(y.mean()), bool(m.abs().max() <= 1)
        ((2000, 2), 0.5, True)
    """
    positive_int("n", n, minimum=2)
    peak = torch.rand(n, generator=generator) < 0.5
    m_sig = torch.where(
        peak,
        PEAK + WIDTH * torch.randn(n, generator=generator),
        2 * torch.rand(n, generator=generator) - 1,
    )
    # The Gaussian peak is 12 widths inside [-1, 1]; clamp the (never met) far tail all the same.
    m_sig = m_sig.clamp(-1.0, 1.0)
    type2 = torch.rand(n, generator=generator) < 0.5
    root = torch.sqrt(torch.rand(n, generator=generator))
    m_bkg = torch.where(type2, -1 + 2 * root, 1 - 2 * root)
    kind = torch.cat([torch.zeros(n, dtype=torch.long), 1 + type2.long()])
    means = torch.tensor(X1_MEANS)[kind]
    x1 = means + torch.randn(2 * n, generator=generator)
    m = torch.cat([m_sig, m_bkg])
    x = torch.stack([x1, mass_feature(m, modified)], dim=1)
    y = torch.cat([torch.ones(n), torch.zeros(n)])
    return x, y, m, kind


def agnostic_threshold(signal_efficiency: float) -> float:
    """The cut on x1 of the optimal mass-agnostic classifier: t = 1 + Φ⁻¹(1 - ε).

    The likelihood ratio in x1 alone, N(x1; 1, 1) / (N(x1; 0, 1)/2 + N(x1; -4, 1)/2), increases
    with x1, so the optimal selection keeps x1 > t.

    Args:
        signal_efficiency: ε in (0, 1).

    Returns:
        The threshold t, a float.

    Raises:
        ValueError: if ``signal_efficiency`` is not in (0, 1).

    References:
        Kitouni 2024 (thesis), Sec. 3.3.1 and Fig. 3.3 (the m-agnostic model).

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`
    """
    eps = fraction("signal_efficiency", signal_efficiency, allow_one=False)
    if eps <= 0:
        raise ValueError(
            f"signal_efficiency must be in (0, 1), got {signal_efficiency!r}"
        )
    return 1.0 + float(norm.ppf(1.0 - eps))


def agnostic_fpr(signal_efficiency: float, m: np.ndarray | float | None = None):
    """Background false-positive rate of the optimal mass-agnostic classifier.

    Integrated over mass, FPR = Q(t)/2 + Q(t + 4) with Q the normal tail and t the
    :func:`agnostic_threshold`; at mass m it is (1 - m)/2 Q(t) + (1 + m)/2 Q(t + 4), exactly
    linear in m, because the share of background type 1 at mass m is (1 - m)/2.

    Args:
        signal_efficiency: ε in (0, 1).
        m: ``None`` for the mass-integrated rate, else masses in [-1, 1] (float or array).

    Returns:
        A float, or an array of the shape of ``m``.

    Raises:
        ValueError: on a bad ``signal_efficiency`` or masses outside [-1, 1].

    References:
        Kitouni 2024 (thesis), Sec. 3.3.1 ("the mass agnostic classifier is linearly correlated
        with mass").

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`

    Examples:
        >>> round(1 / agnostic_fpr(0.5), 2)
        12.61
    """
    t = agnostic_threshold(signal_efficiency)
    q1, q2 = float(norm.sf(t)), float(norm.sf(t + 4.0))
    if m is None:
        return 0.5 * q1 + 0.5 * q2
    arr = np.asarray(m, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(np.abs(arr) > 1):
        raise ValueError("m must be finite masses in [-1, 1]")
    return (1 - arr) / 2 * q1 + (1 + arr) / 2 * q2


def _normal_pdf(x: torch.Tensor, mean: float, sd: float) -> torch.Tensor:
    return torch.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


def _signal_mass_pdf(m: torch.Tensor) -> torch.Tensor:
    return 0.5 * _normal_pdf(m, PEAK, WIDTH) + 0.25 * (m.abs() <= 1).to(m.dtype)


def _background_terms(x1: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    inside = (m.abs() <= 1).to(m.dtype)
    p1 = (1 - m) / 2 * inside * _normal_pdf(x1, X1_MEANS[1], 1.0)
    p2 = (1 + m) / 2 * inside * _normal_pdf(x1, X1_MEANS[2], 1.0)
    return 0.5 * (p1 + p2)


def bayes_log_ratio(
    x1: torch.Tensor, m: torch.Tensor, modified: bool = False
) -> torch.Tensor:
    """The Bayes-optimal log likelihood ratio log p(x1, x2 given S) / p(x1, x2 given B).

    In the modified model x2 = e^m + 2m is monotone in m, so (x1, x2) determine m; in the original
    model x2 fixes only the distance d of m from 0.2, and both masses 0.2 ± d inside [-1, 1] enter (the
    Jacobian of m -> x2 is common to both classes and cancels).

    Args:
        x1: the first feature, ``(n,)`` float.
        m: the true masses, ``(n,)`` float in [-1, 1] (x2 is a function of them).
        modified: the model of eq. 3.25 instead of eq. 3.24.

    Returns:
        ``(n,)`` float64 log ratios, larger for more signal-like events.

    Raises:
        ValueError: if the shapes differ.

    References:
        Kitouni 2024 (thesis), eqs. 3.23-3.25.

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`
    """
    if x1.shape != m.shape:
        raise ValueError(
            f"x1 and m must have the same shape, got {x1.shape}, {m.shape}"
        )
    x1, m = x1.double(), m.double()
    if modified:
        masses = m[None]
    else:
        d = (m - PEAK).abs()
        masses = torch.stack([PEAK + d, PEAK - d])
    sig = (_signal_mass_pdf(masses) * _normal_pdf(x1, X1_MEANS[0], 1.0)).sum(0)
    bkg = _background_terms(x1, masses).sum(0)
    return torch.log(sig) - torch.log(bkg)
