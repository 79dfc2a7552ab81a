"""Lattice φ⁴ theory in two dimensions, in the hopping parametrisation of the lecture notes.

The action on an L x L periodic lattice (Pawlowski and Plehn, eq. 3.11) is::

    S(φ) = Σ_x [ -2κ Σ_μ φ_x φ_{x+μ} + (1 - 2λ) φ_x² + λ φ_x⁴ ]

with hopping parameter κ and quartic coupling λ; p(φ) ∝ exp(-S). For λ → ∞ the field is pinned
to ±1 and S becomes the Ising energy at 1/T = 2κ; at λ = 0 the theory is free (Gaussian) and
:func:`free_propagator` gives its two-point function exactly. :class:`Phi4Chains` samples many
chains, one (κ, λ) each, with :func:`physml.lattice.hmc.hmc_step`.

Chapter 8 of the notes writes the same theory as (eq. 8.1)::

    S(φ) = Σ_x [ -β Σ_μ φ_x φ_{x+μ} + φ_x² + λ (φ_x² - 1)² ]

which expands to eq. 3.11 with β = 2κ plus the constant λ L²: the same distribution, so
:func:`kappa_from_beta` is all the translation needed (:func:`action` and :func:`force` are shared).
Used by :doc:`/book/phases/neural-network-phase-transition`,
:doc:`/book/lattice/hmc-critical-slowing-down` and :doc:`/book/lattice/trivializing-flows`.
"""

from __future__ import annotations

import math

import torch

from physml._checks import positive_int, positive_number
from physml.lattice.chains import check_fields, collect, per_chain, seeded_generator
from physml.lattice.hmc import hmc_step


def _coupling(
    name: str, value, n: int, device: torch.device, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    return per_chain(name, value, n, device, strictly_positive=False, dtype=dtype).view(
        -1, 1, 1
    )


def neighbour_sum(phi: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """Σ_{±μ} φ_{x±μ}, the four nearest neighbours on the periodic lattice (last two dimensions).

    Built from shifted slices into one buffer (``out`` if given, else a new tensor), with no
    temporaries: on a CPU faster than four ``torch.roll`` for the small lattices of chapter 8.

    Args:
        phi: fields, shape ``(..., L1, L2)``.
        out: a buffer of ``phi``'s shape to write into; ``None`` for a new tensor.

    Returns:
        The neighbour sum, ``phi``'s shape (``out`` when given).

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`

    Examples:
        >>> neighbour_sum(torch.ones(1, 3, 3)).unique().tolist()
        [4.0]
    """
    if out is None:
        out = torch.empty_like(phi)
    out[..., :, :-1] = phi[..., :, 1:]
    out[..., :, -1] = phi[..., :, 0]
    out[..., :, 1:] += phi[..., :, :-1]
    out[..., :, 0] += phi[..., :, -1]
    out[..., :-1, :] += phi[..., 1:, :]
    out[..., -1, :] += phi[..., 0, :]
    out[..., 1:, :] += phi[..., :-1, :]
    out[..., 0, :] += phi[..., -1, :]
    return out


def kappa_from_beta(beta: float) -> float:
    """κ = β/2: the hopping parameter of eq. 3.11 for the β of chapter 8 (eq. 8.1).

    Args:
        beta: the nearest-neighbour coupling β of eq. 8.1 (> 0).

    Returns:
        κ.

    Raises:
        ValueError: if ``beta`` is not > 0.

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`

    Examples:
        >>> kappa_from_beta(0.6)
        0.3
    """
    return positive_number("beta", beta) / 2.0


def action(phi: torch.Tensor, kappa, lam) -> torch.Tensor:
    """S(φ) of eq. 3.11 for each configuration.

    Args:
        phi: fields, shape ``(n, L1, L2)``, floating point.
        kappa: κ, a number, one value per configuration, or an ``(n, 1, 1)`` tensor.
        lam: λ, the same.

    Returns:
        S, shape ``(n,)``.

    Raises:
        TypeError: if ``phi`` is not a floating-point tensor.
        ValueError: on a wrong shape or a bad coupling.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`

    References:
        Pawlowski & Plehn 2025, eq. 3.11.

    Examples:
        >>> action(torch.zeros(1, 4, 4), 0.25, 0.5).tolist()
        [0.0]
    """
    check_fields(phi)
    k = (
        kappa
        if isinstance(kappa, torch.Tensor) and kappa.ndim == 3
        else _coupling("kappa", kappa, phi.shape[0], phi.device, phi.dtype)
    )
    g = (
        lam
        if isinstance(lam, torch.Tensor) and lam.ndim == 3
        else _coupling("lam", lam, phi.shape[0], phi.device, phi.dtype)
    )
    # Σ_x φ_x Σ_μ φ_{x+μ} = ½ Σ_x φ_x Σ_{±μ} φ_{x±μ}: one neighbour sum, no rolls.
    inner = neighbour_sum(phi).mul_(-k)
    inner.addcmul_(phi, g * phi * phi + (1.0 - 2.0 * g))
    return (phi * inner).sum(dim=(-2, -1))


def force(phi: torch.Tensor, kappa: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
    """dS/dφ_x = -2κ Σ_μ (φ_{x+μ} + φ_{x-μ}) + 2(1 - 2λ) φ_x + 4λ φ_x³ (κ, λ shaped (n, 1, 1)).

    In chapter 8's notation this is minus the HMC force of eq. 8.28 with β = 2κ.

    Args:
        phi: fields, shape ``(n, L1, L2)``, floating point.
        kappa: κ, shape ``(n, 1, 1)``.
        lam: λ, shape ``(n, 1, 1)``.

    Returns:
        dS/dφ, ``phi``'s shape.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`

    References:
        Pawlowski & Plehn 2025, eqs. 3.11 and 8.28.
    """
    return _force_into(
        phi,
        _force_coefficients(kappa, lam),
        torch.empty_like(phi),
        torch.empty_like(phi),
    )


def _force_coefficients(
    kappa: torch.Tensor, lam: torch.Tensor
) -> tuple[torch.Tensor, ...]:
    """The factors of the neighbour sum, φ³ and φ in dS/dφ."""
    return -2.0 * kappa, 4.0 * lam, 2.0 * (1.0 - 2.0 * lam)


def _force_into(
    phi: torch.Tensor,
    coefficients: tuple[torch.Tensor, ...],
    out: torch.Tensor,
    tmp: torch.Tensor,
) -> torch.Tensor:
    """:func:`force` written into ``out`` with ``tmp`` as scratch: no allocation."""
    hop, quartic, quadratic = coefficients
    neighbour_sum(phi, out).mul_(hop)
    torch.mul(phi, phi, out=tmp).mul_(quartic).add_(quadratic)
    return out.addcmul_(tmp, phi)


def magnetization(phi: torch.Tensor) -> torch.Tensor:
    """M = (1/L²) Σ_x φ_x of each configuration (eq. 3.39).

    Args:
        phi: fields, shape ``(n, L1, L2)``, floating point.

    Returns:
        M, shape ``(n,)``.

    Raises:
        TypeError: if ``phi`` is not a floating-point tensor.
        ValueError: on a wrong shape.

    Used in:
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
    """
    return check_fields(phi).mean(dim=(-2, -1))


def free_propagator(L: int, kappa: float) -> torch.Tensor:
    """Exact ⟨φ_x φ_0⟩ of the free theory (λ = 0) on an L x L lattice, shape (L, L), float64.

    At λ = 0 the action is ½ φᵀKφ with K(p) = 2 - 4κ (cos p₁ + cos p₂) in momentum space, so
    G(x) = (1/L²) Σ_p e^{ipx} / K(p); it exists for κ < 1/4.

    Args:
        L: the lattice side (>= 2).
        kappa: κ, in (0, 1/4).

    Returns:
        G(x), shape ``(L, L)``, float64.

    Raises:
        ValueError: on a bad ``L`` or κ outside (0, 1/4).
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

    The action is the notes' eq. 3.11 (hopping parameter κ, quartic coupling λ). The fields start
    at zero-mean Gaussian noise of width 0.5, with a generator seeded by ``seed``.

    Args:
        L: the lattice side (>= 2).
        kappa: κ, a number or one value per chain.
        lam: λ, a number or one value per chain.
        n_chains: the number of independent chains.
        step_size: the leapfrog step (> 0); the trajectory length is ``step_size * n_steps``.
        n_steps: leapfrog steps per trajectory.
        seed: seeds the chains' generator.
        device: where the chains live; ``None`` for :func:`physml.config.device`.
        dtype: ``torch.float32`` or ``torch.float64`` (float64 for precision work).

    Raises:
        ValueError: on a bad size, step or coupling.
        TypeError: on a dtype other than float32 or float64.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`

    References:
        Pawlowski & Plehn 2025, eq. 3.11 (the action) and eq. 8.1 (β = 2κ).
    """

    def __init__(
        self,
        L: int,
        kappa,
        lam,
        n_chains: int = 1,
        *,
        step_size: float = 0.1,
        n_steps: int = 10,
        seed: int = 0,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.L = positive_int("L", L, minimum=2)
        self.n_chains = positive_int("n_chains", n_chains)
        self.step_size = positive_number("step_size", step_size)
        self.n_steps = positive_int("n_steps", n_steps)
        if dtype not in (torch.float32, torch.float64):
            raise TypeError(
                f"dtype must be torch.float32 or torch.float64, got {dtype}"
            )
        self.device, self.generator = seeded_generator(seed, device)
        self.kappa = _coupling("kappa", kappa, n_chains, self.device, dtype)
        self.lam = _coupling("lam", lam, n_chains, self.device, dtype)
        self.phi = 0.5 * torch.randn(
            n_chains, L, L, generator=self.generator, device=self.device, dtype=dtype
        )
        self.trajectories = 0
        self.accepted = torch.zeros(n_chains, device=self.device)
        self._coefficients = _force_coefficients(self.kappa, self.lam)
        self._buffers = (torch.empty_like(self.phi), torch.empty_like(self.phi))

    def action(self, phi: torch.Tensor) -> torch.Tensor:
        """S(φ) of each chain at its own couplings."""
        return action(phi, self.kappa, self.lam)

    def force(self, phi: torch.Tensor) -> torch.Tensor:
        """dS/dφ of each chain at its own couplings."""
        return force(phi, self.kappa, self.lam)

    def _leapfrog_force(self, phi: torch.Tensor) -> torch.Tensor:
        # The leapfrog consumes each force before asking for the next, so one buffer serves all.
        return _force_into(phi, self._coefficients, *self._buffers)

    def trajectory(self, n: int = 1) -> Phi4Chains:
        """``n`` HMC trajectories of every chain (:func:`physml.lattice.hmc.hmc_step`). Returns self."""
        positive_int("n", n)
        for _ in range(n):
            step = hmc_step(
                self.phi,
                self.action,
                self._leapfrog_force,
                step_size=self.step_size,
                n_steps=self.n_steps,
                generator=self.generator,
            )
            self.phi = step.phi
            self.accepted += step.accepted.float()
        self.trajectories += n
        return self

    def state(self) -> torch.Tensor:
        """The chains' current fields (what :func:`physml.lattice.measure.series` measures)."""
        return self.phi

    @property
    def acceptance(self) -> torch.Tensor:
        """Fraction of accepted trajectories per chain so far."""
        return self.accepted / max(self.trajectories, 1)

    def magnetization(self) -> torch.Tensor:
        """M of each chain's current field."""
        return magnetization(self.phi)


def sample(
    L: int,
    kappas,
    lam: float,
    chains_per_kappa: int,
    samples_per_chain: int,
    *,
    thermalization: int,
    spacing: int,
    step_size: float = 0.1,
    n_steps: int = 10,
    seed: int = 0,
    device: torch.device | str | None = None,
    desc: str = "phi^4 HMC",
    progress: bool | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Equilibrium φ⁴ configurations at each κ (one λ), from many independent HMC chains at once.

    Every chain runs ``thermalization`` trajectories, then keeps its field every ``spacing``
    trajectories.

    Args:
        L: the lattice side (>= 2).
        kappas: the n_kappa hopping parameters κ.
        lam: the quartic coupling λ.
        chains_per_kappa: independent chains at each κ.
        samples_per_chain: fields kept per chain.
        thermalization: trajectories discarded before the first kept field.
        spacing: trajectories between kept fields.
        step_size: the leapfrog step (> 0).
        n_steps: leapfrog steps per trajectory.
        seed: seeds the chains' generator.
        device: where the chains run; ``None`` for :func:`physml.config.device`.
        desc: the progress bar's label.
        progress: show a progress bar; ``None`` for :func:`physml.train.progress_enabled`.

    Returns:
        ``(phi, acceptance)``, float32 fields of shape ``(n_kappa, chains, samples, L, L)`` on
        the CPU and the mean acceptance rate per κ, shape ``(n_kappa,)``.

    Raises:
        ValueError: on a bad size, count, step or coupling (as :class:`Phi4Chains` and
            :func:`physml.lattice.chains.collect`).

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
    """
    ks = torch.as_tensor(kappas, dtype=torch.float32).reshape(-1)
    positive_int("chains_per_kappa", chains_per_kappa)
    n_k = ks.numel()
    chains = Phi4Chains(
        L,
        ks.repeat_interleave(chains_per_kappa),
        lam,
        n_k * chains_per_kappa,
        step_size=step_size,
        n_steps=n_steps,
        seed=seed,
        device=device,
    )
    phi = collect(
        chains.trajectory,
        lambda: chains.phi.cpu().view(n_k, chains_per_kappa, L, L),
        thermalization=thermalization,
        samples_per_chain=samples_per_chain,
        spacing=spacing,
        desc=desc,
        progress=progress,
    )
    return phi, chains.acceptance.cpu().view(n_k, chains_per_kappa).mean(dim=1)
