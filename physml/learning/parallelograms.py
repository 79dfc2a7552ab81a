"""Parallelograms, representation quality and the critical training fraction of toy addition.

The toy task learns ``i + j`` for ``0 <= i <= j < p`` (``p (p + 1) / 2`` unordered samples). A
training set ``D`` implies the permissible parallelograms ``P0(D)`` (eq. 6.1): pairs of training
samples ``(i, j), (m, n)`` with ``i + j = m + n``. Each one is a linear equation
``E_i + E_j = E_m + E_n`` on the embeddings (eq. 6.7); the training set fixes the linear
representation ``E_k = a + k b`` exactly when the nullity of that system is 2.

Training sets are boolean masks over the samples, ``(..., n_samples)``, so thousands of random
training sets are one batched rank computation. Quadruples are indexed over the full set
``P0 = P0(D0)`` (70 for ``p = 10``); a training set switches on the ones whose two samples it holds.

Used by :doc:`/book/learning/grokking-effective-theory` (Kitouni thesis, Sec. 6.3 and
App. C.3-C.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import torch

from physml._checks import fraction as check_fraction
from physml._checks import finite, positive_int


def _check_p(p: int) -> int:
    if isinstance(p, bool) or not isinstance(p, int) or p < 2:
        raise ValueError(f"p must be an int >= 2, got {p!r}")
    return p


@dataclass(frozen=True)
class AdditionTask:
    """The samples and parallelograms of addition on ``{0, ..., p - 1}`` (unordered samples).

    ``samples`` is ``(n_samples, 2)`` with ``i <= j`` in lexicographic order; ``labels`` their sums.
    ``quads`` is ``(n_quads, 2)``: the sample indices of every permissible parallelogram of the
    full data set, and ``constraints`` the matching rows ``e_i + e_j - e_m - e_n`` of ``A(P0)``.

    Args:
        p: the modulus of the numbers, an int ``>= 2``.

    Raises:
        ValueError: if ``p`` is not an int ``>= 2``.

    References:
        Kitouni thesis, Sec. 6.3 (eqs. 6.1-6.8) and App. C.3-C.5.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`
    """

    p: int

    def __post_init__(self) -> None:
        _check_p(self.p)

    @cached_property
    def samples(self) -> torch.Tensor:
        i, j = torch.triu_indices(self.p, self.p)
        return torch.stack([i, j], dim=1)

    @property
    def n_samples(self) -> int:
        """The number of samples, ``p (p + 1) / 2``."""
        return self.p * (self.p + 1) // 2

    @cached_property
    def labels(self) -> torch.Tensor:
        return self.samples.sum(dim=1)

    @cached_property
    def quads(self) -> torch.Tensor:
        a, b = torch.triu_indices(self.n_samples, self.n_samples, offset=1)
        same = self.labels[a] == self.labels[b]
        return torch.stack([a[same], b[same]], dim=1)

    @cached_property
    def constraints(self) -> torch.Tensor:
        rows = torch.zeros(len(self.quads), self.p, dtype=torch.float64)
        (i, j), (m, n) = (
            self.samples[self.quads[:, 0]].T,
            self.samples[self.quads[:, 1]].T,
        )
        r = torch.arange(len(self.quads))
        for idx, sign in ((i, 1.0), (j, 1.0), (m, -1.0), (n, -1.0)):
            rows.index_put_(
                (r, idx), torch.full_like(r, sign, dtype=torch.float64), accumulate=True
            )
        return rows

    def mask(self, pairs: list[tuple[int, int]] | torch.Tensor) -> torch.Tensor:
        """The boolean training mask of a list of samples ``(i, j)`` (order within a pair free).

        Repeated samples count once (the thesis's C.3 example lists ``(2, 4)`` twice).
        """
        pairs = torch.as_tensor(pairs, dtype=torch.long).reshape(-1, 2)
        if len(pairs) and (pairs.min() < 0 or pairs.max() >= self.p):
            raise ValueError(
                f"pairs must hold numbers in [0, {self.p - 1}], got {pairs.tolist()}"
            )
        lo, hi = pairs.min(dim=1).values, pairs.max(dim=1).values
        index = lo * self.p - lo * (lo - 1) // 2 + (hi - lo)
        out = torch.zeros(self.n_samples, dtype=torch.bool)
        out[index] = True
        return out

    def random_masks(
        self, n_sets: int, fraction: float, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """``n_sets`` random training sets of ``round(fraction * n_samples)`` samples, ``(n_sets, n)``."""
        positive_int("n_sets", n_sets)
        k = max(1, round(check_fraction("fraction", fraction) * self.n_samples))
        order = torch.rand(n_sets, self.n_samples, generator=generator).argsort(dim=1)
        out = torch.zeros(n_sets, self.n_samples, dtype=torch.bool)
        out.scatter_(1, order[:, :k], True)
        return out

    def active_quads(self, mask: torch.Tensor) -> torch.Tensor:
        """Which parallelograms of ``P0`` the training sets imply, ``P0(D)``: ``(..., n_quads)``."""
        mask = self._check_mask(mask)
        return mask[..., self.quads[:, 0]] & mask[..., self.quads[:, 1]]

    def _check_mask(self, mask: torch.Tensor) -> torch.Tensor:
        if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
            raise TypeError("mask must be a boolean torch.Tensor over the samples")
        if mask.shape[-1] != self.n_samples:
            raise ValueError(
                f"mask must end in {self.n_samples} samples for p = {self.p}, "
                f"got shape {tuple(mask.shape)}"
            )
        return mask

    def system(self, mask: torch.Tensor) -> torch.Tensor:
        """``A(P0(D))`` with the rows of absent parallelograms zeroed, ``(..., n_quads, p)``."""
        return self.constraints * self.active_quads(mask).unsqueeze(-1)

    def nullity(self, mask: torch.Tensor) -> torch.Tensor:
        """The ground-state degeneracy ``n0 = nullity(A(P0(D)))`` per training set (>= 2)."""
        return self.p - torch.linalg.matrix_rank(self.system(mask))

    def gram(self, mask: torch.Tensor) -> torch.Tensor:
        """``A^T A / |P0(D)|``, ``(..., p, p)``: ``l0 = sum over dims of E^T (A^T A / |P0(D)|) E``
        (eq. 6.5); zero where the training set implies no parallelogram."""
        a = self.system(mask)
        count = self.active_quads(mask).sum(dim=-1).clamp(min=1).to(a.dtype)
        return a.transpose(-1, -2) @ a / count[..., None, None]

    def hessian(self, mask: torch.Tensor) -> torch.Tensor:
        """The effective loss's Hessian (eq. 6.8) for normalised embeddings (``Z0 = p``).

        ``H = 2 A^T A / (|P0(D)| p)``; zero where the training set implies no parallelogram.
        """
        return 2 * self.gram(mask) / self.p

    def grokking_rate(self, mask: torch.Tensor) -> torch.Tensor:
        """``lambda_3``, the third-smallest eigenvalue of :meth:`hessian` (Sec. 6.3.2)."""
        return torch.linalg.eigvalsh(self.hessian(mask))[..., 2]

    def implied_quads(self, mask: torch.Tensor, tol: float = 1e-9) -> torch.Tensor:
        """The ideal model's parallelogram set ``P(D)`` (eq. C.5), ``(..., n_quads)``.

        A parallelogram of ``P0`` is implied when its equation lies in the row space of
        ``A(P0(D))``, i.e. it vanishes on the system's null space.
        """
        a = self.system(mask)
        evals, evecs = torch.linalg.eigh(a.transpose(-1, -2) @ a)
        null = (evals < tol * self.p).unsqueeze(-2)
        proj = self.constraints @ evecs  # (..., n_quads, p)
        return (proj.square() * null).sum(dim=-1) < tol

    def augmented(self, mask: torch.Tensor, quads: torch.Tensor) -> torch.Tensor:
        """``D-bar(D, P)`` (eq. C.3): the training set plus every sample one parallelogram away."""
        mask = self._check_mask(mask)
        if quads.shape[-1] != len(self.quads) or quads.dtype != torch.bool:
            raise ValueError(
                f"quads must be a boolean mask over the {len(self.quads)} parallelograms"
            )
        a, b = self.quads[:, 0], self.quads[:, 1]
        reach_a = (quads & mask[..., b]).to(torch.int64)
        reach_b = (quads & mask[..., a]).to(torch.int64)
        gained = torch.zeros(mask.shape, dtype=torch.int64)
        gained.index_add_(mask.ndim - 1, a, reach_a)
        gained.index_add_(mask.ndim - 1, b, reach_b)
        return mask | (gained > 0)

    def predicted_accuracy(
        self, mask: torch.Tensor, quads: torch.Tensor
    ) -> torch.Tensor:
        """``Acc-hat = |D-bar(D, P)| / |D0|`` (eq. C.4)."""
        return self.augmented(mask, quads).double().mean(dim=-1)

    def ideal_reach(self, mask: torch.Tensor) -> torch.Tensor:
        """``D-bar(D, P(D))``: every sample the ideal model can predict from the training set."""
        return self.augmented(mask, self.implied_quads(mask))

    def ideal_accuracy(self, mask: torch.Tensor) -> torch.Tensor:
        """``Acc-bar``: the predicted accuracy of the ideal model, with ``P = P(D)`` (eq. C.8)."""
        return self.ideal_reach(mask).double().mean(dim=-1)

    def quads_in(self, embeddings: torch.Tensor, delta: float = 0.01) -> torch.Tensor:
        """``P(R, delta)`` (eq. 6.2): which parallelograms of ``P0`` the embeddings form.

        ``embeddings`` is ``(..., p, d)``. They are first normalised to zero mean and unit
        root-mean-square length over the ``p`` numbers, so ``delta`` is scale free.
        """
        e = normalise(embeddings, self.p)
        gap = (
            self.constraints.to(e.device, e.dtype) @ e
        )  # E_i + E_j - E_m - E_n per parallelogram
        return gap.norm(dim=-1) <= delta

    def rqi(self, embeddings: torch.Tensor, delta: float = 0.01) -> torch.Tensor:
        """The representation quality index ``|P(R)| / |P0|`` (eq. 6.3)."""
        return self.quads_in(embeddings, delta).double().mean(dim=-1)


def normalise(embeddings: torch.Tensor, p: int | None = None) -> torch.Tensor:
    """Embeddings with zero mean and ``sum_k |E_k|^2 = p`` (the thesis's E-tilde).

    The thesis writes sigma_t without the square root (errata 5); this uses the standard deviation.

    Args:
        embeddings: float ``(..., p, d)``, finite.
        p: the expected number of vectors (the second-to-last axis); None: not checked.

    Returns:
        A tensor of the shape and dtype of ``embeddings``, dimensionless.

    Raises:
        ValueError: on a wrong shape, or NaN or inf in ``embeddings`` (which would otherwise make
            :meth:`AdditionTask.rqi` read 0 instead of failing).

    References:
        Kitouni thesis, Sec. 6.3.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`
    """
    if not isinstance(embeddings, torch.Tensor) or embeddings.ndim < 2:
        raise ValueError("embeddings must be a tensor of shape (..., p, d)")
    finite("embeddings", embeddings)
    if p is not None and embeddings.shape[-2] != p:
        raise ValueError(
            f"embeddings must hold p = {p} vectors, got shape {tuple(embeddings.shape)}"
        )
    centred = embeddings - embeddings.mean(dim=-2, keepdim=True)
    scale = (
        centred.square()
        .sum(dim=(-2, -1), keepdim=True)
        .div(embeddings.shape[-2])
        .sqrt()
    )
    return centred / scale.clamp(min=torch.finfo(embeddings.dtype).tiny)


def unique_probability(
    task: AdditionTask,
    fractions: list[float],
    n_sets: int,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """P(training set fixes the linear representation) per fraction, and the mean ``lambda_3``.

    The mean grokking rate ``lambda_3`` (:meth:`AdditionTask.grokking_rate`) is over the sets that
    fix it (Figs 6.4a and 6.5a); it is NaN (undefined, not 0) at a fraction where none of the
    ``n_sets`` sets is unique, so that a plot or a mean over fractions shows the gap instead of a
    made-up rate.

    Args:
        task: the addition task (:class:`AdditionTask`).
        fractions: training fractions, each in ``(0, 1]``.
        n_sets: random training sets per fraction, ``>= 1``.
        generator: a CPU ``torch.Generator`` that draws the training sets; None: torch's default
            generator.

    Returns:
        The pair ``(probability, rate)``, float64 tensors ``(len(fractions),)``, dimensionless.

    References:
        Kitouni thesis, Sec. 6.3.2, Figs 6.4a and 6.5a.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`
    """
    probs, rates = [], []
    for fraction in fractions:
        masks = task.random_masks(n_sets, fraction, generator)
        unique = task.nullity(masks) == 2
        probs.append(unique.double().mean())
        lam = (
            task.grokking_rate(masks[unique])
            if unique.any()
            else torch.tensor([float("nan")])
        )
        rates.append(lam.mean())
    return torch.stack(probs), torch.stack(rates)


def generalisable_split(
    task: AdditionTask,
    n_train: int,
    generator: torch.Generator | None = None,
    max_tries: int = 1000,
) -> torch.Tensor:
    """A random training set of ``n_train`` samples whose ideal accuracy ``Acc-bar`` is 1.

    Every validation sample is then derivable from the training set (no validation sum whose
    label the training set never shows, such as ``0 + 0``), so a validation accuracy of 100% is
    reachable, as in the 45/10 split of the phase diagrams (Sec. 6.4.1).

    Args:
        task: the addition task (:class:`AdditionTask`).
        n_train: the training set's size, in ``[1, n_samples)``.
        generator: a CPU ``torch.Generator`` that draws the training sets; None: torch's default
            generator.
        max_tries: random draws before giving up.

    Returns:
        bool tensor ``(n_samples,)``, the training mask.

    Raises:
        ValueError: if ``n_train`` is not a positive int below ``task.n_samples``.
        RuntimeError: if no draw in ``max_tries`` is generalisable.

    References:
        Kitouni thesis, Sec. 6.4.1 and eq. C.8.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`
    """
    positive_int("n_train", n_train)
    if n_train >= task.n_samples:
        raise ValueError(f"n_train must be below {task.n_samples}, got {n_train}")
    for _ in range(max_tries):
        mask = task.random_masks(1, n_train / task.n_samples, generator)[0]
        if task.ideal_accuracy(mask) == 1:
            return mask
    raise RuntimeError(
        f"no generalisable split of {n_train} samples in {max_tries} draws"
    )


def smallest_unique_set(
    task: AdditionTask, n_sets: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """The smallest training set found by random search that fixes the linear representation.

    Draws ``n_sets`` random sets at every size from 2 upwards and returns the first unique one
    (nullity 2). A search, not a proof of minimality (App. C.5: possible with < 40% of the data).

    Args:
        task: the addition task (:class:`AdditionTask`).
        n_sets: random training sets per size, ``>= 1``.
        generator: a CPU ``torch.Generator`` that draws the training sets; None: torch's default
            generator.

    Returns:
        bool tensor ``(n_samples,)``, the training mask.

    Raises:
        ValueError: if ``n_sets`` is not a positive int.
        RuntimeError: if no set is unique (unreachable: the full set is).

    References:
        Kitouni thesis, App. C.5.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`
    """
    positive_int("n_sets", n_sets)
    for size in range(2, task.n_samples + 1):
        masks = task.random_masks(n_sets, size / task.n_samples, generator)
        unique = task.nullity(masks) == 2
        if unique.any():
            return masks[unique.nonzero()[0, 0]]
    raise RuntimeError(
        "no unique training set found"
    )  # unreachable: the full set is unique
