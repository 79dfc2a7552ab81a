"""Hybrid (Hamiltonian) Monte Carlo for lattice field theories, many chains in one tensor.

A field φ with action S(φ) gets Gaussian momenta π; the leapfrog integrator moves (φ, π) along
H = π²/2 + S(φ) for a trajectory of ``n_steps`` steps of size ``step_size``, and a Metropolis test
with probability min(1, exp(-ΔH)) makes the chain exact for any step size (the integrator is
reversible and area preserving). The action and its gradient are callables, so the same step
drives lattice φ⁴ (:mod:`physml.lattice.phi4`) and, later in the book, the pulled-back action of
a trivialising flow. Used by :doc:`/book/phases/neural-network-phase-transition`,
:doc:`/book/lattice/hmc-critical-slowing-down` and :doc:`/book/lattice/trivializing-flows`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from physml._checks import positive_int, positive_number

Action = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class HMCStep:
    """The outcome of one HMC trajectory per chain: new fields, accepted mask, energy violation."""

    phi: torch.Tensor
    accepted: torch.Tensor
    delta_h: torch.Tensor


def autograd_force(action: Action) -> Action:
    """dS/dφ by automatic differentiation, for actions without a hand-written force."""

    def force(phi: torch.Tensor) -> torch.Tensor:
        with torch.enable_grad():
            x = phi.detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(action(x).sum(), x)
        return grad

    return force


def leapfrog(phi: torch.Tensor, pi: torch.Tensor, force: Action, step_size: float,
             n_steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Leapfrog integration of dφ/dt = π, dπ/dt = -dS/dφ; returns the final (φ, π).

    The inputs are left alone; the integration updates one copy of each in place, so ``force``
    may return the same buffer every call (it is consumed before the next call).
    """
    phi, pi = phi.clone(), pi.clone()
    pi.add_(force(phi), alpha=-0.5 * step_size)
    for i in range(n_steps):
        phi.add_(pi, alpha=step_size)
        pi.add_(force(phi), alpha=-(step_size if i < n_steps - 1 else 0.5 * step_size))
    return phi, pi


def gaussian_momenta(like: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Standard normal momenta shaped and typed like ``like``.

    torch's CPU normal generator is about five times slower in float64 than in float32, so on the
    CPU float64 momenta are float32 normals widened: that changes their distribution only at
    float32 rounding (1e-7 relative), far below any statistical resolution of the book.
    """
    if like.dtype == torch.float64 and like.device.type == "cpu":
        return torch.randn(like.shape, generator=generator, dtype=torch.float32).to(torch.float64)
    return torch.randn(like.shape, generator=generator, device=like.device, dtype=like.dtype)


def hmc_step(phi: torch.Tensor, action: Action, force: Action | None = None, *,
             step_size: float, n_steps: int, generator: torch.Generator | None = None) -> HMCStep:
    """One HMC trajectory for every chain at once (the first dimension of ``phi`` is the chain).

    ``action(phi)`` returns one value per chain; ``force`` is dS/dφ (autograd when omitted).
    Chains accept or reject independently.
    """
    if not isinstance(phi, torch.Tensor) or not phi.is_floating_point():
        raise TypeError("phi must be a floating-point torch.Tensor")
    positive_number("step_size", step_size)
    positive_int("n_steps", n_steps)
    force = force or autograd_force(action)
    pi = gaussian_momenta(phi, generator)
    dims = tuple(range(1, phi.ndim))
    h0 = 0.5 * (pi**2).sum(dim=dims) + action(phi)
    new_phi, new_pi = leapfrog(phi, pi, force, step_size, n_steps)
    h1 = 0.5 * (new_pi**2).sum(dim=dims) + action(new_phi)
    delta_h = h1 - h0
    u = torch.rand(delta_h.shape, generator=generator, device=phi.device, dtype=phi.dtype)
    accepted = u < torch.exp(-delta_h)
    keep = accepted.view(-1, *([1] * (phi.ndim - 1)))
    return HMCStep(phi=torch.where(keep, new_phi, phi), accepted=accepted, delta_h=delta_h)
