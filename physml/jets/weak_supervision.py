"""Weak supervision: learning from label proportions (LLP) and classification without labels.

Two samples mix signal and background with signal fractions ``f1`` and ``f2``; their densities
are ``p1 = f1 p_S + (1 - f1) p_B`` and ``p2 = f2 p_S + (1 - f2) p_B`` (Pawlowski and Plehn 2025,
Sec. 4.1, eq. 4.1). With known fractions the 2x2 system inverts to ``p_S`` and ``p_B``
(:func:`llp_densities`, learning from label proportions); without them, a classifier between
the two mixed samples learns ``p1/p2``, which is monotone in ``p_S/p_B`` whenever ``f1 != f2``
(eq. 4.2, :func:`mixed_ratio`, :func:`mixed_ratio_slope`) and therefore an optimal signal
classifier (CWoLa), degenerate at ``f1 = f2`` (eq. 4.3).

- The 1-D toy of the notes' Fig. 24: two Gaussians (:func:`two_gaussian_mixtures`), the
  supervised AUC ``Phi(|mu_S - mu_B| / (sqrt 2 sigma))`` (:func:`gaussian_auc`,
  :func:`gaussian_roc_integral`).
- Every member of a sweep (seeds x signal fractions x sample sizes) is one MLP of a
  :class:`physml.nn.EnsembleMLP`, trained as one batched program (:func:`train_classifiers`);
  samples of different sizes are padded and masked, minibatches run cyclically through each
  member's own points, so a member's training does not depend on the others.
- The LLP classifier on histograms (:func:`llp_histogram_scores`) and the AUC of every member
  at once, ties counted one half (:func:`auc_per_member`).
- On jets: :func:`mixed_samples` splits labelled jets into two mixtures with given fractions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from physml._checks import positive_int, positive_number
from physml.nn import EnsembleMLP, forward_in_batches
from physml.train import History

__all__ = [
    "Mixtures",
    "auc_error",
    "auc_per_member",
    "gaussian_auc",
    "gaussian_roc_integral",
    "llp_densities",
    "llp_histogram_scores",
    "llp_likelihood_ratio",
    "member_scores",
    "mixed_ratio",
    "mixed_ratio_slope",
    "mixed_samples",
    "pad_members",
    "train_classifiers",
    "two_gaussian_mixtures",
]


def _fractions(name: str, value, n_members: int | None = None) -> torch.Tensor:
    """``value`` as a float64 tensor of fractions in [0, 1], shape ``(n_members,)``."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number or a sequence of numbers, got bool")
    try:
        t = torch.as_tensor(value, dtype=torch.float64).detach().cpu().reshape(-1)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(
            f"{name} must be a number or a sequence of numbers, got {type(value).__name__}"
        ) from None
    if t.numel() == 0:
        raise ValueError(f"{name} must not be empty")
    if not bool(((t >= 0) & (t <= 1)).all()):
        raise ValueError(f"{name} must lie in [0, 1], got {t.tolist()}")
    if n_members is not None and t.numel() not in (1, n_members):
        raise ValueError(f"{name} must have 1 or {n_members} entries, got {t.numel()}")
    return t


def _pair(f1, f2) -> tuple[torch.Tensor, torch.Tensor]:
    a = _fractions("f1", f1)
    b = _fractions("f2", f2)
    if a.numel() != b.numel() and 1 not in (a.numel(), b.numel()):
        raise ValueError(
            f"f1 and f2 must have the same number of entries (or one), got {a.numel()} "
            f"and {b.numel()}"
        )
    return torch.broadcast_tensors(a, b)


# The two-Gaussian toy of the notes' Fig. 24


def gaussian_auc(
    signal_mean: float = 1.0, background_mean: float = -1.0, width: float = 1.0
) -> float:
    """The AUC of the likelihood ratio between two Gaussians of equal width, in closed form.

    For ``p_S = N(mu_S, sigma)`` and ``p_B = N(mu_B, sigma)`` the likelihood ratio is monotone in
    ``x``, and ``AUC = P(x_S > x_B) = Phi(|mu_S - mu_B| / (sqrt(2) sigma))``; for
    ``N(+1, 1)`` against ``N(-1, 1)`` it is ``Phi(sqrt 2) = 0.9214``.

    Args:
        signal_mean: ``mu_S``, a real number (units of ``x``).
        background_mean: ``mu_B``, a real number.
        width: ``sigma`` of both, > 0.

    Returns:
        The AUC in ``[0.5, 1)``.

    Raises:
        ValueError: if ``width`` is not a positive number or a mean is not finite.

    References:
        Pawlowski and Plehn 2025, Sec. 4.1 and Fig. 24 (the dashed line, full supervision with
        infinite statistics); Metodiev, Nachman and Thaler, JHEP 10 (2017) 174.

    Used in:
        - :doc:`/book/particles/classification-without-labels`

    Examples:
        >>> round(gaussian_auc(), 4)
        0.9214
    """
    width = positive_number("width", width)
    for name, v in (("signal_mean", signal_mean), ("background_mean", background_mean)):
        if (
            isinstance(v, bool)
            or not isinstance(v, (int, float))
            or not math.isfinite(v)
        ):
            raise ValueError(f"{name} must be a finite number, got {v!r}")
    z = abs(signal_mean - background_mean) / (math.sqrt(2.0) * width)
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def gaussian_roc_integral(
    signal_mean: float = 1.0, background_mean: float = -1.0, width: float = 1.0
) -> float:
    """The area under the analytic ROC curve of a cut on ``x``, by numerical quadrature.

    ``AUC = integral of eps_S d eps_B = integral p_B(t) [1 - F_S(t)] dt`` with the Gaussian
    density ``p_B`` and the cumulative ``F_S`` (adaptive Gauss-Kronrod quadrature,
    ``scipy.integrate.quad``, to 1e-13). It checks :func:`gaussian_auc` by an independent route.

    Args:
        signal_mean: ``mu_S``, real, the larger mean (a cut ``x > t`` selects signal).
        background_mean: ``mu_B``, real.
        width: ``sigma`` of both, > 0.

    Returns:
        The AUC of the cut ``x > t``.

    Raises:
        ValueError: if ``width`` is not a positive number.

    References:
        Pawlowski and Plehn 2025, Sec. 4.1, Fig. 24.

    Used in:
        - :doc:`/book/particles/classification-without-labels`

    Examples:
        >>> abs(gaussian_roc_integral() - gaussian_auc()) < 1e-12
        True
    """
    from scipy.integrate import quad
    from scipy.stats import norm

    width = positive_number("width", width)

    def integrand(t: float) -> float:
        return float(
            norm.pdf(t, background_mean, width) * norm.sf(t, signal_mean, width)
        )

    value, _ = quad(integrand, -np.inf, np.inf, epsabs=1e-14, epsrel=1e-13)
    return float(value)


@dataclass(frozen=True)
class Mixtures:
    """Two mixed samples per member, padded to a common length.

    Args:
        x: float32 ``(n_members, n_max, 1)``, the observable (padding entries are 0).
        sample: float32 ``(n_members, n_max)``, 1 for the first mixed sample, 0 for the second.
        signal: float32 ``(n_members, n_max)``, the truth, 1 for signal and 0 for background
            (hidden from a CWoLa classifier).
        valid: bool ``(n_members, n_max)``, False on padding; a member's valid points come first.
        f1: float64 ``(n_members,)``, the signal fraction of the first sample.
        f2: float64 ``(n_members,)``, that of the second.

    Used in:
        - :doc:`/book/particles/classification-without-labels`
    """

    x: torch.Tensor
    sample: torch.Tensor
    signal: torch.Tensor
    valid: torch.Tensor
    f1: torch.Tensor
    f2: torch.Tensor

    @property
    def n(self) -> torch.Tensor:
        """The number of points of each member (both samples together), int64 ``(n_members,)``."""
        return self.valid.sum(1)


def _sizes(n, n_members: int) -> torch.Tensor:
    if isinstance(n, bool):
        raise TypeError("n must be an int or a sequence of ints, got bool")
    t = torch.as_tensor(n).reshape(-1)
    if t.is_floating_point() or t.dtype == torch.bool:
        raise TypeError(f"n must hold ints, got {t.dtype}")
    if t.numel() not in (1, n_members):
        raise ValueError(f"n must have 1 or {n_members} entries, got {t.numel()}")
    if bool((t < 2).any()) or bool((t % 2 != 0).any()):
        raise ValueError(
            f"n must be even and >= 2 (two equal samples), got {t.tolist()}"
        )
    return t.to(torch.int64).expand(n_members).clone()


def _shuffle_valid_first(
    valid: torch.Tensor, generator: torch.Generator | None
) -> torch.Tensor:
    """Per row, a random permutation that puts the valid entries first, in random order."""
    r = torch.rand(valid.shape, generator=generator, dtype=torch.float64)
    return torch.where(valid, r, r + 2.0).argsort(dim=1)


def two_gaussian_mixtures(
    n,
    f1,
    f2,
    generator: torch.Generator | None = None,
    *,
    signal_mean: float = 1.0,
    background_mean: float = -1.0,
    width: float = 1.0,
) -> Mixtures:
    """Two mixed samples of Gaussian signal and background for each member of a sweep.

    Each member has ``n`` points, ``n/2`` in each sample; sample 1 holds exactly
    ``round(f1 n/2)`` signal points ``x ~ N(mu_S, sigma)``, sample 2 ``round(f2 n/2)``, the rest
    background ``x ~ N(mu_B, sigma)``. The points of a member come in random order (minibatches
    may run through them in sequence). Pure labelled test data are ``f1 = 1, f2 = 0``.

    Args:
        n: points per member (both samples), an even int >= 2 or a sequence of them, one per
            member.
        f1: signal fraction of sample 1 in ``[0, 1]``: a number or a sequence, one per member.
        f2: signal fraction of sample 2, likewise.
        generator: the CPU ``torch.Generator`` for every draw (None: torch's default).
        signal_mean: ``mu_S``, the signal's mean.
        background_mean: ``mu_B``, the background's mean.
        width: ``sigma`` of both, > 0.

    Returns:
        A :class:`Mixtures` on the CPU with ``n_members`` = the longest of ``n``, ``f1``, ``f2``.

    Raises:
        TypeError: if ``n`` does not hold ints or a fraction is not numeric.
        ValueError: naming the argument, on fractions outside [0, 1], an odd or too small ``n``,
            lengths that do not broadcast, or a width that is not positive.

    References:
        Pawlowski and Plehn 2025, Sec. 4.1, eq. 4.1 and Fig. 24 (the double-Gaussian toy);
        Metodiev, Nachman and Thaler, JHEP 10 (2017) 174, Sec. 3.

    Used in:
        - :doc:`/book/particles/classification-without-labels`

    Examples:
        >>> mix = two_gaussian_mixtures([4, 8], 0.5, 0.0, torch.Generator().manual_seed(0))
        >>> tuple(mix.x.shape), mix.n.tolist(), int(mix.signal[1].sum())
        ((2, 8, 1), [4, 8], 2)
    """
    width = positive_number("width", width)
    a, b = _pair(f1, f2)
    k_n = torch.as_tensor(n).reshape(-1).numel()
    n_members = max(a.numel(), k_n)
    if a.numel() not in (1, n_members) or k_n not in (1, n_members):
        raise ValueError(
            f"n ({k_n} entries) and f1, f2 ({a.numel()} entries) must have one entry or "
            "the same number"
        )
    a, b = a.expand(n_members).clone(), b.expand(n_members).clone()
    sizes = _sizes(n, n_members)
    half = int(sizes.max()) // 2
    m = (sizes // 2)[:, None]
    slot = torch.arange(half)[None, :]
    valid_half = slot < m
    parts_signal = []
    for frac in (a, b):
        k = torch.round(frac[:, None] * m.to(torch.float64)).to(torch.int64)
        rank = _shuffle_valid_first(valid_half, generator).argsort(dim=1)
        parts_signal.append(rank < k)
    signal = torch.cat(parts_signal, 1)
    sample = torch.cat([torch.ones_like(valid_half), torch.zeros_like(valid_half)], 1)
    valid = torch.cat([valid_half, valid_half], 1)
    noise = torch.randn(signal.shape, generator=generator)
    x = torch.where(signal, signal_mean, background_mean) + width * noise
    order = _shuffle_valid_first(valid, generator)
    valid = valid.gather(1, order)
    x = torch.where(valid, x.gather(1, order), 0.0).to(torch.float32)
    return Mixtures(
        x=x[..., None],
        sample=(sample.gather(1, order) & valid).to(torch.float32),
        signal=(signal.gather(1, order) & valid).to(torch.float32),
        valid=valid,
        f1=a,
        f2=b,
    )


# Eqs. 4.1 and 4.2


def llp_densities(p1, p2, f1, f2):
    """Signal and background densities from two mixtures with known fractions, eq. 4.1.

    ``p_S = [(1 - f2) p1 + (f1 - 1) p2] / (f1 - f2)`` and ``p_B = [-f2 p1 + f1 p2] / (f1 - f2)``:
    the inverse of the 2x2 mixing matrix. It holds pointwise, for densities on a grid and for
    histograms alike (a histogram's noise can make an entry negative; nothing is clipped here).

    Args:
        p1: the density (or histogram) of sample 1: a float, array or tensor, any shape.
        p2: that of sample 2, broadcastable with ``p1``.
        f1: the signal fraction of sample 1, in ``[0, 1]``: a float, or an array/tensor
            broadcastable with ``p1`` (e.g. ``(n_members, 1)`` for histograms ``(n_members,
            n_bins)``).
        f2: that of sample 2, likewise.

    Returns:
        ``(p_S, p_B)``, of the broadcast shape, tensors if an input is a tensor, else arrays.

    Raises:
        ValueError: if a fraction lies outside [0, 1], or ``f1 == f2`` anywhere (eq. 4.3: the
            mixing matrix is singular).
        TypeError: on non-numeric input.

    References:
        Pawlowski and Plehn 2025, Sec. 4.1, eqs. 4.1 and 4.3; Dery, Nachman, Rubbo and
        Schwartzman, JHEP 05 (2017) 145 (learning from label proportions).

    Used in:
        - :doc:`/book/particles/classification-without-labels`

    Examples:
        >>> llp_densities(0.8 * 2.0 + 0.2 * 1.0, 0.1 * 2.0 + 0.9 * 1.0, 0.8, 0.1)
        (2.0, 1.0)
    """
    tensor = any(isinstance(v, torch.Tensor) for v in (p1, p2, f1, f2))
    vals = []
    for name, v in (("p1", p1), ("p2", p2), ("f1", f1), ("f2", f2)):
        if isinstance(v, bool):
            raise TypeError(f"{name} must be numeric, got bool")
        try:
            if isinstance(v, torch.Tensor):
                vals.append(v.to(torch.float64))
            elif tensor:
                vals.append(torch.as_tensor(np.asarray(v, dtype=np.float64)))
            else:
                vals.append(np.asarray(v, dtype=np.float64))
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be numeric, got {type(v).__name__}") from None
    p1, p2, f1, f2 = vals
    for name, f in (("f1", f1), ("f2", f2)):
        if not bool(((f >= 0) & (f <= 1)).all()):
            raise ValueError(f"{name} must lie in [0, 1]")
    det = f1 - f2
    if bool((det == 0).any()):
        raise ValueError(
            "f1 and f2 must differ (eq. 4.3: at f1 = f2 the mixtures are the same and "
            "cannot be inverted)"
        )
    p_s = ((1 - f2) * p1 + (f1 - 1) * p2) / det
    p_b = (-f2 * p1 + f1 * p2) / det
    if not tensor and np.ndim(p_s) == 0:
        return float(p_s), float(p_b)
    return p_s, p_b


def llp_likelihood_ratio(p1, p2, f1, f2):
    """``p_S / p_B`` from the mixtures and their fractions, the last line of eq. 4.1.

    Args:
        p1: the density (or histogram) of sample 1, as :func:`llp_densities`.
        p2: that of sample 2.
        f1: the signal fraction of sample 1, in ``[0, 1]``.
        f2: that of sample 2, ``!= f1``.

    Returns:
        ``[(1 - f2) p1 + (f1 - 1) p2] / [-f2 p1 + f1 p2]``, of the broadcast shape.

    Raises:
        ValueError, TypeError: as :func:`llp_densities`.

    References:
        Pawlowski and Plehn 2025, Sec. 4.1, eq. 4.1.

    Used in:
        - :doc:`/book/particles/classification-without-labels`

    Examples:
        >>> llp_likelihood_ratio(0.8 * 2.0 + 0.2 * 1.0, 0.1 * 2.0 + 0.9 * 1.0, 0.8, 0.1)
        2.0
    """
    p_s, p_b = llp_densities(p1, p2, f1, f2)
    return p_s / p_b


def mixed_ratio(ratio, f1, f2):
    """The mixed samples' likelihood ratio ``p1/p2`` as a function of ``p_S/p_B``, eq. 4.2.

    ``p1/p2 = [f1 r + 1 - f1] / [f2 r + 1 - f2]`` with ``r = p_S/p_B``.

    Args:
        ratio: ``r = p_S / p_B`` >= 0: float, array or tensor.
        f1: the signal fraction of sample 1 in ``[0, 1]``, broadcastable with ``ratio``.
        f2: that of sample 2; not 1 where ``r = 0`` (a zero denominator).

    Returns:
        ``p1/p2``, of the broadcast shape.

    Raises:
        ValueError: if a fraction lies outside [0, 1] or ``ratio`` is negative.

    References:
        Pawlowski and Plehn 2025, Sec. 4.1, eq. 4.2; Metodiev, Nachman and Thaler 2017, Sec. 2.

    Used in:
        - :doc:`/book/particles/classification-without-labels`

    Examples:
        >>> mixed_ratio(1.0, 0.8, 0.1)
        1.0
    """
    r, f1, f2 = _ratio_args(ratio, f1, f2)
    return (f1 * r + 1 - f1) / (f2 * r + 1 - f2)


def mixed_ratio_slope(ratio, f1, f2):
    """``d(p1/p2) / d(p_S/p_B) = (f1 - f2) / [f2 r + 1 - f2]^2``, eq. 4.2.

    Its sign is ``sign(f1 - f2)`` for every ``r``: ``p1/p2`` is a monotone function of
    ``p_S/p_B`` whenever ``f1 != f2``, and constant at ``f1 = f2`` (eq. 4.3).

    Args:
        ratio: ``r = p_S / p_B`` >= 0, as :func:`mixed_ratio`.
        f1: the signal fraction of sample 1 in ``[0, 1]``.
        f2: that of sample 2.

    Returns:
        The derivative, of the broadcast shape.

    Raises:
        ValueError: as :func:`mixed_ratio`.

    References:
        Pawlowski and Plehn 2025, Sec. 4.1, eqs. 4.2 and 4.3.

    Used in:
        - :doc:`/book/particles/classification-without-labels`

    Examples:
        >>> mixed_ratio_slope(1.0, 0.8, 0.1)
        0.7
    """
    r, f1, f2 = _ratio_args(ratio, f1, f2)
    return (f1 - f2) / (f2 * r + 1 - f2) ** 2


def _ratio_args(ratio, f1, f2):
    tensor = any(isinstance(v, torch.Tensor) for v in (ratio, f1, f2))
    conv = (lambda v: torch.as_tensor(v, dtype=torch.float64)) if tensor else np.asarray
    r, a, b = (conv(v) for v in (ratio, f1, f2))
    if not bool((r >= 0).all()):
        raise ValueError("ratio must be >= 0 (a ratio of densities)")
    for name, f in (("f1", a), ("f2", b)):
        if not bool(((f >= 0) & (f <= 1)).all()):
            raise ValueError(f"{name} must lie in [0, 1]")
    if not tensor and np.ndim(r) == 0 and np.ndim(a) == 0 and np.ndim(b) == 0:
        return float(r), float(a), float(b)
    return r, a, b


# Training every member of a sweep at once


def train_classifiers(
    model: EnsembleMLP,
    x: torch.Tensor,
    targets: torch.Tensor,
    valid: torch.Tensor,
    *,
    steps: int = 1000,
    batch_size: int = 128,
    lr: float = 3e-3,
    record_every: int = 100,
) -> History:
    """Train each MLP of an ensemble on its own data with the binary cross-entropy, all at once.

    Member ``i`` of ``model`` learns to tell ``targets[i] == 1`` from ``targets[i] == 0`` on its
    valid points ``x[i, :n_i]``: the two mixed samples for CWoLa (``targets = mix.sample``), the
    truth for full supervision (``targets = mix.signal``). Each step takes one minibatch per
    member, the next ``min(batch_size, n_i)`` of its points in cyclic order (the points are in
    random order already), and one Adam step on the sum of the members' mean losses, so a member's
    gradients and updates do not depend on the others: the batched program gives what a loop over
    the members would give. No random draws: the result depends on the initial parameters and the
    data only.

    Args:
        model: a :class:`physml.nn.EnsembleMLP` with ``n_members`` members, one output each;
            trained in place on its device.
        x: float ``(n_members, n_max, n_features)``, each member's points, valid ones first.
        targets: float ``(n_members, n_max)``, 1 or 0 per point.
        valid: bool ``(n_members, n_max)``, True on the first ``n_i`` points of member ``i``
            (``n_i >= 1``), False on padding.
        steps: optimiser steps, a positive int.
        batch_size: the minibatch of each member, a positive int (capped at ``n_i``).
        lr: Adam's learning rate, > 0.
        record_every: record every member's loss each this many steps (and at the end).

    Returns:
        A :class:`physml.train.History` with ``loss`` the mean of the members' losses per
        step and the series ``"member_loss"`` of shape ``(n_evals, n_members)``.

    Raises:
        TypeError: if ``model`` is not an ``EnsembleMLP``.
        ValueError: naming the argument, on shapes that do not match the model, targets other
            than 0/1, a member without valid points or valid points that do not come first, or a
            size or rate that is not positive.

    References:
        Metodiev, Nachman and Thaler, JHEP 10 (2017) 174 (CWoLa: a classifier trained between
        mixed samples); Pawlowski and Plehn 2025, Sec. 4.1, eq. 4.2.

    Used in:
        - :doc:`/book/particles/classification-without-labels`
    """
    if not isinstance(model, EnsembleMLP):
        raise TypeError(
            f"model must be a physml.nn.EnsembleMLP, got {type(model).__name__}"
        )
    positive_int("steps", steps)
    positive_int("batch_size", batch_size)
    positive_int("record_every", record_every)
    lr = positive_number("lr", lr)
    k = model.n_members
    if x.ndim != 3 or x.shape[0] != k or x.shape[2] != model.n_in:
        raise ValueError(
            f"x must have shape ({k}, n_max, {model.n_in}), got {tuple(x.shape)}"
        )
    if targets.shape != x.shape[:2]:
        raise ValueError(
            f"targets must have shape {tuple(x.shape[:2])}, got {tuple(targets.shape)}"
        )
    if valid.shape != x.shape[:2] or valid.dtype != torch.bool:
        raise ValueError(f"valid must be a bool tensor of shape {tuple(x.shape[:2])}")
    if not bool(((targets == 0) | (targets == 1)).all()):
        raise ValueError("targets must be 0 or 1")
    n = valid.sum(1)
    if bool((n == 0).any()):
        raise ValueError("valid must mark at least one point of every member")
    slot = torch.arange(x.shape[1], device=valid.device)
    if not bool((valid == (slot[None, :] < n[:, None])).all()):
        raise ValueError(
            "valid must mark the first n_i points of each member (valid first)"
        )
    device = next(model.parameters()).device
    x, targets, n = x.to(device), targets.to(device), n.to(device)
    bs = torch.clamp(n, max=batch_size)  # (k,)
    width = int(bs.max())
    b = torch.arange(width, device=device)
    in_batch = b[None, :] < bs[:, None]  # (k, width)
    weight = in_batch.to(x.dtype) / bs[:, None].to(x.dtype)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    losses = np.empty(steps)
    eval_steps, recorded = [], []
    model.train()
    for step in range(steps):
        idx = (step * bs[:, None] + b[None, :]) % n[:, None]  # (k, width)
        xb = x.gather(1, idx[..., None].expand(-1, -1, x.shape[2]))
        yb = targets.gather(1, idx)
        logits = model(xb)[..., 0]
        per_member = (bce(logits, yb, reduction="none") * weight).sum(1)  # (k,)
        opt.zero_grad(set_to_none=True)
        per_member.sum().backward()
        opt.step()
        losses[step] = float(per_member.detach().mean())
        if (step + 1) % record_every == 0 or step + 1 == steps:
            eval_steps.append(step + 1)
            recorded.append(per_member.detach().cpu().numpy())
    model.eval()
    return History(
        steps=steps,
        loss=losses,
        eval_steps=eval_steps,
        series={"member_loss": np.stack(recorded)},
    )


@torch.no_grad()
def member_scores(
    model: EnsembleMLP, x: torch.Tensor, chunk_size: int = 4096
) -> torch.Tensor:
    """Every member's logit on the same test points, in chunks.

    Args:
        model: a trained :class:`physml.nn.EnsembleMLP` with one output.
        x: float ``(n_test, n_features)``, the shared test points.
        chunk_size: test points per batched pass, a positive int (bounds the memory,
            ``n_members x chunk_size x hidden`` floats).

    Returns:
        float32 ``(n_members, n_test)`` on the CPU, larger for more like target 1.

    Raises:
        TypeError: if ``model`` is not an ``EnsembleMLP``.
        ValueError: if ``x`` is not ``(n_test, n_features)`` or ``chunk_size`` not positive.

    Used in:
        - :doc:`/book/particles/classification-without-labels`
    """
    if not isinstance(model, EnsembleMLP):
        raise TypeError(
            f"model must be a physml.nn.EnsembleMLP, got {type(model).__name__}"
        )
    positive_int("chunk_size", chunk_size)
    if x.ndim != 2 or x.shape[1] != model.n_in:
        raise ValueError(
            f"x must have shape (n_test, {model.n_in}), got {tuple(x.shape)}"
        )
    return forward_in_batches(model, x, chunk_size, dim=1)[..., 0]


def auc_per_member(labels, scores: torch.Tensor) -> torch.Tensor:
    """The AUC of every row of scores against the same labels, ties counting one half.

    Mann-Whitney U from mid-ranks, all rows at once (``torch.searchsorted`` on the sorted
    rows); equal to :func:`physml.stats.auc` row by row. A row holding NaN gives NaN.

    Args:
        labels: ``(n,)``, 1 for signal and 0 for background, both present.
        scores: float ``(n_members, n)``, larger for more signal-like.

    Returns:
        float64 ``(n_members,)`` on the CPU.

    Raises:
        ValueError: on labels other than 0/1 or of one class, or shapes that do not match.

    References:
        Pawlowski and Plehn 2025, Sec. 4.1, Fig. 24 (AUC against the signal fraction).

    Used in:
        - :doc:`/book/particles/classification-without-labels`

    Examples:
        >>> auc_per_member([0, 0, 1, 1], torch.tensor([[0.1, 0.4, 0.35, 0.8]])).tolist()
        [0.75]
    """
    y = torch.as_tensor(np.asarray(labels)).reshape(-1)
    s = torch.as_tensor(scores).detach().cpu().to(torch.float64)
    if s.ndim != 2 or s.shape[1] != y.numel():
        raise ValueError(
            f"scores must have shape (n_members, {y.numel()}), got {tuple(s.shape)}"
        )
    if not bool(((y == 0) | (y == 1)).all()):
        raise ValueError("labels must be 0 (background) or 1 (signal)")
    is_sig = y == 1
    n_s, n_b = int(is_sig.sum()), int((~is_sig).sum())
    if n_s == 0 or n_b == 0:
        raise ValueError("labels must contain both signal (1) and background (0)")
    bad = torch.isnan(s).any(1)
    s = torch.nan_to_num(s)
    srt = s.sort(1).values.contiguous()
    left = torch.searchsorted(srt, s.contiguous(), right=False)
    right = torch.searchsorted(srt, s.contiguous(), right=True)
    ranks = 0.5 * (left + 1 + right).to(torch.float64)
    u = ranks[:, is_sig].sum(1) - n_s * (n_s + 1) / 2
    out = u / (n_s * n_b)
    return torch.where(bad, torch.nan, out)


def auc_error(auc: float, n_signal: int, n_background: int) -> float:
    """The standard error of an AUC measured on ``n_signal`` and ``n_background`` test events.

    Hanley and McNeil's formula, ``se^2 = [A(1 - A) + (n_S - 1)(Q1 - A^2) + (n_B - 1)(Q2 - A^2)]
    / (n_S n_B)`` with ``Q1 = A / (2 - A)`` and ``Q2 = 2 A^2 / (1 + A)`` (exact for exponential
    score distributions, within a few per cent for Gaussian ones).

    Args:
        auc: the measured AUC, in ``[0, 1]``.
        n_signal: signal test events, a positive int.
        n_background: background test events, a positive int.

    Returns:
        The standard error, >= 0.

    Raises:
        ValueError: naming the argument, if ``auc`` is not in [0, 1] or a count not positive.

    References:
        Hanley and McNeil, Radiology 143 (1982) 29, eq. 2.

    Used in:
        - :doc:`/book/particles/classification-without-labels`

    Examples:
        >>> round(auc_error(0.5, 100, 100), 4)
        0.0410
    """
    if isinstance(auc, bool) or not isinstance(auc, (int, float)) or not 0 <= auc <= 1:
        raise ValueError(f"auc must be a number in [0, 1], got {auc!r}")
    n_s = positive_int("n_signal", n_signal)
    n_b = positive_int("n_background", n_background)
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = auc * (1 - auc) + (n_s - 1) * (q1 - auc**2) + (n_b - 1) * (q2 - auc**2)
    return math.sqrt(max(var, 0.0) / (n_s * n_b))


def llp_histogram_scores(
    mix: Mixtures, edges: torch.Tensor, x_test: torch.Tensor
) -> torch.Tensor:
    """The LLP classifier: invert eq. 4.1 on the histograms of the two samples, per member.

    Each member's samples are histogrammed (normalised counts in ``edges``), inverted bin by
    bin with its own known ``f1``, ``f2`` (:func:`llp_densities`, negative estimates clipped to
    0), and a test point scores ``p_S / (p_S + p_B)`` of its bin (1/2 where both vanish; points
    outside the edges take the outermost bin). All members at once.

    Args:
        mix: the training :class:`Mixtures`, 1-D (``n_features = 1``), ``f1 != f2`` for every
            member.
        edges: float ``(n_bins + 1,)``, increasing bin edges.
        x_test: float ``(n_test,)`` or ``(n_test, 1)``, the test points.

    Returns:
        float64 ``(n_members, n_test)`` in ``[0, 1]`` on the CPU.

    Raises:
        ValueError: if a member has ``f1 == f2`` (eq. 4.3), ``edges`` are not increasing with at
            least two entries, or the observable is not 1-D.

    References:
        Pawlowski and Plehn 2025, Sec. 4.1, eq. 4.1 and Fig. 24 (LLP); Dery, Nachman, Rubbo and
        Schwartzman, JHEP 05 (2017) 145.

    Used in:
        - :doc:`/book/particles/classification-without-labels`
    """
    if mix.x.shape[-1] != 1:
        raise ValueError(
            "llp_histogram_scores needs a 1-D observable (x of shape (k, n, 1))"
        )
    e = torch.as_tensor(edges, dtype=torch.float64).cpu()
    if e.ndim != 1 or e.numel() < 2 or not bool((e[1:] > e[:-1]).all()):
        raise ValueError(
            "edges must be a 1-D increasing tensor with at least two entries"
        )
    if bool((mix.f1 == mix.f2).any()):
        raise ValueError(
            "every member must have f1 != f2 (eq. 4.3: LLP cannot invert f1 = f2)"
        )
    n_bins = e.numel() - 1
    x = mix.x[..., 0].cpu().to(torch.float64)
    k = x.shape[0]

    def bins(v: torch.Tensor) -> torch.Tensor:
        return (torch.bucketize(v, e[1:-1].contiguous(), right=True)).clamp(
            0, n_bins - 1
        )

    idx = bins(x)
    hists = []
    for which in (1.0, 0.0):
        w = (mix.valid & (mix.sample.cpu() == which)).to(torch.float64)
        h = torch.zeros(k, n_bins, dtype=torch.float64).scatter_add_(1, idx, w)
        hists.append(h / w.sum(1, keepdim=True))
    p_s, p_b = llp_densities(hists[0], hists[1], mix.f1[:, None], mix.f2[:, None])
    p_s, p_b = p_s.clamp_min(0), p_b.clamp_min(0)
    total = p_s + p_b
    score = torch.where(total > 0, p_s / total.clamp_min(1e-300), 0.5)
    t = bins(torch.as_tensor(x_test, dtype=torch.float64).reshape(-1).cpu())
    return score[:, t]


def pad_members(
    xs: list[torch.Tensor], targets: list[torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Stack members' data sets of different lengths into the padded tensors of training.

    Args:
        xs: one float tensor ``(n_i, n_features)`` per member, ``n_i >= 1``, the same
            ``n_features``.
        targets: one tensor ``(n_i,)`` of 0/1 per member.

    Returns:
        ``(x, targets, valid)``, float32 ``(n_members, n_max, n_features)`` and
        ``(n_members, n_max)``, bool ``(n_members, n_max)``, zero-padded, valid points first, as
        :func:`train_classifiers` takes them.

    Raises:
        ValueError: on empty lists or members, lists of different lengths, or shapes that do
            not match.

    Used in:
        - :doc:`/book/particles/classification-without-labels`

    Examples:
        >>> x, t, v = pad_members([torch.zeros(2, 3), torch.ones(4, 3)], [torch.ones(2), torch.zeros(4)])
        >>> tuple(x.shape), v.sum(1).tolist()
        ((2, 4, 3), [2, 4])
    """
    if not xs or len(xs) != len(targets):
        raise ValueError(
            f"xs and targets must be non-empty lists of the same length, got {len(xs)} and "
            f"{len(targets)}"
        )
    n_features = xs[0].shape[-1]
    for i, (a, b) in enumerate(zip(xs, targets)):
        if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] != n_features:
            raise ValueError(
                f"xs[{i}] must have shape (n_i >= 1, {n_features}), got {tuple(a.shape)}"
            )
        if b.shape != a.shape[:1]:
            raise ValueError(
                f"targets[{i}] must have shape ({a.shape[0]},), got {tuple(b.shape)}"
            )
    n_max = max(a.shape[0] for a in xs)
    x = torch.zeros(len(xs), n_max, n_features)
    t = torch.zeros(len(xs), n_max)
    valid = torch.zeros(len(xs), n_max, dtype=torch.bool)
    for i, (a, b) in enumerate(zip(xs, targets)):
        x[i, : len(a)], t[i, : len(a)], valid[i, : len(a)] = a, b, True
    return x, t, valid


# Jets


def mixed_samples(
    labels, f1: float, f2: float, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Split labelled events into two equal mixed samples with signal fractions ``f1``, ``f2``.

    The sample size ``m`` is the largest that the signal (label 1) and background (label 0)
    events allow, ``m = min(n_S / (f1 + f2), n_B / (2 - f1 - f2))`` rounded down; sample 1 takes
    ``round(f1 m)`` random signal and ``m - round(f1 m)`` random background events, sample 2
    ``round(f2 m)`` and the rest of its ``m`` from the events left over.

    Args:
        labels: int or bool ``(n,)``, 1 for signal (top) and 0 for background (QCD); array or
            tensor.
        f1: the signal fraction of sample 1, in ``[0, 1]``.
        f2: that of sample 2, in ``[0, 1]``.
        generator: the CPU ``torch.Generator`` that picks the events (None: torch's default).

    Returns:
        ``(index, sample)``, int64 ``(2 m,)`` indices into ``labels`` (each event at most once)
        and float32 ``(2 m,)``, 1 for sample 1 and 0 for sample 2, in random order.

    Raises:
        TypeError: if a fraction is not a number.
        ValueError: naming the argument, on labels other than 0/1, fractions outside [0, 1], or
            too few events for one event per sample.

    References:
        Pawlowski and Plehn 2025, Sec. 4.1 (e.g. 80 % tops against 10 % tops);
        Metodiev, Nachman and Thaler, JHEP 10 (2017) 174.

    Used in:
        - :doc:`/book/particles/classification-without-labels`

    Examples:
        >>> index, sample = mixed_samples([1] * 10 + [0] * 10, 0.8, 0.2)
        >>> len(index), int(sample.sum())
        (20, 10)
    """
    for name, v in (("f1", f1), ("f2", f2)):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"{name} must be a number, got {type(v).__name__}")
        if not 0 <= v <= 1:
            raise ValueError(f"{name} must lie in [0, 1], got {v!r}")
    y = torch.as_tensor(
        np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels)
    )
    y = y.reshape(-1)
    if not bool(((y == 0) | (y == 1)).all()):
        raise ValueError("labels must be 0 (background) or 1 (signal)")
    sig = torch.nonzero(y == 1).reshape(-1)
    bkg = torch.nonzero(y == 0).reshape(-1)
    sig = sig[torch.randperm(sig.numel(), generator=generator)]
    bkg = bkg[torch.randperm(bkg.numel(), generator=generator)]
    cap_s = sig.numel() / (f1 + f2) if f1 + f2 > 0 else math.inf
    cap_b = bkg.numel() / (2 - f1 - f2) if f1 + f2 < 2 else math.inf
    m = math.floor(min(cap_s, cap_b) + 1e-9)
    if m < 1:
        raise ValueError(
            f"labels hold too few events for two samples: {sig.numel()} signal, "
            f"{bkg.numel()} background"
        )
    k1, k2 = round(f1 * m), round(f2 * m)
    while m > 0 and (k1 + k2 > sig.numel() or 2 * m - k1 - k2 > bkg.numel()):
        m -= 1  # rounding took one event more than a class holds
        k1, k2 = round(f1 * m), round(f2 * m)
    if m < 1:
        raise ValueError("labels hold too few events for two samples")
    index = torch.cat(
        [sig[:k1], bkg[: m - k1], sig[k1 : k1 + k2], bkg[m - k1 : 2 * m - k1 - k2]]
    )
    sample = torch.cat([torch.ones(m), torch.zeros(m)])
    order = torch.randperm(2 * m, generator=generator)
    return index[order], sample[order]
