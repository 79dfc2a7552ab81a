"""Four-momenta of jets and their constituents: pT, eta, phi, mass, Minkowski products, boosts.

Every function takes torch tensors whose last dimension holds a four-momentum ``(E, px, py, pz)``
in GeV (any leading shape, e.g. ``(n_jets, n_constituents, 4)``), runs on the tensor's device and
dtype, and is differentiable. Zero-padded constituents (all four components 0) are allowed: their
pT and mass are 0, and :func:`eta` and :func:`phi` return 0 for them instead of NaN.

Conventions as in Pawlowski and Plehn, *Physics and Machine Learning* (lecture notes, 2025),
Sec. 3.2-3.3: metric
``g = diag(+1, -1, -1, -1)``, pseudorapidity ``eta = artanh(pz / |p|)``, azimuth
``phi = atan2(py, px)`` in (-pi, pi], ``Delta R^2 = Delta eta^2 + Delta phi^2``.
Used in the chapters "Jets as images" and "Jets as point clouds".
"""

from __future__ import annotations

import math

import torch

__all__ = [
    "MINKOWSKI",
    "boost",
    "delta_phi",
    "delta_r",
    "eta",
    "four_momentum",
    "mass",
    "mass_squared",
    "minkowski_dot",
    "phi",
    "pt",
]

MINKOWSKI = (1.0, -1.0, -1.0, -1.0)
"""The diagonal of the metric ``g = diag(+1, -1, -1, -1)`` (the notes' eq. 3.51)."""


def _four_vectors(name: str, p) -> torch.Tensor:
    if not isinstance(p, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(p).__name__}")
    if p.ndim == 0 or p.shape[-1] != 4:
        raise ValueError(
            f"{name} must have a last dimension of 4 (E, px, py, pz), got shape {tuple(p.shape)}"
        )
    if not p.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {p.dtype}")
    return p


def pt(p: torch.Tensor) -> torch.Tensor:
    """Transverse momentum ``sqrt(px^2 + py^2)``.

    Args:
        p: four-momenta, shape ``(..., 4)``, floating point, GeV.

    Returns:
        Shape ``(...)``, GeV, >= 0.

    Raises:
        TypeError: if ``p`` is not a floating-point tensor.
        ValueError: if its last dimension is not 4.

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        >>> pt(torch.tensor([5.0, 3.0, 4.0, 0.0]))
        tensor(5.)
    """
    p = _four_vectors("p", p)
    return torch.hypot(p[..., 1], p[..., 2])


def phi(p: torch.Tensor) -> torch.Tensor:
    """Azimuth ``atan2(py, px)`` in ``(-pi, pi]``; 0 for a zero-padded entry.

    Args:
        p: four-momenta, shape ``(..., 4)``, floating point, GeV.

    Returns:
        Shape ``(...)``, radians.

    Raises:
        TypeError, ValueError: as :func:`pt`.

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    p = _four_vectors("p", p)
    return torch.atan2(p[..., 2], p[..., 1])


def eta(p: torch.Tensor) -> torch.Tensor:
    """Pseudorapidity ``artanh(pz / |p|) = asinh(pz / pT)``; 0 for a zero-padded entry.

    Args:
        p: four-momenta, shape ``(..., 4)``, floating point, GeV. A particle along the beam
            (pT = 0, pz != 0) has an infinite eta; it is returned as ``+-inf``.

    Returns:
        Shape ``(...)``, dimensionless.

    Raises:
        TypeError, ValueError: as :func:`pt`.

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        >>> round(float(eta(torch.tensor([2.0, 1.0, 0.0, 1.1752]))), 4)
        1.0
    """
    p = _four_vectors("p", p)
    transverse = pt(p)
    pz = p[..., 3]
    empty = (transverse == 0) & (pz == 0)
    safe = torch.where(empty, torch.ones_like(transverse), transverse)
    return torch.where(empty, torch.zeros_like(pz), torch.asinh(pz / safe))


def delta_phi(phi_a: torch.Tensor, phi_b: torch.Tensor) -> torch.Tensor:
    """``phi_a - phi_b`` wrapped into ``[-pi, pi)``.

    Args:
        phi_a: azimuths, any shape, radians.
        phi_b: azimuths, a shape that broadcasts with ``phi_a``, radians.

    Returns:
        The broadcast shape, radians in ``[-pi, pi)``.

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    return torch.remainder(phi_a - phi_b + math.pi, 2 * math.pi) - math.pi


def delta_r(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Angular distance ``Delta R = sqrt(Delta eta^2 + Delta phi^2)`` (the notes' eq. 3.44).

    Args:
        p: four-momenta, shape ``(..., 4)``, GeV.
        q: four-momenta, a shape that broadcasts with ``p``, GeV.

    Returns:
        The broadcast shape without the last dimension, dimensionless.

    Raises:
        TypeError, ValueError: as :func:`pt`, naming ``p``.

    Used in:
        - :doc:`/book/particles/symmetries-by-contrast`
    """
    return torch.hypot(eta(p) - eta(q), delta_phi(phi(p), phi(q)))


def minkowski_dot(
    p: torch.Tensor, q: torch.Tensor, metric: torch.Tensor | None = None
) -> torch.Tensor:
    """``p^mu g_{mu nu} q^nu`` with a diagonal metric (default ``diag(1, -1, -1, -1)``).

    LoLa's learned metric (the notes' eq. 3.58) enters through ``metric``.

    Args:
        p: four-momenta, shape ``(..., 4)``, GeV.
        q: four-momenta, a shape that broadcasts with ``p``, GeV.
        metric: the diagonal of ``g``, shape ``(4,)``; ``None`` for :data:`MINKOWSKI`.

    Returns:
        The broadcast shape without the last dimension, GeV^2.

    Raises:
        TypeError, ValueError: as :func:`pt`; ValueError if ``metric`` is not of shape ``(4,)``.

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        >>> minkowski_dot(torch.tensor([5.0, 0.0, 0.0, 3.0]), torch.tensor([5.0, 0.0, 0.0, 3.0]))
        tensor(16.)
    """
    p = _four_vectors("p", p)
    q = _four_vectors("q", q)
    if metric is None:
        metric = torch.tensor(MINKOWSKI, dtype=p.dtype, device=p.device)
    elif not isinstance(metric, torch.Tensor) or tuple(metric.shape) != (4,):
        raise ValueError("metric must be a tensor of shape (4,), the diagonal of g")
    return (p * metric * q).sum(-1)


def mass_squared(p: torch.Tensor) -> torch.Tensor:
    """Invariant mass squared ``E^2 - p^2``.

    Args:
        p: four-momenta, shape ``(..., 4)``, GeV.

    Returns:
        Shape ``(...)``, GeV^2; may be slightly negative by rounding for massless momenta.

    Raises:
        TypeError, ValueError: as :func:`pt`.

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    return minkowski_dot(p, p)


def mass(p: torch.Tensor) -> torch.Tensor:
    """Invariant mass ``sqrt(max(E^2 - p^2, 0))``.

    Args:
        p: four-momenta, shape ``(..., 4)``, GeV; for a jet, the sum of its constituents'
            four-momenta (:func:`four_momentum`).

    Returns:
        Shape ``(...)``, GeV, >= 0.

    Raises:
        TypeError, ValueError: as :func:`pt`.

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        >>> mass(torch.tensor([5.0, 0.0, 0.0, 3.0]))
        tensor(4.)
    """
    return mass_squared(p).clamp_min(0).sqrt()


def four_momentum(constituents: torch.Tensor) -> torch.Tensor:
    """The jet's four-momentum, the sum over its constituents (zero padding adds nothing).

    Args:
        constituents: shape ``(..., n_constituents, 4)``, GeV.

    Returns:
        Shape ``(..., 4)``, GeV.

    Raises:
        TypeError, ValueError: as :func:`pt`, naming ``constituents``; ValueError if it has
            fewer than two dimensions.

    Used in:
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    constituents = _four_vectors("constituents", constituents)
    if constituents.ndim < 2:
        raise ValueError(
            "constituents must have shape (..., n_constituents, 4), "
            f"got {tuple(constituents.shape)}"
        )
    return constituents.sum(-2)


def boost(p: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """Lorentz boost of four-momenta by the velocity ``beta`` (units of c, ``|beta| < 1``).

    ``E' = gamma (E - beta.p)``, ``p' = p + ((gamma - 1) (beta.p) / beta^2 - gamma E) beta``:
    the frame moving with ``beta`` sees these momenta. Invariant masses and every Minkowski
    product with ``g = diag(1, -1, -1, -1)`` are unchanged (the exact test of LoLa's features).

    Args:
        p: four-momenta, shape ``(..., 4)``, GeV.
        beta: velocities, shape ``(3,)`` or broadcasting with ``p[..., 1:]``, each ``|beta| < 1``.

    Returns:
        Shape of ``p``, GeV.

    Raises:
        TypeError, ValueError: as :func:`pt`; ValueError if some ``|beta| >= 1`` or ``beta``
            does not end in 3.

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`

    Examples:
        >>> q = boost(torch.tensor([5.0, 0.0, 0.0, 3.0], dtype=torch.float64),
        ...           torch.tensor([0.0, 0.0, 0.6], dtype=torch.float64))
        >>> [round(float(x), 6) for x in q]
        [4.0, 0.0, 0.0, 0.0]
    """
    p = _four_vectors("p", p)
    if not isinstance(beta, torch.Tensor) or beta.ndim == 0 or beta.shape[-1] != 3:
        raise ValueError("beta must be a tensor whose last dimension is 3 (a velocity)")
    beta = beta.to(dtype=p.dtype, device=p.device)
    b2 = (beta * beta).sum(-1, keepdim=True)
    if bool((b2 >= 1).any()):
        raise ValueError("beta must have |beta| < 1 (units of c)")
    gamma = 1 / torch.sqrt(1 - b2)
    energy, momentum = p[..., :1], p[..., 1:]
    bp = (beta * momentum).sum(-1, keepdim=True)
    safe_b2 = torch.where(b2 == 0, torch.ones_like(b2), b2)
    coefficient = torch.where(b2 == 0, torch.zeros_like(b2), (gamma - 1) * bp / safe_b2)
    new_energy = gamma * (energy - bp)
    new_momentum = momentum + (coefficient - gamma * energy) * beta
    return torch.cat([new_energy, new_momentum], dim=-1)
