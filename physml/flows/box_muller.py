"""The Box-Muller transform: an analytic normalizing flow from the unit square to a 2-D Gaussian (§5.4.2).

Two uniforms U₁, U₂ ∈ (0, 1] map to two independent standard normals (eq. 5.50, with the sin
that the notes drop in Z₂)::

    Z₁ = √(-2 ln U₁) cos 2πU₂,      Z₂ = √(-2 ln U₁) sin 2πU₂,

so Z₁² + Z₂² = -2 ln U₁ (eq. 5.51). The Jacobian determinant is ``|det ∂Z/∂U| = 2π/U₁`` (eq. 5.55),
and since U₁ = e^{-(Z₁² + Z₂²)/2} the change of variables turns the flat density on the square
into N(Z; 0, 1₂) = U₁/(2π): the flow a network has to learn, written down in closed form.

Used by :doc:`/book/generative/invertible-networks`.
"""

from __future__ import annotations

import math

import torch

from physml._checks import positive_int


def _check_pairs(x: torch.Tensor, name: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2), got {tuple(x.shape)}")
    return x


def forward(u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Uniforms ``u`` → standard normals Z and ``log|det ∂Z/∂U|`` = log(2π/U₁).

    Args:
        u: shape ``(n, 2)``, U₁ in (0, 1] and U₂ in [0, 1).

    Returns:
        ``(z, log_det)``, shapes ``(n, 2)`` and ``(n,)``.

    Raises:
        TypeError: if ``u`` is not a tensor.
        ValueError: on a wrong shape or U₁ outside (0, 1].

    Used in:
        - :doc:`/book/generative/invertible-networks`
    References:
        G. E. P. Box and M. E. Muller, Ann. Math. Statist. 29 (1958) 610.

    Examples:
        >>> z, log_det = forward(torch.tensor([[1.0, 0.25]], dtype=torch.float64))
        >>> z.abs().tolist(), round(float(log_det[0]), 4)
        ([[0.0, 0.0]], 1.8379)
    """
    u = _check_pairs(u, "u")
    u1, u2 = u[:, 0], u[:, 1]
    if not ((u1 > 0) & (u1 <= 1)).all():
        raise ValueError("u[:, 0] must lie in (0, 1]: ln U1 diverges at 0")
    radius = torch.sqrt(-2.0 * torch.log(u1))
    angle = 2 * math.pi * u2
    z = torch.stack((radius * torch.cos(angle), radius * torch.sin(angle)), dim=1)
    return z, math.log(2 * math.pi) - torch.log(u1)


def inverse(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Normals ``z`` → uniforms U with U₂ in [0, 1), and ``log|det ∂Z/∂U|`` at U.

    Args:
        z: shape ``(n, 2)``.

    Returns:
        ``(u, log_det)``, shapes ``(n, 2)`` and ``(n,)``; the inverse of :func:`forward`.

    Raises:
        TypeError: if ``z`` is not a tensor.
        ValueError: on a wrong shape.

    Used in:
        - :doc:`/book/generative/invertible-networks`
    References:
        G. E. P. Box and M. E. Muller, Ann. Math. Statist. 29 (1958) 610.
    """
    z = _check_pairs(z, "z")
    u1 = torch.exp(-0.5 * (z**2).sum(dim=1))
    u2 = torch.remainder(torch.atan2(z[:, 1], z[:, 0]) / (2 * math.pi), 1.0)
    return torch.stack((u1, u2), dim=1), math.log(2 * math.pi) - torch.log(u1)


def sample(
    n: int, generator: torch.Generator | None = None, dtype: torch.dtype = torch.float64
) -> torch.Tensor:
    """``n`` pairs of independent standard normals from ``n`` pairs of uniforms (U₁ drawn in (0, 1]).

    Args:
        n: the number of pairs.
        generator: a CPU ``torch.Generator``; ``None`` for the global one.
        dtype: the floating-point dtype.

    Returns:
        The normals, shape ``(n, 2)``.

    Raises:
        ValueError: if ``n`` is not a positive int.

    Used in:
        - :doc:`/book/generative/invertible-networks`
    References:
        G. E. P. Box and M. E. Muller, Ann. Math. Statist. 29 (1958) 610.
    """
    positive_int("n", n)
    u = torch.rand((n, 2), generator=generator, dtype=dtype)
    u[:, 0] = 1.0 - u[:, 0]
    return forward(u)[0]
