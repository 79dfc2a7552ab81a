"""Moment decomposition (MoDe): a loss that lets a classifier depend on mass only as chosen.

MoDe[ℓ] (Kitouni 2024, thesis Sec. 3.2, eqs. 3.8-3.22) compares, in each mass bin m, the
cumulative distribution F_m(s) of the background scores with its Legendre projection to order ℓ
in mass, F_m^ℓ(s) = Σ_l c_l(s) P_l(m̃) with c_l(s) = (2l+1)/2 Σ_m' Δ_m' P_l(m̃') F_m'(s), and
penalises L^ℓ = Σ_m ∫ (F_m(s) - F_m^ℓ(s))² ds: ℓ = 0 asks for a score independent of mass, ℓ = 1
allows a linear dependence, ℓ = 2 a quadratic one. Optional: the slope cap c1 -> c1max c0
tanh(c1 / (c1max c0)) (eq. 3.12) and the monotone quadratic c2 -> (c1/3) tanh(3 c2 / c1)
(eq. 3.13).

The CDFs are step functions of the scores, so the loss's gradient is the functional derivative
of eqs. 3.15-3.19: a change of score s_i moves only F_{m_i} at s = s_i, and
dL/ds_i = -(1/n) ∂(Σ_m R_m²)/∂F_{m_i} evaluated at s = s_i (R = F - F^ℓ). This module computes
that derivative with autograd through the (nonlinear, for the cap and the monotone option)
projection, vectorised over all events and bins (O(n · n_bins) memory), and attaches it to the
scores; the loss's value is the integral over ``n_score_bins`` points in s. The conventions
follow the authors' package ``modeloss`` 0.1.0 (equal-occupancy mass bins, bin centre the mean
and width the range of the masses in the bin, Θ(0) = 1/2, the loss averaged over bins), which
the unit tests compare against when it is installed.

Besides the loss: a classifier trained with it (:func:`train_classifier`), its scores
(:func:`predict`) and the cost of the loss against batch size (:func:`scaling`, the thesis's
Fig. 3.1).

Used by :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`.
"""

from __future__ import annotations

import math
import time
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from physml import config, train
from physml._checks import positive_int, positive_number
from physml.nn import MLP, forward_in_batches

ORDERS = (0, 1, 2)


def legendre_projection(
    cdf: torch.Tensor,
    centres: torch.Tensor,
    widths: torch.Tensor,
    order: int = 0,
    max_slope: float | None = None,
    monotonic: bool = False,
    eps: float = 1e-4,
) -> torch.Tensor:
    """The Legendre projection F^ℓ of binned CDFs in mass (eqs. 3.10-3.13).

    Args:
        cdf: F_m(s), float ``(..., n_bins)``: the last axis runs over the mass bins.
        centres: bin centres m̃ in [-1, 1], ``(n_bins,)``.
        widths: bin widths Δ_m, ``(n_bins,)``.
        order: ℓ, 0, 1 or 2.
        max_slope: c1max of eq. 3.12 (the cap on ``abs(c1)`` as a multiple of c0), or ``None``.
        monotonic: apply eq. 3.13 (``order`` 2 only), making F^2 monotone in m.
        eps: regulator of the denominators of eqs. 3.12-3.13 (as in ``modeloss``).

    Returns:
        F^ℓ, the shape of ``cdf``.

    Raises:
        ValueError: on an order outside 0-2, a non-positive ``max_slope``, ``monotonic`` with an
            order other than 2, or centres and widths not matching the last axis.

    References:
        Kitouni 2024 (thesis), eqs. 3.10-3.13; Kitouni et al. 2021, JHEP 04 (2021) 070.

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`

    Examples:
        A CDF linear in mass is its own projection at order 1, not at order 0:

        >>> m = torch.linspace(-0.95, 0.95, 20); w = torch.full((20,), 0.1)
        >>> F = (0.5 + 0.3 * m)[None]
        >>> bool(torch.allclose(legendre_projection(F, m, w, 1), F, atol=1e-2))
        True
        >>> bool(torch.allclose(legendre_projection(F, m, w, 0), F, atol=1e-2))
        False
    """
    _check_order(order, max_slope, monotonic)
    n_bins = cdf.shape[-1]
    if centres.shape != (n_bins,) or widths.shape != (n_bins,):
        raise ValueError(
            f"centres and widths must have shape ({n_bins},) like the last axis of cdf"
        )
    c0 = 0.5 * (cdf * widths).sum(-1, keepdim=True)
    fit = c0.expand_as(cdf)
    if order >= 1:
        c1 = 1.5 * (cdf * centres * widths).sum(-1, keepdim=True)
        if max_slope is not None:
            cap = max_slope * c0
            fit = fit + cap * torch.tanh(c1 / (cap + eps)) * centres
        else:
            fit = fit + c1 * centres
    if order >= 2:
        p2 = 0.5 * (3 * centres**2 - 1)
        c2 = 2.5 * (cdf * p2 * widths).sum(-1, keepdim=True)
        if monotonic:
            third = c1 / 3
            safe = torch.where(third >= 0, third + eps, third - eps)
            fit = fit + third * torch.tanh(c2 / safe) * p2
        else:
            fit = fit + c2 * p2
    return fit


def _check_order(order: Any, max_slope: Any, monotonic: Any) -> None:
    if isinstance(order, bool) or order not in ORDERS:
        raise ValueError(f"order must be 0, 1 or 2, got {order!r}")
    if max_slope is not None:
        positive_number("max_slope", max_slope)
        if order < 1:
            raise ValueError("max_slope needs order >= 1")
    if not isinstance(monotonic, bool):
        raise TypeError(f"monotonic must be a bool, got {type(monotonic).__name__}")
    if monotonic and order != 2:
        raise ValueError("monotonic needs order 2")


def _binned_cdf(sorted_scores: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """CDF of each row of ``sorted_scores`` (B, k) at ``points`` (B, p), with Θ(0) = 1/2."""
    points = points.contiguous()
    below = torch.searchsorted(sorted_scores, points, right=False)
    upto = torch.searchsorted(sorted_scores, points, right=True)
    return (below + upto).to(sorted_scores.dtype) / (2 * sorted_scores.shape[-1])


def mode_loss(
    scores: torch.Tensor,
    masses: torch.Tensor,
    order: int = 0,
    *,
    n_mass_bins: int = 32,
    n_score_bins: int = 32,
    max_slope: float | None = None,
    monotonic: bool = False,
    eps: float = 1e-4,
) -> torch.Tensor:
    """The MoDe[ℓ] loss L^ℓ of eq. 3.9 of background scores, with the gradient of eqs. 3.15-3.19.

    The events are split into ``n_mass_bins`` bins of equal occupancy in mass (the last
    ``n mod n_mass_bins`` events, in the order given, are left out, as in ``modeloss``); the loss
    is (1/n_bins) Σ_m Σ_s Δs (F_m(s) - F_m^ℓ(s))² on ``n_score_bins`` midpoints in [0, 1]. Its
    gradient with respect to ``scores`` is the functional derivative, exact for the step-function
    CDFs (see the module docstring), not the (zero) derivative of the sum.

    Args:
        scores: background scores in [0, 1], float ``(n,)``, ``n >= 2 n_mass_bins``.
        masses: their masses, scaled to [-1, 1], float ``(n,)``.
        order: ℓ, 0 (decorrelation), 1 (linear) or 2 (quadratic).
        n_mass_bins: mass bins (equal occupancy).
        n_score_bins: points of the integral over s (they change the value, not the gradient).
        max_slope: c1max of eq. 3.12, or ``None`` for an uncapped slope.
        monotonic: the monotone quadratic of eq. 3.13 (``order=2`` only).
        eps: regulator of eqs. 3.12-3.13.

    Returns:
        A scalar tensor (differentiable in ``scores``).

    Raises:
        TypeError: if ``scores`` or ``masses`` is not a floating-point tensor.
        ValueError: on shapes that differ or are not 1-D, too few events, scores outside [0, 1],
            masses outside [-1, 1] or not finite, or a bad ``order``, ``max_slope``,
            ``monotonic``, ``n_mass_bins`` or ``n_score_bins``.

    References:
        Kitouni 2024 (thesis), eqs. 3.8-3.19; Kitouni et al. 2021, JHEP 04 (2021) 070; the
        reference implementation ``modeloss`` 0.1.0 (``modeloss.pytorch.MoDeLoss``).

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`

    Examples:
        Scores independent of mass give a small MoDe[0] loss; scores that rise with mass do not:

        >>> g = torch.Generator().manual_seed(0)
        >>> m = 2 * torch.rand(32768, generator=g) - 1
        >>> flat = torch.rand(32768, generator=g)
        >>> bool(mode_loss(flat, m) < 1e-3), bool(mode_loss((1 + m) / 2, m) > 1e-2)
        (True, True)
    """
    for name, t in (("scores", scores), ("masses", masses)):
        if not (isinstance(t, torch.Tensor) and t.is_floating_point()):
            raise TypeError(f"{name} must be a floating-point torch.Tensor")
        if t.dim() != 1:
            raise ValueError(f"{name} must be 1-D, got shape {tuple(t.shape)}")
    if scores.shape != masses.shape:
        raise ValueError(
            f"scores and masses must have the same shape, got {tuple(scores.shape)} "
            f"and {tuple(masses.shape)}"
        )
    positive_int("n_mass_bins", n_mass_bins, minimum=1)
    positive_int("n_score_bins", n_score_bins, minimum=1)
    _check_order(order, max_slope, monotonic)
    positive_number("eps", eps)
    n_bins = n_mass_bins
    if scores.shape[0] < 2 * n_bins:
        raise ValueError(
            f"scores must hold at least 2 * n_mass_bins = {2 * n_bins} events, "
            f"got {scores.shape[0]}"
        )
    with torch.no_grad():
        s_d = scores.detach()
        if not bool(torch.isfinite(s_d).all()) or s_d.min() < 0 or s_d.max() > 1:
            raise ValueError("scores must be finite and in [0, 1]")
        if not bool(torch.isfinite(masses).all()) or masses.abs().max() > 1:
            raise ValueError("masses must be finite and in [-1, 1]")
    n = scores.shape[0] - scores.shape[0] % n_bins
    k = n // n_bins
    m_sorted, idx = masses[:n].detach().sort(stable=True)
    s_binned = scores[:n][idx].view(n_bins, k)
    m_binned = m_sorted.view(n_bins, k)
    centres = m_binned.mean(1)
    widths = m_binned.max(1).values - m_binned.min(1).values
    s_sorted, _ = s_binned.detach().sort(dim=1)
    kw = {"order": order, "max_slope": max_slope, "monotonic": monotonic, "eps": eps}
    with torch.no_grad():
        edges = torch.linspace(0, 1, n_score_bins + 1, dtype=s_sorted.dtype).to(
            scores.device
        )
        grid = 0.5 * (edges[1:] + edges[:-1])
        cdf = _binned_cdf(s_sorted, grid.expand(n_bins, -1)).T  # (n_score_bins, B)
        resid = cdf - legendre_projection(cdf, centres, widths, **kw)
        value = ((edges[1:] - edges[:-1]) @ resid**2).sum() / n_bins
    if not scores.requires_grad:
        return value
    with torch.enable_grad():
        at_scores = _binned_cdf(
            s_sorted, s_binned.detach().reshape(1, n).expand(n_bins, -1)
        )
        at_scores = at_scores.T.contiguous().requires_grad_(True)  # (n, B): F_m(s_i)
        r = at_scores - legendre_projection(at_scores, centres, widths, **kw)
        (d_cdf,) = torch.autograd.grad((r**2).sum(), at_scores)
    own = torch.arange(n, device=scores.device) // k
    g = -d_cdf[torch.arange(n, device=scores.device), own] / n
    lin = (s_binned.reshape(n) * g).sum()
    return value + lin - lin.detach()


@dataclass(frozen=True)
class ClassifierSettings:
    """How :func:`train_classifier` builds and trains a classifier, with or without MoDe.

    Args:
        hidden: width of the MLP's hidden layers.
        depth: number of hidden layers (SiLU activations, one logit out).
        steps: optimiser steps (AdamW, cosine schedule, through :func:`physml.train.fit`).
        batch_size: events per step (drawn with replacement).
        lr: learning rate.
        lam: λ of eq. 3.8, the weight of the MoDe term; 0 trains on the cross-entropy alone.
        order: ℓ of MoDe[ℓ].
        max_slope: c1max of eq. 3.12, or ``None``.
        monotonic: the monotone quadratic of eq. 3.13.
        n_mass_bins: mass bins of the MoDe loss.
        n_score_bins: points of its integral over s.

    Raises:
        ValueError: naming the field that is out of range.

    References:
        Kitouni 2024 (thesis), eq. 3.8 (the set-up is this book's: the thesis gives no
        architecture or λ for the simple model).

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`
    """

    hidden: int = 64
    depth: int = 2
    steps: int = 300
    batch_size: int = 4096
    lr: float = 3e-3
    lam: float = 0.0
    order: int = 0
    max_slope: float | None = None
    monotonic: bool = False
    n_mass_bins: int = 32
    n_score_bins: int = 32

    def __post_init__(self) -> None:
        for name in (
            "hidden",
            "depth",
            "steps",
            "batch_size",
            "n_mass_bins",
            "n_score_bins",
        ):
            positive_int(name, getattr(self, name))
        positive_number("lr", self.lr)
        if not (
            isinstance(self.lam, (int, float))
            and math.isfinite(self.lam)
            and self.lam >= 0
        ):
            raise ValueError(f"lam must be a finite number >= 0, got {self.lam!r}")
        _check_order(self.order, self.max_slope, self.monotonic)


def train_classifier(
    x: torch.Tensor,
    y: torch.Tensor,
    m: torch.Tensor,
    settings: ClassifierSettings,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
) -> tuple[torch.nn.Module, train.History]:
    """Train an MLP on L_class + λ L^ℓ_MoDe (eq. 3.8), the MoDe term on the background events.

    The network's initial weights come from torch's global generator (as every torch layer's);
    the minibatches from ``generator``.

    Args:
        x: features, float ``(n, d)``.
        y: labels, float ``(n,)``, 1 signal, 0 background.
        m: masses scaled to [-1, 1], float ``(n,)``.
        settings: a :class:`ClassifierSettings`.
        generator: CPU generator for the minibatch draws (``train.fit``'s default if ``None``).
        device: where to train (``config.device()`` if ``None``).

    Returns:
        ``(model, history)``, the network (``x -> logit``, shape ``(n, 1)``) and the
        :class:`physml.train.History` of the total loss per step.

    Raises:
        TypeError: if ``settings`` is not a :class:`ClassifierSettings` or the data not tensors.
        ValueError: on shapes that differ, labels other than 0/1, or masses outside [-1, 1].

    References:
        Kitouni 2024 (thesis), eq. 3.8 and Sec. 3.3.1.

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`
    """
    if not isinstance(settings, ClassifierSettings):
        raise TypeError("settings must be a ClassifierSettings")
    for name, t in (("x", x), ("y", y), ("m", m)):
        if not (isinstance(t, torch.Tensor) and t.is_floating_point()):
            raise TypeError(f"{name} must be a floating-point torch.Tensor")
    if x.dim() != 2 or y.shape != (x.shape[0],) or m.shape != y.shape:
        raise ValueError("x must be (n, d) and y, m of shape (n,)")
    if not bool(((y == 0) | (y == 1)).all()):
        raise ValueError("y must hold 0 (background) and 1 (signal) only")
    if not bool(torch.isfinite(m).all()) or m.abs().max() > 1:
        raise ValueError("m must be finite masses in [-1, 1]")
    st = settings
    model = MLP(x.shape[1], 1, hidden=st.hidden, depth=st.depth, activation="silu")
    mode_kw = {
        "order": st.order,
        "n_mass_bins": st.n_mass_bins,
        "n_score_bins": st.n_score_bins,
        "max_slope": st.max_slope,
        "monotonic": st.monotonic,
    }

    def loss_fn(net, xb, yb, mb):
        logit = net(xb).squeeze(-1)
        loss = F.binary_cross_entropy_with_logits(logit, yb)
        if st.lam > 0:
            bkg = yb == 0
            loss = loss + st.lam * mode_loss(
                torch.sigmoid(logit[bkg]), mb[bkg], **mode_kw
            )
        return loss

    hist = train.fit(
        model,
        loss_fn,
        (x, y, m),
        steps=st.steps,
        batch_size=st.batch_size,
        lr=st.lr,
        generator=generator,
        device=device,
        desc=f"MoDe[{st.order}] lam={st.lam}" if st.lam else "classifier",
    )
    return model, hist


def predict(model: torch.nn.Module, x: torch.Tensor) -> np.ndarray:
    """Scores sigmoid(model(x)) in [0, 1], as a float64 numpy array ``(n,)``.

    Args:
        model: a network ``(n, d) -> (n, 1)`` logits (from :func:`train_classifier`).
        x: features, float ``(n, d)``.

    Returns:
        ``(n,)`` float64 scores.

    Raises:
        TypeError: if ``model`` is not a module or ``x`` not a tensor.

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError("model must be a torch.nn.Module")
    if not isinstance(x, torch.Tensor):
        raise TypeError("x must be a torch.Tensor")
    dev = next(model.parameters()).device
    with torch.no_grad():
        logit = forward_in_batches(model, x.to(dev))
    return torch.sigmoid(logit).reshape(-1).double().cpu().numpy()


class _PeakMemory(TorchDispatchMode):
    """Peak bytes of the tensor storages created by the ops run inside it and still alive."""

    def __init__(self) -> None:
        super().__init__()
        self.live = 0
        self.peak = 0
        self._seen: set[int] = set()

    def _release(self, key: int, nbytes: int) -> None:
        self.live -= nbytes
        self._seen.discard(key)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(t, torch.Tensor):
                storage = t.untyped_storage()
                key = storage.data_ptr()
                if key and key not in self._seen:
                    self._seen.add(key)
                    self.live += storage.nbytes()
                    weakref.finalize(storage, self._release, key, storage.nbytes())
        self.peak = max(self.peak, self.live)
        return out


def scaling(
    batch_sizes: list[int] | tuple[int, ...],
    order: int = 2,
    *,
    n_mass_bins: int = 32,
    n_score_bins: int = 32,
    repeats: int = 3,
    generator: torch.Generator | None = None,
) -> dict[str, np.ndarray]:
    """Time and memory of one MoDe forward and backward pass against batch size (Fig. 3.1).

    For each batch size, random scores and masses are drawn and the loss and its gradient are
    computed ``repeats`` times; the best wall time is kept. Memory is the peak of the bytes held by
    tensor storages created during one pass (tracked at the dispatcher, so it counts the
    O(n · n_bins) CDF table, whatever the device), not the process's resident size.

    Args:
        batch_sizes: numbers of events, each >= 2 ``n_mass_bins``.
        order: ℓ of MoDe[ℓ].
        n_mass_bins: mass bins.
        n_score_bins: points of the integral over s.
        repeats: timed passes per batch size.
        generator: CPU generator for the random inputs.

    Returns:
        ``{"batch_size": int (k,), "seconds": float (k,), "peak_bytes": float (k,)}``.

    Raises:
        ValueError: on an empty or bad ``batch_sizes`` or ``repeats``.

    References:
        Kitouni 2024 (thesis), Sec. 3.2.4 and Fig. 3.1.

    Used in:
        - :doc:`/book/trustworthy/a-classifier-that-does-not-sculpt-the-mass`
    """
    if not isinstance(batch_sizes, (list, tuple)) or not batch_sizes:
        raise ValueError("batch_sizes must be a non-empty list of ints")
    for b in batch_sizes:
        positive_int("batch_sizes", b, minimum=2 * n_mass_bins)
    positive_int("repeats", repeats)
    dev = config.device()
    seconds, peaks = [], []
    for b in batch_sizes:
        s = torch.rand(b, generator=generator).to(dev).requires_grad_(True)
        mass = (2 * torch.rand(b, generator=generator) - 1).to(dev)
        best = math.inf
        for _ in range(repeats):
            t0 = time.perf_counter()
            mode_loss(
                s, mass, order, n_mass_bins=n_mass_bins, n_score_bins=n_score_bins
            ).backward()
            if dev.type == "cuda":
                torch.cuda.synchronize()
            best = min(best, time.perf_counter() - t0)
            s.grad = None
        with _PeakMemory() as tracker:
            mode_loss(
                s, mass, order, n_mass_bins=n_mass_bins, n_score_bins=n_score_bins
            ).backward()
        s.grad = None
        seconds.append(best)
        peaks.append(float(tracker.peak))
    return {
        "batch_size": np.asarray(batch_sizes, dtype=int),
        "seconds": np.asarray(seconds),
        "peak_bytes": np.asarray(peaks),
    }
