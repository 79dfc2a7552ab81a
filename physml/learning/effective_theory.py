"""The effective theory of representation learning: embeddings as particles with pair forces.

The normalised embeddings follow gradient flow on ``l_eff = l0 / Z0`` (eqs 6.4-6.5), where
``l0`` averages ``|E_i + E_j - E_m - E_n|^2`` over the parallelograms ``P0(D)`` the training set
implies and ``Z0 = sum_k |E_k|^2``. The flow keeps ``Z0`` (the loss is scale invariant) and, for
centred embeddings, the centre ``C = sum_k E_k`` (eq. 6.6; see :func:`flow` for when ``C`` moves).

Used by :doc:`/book/learning/grokking-effective-theory` (Kitouni thesis, Sec. 6.3.2,
App. C.6).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from physml._checks import finite, positive_int, positive_number
from physml.learning.parallelograms import AdditionTask


def _check_embeddings(task: AdditionTask, embeddings: torch.Tensor) -> torch.Tensor:
    if (
        not isinstance(embeddings, torch.Tensor)
        or embeddings.ndim != 2
        or embeddings.shape[0] != task.p
    ):
        raise ValueError(
            f"embeddings must be a (p, d) = ({task.p}, d) tensor, got "
            f"{getattr(embeddings, 'shape', type(embeddings).__name__)}"
        )
    return finite("embeddings", embeddings).to(torch.float64)


def losses(
    task: AdditionTask, mask: torch.Tensor, embeddings: torch.Tensor
) -> tuple[float, float]:
    """``(l0, Z0)`` of eq. 6.5 for one training set and embeddings.

    Args:
        task: the addition task (its ``p`` and training pairs).
        mask: which of its pairs are in the training set.
        embeddings: shape ``(p, d)``, finite.

    Returns:
        ``(l0, Z0)``, the unnormalised effective loss and the embeddings' squared norm.

    Raises:
        ValueError: on embeddings of the wrong shape or with NaN or inf.

    References:
        Kitouni thesis, eq. 6.5.
    """
    e = _check_embeddings(task, embeddings)
    return float((e * (task.gram(mask) @ e)).sum()), float(e.square().sum())


@dataclass
class Flow:
    """A trajectory of :func:`flow`, at each saved step.

    Args:
        steps: the saved steps, shape ``(n_saved,)``.
        embeddings: shape ``(n_saved, p, d)``, float64.
        loss: the effective loss l0 / Z0, shape ``(n_saved,)``.
        z0: Z0, shape ``(n_saved,)``.
        centre: the centre C = Σ_k E_k, shape ``(n_saved, d)``.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`
    """

    steps: torch.Tensor
    embeddings: torch.Tensor
    loss: torch.Tensor
    z0: torch.Tensor
    centre: torch.Tensor


def flow(
    task: AdditionTask,
    mask: torch.Tensor,
    embeddings: torch.Tensor,
    lr: float,
    steps: int,
    save_every: int = 1,
) -> Flow:
    """Integrate ``dE/dt = -d l_eff / dE`` with explicit Euler steps of size ``lr``.

    The gradient is analytic: ``dl_eff/dE = (2 A^T A E / |P0(D)| - 2 l0 E / Z0) / Z0``. Summed
    over ``k``, the first term vanishes and the second gives ``dC/dt = 2 l0 C / Z0^2``: the
    centre is conserved when it is zero (as for the thesis's normalised embeddings) and grows
    otherwise; the proof in App. C.6 (eq. C.18) drops the second term. ``Z0`` is conserved by
    the flow; Euler steps raise it by ``O(lr^2)`` per step.

    Args:
        task: the addition task (its ``p`` and training pairs).
        mask: which of its pairs are in the training set.
        embeddings: the initial embeddings, shape ``(p, d)``, finite.
        lr: the step size η (> 0).
        steps: the number of Euler steps.
        save_every: steps between saved states (the last step is always saved).

    Returns:
        A :class:`Flow`.

    Raises:
        ValueError: on bad embeddings, a step size that is not > 0 or a bad count.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`

    References:
        Kitouni thesis, Sec. 6.3.2 and App. C.6 (eq. C.18).
    """
    e = _check_embeddings(task, embeddings).clone()
    lr = positive_number("lr", lr)
    positive_int("steps", steps)
    positive_int("save_every", save_every)
    ata = task.gram(mask)
    saved_steps, saved, loss, z0s, centres = [], [], [], [], []
    for step in range(steps + 1):
        ate = ata @ e
        l0 = float((e * ate).sum())
        z0 = float(e.square().sum())
        if step % save_every == 0 or step == steps:
            saved_steps.append(step)
            saved.append(e.clone())
            loss.append(l0 / z0)
            z0s.append(z0)
            centres.append(e.sum(dim=0))
        if step == steps:
            break
        e -= lr * (2 * ate - 2 * (l0 / z0) * e) / z0
    f64 = torch.float64
    return Flow(
        torch.tensor(saved_steps),
        torch.stack(saved),
        torch.tensor(loss, dtype=f64),
        torch.tensor(z0s, dtype=f64),
        torch.stack(centres),
    )


def distance_from_linear(embeddings: torch.Tensor) -> torch.Tensor:
    """RMS distance of embeddings ``(..., p, d)`` from their best linear fit ``a + k b``.

    Zero exactly for a linear representation; this is what the grokking rate ``lambda_3``
    governs (Sec. 6.3.2): it decays as ``exp(-lambda_3 t)`` at late times.

    Args:
        embeddings: shape ``(..., p, d)`` with p >= 2, finite.

    Returns:
        The RMS distance per leading index, shape ``embeddings.shape[:-2]``.

    Raises:
        ValueError: if ``embeddings`` is not a tensor of shape ``(..., p >= 2, d)`` or holds NaN
            or inf.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`

    Examples:
        >>> k = torch.arange(5.0)[:, None]
        >>> distance_from_linear(torch.cat([1.0 + 2.0 * k, -k], dim=1)).abs().item() < 1e-6
        True
    """
    if (
        not isinstance(embeddings, torch.Tensor)
        or embeddings.ndim < 2
        or embeddings.shape[-2] < 2
    ):
        raise ValueError(
            f"embeddings must be a tensor of shape (..., p >= 2, d), got "
            f"{getattr(embeddings, 'shape', type(embeddings).__name__)}"
        )
    finite("embeddings", embeddings)
    p = embeddings.shape[-2]
    k = torch.arange(p, dtype=embeddings.dtype, device=embeddings.device)
    design = torch.stack([torch.ones_like(k), k], dim=1)  # (p, 2)
    proj = design @ torch.linalg.pinv(design)
    resid = embeddings - proj @ embeddings
    return resid.square().sum(dim=(-2, -1)).div(p).sqrt()
