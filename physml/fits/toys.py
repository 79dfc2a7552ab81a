"""One-dimensional regression toys with a known truth, generated in code.

- :func:`spectrum`: a Breit-Wigner resonance on a falling exponential, spanning almost three
  orders of magnitude, like a measured invariant-mass spectrum; :func:`sample_spectrum` draws
  points with a known relative Gaussian error. The toy of the χ²-versus-MSE and preprocessing
  section (Pawlowski & Plehn 2025, Sec. 1.3, eqs. 1.42-1.45).
- :func:`smooth_truth` and :func:`noise_width`, sampled by :func:`sample_heteroscedastic`: a
  smooth function with input-dependent Gaussian noise, the toy of the heteroscedastic loss and
  the uncertainty split (Sec. 1.5 and 2.1, eqs. 2.3-2.8).

Used by :doc:`/book/foundations/fits-likelihoods-uncertainties`.
"""

from __future__ import annotations

import torch

from physml._checks import fraction as check_fraction
from physml._checks import finite, positive_int

# Parameters of the spectrum: background amplitude and slope, resonance height, mass and width.
SPECTRUM_PARAMS = (1000.0, 6.0, 50.0, 0.6, 0.03)


def spectrum(
    x: torch.Tensor, params: tuple[float, ...] = SPECTRUM_PARAMS
) -> torch.Tensor:
    """The resonance spectrum a exp(-b x) + h Γ² / ((x - m)² + Γ²) on x in [0, 1].

    Args:
        x: the points, any shape, finite (dimensionless "mass").
        params: ``(a, b, h, m, Γ)``; the default is ``SPECTRUM_PARAMS``.

    Returns:
        The spectrum at ``x``, the shape and dtype of ``x`` (events per unit x).

    Raises:
        TypeError: if ``x`` is not a tensor.
        ValueError: on NaN or inf in ``x``, or ``params`` of a length other than 5.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`

    References:
        Pawlowski & Plehn 2025, Sec. 1.3, eqs. 1.42-1.45 (the χ² and preprocessing toy).
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    finite("x", x)
    if len(params) != 5:
        raise ValueError(f"params must hold (a, b, h, m, Γ), got {len(params)} values")
    a, b, h, m, g = params
    return a * torch.exp(-b * x) + h * g**2 / ((x - m) ** 2 + g**2)


def sample_spectrum(
    n: int, rel_error: float = 0.05, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``n`` points x ~ U(0, 1) with y = spectrum(x) (1 + rel_error ε), ε ~ N(0, 1).

    Args:
        n: the number of points.
        rel_error: the relative Gaussian error, in (0, 1).
        generator: a CPU ``torch.Generator``; ``None`` for the global one.

    Returns:
        ``(x, y, σ)``, each of shape ``(n,)``, float64, with σ = rel_error · spectrum(x) the known
        error of each point.

    Raises:
        ValueError: if ``n`` is not a positive int or ``rel_error`` not in (0, 1).

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
    """
    positive_int("n", n)
    check_fraction("rel_error", rel_error, allow_one=False)
    x = torch.rand(n, generator=generator, dtype=torch.float64)
    f = spectrum(x)
    sigma = rel_error * f
    y = f + sigma * torch.randn(n, generator=generator, dtype=torch.float64)
    return x, y, sigma


def smooth_truth(x: torch.Tensor) -> torch.Tensor:
    """The truth of the heteroscedastic toy: sin(3x) + x/2 on [-1, 1].

    Args:
        x: the points, any shape, finite.

    Returns:
        sin(3x) + x/2, the shape and dtype of ``x``.

    Raises:
        ValueError: on NaN or inf in ``x``.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
    """
    finite("x", x)
    return torch.sin(3 * x) + 0.5 * x


def noise_width(x: torch.Tensor) -> torch.Tensor:
    """The injected noise width σ(x) = 0.05 + 0.25 x², six times larger at x = ±1 than at 0.

    Args:
        x: the points, any shape, finite.

    Returns:
        σ(x), the shape and dtype of ``x``.

    Raises:
        ValueError: on NaN or inf in ``x``.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
    """
    finite("x", x)
    return 0.05 + 0.25 * x**2


def sample_heteroscedastic(
    n: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` points x ~ U(-1, 1), y = smooth_truth(x) + noise_width(x) ε with ε ~ N(0, 1).

    Args:
        n: the number of points.
        generator: a CPU ``torch.Generator``; ``None`` for the global one.

    Returns:
        ``(x, y)``, each of shape ``(n,)``, float32.

    Raises:
        ValueError: if ``n`` is not a positive int.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
    """
    positive_int("n", n)
    x = 2 * torch.rand(n, generator=generator) - 1
    y = smooth_truth(x) + noise_width(x) * torch.randn(n, generator=generator)
    return x, y
