"""Two-dimensional toy densities with known answers: the linear ramp and the Gaussian ring (§5.4.3).

- :class:`Ramp`: p(x, y) = 2x on the unit square (eq. 5.60), linear in x and flat in y; sampled
  by inverse CDF, x = √U.
- :class:`Ring`: a Gaussian ring, radius r ~ N(4, 1) and a uniform angle (eq. 5.66); in Cartesian
  coordinates p(x, y) = N(r; 4, 1)/(2π r). The notes take φ ∈ [0, π] and drop the angular
  normalisation; the book uses the full circle, which keeps the density smooth everywhere (a half
  ring has a cut along y = 0 that no smooth flow learns). Sampling r = 4 + ε with ε ~ N(0, 1) can
  give r < 0 (probability 3·10⁻⁵); such a point sits at radius -r, so the exact density is
  [N(ρ; 4, 1) + N(-ρ; 4, 1)]/(2πρ) at radius ρ.

Each toy samples from a torch generator, returns its exact log-density (-inf outside the support)
and the moments a generated sample must reproduce. Used by
:doc:`/book/generative/invertible-networks` and :doc:`/book/generative/diffusion-and-flow-matching`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from physml._checks import finite, positive_int


def _points(x: torch.Tensor) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x must have shape (n, 2), got {tuple(x.shape)}")
    return finite("x", x)


def _radii(rho: torch.Tensor, strictly_positive: bool) -> torch.Tensor:
    rho = finite("rho", torch.as_tensor(rho))
    if bool((rho <= 0).any() if strictly_positive else (rho < 0).any()):
        raise ValueError(
            f"rho is a radius: it must be {'> 0' if strictly_positive else '>= 0'} everywhere"
        )
    return rho


@dataclass(frozen=True)
class Ramp:
    """p(x, y) = 2x on [0, 1]² (eq. 5.60): ⟨x⟩ = 2/3, ⟨x²⟩ = 1/2, y uniform.

    Args:
        mean_x: ⟨x⟩, the moment a generated sample must reproduce.
        second_moment_x: ⟨x²⟩.

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`

    References:
        Pawlowski & Plehn 2025, eqs. 5.60-5.65.

    Examples:
        >>> x = Ramp().sample(100_000, generator=torch.Generator().manual_seed(0))
        >>> round(float(x[:, 0].mean()), 2)
        0.67
    """

    mean_x: float = 2.0 / 3.0
    second_moment_x: float = 0.5

    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> torch.Tensor:
        """``n`` points drawn by inverse CDF: x = √U₁, y = U₂."""
        positive_int("n", n)
        u = torch.rand((n, 2), generator=generator, dtype=dtype)
        return torch.stack((u[:, 0].sqrt(), u[:, 1]), dim=1)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x, y) = log 2x inside the unit square, -inf outside (also on the edge x = 0,
        where p = 0). ``x``: ``(n, 2)``, finite (NaN or inf raise ``ValueError``)."""
        x = _points(x)
        inside = ((x >= 0) & (x <= 1)).all(dim=1) & (x[:, 0] > 0)
        return torch.where(
            inside,
            torch.log(2 * x[:, 0].clamp_min(1e-30)),
            torch.full_like(x[:, 0], -math.inf),
        )

    @staticmethod
    def parameter_derivatives(x: torch.Tensor) -> torch.Tensor:
        """∂p/∂a and ∂p/∂x_max of the linear fit p(x) = ax + b on [x_min, x_max] at a = 2 (eqs. 5.62-5.65).

        Columns x - 1/2 (the slope at fixed normalisation) and 1 + a/2 = 2 (the upper boundary):
        the 2-parameter fit of Fig. 41, for :func:`physml.uncertainty.fit_parameter_uncertainties`.

        Raises:
            ValueError: if ``x`` holds NaN or inf, or points outside the support [0, 1].
        """
        x = finite("x", torch.as_tensor(x, dtype=torch.float64))
        if bool(((x < 0) | (x > 1)).any()):
            raise ValueError("x must lie in the ramp's support [0, 1]")
        return torch.stack((x - 0.5, torch.full_like(x, 2.0)), dim=1)

    @staticmethod
    def marginal(x: torch.Tensor) -> torch.Tensor:
        """The x-marginal 2x on [0, 1] (0 outside); ``x`` finite."""
        x = finite("x", torch.as_tensor(x))
        return torch.where((x >= 0) & (x <= 1), 2 * x, torch.zeros_like(x))


@dataclass(frozen=True)
class Ring:
    """A Gaussian ring, r ~ N(μ, σ²) with μ = ``radius``, σ = ``width``, φ uniform on [0, 2π).

    Args:
        radius: μ, the ring's mean radius.
        width: σ, its radial width.

    Used in:
        - :doc:`/book/generative/invertible-networks`

    References:
        Pawlowski & Plehn 2025, eqs. 5.66-5.68.
    """

    radius: float = 4.0
    width: float = 1.0

    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> torch.Tensor:
        """``n`` points x = r (cos φ, sin φ) with r = radius + width·ε."""
        positive_int("n", n)
        r = self.radius + self.width * torch.randn(n, generator=generator, dtype=dtype)
        phi = 2 * math.pi * torch.rand(n, generator=generator, dtype=dtype)
        return torch.stack((r * torch.cos(phi), r * torch.sin(phi)), dim=1)

    def radial_density(self, rho: torch.Tensor) -> torch.Tensor:
        """The density of the radius ``ρ = |x| ≥ 0``: N(ρ; μ, σ) + N(-ρ; μ, σ).

        Raises:
            ValueError: if ``rho`` holds NaN, inf or a negative radius.
        """
        rho = _radii(rho, strictly_positive=False)
        norm = 1.0 / (math.sqrt(2 * math.pi) * self.width)
        return norm * (
            torch.exp(-0.5 * ((rho - self.radius) / self.width) ** 2)
            + torch.exp(-0.5 * ((rho + self.radius) / self.width) ** 2)
        )

    def parameter_derivatives(self, rho: torch.Tensor) -> torch.Tensor:
        """∂p/∂μ and ∂p/∂σ of the Cartesian density p = N(ρ; μ, σ)/(2πρ) at radius ρ (eq. 5.68).

        ∂p/∂μ = p (ρ - μ)/σ² vanishes at the peak of the radial Gaussian, the dip of Fig. 42; the
        notes' eq. 5.68 carries one factor 1/ρ too many. For
        :func:`physml.uncertainty.fit_parameter_uncertainties`.

        Raises:
            ValueError: if ``rho`` holds NaN, inf or a radius <= 0 (p diverges at ρ = 0).
        """
        rho = _radii(torch.as_tensor(rho, dtype=torch.float64), strictly_positive=True)
        u = (rho - self.radius) / self.width
        p = torch.exp(-0.5 * u**2) / (
            math.sqrt(2 * math.pi) * self.width * 2 * math.pi * rho
        )
        return torch.stack((p * u / self.width, p * (u**2 - 1) / self.width), dim=1)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x, y) = log[p_ρ(ρ)/(2πρ)] with ρ = √(x² + y²); the support is the whole plane
        (+inf at the origin, where p_ρ(0) > 0 meets 1/(2πρ)). ``x``: ``(n, 2)``, finite."""
        rho = _points(x).norm(dim=1)
        return torch.log(self.radial_density(rho)) - torch.log(2 * math.pi * rho)


def histogram_density(values: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    """The density of ``values`` in the bins ``edges``: counts / (all values x bin width).

    Values outside the edges count in the normalisation, so leakage out of the support shows as a
    missing probability.

    Args:
        values: any shape (flattened), finite.
        edges: the bin edges, shape ``(n_bins + 1,)``, increasing.

    Returns:
        The density per bin, shape ``(n_bins,)``, float64, in inverse units of ``values``.

    Raises:
        ValueError: if ``values`` or ``edges`` hold NaN or inf (a non-finite generated point must
            not pass as leakage), or ``edges`` is not increasing.

    Used in:
        - :doc:`/book/generative/diffusion-and-flow-matching`

    Examples:
        >>> histogram_density(torch.tensor([0.1, 0.2, 0.7, 5.0]), torch.tensor([0.0, 0.5, 1.0])).tolist()
        [1.0, 0.5]
    """
    values = finite("values", torch.as_tensor(values).reshape(-1))
    edges = finite("edges", torch.as_tensor(edges))
    if edges.ndim != 1 or len(edges) < 2 or not (edges.diff() > 0).all():
        raise ValueError("edges must be a 1-D increasing tensor of at least 2 values")
    counts = torch.histogram(values.double().cpu(), bins=edges.double().cpu())[0]
    return counts / (len(values) * edges.diff().double().cpu())
