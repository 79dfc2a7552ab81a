"""Variational autoregressive networks (VAN) for the 2-D Ising model (Wu, Wang & Zhang 2019).

A VAN is a normalised model of the spins, written as a product of conditionals in a fixed site
order (eq. 3 of the paper)::

    q(s) = Π_i q(s_i | s_1 .. s_{i-1}),   q(s_i = +1 | s_<i) = sigmoid(logit_i(s_<i))

so that configurations are drawn exactly (site by site) and ln q(s) is exact. The conditionals come
from one masked network (MADE, Germain et al. 2015): every linear layer is multiplied by a fixed
0/1 mask so that output i sees only inputs j < i. :class:`VAN` holds ``n_models`` independent
networks (one per temperature) in one batched tensor program.

Training minimises the variational free energy (eq. 2)::

    F_q = <E(s) + T ln q(s)>_q = F + T KL(q || p) >= F

with the score-function (REINFORCE) gradient (eq. 5)
``∇ β F_q = <(β E + ln q - b) ∇ ln q>_q`` and the batch mean as the baseline ``b`` (a variance
reduction that leaves the gradient unbiased); optionally with β annealed as ``β (1 - a^step)``
(the ``beta_anneal`` option of the authors' code) and with the Z₂ symmetry imposed,
``q(s) = [q_θ(s) + q_θ(-s)] / 2``.

Samples of q with importance weights ``w = exp(-β E) / q`` give unbiased estimates of Z and
self-normalised estimates of any observable (:func:`evaluate`), with the effective sample size
``(Σ w)² / Σ w²`` (Kish) telling how many Boltzmann samples they are worth.

Used in :doc:`/book/lattice/variational-autoregressive-networks`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from physml._checks import (
    fraction,
    non_negative_number,
    positive_int,
    positive_number,
)
from physml.lattice.chains import seeded_generator
from physml.lattice.ising import energy as ising_energy
from physml.lattice.ising import magnetization as ising_magnetization
from physml.stats import Measurement
from physml.train import History

__all__ = [
    "VAN",
    "VANEstimate",
    "VANSettings",
    "effective_sample_size",
    "evaluate",
    "importance_mean",
    "made_masks",
    "train",
]


def made_masks(
    n_sites: int, hidden: tuple[int, ...]
) -> tuple[list[torch.Tensor], torch.Tensor]:
    """The MADE masks of a network ``n_sites -> hidden[0] -> ... -> n_sites``, and a direct one.

    Degrees (Germain et al. 2015, Sec. 4): input j has degree j + 1 (1..N); the units of each hidden
    layer get degrees 1..N-1 in turn (unit h: ``h mod (N - 1) + 1``); output i has degree i + 1.
    A hidden unit sees the units of the layer below whose degree is <= its own, an output sees the
    hidden units of strictly smaller degree, and the direct input -> output connection is
    strictly lower triangular: output i depends on inputs j < i only.

    Args:
        n_sites: N, the number of spins, >= 2.
        hidden: the widths of the hidden layers (each >= 1), possibly empty.

    Returns:
        ``(masks, direct)``, the float 0/1 masks of the layers, shapes ``(out, in)``
        (``len(hidden) + 1`` of them, the last one the output layer's), and the ``(N, N)``
        direct mask.

    Raises:
        ValueError: on ``n_sites < 2`` or a hidden width < 1.

    Used in:
        - :doc:`/book/lattice/variational-autoregressive-networks`

    Examples:
        >>> masks, direct = made_masks(3, (2,))
        >>> direct.tolist()
        [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]
    """
    positive_int("n_sites", n_sites, minimum=2)
    hidden = tuple(hidden)
    for w in hidden:
        positive_int("hidden width", w)
    deg_in = torch.arange(1, n_sites + 1)
    masks = []
    prev = deg_in
    for w in hidden:
        deg = torch.arange(w) % (n_sites - 1) + 1
        masks.append((deg[:, None] >= prev[None, :]).float())
        prev = deg
    masks.append((deg_in[:, None] > prev[None, :]).float())
    direct = (deg_in[:, None] > deg_in[None, :]).float()
    return masks, direct


class VAN(nn.Module):
    """``n_models`` masked autoregressive networks over ``n_sites`` spins, run as one program.

    Each model is a MADE (:func:`made_masks`) with tanh hidden layers and a direct masked
    connection from the spins to the logits; with ``hidden=()`` it is a one-layer VAN,
    ``logit_i = b_i + Σ_{j<i} W_ij s_j``. Parameters are initialised as in ``torch.nn.Linear``
    (from torch's global generator, the only draw outside ``generator=``), the direct weights at
    zero, so an untrained model is close to the uniform distribution.

    Args:
        n_sites: N, the number of spins (L² for an L x L lattice, row-major), >= 2.
        hidden: the widths of the hidden layers, e.g. ``(64,)``; ``()`` for none.
        n_models: independent networks held side by side (one per temperature), >= 1.
        z2: impose the spin-flip symmetry, ``q(s) = [q_θ(s) + q_θ(-s)] / 2``.

    Raises:
        ValueError: on ``n_sites < 2``, a hidden width < 1 or ``n_models < 1``.
        TypeError: if ``z2`` is not a bool.

    References:
        D. Wu, L. Wang and P. Zhang, Phys. Rev. Lett. 122 (2019) 080602, eqs. 3-5; M. Germain,
        K. Gregor, I. Murray and H. Larochelle, ICML 2015 (MADE).

    Used in:
        - :doc:`/book/lattice/variational-autoregressive-networks`

    Examples:
        >>> van = VAN(4, (8,), n_models=2)
        >>> s, log_q = van.sample(5, generator=torch.Generator().manual_seed(0))
        >>> s.shape, log_q.shape
        (torch.Size([2, 5, 4]), torch.Size([2, 5]))
    """

    def __init__(
        self,
        n_sites: int,
        hidden: tuple[int, ...] = (),
        *,
        n_models: int = 1,
        z2: bool = True,
    ) -> None:
        super().__init__()
        positive_int("n_models", n_models)
        if not isinstance(z2, bool):
            raise TypeError(f"z2 must be a bool, got {type(z2).__name__}")
        masks, direct = made_masks(n_sites, hidden)
        self.n_sites, self.n_models, self.z2 = n_sites, n_models, z2
        self.hidden = tuple(hidden)
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for k, m in enumerate(masks):
            out, inp = m.shape
            bound = 1.0 / math.sqrt(inp)
            w = torch.empty(n_models, out, inp).uniform_(-bound, bound)
            b = torch.empty(n_models, out).uniform_(-bound, bound)
            self.weights.append(nn.Parameter(w))
            self.biases.append(nn.Parameter(b))
            self.register_buffer(f"mask{k}", m)
        self.direct = nn.Parameter(torch.zeros(n_models, n_sites, n_sites))
        self.register_buffer("mask_direct", direct)

    @property
    def masks(self) -> list[torch.Tensor]:
        """The layer masks, ``(out, in)`` each, the output layer's last."""
        return [getattr(self, f"mask{k}") for k in range(len(self.weights))]

    def _masked(self) -> tuple[list[torch.Tensor], torch.Tensor]:
        ws = [(w * m).transpose(1, 2) for w, m in zip(self.weights, self.masks)]
        return ws, (self.direct * self.mask_direct).transpose(1, 2)

    def _logits(self, s: torch.Tensor, ws, wd) -> torch.Tensor:
        h = s
        for k, (w, b) in enumerate(zip(ws, self.biases)):
            h = torch.baddbmm(b[:, None, :], h, w)
            if k < len(ws) - 1:
                h = torch.tanh(h)
        return h + torch.bmm(s, wd)

    def _check(self, s: torch.Tensor) -> torch.Tensor:
        if not isinstance(s, torch.Tensor):
            raise TypeError(f"spins must be a torch.Tensor, got {type(s).__name__}")
        if s.ndim != 3 or s.shape[0] != self.n_models or s.shape[2] != self.n_sites:
            raise ValueError(
                f"spins must have shape (n_models={self.n_models}, n, "
                f"n_sites={self.n_sites}), got {tuple(s.shape)}"
            )
        return s.to(self.weights[0].dtype)

    def logits(self, spins: torch.Tensor) -> torch.Tensor:
        """The logits of q_θ(s_i = +1 | s_<i) for every site (of the unsymmetrised network).

        Args:
            spins: ``(n_models, n, n_sites)``, values ±1 (any real values are accepted: the
                autoregressive tests feed arbitrary inputs).

        Returns:
            ``(n_models, n, n_sites)``, the parameters' dtype; entry i depends on spins j < i only.

        Raises:
            TypeError: if ``spins`` is not a tensor.
            ValueError: on a wrong shape.
        """
        s = self._check(spins)
        ws, wd = self._masked()
        return self._logits(s, ws, wd)

    def log_prob(self, spins: torch.Tensor) -> torch.Tensor:
        """ln q(s) of each configuration, exactly (with the Z₂ average where ``z2``).

        Args:
            spins: ``(n_models, n, n_sites)``, values ±1.

        Returns:
            ln q, shape ``(n_models, n)``, the parameters' dtype; differentiable.

        Raises:
            TypeError: if ``spins`` is not a tensor.
            ValueError: on a wrong shape.
        """
        s = self._check(spins)
        ws, wd = self._masked()
        if not self.z2:
            return nn.functional.logsigmoid(s * self._logits(s, ws, wd)).sum(-1)
        both = torch.cat([s, -s], dim=1)
        lq = nn.functional.logsigmoid(both * self._logits(both, ws, wd)).sum(-1)
        a, b = lq.chunk(2, dim=1)
        return torch.logaddexp(a, b) - math.log(2.0)

    @torch.no_grad()
    def sample(
        self, n: int, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` exact samples of each model, drawn site by site, and their ln q.

        Args:
            n: samples per model, >= 1.
            generator: a generator on the model's device; ``None`` for torch's global one.

        Returns:
            ``(spins, log_q)``: spins ``(n_models, n, n_sites)`` float ±1 and ln q
            ``(n_models, n)``, on the model's device, without gradient.

        Raises:
            ValueError: on ``n < 1``.
        """
        positive_int("n", n)
        dev = self.weights[0].device
        dtype = self.weights[0].dtype
        shape = (self.n_models, n, self.n_sites)
        u = torch.rand(shape, generator=generator, device=dev, dtype=dtype)
        s = torch.zeros(shape, device=dev, dtype=dtype)
        ws, wd = self._masked()
        for i in range(self.n_sites):
            p = torch.sigmoid(self._logits(s, ws, wd)[..., i])
            s[..., i] = torch.where(u[..., i] < p, 1.0, -1.0)
        if self.z2:
            flip = torch.rand(
                (self.n_models, n, 1), generator=generator, device=dev, dtype=dtype
            )
            s = torch.where(flip < 0.5, -s, s)
        return s, self.log_prob(s)


@dataclass(frozen=True)
class VANSettings:
    """Hyperparameters of :func:`train`.

    Args:
        steps: Adam steps, >= 1.
        batch_size: samples drawn from each model per step, >= 2.
        lr: Adam's learning rate, > 0.
        beta_anneal: a in β_step = β (1 - a^step), in [0, 1); 0 trains at β from the start.
        baseline: subtract the batch mean of β E + ln q in the REINFORCE gradient.
        clip_grad: the largest gradient norm (``torch.nn.utils.clip_grad_norm_``), >= 0; 0 for
            no clipping.
        eval_every: record the series every this many steps, >= 1.

    Raises:
        ValueError: naming the field, on a value out of its range.
        TypeError: if ``baseline`` is not a bool.

    Used in:
        - :doc:`/book/lattice/variational-autoregressive-networks`
    """

    steps: int = 1000
    batch_size: int = 256
    lr: float = 1e-3
    beta_anneal: float = 0.0
    baseline: bool = True
    clip_grad: float = 1.0
    eval_every: int = 50

    def __post_init__(self) -> None:
        positive_int("steps", self.steps)
        positive_int("batch_size", self.batch_size, minimum=2)
        positive_number("lr", self.lr)
        if self.beta_anneal != 0:
            fraction("beta_anneal", self.beta_anneal, allow_one=False)
        if not isinstance(self.baseline, bool):
            raise TypeError(f"baseline must be a bool, got {self.baseline!r}")
        non_negative_number("clip_grad", self.clip_grad)
        positive_int("eval_every", self.eval_every)


def _check_model(model) -> VAN:
    if not isinstance(model, VAN):
        raise TypeError(f"model must be a VAN, got {type(model).__name__}")
    return model


def _lattice_for(model: VAN, L: int) -> int:
    positive_int("L", L, minimum=2)
    if L * L != model.n_sites:
        raise ValueError(
            f"L * L must equal the model's n_sites={model.n_sites}, got L={L}"
        )
    return L


def _beta_for(model: VAN, beta) -> torch.Tensor:
    try:
        b = torch.as_tensor(beta, dtype=torch.float64).reshape(-1).cpu()
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"beta must be numeric, got {type(beta).__name__}") from err
    if b.numel() == 1:
        b = b.expand(model.n_models)
    if b.numel() != model.n_models:
        raise ValueError(
            f"beta must give one inverse temperature per model ({model.n_models}), "
            f"got {b.numel()}"
        )
    if not bool(torch.isfinite(b).all()) or not bool((b > 0).all()):
        raise ValueError("beta must be finite and > 0")
    return b.clone()


def _energies(spins: torch.Tensor, L: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Total energy E and magnetisation per site m of ``(M, n, L²)`` spins, each ``(M, n)``."""
    M, n, _ = spins.shape
    grid = spins.reshape(M * n, L, L)
    e = ising_energy(grid).to(spins.dtype).view(M, n) * (L * L)
    m = ising_magnetization(grid).to(spins.dtype).view(M, n)
    return e, m


def train(
    model: VAN,
    L: int,
    beta,
    settings: VANSettings,
    *,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool | None = None,
    desc: str = "VAN",
) -> History:
    """Minimise each model's variational free energy F_q = <E + T ln q> at its β (REINFORCE).

    Each step draws ``batch_size`` configurations from every model, and descends
    ``<(β_t E + ln q - b) ln q>`` (its gradient is the score-function gradient of β_t F_q; the
    samples carry no gradient), with ``b`` the batch mean of ``β_t E + ln q`` (or 0 without a
    baseline) and β_t the annealed β.

    Args:
        model: the :class:`VAN`, moved to ``device`` and trained in place.
        L: the lattice side; ``L * L`` must equal ``model.n_sites``.
        beta: one inverse temperature per model (or one for all), > 0.
        settings: the :class:`VANSettings`.
        seed: seeds the generator (on ``device``) that draws the samples.
        device: where to train; ``None`` for :func:`physml.config.device`.
        progress: show a progress bar; ``None`` for :func:`physml.train.progress_enabled`.
        desc: the progress bar's label.

    Returns:
        A :class:`physml.train.History`, with ``loss`` ``(steps,)`` the mean over models of the
        batch estimate of F_q per site at the annealed β; series ``"free_energy"``
        ``(n_evals, n_models)``, the batch estimate of F_q per site at the target β (a valid
        variational bound at any step), recorded before the update of every ``eval_every``-th
        step, and ``"beta"`` ``(n_evals,)`` the annealing factor 1 - a^step.

    Raises:
        TypeError: if ``model`` is not a :class:`VAN` or ``settings`` not a
            :class:`VANSettings`.
        ValueError: on L that does not match the model, or a bad β.

    References:
        D. Wu, L. Wang and P. Zhang, Phys. Rev. Lett. 122 (2019) 080602, eqs. 2 and 5.

    Used in:
        - :doc:`/book/lattice/variational-autoregressive-networks`
    """
    from tqdm import tqdm

    from physml.train import progress_enabled

    _check_model(model)
    _lattice_for(model, L)
    if not isinstance(settings, VANSettings):
        raise TypeError(
            f"settings must be a VANSettings, got {type(settings).__name__}"
        )
    b_target = _beta_for(model, beta)
    dev, gen = seeded_generator(seed, device)
    model.to(dev)
    dtype = model.weights[0].dtype
    b_target = b_target.to(dev, dtype)[:, None]
    opt = torch.optim.Adam(model.parameters(), lr=settings.lr)
    show = progress_enabled() if progress is None else progress
    losses = np.empty(settings.steps)
    evals, f_series, anneal = [], [], []
    n = model.n_sites
    for step in tqdm(range(settings.steps), desc=desc, disable=not show, leave=False):
        factor = 1.0 - settings.beta_anneal ** (step + 1)
        b_t = b_target * factor
        s, _ = model.sample(settings.batch_size, generator=gen)
        log_q = model.log_prob(s)
        e, _ = _energies(s, L)
        with torch.no_grad():
            f = b_t * e + log_q
            base = f.mean(dim=1, keepdim=True) if settings.baseline else 0.0
        loss = ((f - base) * log_q).mean(dim=1).sum()
        opt.zero_grad()
        loss.backward()
        if settings.clip_grad > 0:
            nn.utils.clip_grad_norm_(model.parameters(), settings.clip_grad)
        opt.step()
        with torch.no_grad():
            losses[step] = float((f / b_t).mean()) / n
            if step % settings.eval_every == 0 or step == settings.steps - 1:
                evals.append(step)
                fq = (e + log_q / b_target).mean(dim=1) / n
                f_series.append(fq.detach().cpu().numpy())
                anneal.append(factor)
    return History(
        steps=settings.steps,
        loss=losses,
        eval_steps=np.asarray(evals, dtype=int),
        series={"free_energy": np.stack(f_series), "beta": np.asarray(anneal)},
    )


def effective_sample_size(log_w) -> float:
    """Kish's effective sample size ``(Σ w)² / Σ w²`` of importance weights given as ln w.

    Args:
        log_w: the log weights, shape ``(n,)``, finite (any additive constant).

    Returns:
        The ESS, between 1 and n.

    Raises:
        ValueError: on fewer than 2 weights or non-finite entries.
        TypeError: on non-numeric data.

    Used in:
        - :doc:`/book/lattice/variational-autoregressive-networks`

    Examples:
        >>> effective_sample_size(np.zeros(10))
        10.0
    """
    from physml._checks import real_array

    lw = real_array("log_w", log_w)
    w = np.exp(lw - lw.max())
    return float(w.sum() ** 2 / (w**2).sum())


def importance_mean(log_w, values) -> Measurement:
    """The self-normalised importance-sampling mean ``Σ w O / Σ w`` and its delta-method error.

    The error is ``sqrt(Σ w² (O - Ō)²) / Σ w`` (the first-order variance of a ratio estimator,
    e.g. Owen, *Monte Carlo theory, methods and examples*, eq. 9.8).

    Args:
        log_w: ln w of the samples, shape ``(n,)``, finite.
        values: the observable O on the same samples, shape ``(n,)``, finite.

    Returns:
        A :class:`physml.stats.Measurement`.

    Raises:
        ValueError: on mismatched lengths, fewer than 2 samples or non-finite entries.
        TypeError: on non-numeric data.

    Used in:
        - :doc:`/book/lattice/variational-autoregressive-networks`

    Examples:
        >>> importance_mean(np.zeros(4), np.array([1.0, 2.0, 3.0, 4.0])).value
        2.5
    """
    from physml._checks import real_array

    lw = real_array("log_w", log_w)
    o = real_array("values", values)
    if lw.shape != o.shape:
        raise ValueError(
            f"log_w and values must have the same shape, got {lw.shape} and {o.shape}"
        )
    w = np.exp(lw - lw.max())
    mean = float((w * o).sum() / w.sum())
    err = float(np.sqrt((w**2 * (o - mean) ** 2).sum()) / w.sum())
    return Measurement(mean, err)


@dataclass(frozen=True)
class VANEstimate:
    """What :func:`evaluate` measures for one model (per site, units of J, k_B = 1).

    Args:
        beta: the inverse temperature.
        free_energy: F_q / N = <E + T ln q>_q / N with its standard error (the variational
            bound, biased high by T KL(q || p) / N).
        free_energy_iw: -T ln Ẑ / N with Ẑ = <w>_q, w = exp(-β E) / q (Ẑ is unbiased; its
            logarithm is biased low by O(1 / ESS)), and its delta-method error.
        energy: the self-normalised importance-sampling <e>.
        abs_magnetization: the same for the mean of ``|m|``.
        energy_q: <e> over q without weights (biased where q differs from p).
        abs_magnetization_q: the mean of ``|m|`` over q without weights.
        ess: the effective sample size of the weights.
        n_samples: the number of samples drawn.

    Used in:
        - :doc:`/book/lattice/variational-autoregressive-networks`
    """

    beta: float
    free_energy: Measurement
    free_energy_iw: Measurement
    energy: Measurement
    abs_magnetization: Measurement
    energy_q: Measurement
    abs_magnetization_q: Measurement
    ess: float
    n_samples: int


@torch.no_grad()
def evaluate(
    model: VAN,
    L: int,
    beta,
    n_samples: int,
    *,
    batch_size: int = 4096,
    seed: int = 0,
    device: torch.device | str | None = None,
) -> list[VANEstimate]:
    """Free energies, importance-weighted observables and the ESS of each model, from fresh samples.

    Args:
        model: a (trained) :class:`VAN`.
        L: the lattice side; ``L * L`` must equal ``model.n_sites``.
        beta: one inverse temperature per model (or one for all), > 0.
        n_samples: samples drawn from each model, >= 2.
        batch_size: samples drawn at once, >= 1 (memory only; the result does not depend on it
            beyond the random stream).
        seed: seeds the generator (on ``device``) that draws the samples.
        device: where to sample; ``None`` for :func:`physml.config.device`.

    Returns:
        One :class:`VANEstimate` per model.

    Raises:
        TypeError: if ``model`` is not a :class:`VAN`.
        ValueError: on L that does not match the model, a bad β or a bad count.

    References:
        D. Wu, L. Wang and P. Zhang, Phys. Rev. Lett. 122 (2019) 080602 (F_q, eq. 2); K. A.
        Nicoli et al., Phys. Rev. E 101 (2020) 023304 (importance-weighted estimators).

    Used in:
        - :doc:`/book/lattice/variational-autoregressive-networks`
    """
    _check_model(model)
    _lattice_for(model, L)
    positive_int("n_samples", n_samples, minimum=2)
    positive_int("batch_size", batch_size)
    betas = _beta_for(model, beta)
    dev, gen = seeded_generator(seed, device)
    model.to(dev)
    es, ms, lqs = [], [], []
    left = n_samples
    while left > 0:
        k = min(batch_size, left)
        s, log_q = model.sample(k, generator=gen)
        e, m = _energies(s, L)
        es.append(e.double().cpu())
        ms.append(m.double().cpu())
        lqs.append(log_q.double().cpu())
        left -= k
    E, Mg, LQ = torch.cat(es, 1), torch.cat(ms, 1), torch.cat(lqs, 1)
    n = L * L
    out = []
    for j in range(model.n_models):
        b = float(betas[j])
        e, am, lq = E[j].numpy(), Mg[j].abs().numpy(), LQ[j].numpy()
        fq = (e + lq / b) / n
        fq_m = Measurement(float(fq.mean()), float(fq.std(ddof=1) / math.sqrt(fq.size)))
        log_w = -b * e - lq
        w = np.exp(log_w - log_w.max())
        log_z = float(log_w.max() + np.log(w.mean()))
        log_z_err = float(w.std(ddof=1) / w.mean() / math.sqrt(w.size))
        out.append(
            VANEstimate(
                beta=b,
                free_energy=fq_m,
                free_energy_iw=Measurement(-log_z / (b * n), log_z_err / (b * n)),
                energy=importance_mean(log_w, e / n),
                abs_magnetization=importance_mean(log_w, am),
                energy_q=Measurement(
                    float(e.mean() / n), float(e.std(ddof=1) / n / math.sqrt(e.size))
                ),
                abs_magnetization_q=Measurement(
                    float(am.mean()), float(am.std(ddof=1) / math.sqrt(am.size))
                ),
                ess=effective_sample_size(log_w),
                n_samples=n_samples,
            )
        )
    return out
