"""Trivializing flows for lattice φ⁴: reverse-KL training, flow proposals, and flow HMC (notes §8.1-8.4).

- :func:`train_reverse_kl`: fit a :class:`physml.flows.checkerboard.TrivializingFlow` to
  p(φ) = e^{-S}/Z from the action alone. Samples φ = f⁻¹(z), z ~ N(0, 1), have model density
  ``log p_f(φ) = log r(z) + log|det ∂f/∂φ|`` (eq. 8.13), and the loss ⟨log p_f(φ) + S(φ)⟩_{p_f} (eq.
  8.15) is the KL divergence shifted by -log Z. No training data.
- :func:`proposal_log_weights`, :func:`independence_metropolis`, :func:`equilibrium_acceptance` and
  :func:`effective_sample_size`: the flow as an independent Metropolis-Hastings proposal (Table 4):
  a proposal φ' replaces the current φ with probability min(1, w(φ')/w(φ)), w = e^{-S}/p_f.
- :class:`FlowHMC`: HMC on the flowed variable φ̃ = f(φ) with the action
  ``S_eff(φ̃) = S(f⁻¹(φ̃)) + log|det ∂f/∂φ|`` at f⁻¹(φ̃) (eq. 8.18, with det J[f⁻¹] = 1/det ∂f/∂φ),
  its force by automatic differentiation through the flow and its log-determinant; every
  configuration is mapped back with f⁻¹ (eqs. 8.19-8.20).

Used by :doc:`/book/lattice/trivializing-flows`.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch

from physml import stats
from physml._checks import positive_int, positive_number, real_array
from physml.flows.checkerboard import TrivializingFlow
from physml.lattice.chains import seeded_generator
from physml.lattice.hmc import Action, hmc_step
from physml.train import History


def _check_flow(flow) -> TrivializingFlow:
    if not isinstance(flow, TrivializingFlow):
        raise TypeError(f"flow must be a TrivializingFlow, got {type(flow).__name__}")
    return flow


def log_prior(z: torch.Tensor) -> torch.Tensor:
    """log r(z) of independent standard normals, summed over the sites of each configuration.

    Args:
        z: float ``(n, L, L)`` (any leading shape, the last two axes the lattice).

    Returns:
        A tensor ``z.shape[:-2]`` of ``z``'s dtype, in nats.

    References:
        Pawlowski & Plehn 2025, eq. 8.13.

    Used in:
        - :doc:`/book/lattice/trivializing-flows`
    """
    return -0.5 * (z * z).sum(dim=(-2, -1)) - 0.5 * z[0].numel() * math.log(2 * math.pi)


def sample_model(
    flow: TrivializingFlow,
    L: int,
    n: int,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` fields φ = f⁻¹(z) on an L x L lattice and their model log-density log p_f(φ).

    Args:
        flow: the :class:`physml.flows.checkerboard.TrivializingFlow`.
        L: lattice side, ``>= 2`` (even, as the flow's checkerboard needs).
        n: configurations, ``>= 1``.
        generator: a ``torch.Generator`` on ``device`` that draws z ~ N(0, 1); None: torch's
            default generator.
        device: where to draw; None: the default device.

    Returns:
        The pair ``(phi, log_p)``, float64 ``(n, L, L)`` and ``(n,)`` (nats).

    Raises:
        TypeError: if ``flow`` is not a ``TrivializingFlow``.
        ValueError: on ``L < 2`` or ``n < 1``.

    References:
        Pawlowski & Plehn 2025, eq. 8.13.

    Used in:
        - :doc:`/book/lattice/trivializing-flows`
    """
    _check_flow(flow)
    positive_int("L", L, minimum=2)
    positive_int("n", n)
    z = torch.randn(n, L, L, generator=generator, dtype=torch.float64, device=device)
    phi, logdet = flow.inverse(z)
    return phi, log_prior(z) + logdet


def train_reverse_kl(
    flow: TrivializingFlow,
    action: Action,
    L: int,
    *,
    steps: int,
    batch_size: int,
    lr: float = 0.01,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool | None = None,
    desc: str = "reverse KL",
) -> History:
    """Minimise ⟨log p_f(φ) + S(φ)⟩ over φ ~ p_f with Adam (eq. 8.15), the flow trained in place.

    Args:
        flow: the flow, moved to ``device`` and trained in place.
        action: ``action(phi)`` gives S per configuration of a batch ``(n, L, L)`` float64.
        L: lattice side (``L x L`` sites), at least 2.
        steps: Adam steps.
        batch_size: configurations drawn from the flow per step, at least 2.
        lr: Adam learning rate.
        seed: seed of the generator (on ``device``) that draws the prior samples.
        device: where to train (``config.device()`` if ``None``).
        progress: show a progress bar (``progress_enabled()`` if ``None``).
        desc: progress bar label.

    Returns:
        :class:`physml.train.History` whose ``loss`` ``(steps,)`` float64 is ⟨log p_f + S⟩ per
        step, the reverse KL shifted by -log Z (its :meth:`~physml.train.History.plateau` is
        the final level); no series.

    Raises:
        TypeError: if ``flow`` is not a :class:`physml.flows.checkerboard.TrivializingFlow`.
        ValueError: on ``L < 2``, non-positive ``steps`` or ``lr``, or ``batch_size < 2``.

    References:
        Albergo, Kanwar & Shanahan 2019 (the reverse-KL training); the notes' eq. 8.15.

    Used in:
        - :doc:`/book/lattice/trivializing-flows`
    """
    from tqdm import tqdm

    from physml.train import progress_enabled

    _check_flow(flow)
    positive_int("steps", steps)
    positive_int("batch_size", batch_size, minimum=2)
    positive_number("lr", lr)
    dev, gen = seeded_generator(seed, device)
    flow.to(dev)
    opt = torch.optim.Adam(flow.parameters(), lr=lr)
    show = progress_enabled() if progress is None else progress
    losses = np.empty(steps)
    for i in tqdm(range(steps), desc=desc, disable=not show, leave=False):
        phi, log_p = sample_model(flow, L, batch_size, generator=gen, device=dev)
        loss = (log_p + action(phi)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses[i] = loss.item()
    return History(steps=steps, loss=losses)


@torch.no_grad()
def proposal_log_weights(
    flow: TrivializingFlow,
    action: Action,
    L: int,
    n: int,
    *,
    seed: int = 0,
    batch_size: int = 8192,
    device: torch.device | str | None = None,
) -> np.ndarray:
    """log w = -S(φ) - log p_f(φ) of ``n`` independent flow proposals φ ~ p_f (up to a constant).

    Args:
        flow: the trained :class:`physml.flows.checkerboard.TrivializingFlow` (moved to the device).
        action: ``action(phi)`` gives S per configuration of a batch ``(n, L, L)`` float64.
        L: lattice side, ``>= 2``.
        n: proposals, ``>= 1``.
        seed: seed of the generator (on ``device``) that draws the proposals.
        batch_size: proposals drawn per batch, ``>= 1``.
        device: where to draw (``config.device()`` if ``None``).

    Returns:
        float64 ndarray ``(n,)``, in nats.

    Raises:
        TypeError: if ``flow`` is not a ``TrivializingFlow``.
        ValueError: on non-positive ``n`` or ``batch_size``.

    References:
        Pawlowski & Plehn 2025, §8.4 and Table 4.

    Used in:
        - :doc:`/book/lattice/trivializing-flows`
    """
    _check_flow(flow)
    positive_int("n", n)
    positive_int("batch_size", batch_size)
    dev, gen = seeded_generator(seed, device)
    flow.to(dev)
    out = []
    for start in range(0, n, batch_size):
        phi, log_p = sample_model(
            flow, L, min(batch_size, n - start), generator=gen, device=dev
        )
        out.append((-action(phi) - log_p).cpu())
    return torch.cat(out).cpu().numpy()


def independence_metropolis(
    log_weights, n_chains: int = 100, seed: int = 0
) -> np.ndarray:
    """Acceptance rate of each of ``n_chains`` independence samplers fed with the proposals' log weights.

    The proposals are dealt into ``n_chains`` equal sequences (their number must divide evenly,
    so that none is dropped); each chain starts at its first proposal and accepts the next with
    probability min(1, w'/w). The chains' mean acceptance is the Table 4 number; their spread
    gives its error.

    Args:
        log_weights: log w of the proposals (:func:`proposal_log_weights`), ``(N,)`` with
            N >= 4, finite.
        n_chains: the number of chains, ``>= 1``.
        seed: seed of the ``numpy.random.default_rng`` of the accept draws.

    Returns:
        float64 ndarray ``(n_chains,)``, each chain's acceptance in ``[0, 1]``.

    Raises:
        ValueError: on fewer than 4 or non-finite log weights, fewer than 2 proposals per chain,
            or a number of proposals that does not deal evenly into ``n_chains``.

    References:
        Pawlowski & Plehn 2025, §8.4 and Table 4.

    Used in:
        - :doc:`/book/lattice/trivializing-flows`
    """
    lw = real_array("log_weights", log_weights, min_len=4)
    positive_int("n_chains", n_chains)
    per = lw.size // n_chains
    if per < 2:
        raise ValueError(
            f"need at least 2 proposals per chain; got {lw.size} for {n_chains} chains"
        )
    if lw.size % n_chains:
        raise ValueError(
            f"log_weights: {lw.size} proposals do not deal evenly into n_chains = "
            f"{n_chains} chains (the last {lw.size % n_chains} would be dropped)"
        )
    seqs = lw[: per * n_chains].reshape(n_chains, per)
    log_u = np.log(np.random.default_rng(seed).random((n_chains, per)))
    current = seqs[:, 0].copy()
    accepted = np.zeros(n_chains)
    for i in range(1, per):
        take = log_u[:, i] < seqs[:, i] - current
        current = np.where(take, seqs[:, i], current)
        accepted += take
    return accepted / (per - 1)


def equilibrium_acceptance(
    log_weights, *, n_boot: int = 100, seed: int = 0
) -> stats.Measurement:
    """Acceptance of the independence sampler in equilibrium, from N proposals, with a bootstrap error.

    The acceptance of a chain at equilibrium is E_{φ~p, φ'~q} min(1, w(φ')/w(φ)); with φ weighted by
    w among the same proposals it is estimated by Σ_ij min(w_i, w_j) / (N Σ_i w_i). A finite chain
    of n proposals cannot measure less than about (ln n + 0.58)/n, because it accepts every new
    record weight (0.013 for n = 500, whatever the flow); this estimate has no such floor. It is
    unresolved where a few weights dominate (see :func:`effective_sample_size`), and then errs on
    the high side as more proposals find larger weights. The error is the bootstrap spread over
    ``n_boot`` resamples of the proposals.

    Args:
        log_weights: log w = -S - log p_f of the proposals, shape (N,) with N >= 4.
        n_boot: bootstrap resamples for the error (:func:`physml.stats.bootstrap`), an int >= 2
            (0 or 1 resamples cannot give a spread: an error of 0 would read as exact).
        seed: seed of the resampling.

    Returns:
        The acceptance with its error (a :class:`physml.stats.Measurement`).

    Raises:
        ValueError: on fewer than 4 log weights or NaN/inf in them, or ``n_boot`` not an int >= 2.

    References:
        Pawlowski & Plehn 2025, §8.4 and Table 4.

    Used in:
        - :doc:`/book/lattice/trivializing-flows`
    """
    lw = real_array("log_weights", log_weights, min_len=4)
    if (
        isinstance(n_boot, bool)
        or not isinstance(n_boot, (int, np.integer))
        or n_boot < 2
    ):
        raise ValueError(
            f"n_boot must be an int >= 2 (a bootstrap error needs resamples), got {n_boot!r}"
        )

    def estimate(x: np.ndarray) -> float:
        w = np.sort(np.exp(x - x.max()))
        n = w.size
        # Sorted ascending, w_k is the smaller of the pair for the 2(n - k) - 1 ordered pairs (k, j >= k).
        return float((w * (2 * (n - np.arange(n)) - 1)).sum() / (n * w.sum()))

    return stats.bootstrap(lw, estimate, n_resamples=n_boot, seed=seed)


def effective_sample_size(log_weights) -> float:
    """Normalised effective sample size (Σw)² / (N Σw²) of importance weights w = e^{log w}.

    1 for a perfect flow.

    Args:
        log_weights: log w of the proposals (:func:`proposal_log_weights`), ``(N,)``, finite.

    Returns:
        A Python float in ``(0, 1]``.

    References:
        Pawlowski & Plehn 2025, §8.4.

    Used in:
        - :doc:`/book/lattice/trivializing-flows`
    """
    lw = real_array("log_weights", log_weights)
    w = np.exp(lw - lw.max())
    return float(w.sum() ** 2 / (w.size * (w * w).sum()))


class FlowHMC:
    """``n_chains`` HMC chains in the flowed variable φ̃ = f(φ), at one coupling, float64.

    The flow is copied and frozen. The leapfrog has ``n_steps`` steps of size 1/``n_steps``
    (trajectory length 1, as for HMC in chapter 8); the force is the autograd gradient of S_eff
    (eq. 8.18), which includes the flow's log-determinant. The chains start from φ̃ ~ N(0, 1),
    i.e. from the model distribution.

    Args:
        flow: the trained :class:`physml.flows.checkerboard.TrivializingFlow`.
        action: ``action(phi)`` gives S(φ) per configuration of a batch ``(n, L, L)`` float64.
        L: lattice side, ``>= 2``.
        n_chains: the number of chains, ``>= 1``.
        n_steps: leapfrog steps per trajectory, ``>= 1``.
        seed: seed of the generator (on ``device``) of the starts, momenta and accept draws.
        device: where the chains run (``config.device()`` if ``None``).

    Raises:
        TypeError: if ``flow`` is not a ``TrivializingFlow``.
        ValueError: on ``L < 2`` or non-positive ``n_chains`` or ``n_steps``.

    References:
        Pawlowski & Plehn 2025, eqs. 8.18-8.20.

    Used in:
        - :doc:`/book/lattice/trivializing-flows`
    """

    def __init__(
        self,
        flow: TrivializingFlow,
        action: Action,
        L: int,
        n_chains: int,
        *,
        n_steps: int,
        seed: int = 0,
        device: torch.device | str | None = None,
    ) -> None:
        _check_flow(flow)
        self.L = positive_int("L", L, minimum=2)
        self.n_chains = positive_int("n_chains", n_chains)
        self.n_steps = positive_int("n_steps", n_steps)
        self.device, self.generator = seeded_generator(seed, device)
        self.flow = copy.deepcopy(flow).to(self.device)
        for p in self.flow.parameters():
            p.requires_grad_(False)
        self._action = action
        self.z = torch.randn(
            n_chains,
            L,
            L,
            generator=self.generator,
            dtype=torch.float64,
            device=self.device,
        )
        self.trajectories = 0
        self.accepted = torch.zeros(n_chains, dtype=torch.float64, device=self.device)

    def effective_action(self, z: torch.Tensor) -> torch.Tensor:
        """``S_eff(φ̃) = S(f⁻¹(φ̃)) + log|det ∂f/∂φ|`` at f⁻¹(φ̃), per configuration (eq. 8.18)."""
        phi, logdet = self.flow.inverse(z)
        return self._action(phi) + logdet

    def trajectory(self, n: int = 1) -> FlowHMC:
        """``n`` flow-HMC trajectories of every chain. Returns self."""
        positive_int("n", n)
        for _ in range(n):
            step = hmc_step(
                self.z,
                self.effective_action,
                None,
                step_size=1.0 / self.n_steps,
                n_steps=self.n_steps,
                generator=self.generator,
            )
            self.z = step.phi.detach()
            self.accepted += step.accepted.to(torch.float64)
        self.trajectories += n
        return self

    @torch.no_grad()
    def state(self) -> torch.Tensor:
        """The chains' fields mapped back to φ = f⁻¹(φ̃) (eq. 8.20)."""
        return self.flow.inverse(self.z)[0]

    @property
    def acceptance(self) -> torch.Tensor:
        """Fraction of accepted trajectories per chain so far."""
        return self.accepted / max(self.trajectories, 1)
