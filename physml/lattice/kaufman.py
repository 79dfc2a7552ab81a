"""The exact partition function of the finite L x L periodic Ising model (Kaufman 1949).

For the square-lattice Ising model ``H = -J Σ_<ij> s_i s_j`` (J = 1, each bond once, as in
:func:`physml.lattice.ising.energy`) on an L x L torus at inverse temperature β (K = βJ),
Kaufman's transfer-matrix solution writes Z as four products (Kaufman 1949, eq. 52; in the
notation of Ferdinand & Fisher 1969, eqs. 2.1-2.4)::

    Z = ½ (2 sinh 2K)^(L²/2) [Z₁ + Z₂ + Z₃ + Z₄]
    Z₁ = Π_{r=0}^{L-1} 2 cosh(L γ_{2r+1} / 2),   Z₂ = Π_{r=0}^{L-1} 2 sinh(L γ_{2r+1} / 2)
    Z₃ = Π_{r=0}^{L-1} 2 cosh(L γ_{2r} / 2),     Z₄ = Π_{r=0}^{L-1} 2 sinh(L γ_{2r} / 2)

    cosh γ_k = cosh 2K coth 2K - cos(π k / L)   (γ_k > 0 for k ≥ 1),
    γ_0 = 2K + ln tanh K                          (negative above T_c: the sign matters in Z₄).

Everything is computed in float64 in log space (the four products as signed logarithms, summed
with a log-sum-exp), so it holds for large L and small temperatures; the energy and the heat
capacity are the first and second β-derivatives of ln Z, taken by automatic differentiation of
the same formula. :func:`onsager_free_energy` and :func:`onsager_energy` give the thermodynamic
limit (Onsager 1944), the large-L test of the finite formula.

Used in :doc:`/book/lattice/variational-autoregressive-networks` (the exact free energy the
variational bound is measured against).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from physml._checks import positive_int

__all__ = [
    "log_partition",
    "onsager_energy",
    "onsager_free_energy",
    "thermodynamics",
]


def _betas(beta) -> torch.Tensor:
    try:
        b = torch.as_tensor(beta, dtype=torch.float64).reshape(-1).cpu()
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(
            f"beta must be a number or a 1-D sequence of numbers, got {type(beta).__name__}"
        ) from err
    if b.numel() == 0:
        raise ValueError("beta must hold at least one inverse temperature")
    if not bool(torch.isfinite(b).all()) or not bool((b > 0).all()):
        raise ValueError(f"beta must be finite and > 0, got {b.tolist()[:5]}")
    return b


def _log_abs_2cosh(x: torch.Tensor) -> torch.Tensor:
    a = x.abs()
    return a + torch.log1p(torch.exp(-2 * a))


def _log_abs_2sinh(x: torch.Tensor) -> torch.Tensor:
    a = x.abs()
    return a + torch.log(-torch.expm1(-2 * a))


def _log_z(L: int, K: torch.Tensor) -> torch.Tensor:
    """ln Z for a 1-D float64 tensor of couplings K (differentiable in K)."""
    k = torch.arange(2 * L, dtype=torch.float64)
    c = torch.cosh(2 * K) ** 2 / torch.sinh(2 * K)  # cosh 2K coth 2K >= 2
    arg = c[:, None] - torch.cos(math.pi * k[1:] / L)[None, :]  # >= 1 for k >= 1
    gamma_rest = torch.acosh(arg)
    gamma0 = 2 * K + torch.log(torch.tanh(K))
    gamma = torch.cat([gamma0[:, None], gamma_rest], dim=1)  # (n, 2L): γ_0 .. γ_{2L-1}
    half = L * gamma / 2
    odd, even = half[:, 1::2], half[:, 0::2]  # γ_{2r+1}, γ_{2r}, r = 0..L-1
    logs = torch.stack(
        [
            _log_abs_2cosh(odd).sum(1),
            _log_abs_2sinh(odd).sum(1),
            _log_abs_2cosh(even).sum(1),
        ],
        dim=1,
    )
    # |Z₄| <= Z₃, so the largest of the first three sets the scale.
    top = logs.max(dim=1, keepdim=True).values.detach()
    total = torch.exp(logs - top).sum(1)
    # Z₄ = 2 sinh(L γ_0 / 2) Π_{r>=1} 2 sinh(L γ_{2r} / 2) changes sign with γ_0 at β_c: its
    # first factor is kept as a smooth signed number where it is small (so that the derivatives
    # through β_c stay finite) and taken in log space where it is large.
    rest = _log_abs_2sinh(even[:, 1:]).sum(1) - top[:, 0]
    x0 = even[:, 0]
    small = x0.abs() < 20
    x_small = torch.where(small, x0, torch.zeros_like(x0))
    x_big = torch.where(small, torch.ones_like(x0), x0)
    z4 = torch.where(
        small,
        2 * torch.sinh(x_small) * torch.exp(rest),
        torch.sign(x_big) * torch.exp(_log_abs_2sinh(x_big) + rest),
    )
    total = total + z4
    return (
        math.log(0.5)
        + (L * L / 2) * torch.log(2 * torch.sinh(2 * K))
        + top[:, 0]
        + torch.log(total)
    )


def log_partition(L: int, beta) -> torch.Tensor:
    """ln Z of the L x L periodic Ising model (J = 1) at each inverse temperature, exactly.

    Kaufman's four-product formula (module docstring), float64, on the CPU. The bonds are counted
    as in :func:`physml.lattice.ising.energy` (each site's right and lower neighbour, so at L = 2
    every pair of neighbours is joined by two bonds).

    Args:
        L: the lattice side, an int >= 2.
        beta: the inverse temperatures β = 1/T (k_B = J = 1), a number or a 1-D sequence, > 0.

    Returns:
        ln Z, float64, shape ``(n_beta,)``.

    Raises:
        ValueError: on L < 2 or a β that is not finite and > 0.
        TypeError: if ``beta`` is not numeric.

    References:
        B. Kaufman, Phys. Rev. 76 (1949) 1232, eq. 52; A. E. Ferdinand and M. E. Fisher,
        Phys. Rev. 185 (1969) 832, eqs. 2.1-2.4.

    Used in:
        - :doc:`/book/lattice/variational-autoregressive-networks`

    Examples:
        >>> round(float(log_partition(2, 1e-9)[0]), 6)  # 2^4 states at infinite temperature
        2.772589
    """
    positive_int("L", L, minimum=2)
    return _log_z(L, _betas(beta))


def thermodynamics(L: int, beta) -> dict[str, torch.Tensor]:
    """Exact free energy, energy and heat capacity per site of the L x L periodic Ising model.

    From :func:`log_partition` and its β-derivatives (automatic differentiation of Kaufman's
    formula in float64): ``f = -ln Z / (β L²)``, ``e = -∂ ln Z / ∂β / L²`` and
    ``c = β² ∂² ln Z / ∂β² / L²``.

    Args:
        L: the lattice side, an int >= 2.
        beta: the inverse temperatures β = 1/T (k_B = J = 1), a number or a 1-D sequence, > 0.

    Returns:
        A dict of float64 tensors of shape ``(n_beta,)``, with keys ``log_z`` (ln Z of the
        whole lattice), ``f`` (free energy per site, units of J), ``e`` (mean energy per site,
        the ``<e>`` of :func:`physml.lattice.ising.exact_moments`) and ``c`` (heat capacity per
        site, k_B = 1).

    Raises:
        ValueError: on L < 2 or a β that is not finite and > 0.
        TypeError: if ``beta`` is not numeric.

    References:
        B. Kaufman, Phys. Rev. 76 (1949) 1232; A. E. Ferdinand and M. E. Fisher, Phys. Rev. 185
        (1969) 832.

    Used in:
        - :doc:`/book/lattice/variational-autoregressive-networks`

    Examples:
        >>> th = thermodynamics(4, [0.3])
        >>> round(float(th["e"][0]), 6) == round(
        ...     float(__import__("physml").lattice.ising.exact_moments(4, [1 / 0.3])["e"][0]), 6)
        True
    """
    positive_int("L", L, minimum=2)
    b = _betas(beta).clone().requires_grad_(True)
    with torch.enable_grad():
        log_z = _log_z(L, b)
        (d1,) = torch.autograd.grad(log_z.sum(), b, create_graph=True)
        (d2,) = torch.autograd.grad(d1.sum(), b)
    n = L * L
    b = b.detach()
    return {
        "log_z": log_z.detach(),
        "f": -log_z.detach() / (b * n),
        "e": -d1.detach() / n,
        "c": b**2 * d2.detach() / n,
    }


def _onsager_kappa(beta: float) -> float:
    return 2 * math.sinh(2 * beta) / math.cosh(2 * beta) ** 2


def onsager_free_energy(beta) -> np.ndarray:
    """Free energy per site of the infinite square-lattice Ising model (Onsager 1944).

    ``-β f = ln(2 cosh 2K) + (1/π) ∫_0^{π/2} ln[(1 + sqrt(1 - κ² sin²θ)) / 2] dθ`` with
    ``κ = 2 sinh 2K / cosh² 2K``, K = β (J = 1), integrated with :func:`scipy.integrate.quad`.

    Args:
        beta: the inverse temperatures, a number or a 1-D sequence, > 0.

    Returns:
        f per site, float64 numpy array of shape ``(n_beta,)``.

    Raises:
        ValueError: on a β that is not finite and > 0.
        TypeError: if ``beta`` is not numeric.

    References:
        L. Onsager, Phys. Rev. 65 (1944) 117; Huang, Statistical Mechanics, eq. 15.130.

    Used in:
        - :doc:`/book/lattice/variational-autoregressive-networks`
    """
    from scipy.integrate import quad

    out = []
    for b in _betas(beta).tolist():
        kap = _onsager_kappa(b)
        integral, _ = quad(
            lambda t, k=kap: math.log((1 + math.sqrt(1 - (k * math.sin(t)) ** 2)) / 2),
            0,
            math.pi / 2,
            epsabs=1e-13,
            epsrel=1e-13,
            limit=200,
        )
        out.append(-(math.log(2 * math.cosh(2 * b)) + integral / math.pi) / b)
    return np.asarray(out)


def onsager_energy(beta) -> np.ndarray:
    """Energy per site of the infinite square-lattice Ising model (Onsager 1944).

    ``e = -coth 2K [1 + (2/π)(2 tanh² 2K - 1) K₁(κ)]`` with K₁ the complete elliptic integral of
    the first kind (:func:`scipy.special.ellipk`, parameter m = κ²), ``κ = 2 sinh 2K / cosh² 2K``.
    Finite at β_c, where K₁ diverges but its prefactor vanishes.

    Args:
        beta: the inverse temperatures, a number or a 1-D sequence, > 0.

    Returns:
        e per site, float64 numpy array of shape ``(n_beta,)``.

    Raises:
        ValueError: on a β that is not finite and > 0.
        TypeError: if ``beta`` is not numeric.

    References:
        L. Onsager, Phys. Rev. 65 (1944) 117; Huang, Statistical Mechanics, eq. 15.133.

    Used in:
        - :doc:`/book/lattice/variational-autoregressive-networks`
    """
    from scipy.special import ellipk

    b = _betas(beta).numpy()
    kap = 2 * np.sinh(2 * b) / np.cosh(2 * b) ** 2
    pref = 2 * np.tanh(2 * b) ** 2 - 1
    # At β_c, κ = 1 and K₁ diverges logarithmically while its prefactor vanishes linearly.
    m = np.minimum(kap**2, 1.0)
    critical = m >= 1.0 - 1e-15
    k1 = ellipk(np.where(critical, 0.0, m))
    term = np.where(critical, 0.0, pref * k1)
    return -(1 / np.tanh(2 * b)) * (1 + (2 / np.pi) * term)
