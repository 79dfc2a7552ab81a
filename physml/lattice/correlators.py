"""Two-point functions of a lattice field: the smoothed χ₀,t, the zero-momentum correlator and ξ.

Chapter 8 of the lecture notes measures, besides the magnetisation M:

- χ₀ = G(0) = ⟨φ_x²⟩ (eq. 8.5; ⟨φ⟩ = 0 in a finite volume, so no subtraction);
- χ₀,t: the same after smoothing the field with the free heat kernel, φ̂_t(p) = e^{-t p̂²} φ̂(p)
  with p̂² = Σ_μ 4 sin²(p_μ/2), at a smoothing radius √(4t) = ξ (:func:`smoothed_phi2`);
  smoothing removes the ultraviolet noise, so χ₀,t couples to the slow long-distance modes
  and has a long autocorrelation time, like M;
- the zero-momentum correlator C(y) = (1/V) Σ_x S(x) S(x + y) of the line sums S(x) = Σ φ along
  one axis (the ``G`` of eq. 8.4 summed over the transverse direction), averaged over both axes
  (:func:`zero_momentum_correlator`); on a periodic lattice it falls as cosh((y - L/2)/ξ), and
  :func:`correlation_length` fits ξ.

All take fields of shape ``(n, L, L)`` and work on any device. Used by
:doc:`/book/lattice/hmc-critical-slowing-down` and :doc:`/book/lattice/trivializing-flows`.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from physml import stats
from physml._checks import positive_int, positive_number, real_array
from physml.lattice.chains import check_fields


def lattice_momentum_squared(
    L: int,
    *,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """p̂² = Σ_μ 4 sin²(p_μ / 2) on the L x L momentum grid p_μ = 2π n_μ / L.

    Args:
        L: the lattice side (>= 2).
        dtype: the result's dtype.
        device: the result's device; ``None`` for torch's default.

    Returns:
        p̂², shape ``(L, L)``, in lattice units.

    Raises:
        ValueError: if ``L`` is not an int >= 2.

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`

    Examples:
        >>> lattice_momentum_squared(2).tolist()
        [[0.0, 4.0], [4.0, 8.0]]
    """
    positive_int("L", L, minimum=2)
    p = 2 * math.pi * torch.arange(L, dtype=dtype, device=device) / L
    s = 4.0 * torch.sin(p / 2) ** 2
    return s[:, None] + s[None, :]


def heat_kernel_smooth(phi: torch.Tensor, t: float) -> torch.Tensor:
    """φ_t = e^{t Δ} φ: the field smoothed by the free heat kernel for flow time ``t``.

    In momentum space φ̂_t(p) = e^{-t p̂²} φ̂(p) (the lattice Laplacian's eigenvalues are -p̂²), so
    the zero mode is untouched and a mode of wavelength ≲ √(4t) is damped.

    Args:
        phi: fields, shape ``(n, L, L)``, floating point.
        t: the flow time (> 0), in lattice units squared.

    Returns:
        φ_t, the shape and dtype of ``phi``.

    Raises:
        TypeError: if ``phi`` is not a floating-point tensor.
        ValueError: on a wrong shape or a flow time that is not > 0.
    """
    check_fields(phi, square=True)
    positive_number("t", t)
    kernel = torch.exp(
        -t * lattice_momentum_squared(phi.shape[-1], dtype=phi.dtype, device=phi.device)
    )
    return torch.fft.ifft2(torch.fft.fft2(phi) * kernel).real


def smoothed_phi2(phi: torch.Tensor, t: float) -> torch.Tensor:
    """(1/V) Σ_x φ_t(x)² of each configuration, the per-configuration estimator of χ₀,t.

    Args:
        phi: fields, shape ``(n, L, L)``, floating point.
        t: the flow time (> 0), in lattice units squared.

    Returns:
        One value per configuration, shape ``(n,)``.

    Raises:
        TypeError: if ``phi`` is not a floating-point tensor.
        ValueError: on a wrong shape or a flow time that is not > 0.

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`

    References:
        Pawlowski & Plehn 2025, Sec. 8.4 (the smoothed susceptibility).
    """
    check_fields(phi, square=True)
    positive_number("t", t)
    L = phi.shape[-1]
    # Parseval: (1/V) Σ_x φ_t² = (1/V²) Σ_p e^{-2t p̂²} |φ̂(p)|², with the half spectrum of rfft2
    # counted twice where its mirror image is missing.
    f = torch.fft.rfft2(phi)
    weight = torch.exp(
        -2.0 * t * lattice_momentum_squared(L, dtype=phi.dtype, device=phi.device)
    )
    weight = weight[:, : L // 2 + 1].clone()
    weight[:, 1 : (L + 1) // 2] *= 2.0
    return ((f.real**2 + f.imag**2) * weight).sum(dim=(-2, -1)) / (L**4)


def smoothing_time(xi: float) -> float:
    """The flow time t with smoothing radius √(4t) = ξ, as chapter 8 chooses it: t = ξ² / 4.

    Args:
        xi: the correlation length ξ (> 0), in lattice units.

    Returns:
        t = ξ² / 4.

    Raises:
        ValueError: if ``xi`` is not > 0.

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`

    Examples:
        >>> smoothing_time(4.0)
        4.0
    """
    return positive_number("xi", xi) ** 2 / 4.0


def zero_momentum_correlator(phi: torch.Tensor) -> torch.Tensor:
    """C(y) = (1/V) Σ_x S(x) S(x + y) per configuration, shape (n, L), averaged over both axes.

    S are the sums of φ along one axis; the circular correlation is taken by FFT.

    Args:
        phi: fields, shape ``(n, L, L)``, floating point.

    Returns:
        C(y) for y = 0 ... L - 1, shape ``(n, L)``.

    Raises:
        TypeError: if ``phi`` is not a floating-point tensor.
        ValueError: on a wrong shape.

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
    """
    check_fields(phi, square=True)
    L = phi.shape[-1]
    out = torch.zeros(phi.shape[0], L, dtype=phi.dtype, device=phi.device)
    for axis in (-1, -2):
        s = phi.sum(dim=axis)
        f = torch.fft.rfft(s, dim=-1)
        out += torch.fft.irfft(f * f.conj(), n=L, dim=-1)
    return out / (2 * L * L)


def _cosh_xi(correlator: np.ndarray, y_min: int) -> float:
    """ξ of the least-squares fit of A cosh((y - L/2)/ξ) to a mean correlator over y_min <= y <= L - y_min."""
    from scipy.optimize import curve_fit

    L = correlator.size
    y = np.arange(y_min, L - y_min + 1)
    c = correlator[y]
    half = L / 2

    def model(yy, a, m):
        return a * np.cosh(m * (yy - half))

    # Start from the effective mass between y_min and L/2.
    ratio = c[0] / correlator[L // 2] if correlator[L // 2] > 0 else 2.0
    m0 = np.arccosh(max(ratio, 1.0 + 1e-6)) / max(half - y_min, 1.0)
    (a, m), _ = curve_fit(model, y, c, p0=(correlator[L // 2], m0), maxfev=10000)
    return float(1.0 / abs(m))


def correlation_length(
    correlators, y_min: int = 1, n_blocks: int | None = 32
) -> stats.Measurement:
    """ξ from a cosh fit to the mean zero-momentum correlator, with a jackknife error.

    The fit uses y_min <= y <= L - y_min (y = 0 holds a contact term). The jackknife leaves out one of ``n_blocks`` contiguous groups of rows at a time
    (group sizes differ by at most one, so every row is used).

    Args:
        correlators: shape ``(n, L)`` with L >= 4: independent estimates of C(y), e.g. each
            chain's time average of :func:`zero_momentum_correlator`.
        y_min: the smallest distance fitted, in ``[0, L/2)``.
        n_blocks: jackknife blocks, an int >= 2; ``None`` (or >= n) leaves out one row at a time.

    Returns:
        A :class:`physml.stats.Measurement` (xi, error), in lattice units; unpacks as
        ``(xi, error)``.

    Raises:
        ValueError: on a wrong shape, NaN or inf, ``y_min`` out of range, or ``n_blocks`` neither
            None nor an int >= 2 (one block or none leaves nothing to compare: the error would be 0
            or undefined).

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
    """
    if n_blocks is not None and (
        isinstance(n_blocks, bool)
        or not isinstance(n_blocks, (int, np.integer))
        or n_blocks < 2
    ):
        raise ValueError(f"n_blocks must be None or an int >= 2, got {n_blocks!r}")
    arr = real_array("correlators", correlators, ndim=(2,), min_len=4)
    L = arr.shape[1]
    positive_int("y_min", y_min, minimum=0)
    if not y_min < L // 2:
        raise ValueError(f"y_min must be < L/2 = {L // 2}, got {y_min}")
    blocks = None if n_blocks is None or n_blocks >= arr.shape[0] else n_blocks
    return stats.jackknife(
        arr, lambda rows: _cosh_xi(rows.mean(axis=0), y_min), n_blocks=blocks
    )
