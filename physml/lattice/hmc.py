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
    """The outcome of one HMC trajectory per chain: new fields, accepted mask, energy violation.

    Returned by :func:`hmc_step`.

    Args:
        phi: the fields after the Metropolis test, the shape of the input fields.
        accepted: bool, one per chain.
        delta_h: ΔH = H(end) - H(start) of each chain's trajectory, one per chain.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
    """

    phi: torch.Tensor
    accepted: torch.Tensor
    delta_h: torch.Tensor


def autograd_force(action: Action) -> Action:
    """dS/dφ by automatic differentiation, for actions without a hand-written force.

    Args:
        action: maps fields ``(n, ...)`` to one action per chain ``(n,)``.

    Returns:
        ``force(phi)``, the gradient of the summed action, the shape of ``phi``.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`

    Examples:
        >>> force = autograd_force(lambda phi: 0.5 * (phi**2).sum(dim=(1, 2)))
        >>> force(torch.ones(1, 2, 2)).tolist()
        [[[1.0, 1.0], [1.0, 1.0]]]
    """

    def force(phi: torch.Tensor) -> torch.Tensor:
        with torch.enable_grad():
            x = phi.detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(action(x).sum(), x)
        return grad

    return force


def leapfrog(
    phi: torch.Tensor, pi: torch.Tensor, force: Action, step_size: float, n_steps: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Leapfrog integration of dφ/dt = π, dπ/dt = -dS/dφ; returns the final (φ, π).

    The inputs are left alone; the integration updates one copy of each in place, so ``force``
    may return the same buffer every call (it is consumed before the next call).

    Args:
        phi: the fields, any shape, floating point.
        pi: the momenta, the shape of ``phi``.
        force: dS/dφ, maps fields to a tensor of their shape.
        step_size: the step ε.
        n_steps: the number of steps; the trajectory length is ``step_size * n_steps``.

    Returns:
        ``(φ, π)`` at the end of the trajectory.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
    References:
        S. Duane, A. D. Kennedy, B. J. Pendleton and D. Roweth, Phys. Lett. B 195 (1987) 216;
        Pawlowski & Plehn 2025, Sec. 8.2.
    """
    phi, pi = phi.clone(), pi.clone()
    pi.add_(force(phi), alpha=-0.5 * step_size)
    for i in range(n_steps):
        phi.add_(pi, alpha=step_size)
        pi.add_(force(phi), alpha=-(step_size if i < n_steps - 1 else 0.5 * step_size))
    return phi, pi


def gaussian_momenta(
    like: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Standard normal momenta shaped and typed like ``like``.

    torch's CPU normal generator is about five times slower in float64 than in float32, so on the
    CPU float64 momenta are float32 normals widened: that changes their distribution only at
    float32 rounding (1e-7 relative), far below any statistical resolution of the book.

    Args:
        like: a tensor whose shape, dtype and device the momenta take.
        generator: a generator on ``like``'s device; ``None`` for the global one.

    Returns:
        N(0, 1) momenta of ``like``'s shape, dtype and device.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
    """
    if like.dtype == torch.float64 and like.device.type == "cpu":
        return torch.randn(like.shape, generator=generator, dtype=torch.float32).to(
            torch.float64
        )
    return torch.randn(
        like.shape, generator=generator, device=like.device, dtype=like.dtype
    )


def hmc_step(
    phi: torch.Tensor,
    action: Action,
    force: Action | None = None,
    *,
    step_size: float,
    n_steps: int,
    generator: torch.Generator | None = None,
) -> HMCStep:
    """One HMC trajectory for every chain at once (the first dimension of ``phi`` is the chain).

    Chains accept or reject independently, with probability min(1, exp(-ΔH)).

    Args:
        phi: the fields, shape ``(n_chains, ...)``, floating point.
        action: maps the fields to one action per chain, shape ``(n_chains,)``.
        force: dS/dφ; ``None`` for :func:`autograd_force` of ``action``.
        step_size: the leapfrog step (> 0).
        n_steps: leapfrog steps per trajectory (>= 1).
        generator: a generator on ``phi``'s device; ``None`` for the global one.

    Returns:
        An :class:`HMCStep`.

    Raises:
        TypeError: if ``phi`` is not a floating-point tensor.
        ValueError: on a step size that is not > 0 or a bad ``n_steps``.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
    References:
        S. Duane, A. D. Kennedy, B. J. Pendleton and D. Roweth, Phys. Lett. B 195 (1987) 216;
        Pawlowski & Plehn 2025, Sec. 8.2.
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
    u = torch.rand(
        delta_h.shape, generator=generator, device=phi.device, dtype=phi.dtype
    )
    accepted = u < torch.exp(-delta_h)
    keep = accepted.view(-1, *([1] * (phi.ndim - 1)))
    return HMCStep(
        phi=torch.where(keep, new_phi, phi), accepted=accepted, delta_h=delta_h
    )
