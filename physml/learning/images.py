"""Grokking on images, and the effective theory for image classification.

Kitouni thesis Sec. 6.4.3 and App. C.9-C.10 (card L) use MNIST; nothing is downloaded here, so
the stand-in is scikit-learn's ``load_digits`` (1,797 8x8 handwritten digits, shipped with the
package). Grokking needs two unusual choices: a small training set and an initialisation
multiplied by ``alpha > 1`` (:func:`scale_init`); the networks are MLPs trained with AdamW on the
MSE to one-hot targets, a whole ensemble (one weight decay per member) in one batched program.

The effective loss for classification (eq. C.23) acts on the representations ``f(x)`` alone::

    l_eff = l / Z,   l = sum over same-label pairs |f(x) - f(y)|^2,   Z = sum_x |f(x)|^2,

and its gradient flow conserves ``Z`` (eq. C.24), so same-label points collapse without the
whole set collapsing to zero.

Used by :doc:`/book/learning/grokking-beyond-the-toy`.
"""

from __future__ import annotations

import numpy as np
import torch
from tqdm import tqdm

from physml._checks import finite, positive_int, positive_number
from physml.learning.ensemble import MemberAdamW
from physml.nn import EnsembleMLP
from physml.train import History, progress_enabled

OPTIMISERS = ("adam", "gd")


def digits(
    n_train: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """scikit-learn's digits with a random training set of ``n_train`` images.

    The stand-in for MNIST (nothing is downloaded); the rest of the images is the validation set.

    Args:
        n_train: the training set's size, in ``[1, 1797)``.
        generator: a CPU ``torch.Generator`` that draws the training set; None: torch's default
            generator.

    Returns:
        The triple ``(images, labels, train_mask)``, float32 ``(1797, 64)`` in ``[0, 1]``, int64
        ``(1797,)`` classes in ``[0, 10)`` and bool ``(1797,)``.

    Raises:
        ValueError: if ``n_train`` is not a positive int below the 1797 images.

    References:
        Kitouni thesis, Sec. 6.4.3 (MNIST there).

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`
    """
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    positive_int("n_train", n_train)
    if n_train >= len(y):
        raise ValueError(f"n_train must be below the {len(y)} images, got {n_train}")
    mask = torch.zeros(len(y), dtype=torch.bool)
    mask[torch.randperm(len(y), generator=generator)[:n_train]] = True
    return torch.tensor(x / 16.0, dtype=torch.float32), torch.tensor(y), mask


@torch.no_grad()
def scale_init(model: torch.nn.Module, alpha: float | torch.Tensor) -> None:
    """Multiply every parameter of ``model`` by ``alpha``, in place.

    The large initialisation that grokking on images needs (thesis Sec. 6.4.3).

    Args:
        model: the network, e.g. an :class:`physml.nn.EnsembleMLP`.
        alpha: a number, or for an ensemble a float tensor ``(n_members,)``, one value per member
            (the first axis of each parameter); finite and ``> 0``.

    Raises:
        ValueError: if ``alpha`` is not finite and positive, or has a length other than a
            parameter's first axis.

    References:
        Kitouni thesis, Sec. 6.4.3 and App. C.10.

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`
    """
    alpha = torch.as_tensor(alpha, dtype=torch.float32)
    if not torch.isfinite(alpha).all() or (alpha <= 0).any():
        raise ValueError("alpha must be finite and > 0")
    for q in model.parameters():
        a = alpha.to(q.device, q.dtype)
        if a.ndim == 1:
            if a.shape[0] != q.shape[0]:
                raise ValueError(
                    f"alpha has {a.shape[0]} values, the parameter {q.shape[0]} members"
                )
            a = a.view((-1,) + (1,) * (q.ndim - 1))
        q.mul_(a)


def train(
    model: EnsembleMLP,
    images: torch.Tensor,
    labels: torch.Tensor,
    train_mask: torch.Tensor,
    steps: int,
    lr: float | torch.Tensor = 1e-3,
    weight_decay: float | torch.Tensor = 0.0,
    eval_every: int = 100,
) -> History:
    """Full-batch AdamW on the MSE between outputs and one-hot labels, a whole ensemble at once.

    Every member of the ensemble trains on the same training set with its own ``lr`` and
    ``weight_decay``. Four settings, so plain arguments (CONTRIBUTING.md, "One way to do each
    thing").

    Args:
        model: ``n_members`` MLPs, trained in place on the device of their parameters.
        images: ``(n_items, n_features)`` float inputs.
        labels: ``(n_items,)`` integer classes in ``[0, n_classes)``.
        train_mask: ``(n_items,)`` bool, the training set (the rest validates).
        steps: full-batch optimiser steps.
        lr: AdamW learning rate, a number or ``(n_members,)``.
        weight_decay: AdamW weight decay, a number or ``(n_members,)``.
        eval_every: steps between recorded accuracies (and at the end).

    Returns:
        :class:`physml.train.History` with an empty ``loss`` and, at ``eval_steps = 0,
        eval_every, ..., steps``, the series ``"train_acc"``, ``"val_acc"`` and
        ``"weight_norm"`` (the members' parameter norms), each float ``(n_evals, n_members)``.

    Raises:
        ValueError: on non-positive ``steps`` or ``eval_every``, NaN or inf in ``images``,
            labels that are not integers in ``[0, n_classes)``, or shapes that do not match.

    References:
        Kitouni thesis, Sec. 6.4.3 and App. C.10 (grokking on MNIST; the digits stand in).

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`
    """
    positive_int("steps", steps)
    positive_int("eval_every", eval_every)
    finite("images", images)
    n_items = images.shape[0]
    if (
        labels.shape != (n_items,)
        or train_mask.shape != (n_items,)
        or train_mask.dtype != torch.bool
    ):
        raise ValueError(f"labels and train_mask (bool) must have shape ({n_items},)")
    n_classes = model.out.weight.shape[-1]
    bad_type = labels.is_floating_point() or labels.dtype == torch.bool
    if bad_type or bool(((labels < 0) | (labels >= n_classes)).any()):
        raise ValueError(
            f"labels must be integers in [0, {n_classes}) (the model's classes), "
            f"got dtype {labels.dtype} and range [{int(labels.min())}, {int(labels.max())}]"
        )
    dev = next(model.parameters()).device
    images, labels, train_mask = images.to(dev), labels.to(dev), train_mask.to(dev)
    target = torch.nn.functional.one_hot(labels[train_mask], n_classes).to(images.dtype)
    x_train = images[train_mask]
    opt = MemberAdamW(
        model.parameters(), model.n_members, lr=lr, weight_decay=weight_decay
    )
    rec: dict[str, list] = {
        "steps": [],
        "train_acc": [],
        "val_acc": [],
        "weight_norm": [],
    }
    for step in tqdm(
        range(steps + 1),
        desc="digits MLPs",
        disable=not progress_enabled(),
        leave=False,
    ):
        if step % eval_every == 0 or step == steps:
            with torch.no_grad():
                ok = (model(images).argmax(dim=-1) == labels).float()
                norm = sum(
                    (q.flatten(1) ** 2).sum(dim=1) for q in model.parameters()
                ).sqrt()
            rec["steps"].append(step)
            rec["train_acc"].append(ok[:, train_mask].mean(dim=1).cpu().numpy())
            rec["val_acc"].append(ok[:, ~train_mask].mean(dim=1).cpu().numpy())
            rec["weight_norm"].append(norm.cpu().numpy())
            if step == steps:
                break
        loss = ((model(x_train) - target) ** 2).sum(dim=-1).mean(dim=-1).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    eval_steps = np.asarray(rec.pop("steps"))
    return History(
        steps=steps,
        eval_steps=eval_steps,
        series={k: np.stack(v) for k, v in rec.items()},
    )


def _class_means(
    f: torch.Tensor, labels: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Class means ``(n_classes, dim)``, each item's class index and the class sizes."""
    if f.ndim != 2 or labels.shape != (f.shape[0],):
        raise ValueError(
            f"f must be (n, dim) and labels (n,), got {tuple(f.shape)} and "
            f"{tuple(labels.shape)}"
        )
    classes, index, counts = torch.unique(
        labels, return_inverse=True, return_counts=True
    )
    sums = torch.zeros(len(classes), f.shape[1], dtype=f.dtype, device=f.device)
    sums.index_add_(0, index, f)
    counts = counts.to(f.dtype)
    return sums / counts.unsqueeze(1), index, counts


def effective_loss(
    f: torch.Tensor, labels: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The pair ``(l, Z)`` of eq. C.23 for representations ``f``.

    ``l`` sums ``|f(x) - f(y)|^2`` over the unordered same-label pairs (computed per class as
    ``n_c`` times the scatter about the class mean), ``Z = sum_x |f(x)|^2``. A loss called at
    every step, it propagates NaN as torch does (:func:`collapse` checks its start once).

    Args:
        f: float ``(n, dim)``, the representations.
        labels: int ``(n,)``, the classes.

    Returns:
        Two scalar tensors ``(l, Z)`` of ``f``'s dtype, in the squared units of ``f``.

    Raises:
        ValueError: if ``f`` is not ``(n, dim)`` or ``labels`` not ``(n,)``.

    References:
        Kitouni thesis, eq. C.23.

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`
    """
    means, index, counts = _class_means(f, labels)
    scatter = ((f - means[index]) ** 2).sum(dim=1)
    return (counts[index] * scatter).sum(), (f**2).sum()


def class_variance_ratio(f: torch.Tensor, labels: torch.Tensor) -> float:
    """Within-class over between-class spread of the representations ``f``.

    The mean squared distance of the points to their class mean over the mean squared distance
    of the class means to the overall mean, 0 for a complete same-class collapse.

    Args:
        f: float ``(n, dim)``, finite.
        labels: int ``(n,)``, at least two classes.

    Returns:
        A Python float ``>= 0``, dimensionless.

    Raises:
        ValueError: on NaN or inf in ``f``, mismatched shapes, or fewer than two classes (the
            ratio is then undefined).

    References:
        Kitouni thesis, App. C.9.

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`
    """
    finite("f", f)
    if torch.unique(labels).numel() < 2:
        raise ValueError(
            "labels must name at least two classes: the between-class spread of one "
            "class is 0 and the ratio undefined"
        )
    return _variance_ratio(f, labels)


def _variance_ratio(f: torch.Tensor, labels: torch.Tensor) -> float:
    means, index, _ = _class_means(f, labels)
    within = ((f - means[index]) ** 2).sum(dim=1).mean()
    between = ((means - f.mean(dim=0)) ** 2).sum(dim=1).mean()
    return float(within / between)


def collapse(
    f0: torch.Tensor,
    labels: torch.Tensor,
    steps: int,
    lr: float,
    optimiser: str = "adam",
) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """Train free representations on ``l_eff = l / Z`` (eq. C.23), starting at ``f0``.

    By Adam (App. C.9) or plain gradient descent (``optimiser="gd"``, the discretised flow of
    eq. C.24).

    Args:
        f0: float ``(n, dim)``, the starting representations, finite.
        labels: int ``(n,)``, at least two classes.
        steps: optimiser steps, ``>= 1``.
        lr: learning rate, ``> 0``.
        optimiser: ``"adam"`` or ``"gd"`` (``OPTIMISERS``).

    Returns:
        The triple ``(f, zs, ratios)``, the final representations ``(n, dim)``, ``Z`` per step
        float64 ``(steps + 1,)`` and the class variance ratio per step float64 ``(steps + 1,)``
        (:func:`class_variance_ratio`).

    Raises:
        ValueError: if ``steps`` or ``lr`` is not positive, ``optimiser`` is unknown, or ``f0``
            and ``labels`` fail :func:`class_variance_ratio`'s checks.

    References:
        Kitouni thesis, eqs. C.23-C.24 and App. C.9.

    Used in:
        - :doc:`/book/learning/grokking-beyond-the-toy`
    """
    positive_int("steps", steps)
    positive_number("lr", lr)
    if optimiser not in OPTIMISERS:
        raise ValueError(f"optimiser must be one of {OPTIMISERS}, got {optimiser!r}")
    class_variance_ratio(
        f0, labels
    )  # checks f0 and labels once: finite, two classes or more
    f = f0.detach().clone().requires_grad_(True)
    opt = (torch.optim.Adam if optimiser == "adam" else torch.optim.SGD)([f], lr=lr)
    zs, ratios = [], []
    for step in range(steps + 1):
        loss, z = effective_loss(f, labels)
        zs.append(float(z.detach()))
        ratios.append(_variance_ratio(f.detach(), labels))
        if step == steps:
            break
        opt.zero_grad()
        (loss / z).backward()
        opt.step()
    return f.detach(), np.asarray(zs), np.asarray(ratios)
