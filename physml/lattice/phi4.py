"""Lattice φ⁴ theory in two dimensions, in the hopping parametrisation of the lecture notes.

The action on an L x L periodic lattice (Pawlowski and Plehn, eq. 3.11) is::

    S(φ) = Σ_x [ -2κ Σ_μ φ_x φ_{x+μ} + (1 - 2λ) φ_x² + λ φ_x⁴ ]

with hopping parameter κ and quartic coupling λ; p(φ) ∝ exp(-S). For λ → ∞ the field is pinned
to ±1 and S becomes the Ising energy at 1/T = 2κ; at λ = 0 the theory is free (Gaussian) and
:func:`free_propagator` gives its two-point function exactly. :class:`Phi4Chains` samples many
chains, one (κ, λ) each, with :func:`physml.lattice.hmc.hmc_step`. Used by "A neural network sees
a phase transition" and the lattice field theory chapters.
"""

from __future__ import annotations

import math

import torch

from physml._checks import positive_int, positive_number
from physml.lattice.chains import collect, per_chain, seeded_generator
from physml.lattice.hmc import hmc_step


def _coupling(name: str, value, n: int, device: torch.device) -> torch.Tensor:
    return per_chain(name, value, n, device, strictly_positive=False).view(-1, 1, 1)


def _check_field(phi: torch.Tensor) -> torch.Tensor:
    if not isinstance(phi, torch.Tensor):
        raise TypeError(f"phi must be a torch.Tensor, got {type(phi).__name__}")
    if not phi.is_floating_point():
        raise TypeError(f"phi must be a floating-point tensor, got dtype {phi.dtype}")
    if phi.ndim != 3 or phi.shape[-1] < 2 or phi.shape[-2] < 2:
        raise ValueError(f"phi must have shape (n_chains, L, L) with L >= 2, got {tuple(phi.shape)}")
    return phi


def _hop(phi: torch.Tensor) -> torch.Tensor:
    """Σ_μ φ_{x+μ}: the forward neighbours (each bond once)."""
    return torch.roll(phi, -1, dims=-1) + torch.roll(phi, -1, dims=-2)


def action(phi: torch.Tensor, kappa, lam) -> torch.Tensor:
    """S(φ) of eq. 3.11 for each configuration; κ, λ are numbers or one per chain."""
    _check_field(phi)
    k = kappa if isinstance(kappa, torch.Tensor) and kappa.ndim == 3 else _coupling("kappa", kappa, phi.shape[0], phi.device)
    g = lam if isinstance(lam, torch.Tensor) and lam.ndim == 3 else _coupling("lam", lam, phi.shape[0], phi.device)
    phi2 = phi * phi
    density = -2.0 * k * phi * _hop(phi) + (1.0 - 2.0 * g) * phi2 + g * phi2 * phi2
    return density.sum(dim=(-2, -1))


def force(phi: torch.Tensor, kappa: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
    """dS/dφ_x = -2κ Σ_μ (φ_{x+μ} + φ_{x-μ}) + 2(1 - 2λ) φ_x + 4λ φ_x³ (κ, λ shaped (n, 1, 1))."""
    neighbours = _hop(phi) + torch.roll(phi, 1, dims=-1) + torch.roll(phi, 1, dims=-2)
    return -2.0 * kappa * neighbours + 2.0 * (1.0 - 2.0 * lam) * phi + 4.0 * lam * phi**3


def magnetization(phi: torch.Tensor) -> torch.Tensor:
    """M = (1/L²) Σ_x φ_x of each configuration (eq. 3.39)."""
    return _check_field(phi).mean(dim=(-2, -1))


def free_propagator(L: int, kappa: float) -> torch.Tensor:
    """Exact ⟨φ_x φ_0⟩ of the free theory (λ = 0) on an L x L lattice, shape (L, L), float64.

    At λ = 0 the action is ½ φᵀKφ with K(p) = 2 - 4κ (cos p₁ + cos p₂) in momentum space, so
    G(x) = (1/L²) Σ_p e^{ipx} / K(p); it exists for κ < 1/4.
    """
    positive_int("L", L, minimum=2)
    positive_number("kappa", kappa)
    if kappa >= 0.25:
        raise ValueError(f"the free theory needs kappa < 1/4, got {kappa}")
    p = 2 * math.pi * torch.arange(L, dtype=torch.float64) / L
    kp = 2.0 - 4.0 * kappa * (torch.cos(p)[:, None] + torch.cos(p)[None, :])
    return torch.fft.ifft2(1.0 / kp).real


class Phi4Chains:
    """``n_chains`` HMC chains of lattice φ⁴ on L x L, each with its own κ (and λ).

    ``step_size`` and ``n_steps`` set the leapfrog trajectory (length ``step_size * n_steps``,
    1 by default). The fields start at zero-mean Gaussian noise of width 0.5, on ``device``
    (default :func:`physml.config.device`), with a generator seeded by ``seed``. Used by "A neural
    network sees a phase transition".
    """

    def __init__(self, L: int, kappa, lam, n_chains: int = 1, *, step_size: float = 0.1,
                 n_steps: int = 10, seed: int = 0, device: torch.device | str | None = None) -> None:
        self.L = positive_int("L", L, minimum=2)
        self.n_chains = positive_int("n_chains", n_chains)
        self.step_size = positive_number("step_size", step_size)
        self.n_steps = positive_int("n_steps", n_steps)
        self.device, self.generator = seeded_generator(seed, device)
        self.kappa = _coupling("kappa", kappa, n_chains, self.device)
        self.lam = _coupling("lam", lam, n_chains, self.device)
        self.phi = 0.5 * torch.randn(n_chains, L, L, generator=self.generator, device=self.device)
        self.trajectories = 0
        self.accepted = torch.zeros(n_chains, device=self.device)

    def action(self, phi: torch.Tensor) -> torch.Tensor:
        """S(φ) of each chain at its own couplings."""
        return action(phi, self.kappa, self.lam)

    def force(self, phi: torch.Tensor) -> torch.Tensor:
        """dS/dφ of each chain at its own couplings."""
        return force(phi, self.kappa, self.lam)

    def trajectory(self, n: int = 1) -> Phi4Chains:
        """``n`` HMC trajectories of every chain. Returns self."""
        positive_int("n", n)
        for _ in range(n):
            step = hmc_step(self.phi, self.action, self.force, step_size=self.step_size,
                            n_steps=self.n_steps, generator=self.generator)
            self.phi = step.phi
            self.accepted += step.accepted.float()
        self.trajectories += n
        return self

    @property
    def acceptance(self) -> torch.Tensor:
        """Fraction of accepted trajectories per chain so far."""
        return self.accepted / max(self.trajectories, 1)

    def magnetization(self) -> torch.Tensor:
        """M of each chain's current field."""
        return magnetization(self.phi)


def sample(L: int, kappas, lam: float, chains_per_kappa: int, samples_per_chain: int, *,
           thermalization: int, spacing: int, step_size: float = 0.1, n_steps: int = 10,
           seed: int = 0, device: torch.device | str | None = None, desc: str = "phi^4 HMC",
           progress: bool | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Equilibrium φ⁴ configurations at each κ (one λ), from many independent HMC chains at once.

    Every chain runs ``thermalization`` trajectories, then keeps its field every ``spacing``
    trajectories. Returns ``(phi, acceptance)``: fields of shape ``(n_kappa, chains, samples, L,
    L)`` on the CPU and the acceptance rate per κ. Used by "A neural network sees a phase
    transition".
    """
    ks = torch.as_tensor(kappas, dtype=torch.float32).reshape(-1)
    positive_int("chains_per_kappa", chains_per_kappa)
    n_k = ks.numel()
    chains = Phi4Chains(L, ks.repeat_interleave(chains_per_kappa), lam, n_k * chains_per_kappa,
                        step_size=step_size, n_steps=n_steps, seed=seed, device=device)
    phi = collect(chains.trajectory, lambda: chains.phi.cpu().view(n_k, chains_per_kappa, L, L),
                  thermalization=thermalization, samples_per_chain=samples_per_chain,
                  spacing=spacing, desc=desc, progress=progress)
    return phi, chains.acceptance.cpu().view(n_k, chains_per_kappa).mean(dim=1)
