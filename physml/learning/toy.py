"""The grokking toy: ``(a, b) -> Dec(E_a + E_b)`` with learnable embeddings, many models at once.

Each member of :class:`AdditionToys` has its own embeddings ``E`` (``p x d``, initialised
``U[-s/2, s/2]``), its own MLP decoder, its own training set and its own optimiser settings;
all members train in one batched step (:class:`physml.learning.ensemble.MemberAdamW`).
Regression targets are fixed random templates ``Y_c`` (one per sum ``c``; the prediction is the
nearest template), classification targets are one-hot.

:func:`train` (settings in :class:`ToySettings`) records training and validation accuracy
and the RQI along the way in a :class:`physml.train.History`;
:func:`phase` applies Table C.1 to the accuracy curves.

Used by :doc:`/book/learning/grokking-effective-theory` (Kitouni thesis, Secs 6.2-6.4.1,
App. C.1, C.5, C.7).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from physml._checks import non_negative_number, positive_int, positive_number
from physml.learning.ensemble import MemberAdamW
from physml.learning.parallelograms import AdditionTask
from physml.nn import EnsembleMLP
from physml.train import History, progress_enabled

TASKS = ("regression", "classification")


class AdditionToys(nn.Module):
    """``n_models`` toy models of addition on ``{0, ..., p - 1}``, trained as one batch.

    The decoder is a ``d - hidden x depth - d_out`` MLP (the thesis: 1-200-200-30, tanh in the
    authors' code). ``forward()`` returns ``(n_models, n_samples, d_out)``: every model on every
    sample of the task. ``generator`` draws the embeddings and regression templates; the decoder
    weights come from torch's global generator (seeded by ``physml.start_chapter``).

    Args:
        n_models: the number of members, ``>= 1``.
        task: the addition task (:class:`physml.learning.parallelograms.AdditionTask`).
        kind: ``"regression"`` (random templates, nearest-template prediction) or
            ``"classification"`` (one-hot targets over the ``2p - 1`` sums).
        d_embed: the embedding dimension ``d``, ``>= 1``.
        hidden: the decoder's width.
        depth: the decoder's hidden layers.
        d_out: the regression templates' dimension (classification: ``2p - 1``).
        init_scale: ``s``, the embeddings start ``U[-s/2, s/2]``, ``> 0``.
        generator: a CPU ``torch.Generator`` for the embeddings and templates; None: torch's
            default generator.

    Raises:
        ValueError: naming the argument, on a non-positive ``n_models``, ``d_embed`` or
            ``init_scale``, or an unknown ``kind``.
        TypeError: if ``task`` is not an ``AdditionTask``.

    References:
        Kitouni thesis, Secs 6.2-6.4.1.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`
    """

    def __init__(
        self,
        n_models: int,
        task: AdditionTask,
        kind: str = "regression",
        d_embed: int = 1,
        hidden: int = 200,
        depth: int = 2,
        d_out: int = 30,
        init_scale: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        positive_int("n_models", n_models)
        positive_int("d_embed", d_embed)
        positive_number("init_scale", init_scale)
        if kind not in TASKS:
            raise ValueError(f"kind must be one of {TASKS}, got {kind!r}")
        if not isinstance(task, AdditionTask):
            raise TypeError(f"task must be an AdditionTask, got {type(task).__name__}")
        self.task, self.kind, self.n_models = task, kind, n_models
        n_labels = 2 * task.p - 1
        d_out = n_labels if kind == "classification" else d_out
        u = torch.rand(n_models, task.p, d_embed, generator=generator)
        self.embeddings = nn.Parameter((u - 0.5) * init_scale)
        self.decoder = EnsembleMLP(
            n_models, d_embed, d_out, hidden=hidden, depth=depth, activation="tanh"
        )
        if kind == "regression":
            targets = torch.randn(n_labels, d_out, generator=generator)
        else:
            targets = torch.eye(n_labels)
        self.register_buffer("targets", targets)
        self.register_buffer("samples", task.samples.clone())

    def forward(self) -> torch.Tensor:
        i, j = self.samples[:, 0], self.samples[:, 1]
        return self.decoder(self.embeddings[:, i] + self.embeddings[:, j])

    def losses(self, out: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Per-model training loss ``(n_models,)`` over the samples in ``mask``: MSE to the
        templates (regression) or cross-entropy (classification)."""
        labels = self.task.labels.to(out.device)
        if self.kind == "regression":
            per = (out - self.targets[labels]).square().mean(dim=-1)
        else:
            per = nn.functional.cross_entropy(
                out.transpose(1, 2), labels.expand(len(out), -1), reduction="none"
            )
        return _masked_mean(per, mask)

    def correct(self, out: torch.Tensor) -> torch.Tensor:
        """Which samples each model gets right, ``(n_models, n_samples)`` booleans."""
        labels = self.task.labels.to(out.device)
        if self.kind == "regression":
            pred = torch.cdist(out, self.targets.expand(len(out), -1, -1)).argmin(
                dim=-1
            )
        else:
            pred = out.argmax(dim=-1)
        return pred == labels


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per model, the mean of ``values (n_models, n_samples)`` over the samples in ``mask``."""
    w = mask.to(values.dtype)
    return (values * w).sum(dim=1) / w.sum(dim=1).clamp(min=1)


def _member_setting(name: str, value: float | torch.Tensor, allow_zero: bool) -> None:
    """Check a setting that is a number or one value per ensemble member (a 1-D tensor)."""
    if isinstance(value, torch.Tensor):
        ok = (
            value.ndim <= 1
            and bool(torch.isfinite(value).all())
            and bool((value >= 0).all() if allow_zero else (value > 0).all())
        )
        if not ok:
            bound = ">= 0" if allow_zero else "> 0"
            raise ValueError(
                f"{name} must be a number or a 1-D tensor of finite values {bound}, "
                f"got {value!r}"
            )
    elif allow_zero:
        non_negative_number(name, value)
    else:
        positive_number(name, value)


@dataclass(frozen=True)
class ToySettings:
    """The settings of one :func:`train` run of the toy models (Kitouni thesis Sec. 6.4.1).

    Args:
        steps: full-batch optimiser steps.
        lr_embed: Adam learning rate of the embeddings (no weight decay), a number or a
            ``(n_models,)`` tensor, one per model.
        lr_decoder: AdamW learning rate of the decoders, a number or ``(n_models,)``.
        wd_decoder: AdamW weight decay of the decoders, ``>= 0``, a number or ``(n_models,)``.
        eval_every: steps between recorded accuracies (and at the end).
        delta: the RQI tolerance ``δ`` of the parallelogram test (App. C.1), ``> 0``.

    Raises:
        ValueError: naming the field, on non-positive ``steps``, ``eval_every``, ``lr_embed``,
            ``lr_decoder`` or ``delta``, or a negative ``wd_decoder``.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`
    """

    steps: int
    lr_embed: float | torch.Tensor
    lr_decoder: float | torch.Tensor
    wd_decoder: float | torch.Tensor = 0.0
    eval_every: int = 10
    delta: float = 0.01

    def __post_init__(self) -> None:
        positive_int("steps", self.steps)
        positive_int("eval_every", self.eval_every)
        _member_setting("lr_embed", self.lr_embed, allow_zero=False)
        _member_setting("lr_decoder", self.lr_decoder, allow_zero=False)
        _member_setting("wd_decoder", self.wd_decoder, allow_zero=True)
        positive_number("delta", self.delta)


def train(model: AdditionToys, masks: torch.Tensor, settings: ToySettings) -> History:
    """Full-batch training of every toy on its own training set.

    Embeddings use Adam (``settings.lr_embed``, no weight decay), decoders AdamW
    (``settings.lr_decoder``, ``settings.wd_decoder``), as in Sec. 6.4.1; each is a number or one
    value per model. Accuracies are measured on the network's outputs before each recorded step.

    Args:
        model: the toys, trained in place on the device of their parameters.
        masks: bool ``(n_models, n_samples)``, each model's training samples.
        settings: steps, learning rates, weight decay, recording interval and RQI tolerance.

    Returns:
        :class:`physml.train.History` with an empty ``loss`` and, at ``eval_steps = 0,
        eval_every, ..., steps``, the series ``"train_acc"``, ``"val_acc"``, ``"acc"`` (all
        samples) and ``"rqi"``, each float ``(n_evals, n_models)``.

    Raises:
        TypeError: if ``settings`` is not a :class:`ToySettings`.
        ValueError: if ``masks`` is not a boolean ``(n_models, n_samples)`` tensor.

    References:
        Kitouni thesis, Secs 6.2-6.4.1 and App. C.1 (RQI).

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`
    """
    if not isinstance(settings, ToySettings):
        raise TypeError(
            f"settings must be a toy.ToySettings, got {type(settings).__name__}"
        )
    steps, eval_every, delta = settings.steps, settings.eval_every, settings.delta
    task = model.task
    if masks.shape != (model.n_models, task.n_samples) or masks.dtype != torch.bool:
        raise ValueError(
            f"masks must be a boolean ({model.n_models}, {task.n_samples}) tensor, "
            f"got {masks.dtype} {tuple(masks.shape)}"
        )
    dev = model.embeddings.device
    masks = masks.to(dev)
    n = model.n_models
    opt_e = MemberAdamW([model.embeddings], n, lr=settings.lr_embed)
    opt_d = MemberAdamW(
        model.decoder.parameters(),
        n,
        lr=settings.lr_decoder,
        weight_decay=settings.wd_decoder,
    )
    rec: dict[str, list] = {
        k: [] for k in ("steps", "train_acc", "val_acc", "acc", "rqi")
    }
    val = ~masks
    for step in tqdm(
        range(steps + 1), desc="toy models", disable=not progress_enabled(), leave=False
    ):
        out = model()
        if step % eval_every == 0 or step == steps:
            with torch.no_grad():
                ok = model.correct(out).float()
                rec["steps"].append(step)
                rec["train_acc"].append(_masked_mean(ok, masks).cpu())
                rec["val_acc"].append(_masked_mean(ok, val).cpu())
                rec["acc"].append(ok.mean(1).cpu())
                rec["rqi"].append(
                    task.rqi(model.embeddings.detach().double().cpu(), delta)
                )
        if step == steps:
            break
        loss = model.losses(out, masks).sum()
        opt_e.zero_grad()
        opt_d.zero_grad()
        loss.backward()
        opt_e.step()
        opt_d.step()
    eval_steps = np.asarray(rec.pop("steps"))
    return History(
        steps=steps,
        eval_steps=eval_steps,
        series={k: torch.stack(v).cpu().numpy() for k, v in rec.items()},
    )


PHASES = ("comprehension", "grokking", "memorisation", "confusion")


def phase(
    history: History, horizon: int, gap: int, threshold: float = 0.9
) -> list[str]:
    """The phase of learning of every model by Table C.1 of the Kitouni thesis.

    Comprehension: training and validation accuracy above ``threshold`` within ``horizon``
    steps, validation less than ``gap`` steps after training; grokking: both, later;
    memorisation: training only; confusion: training never.

    Args:
        history: a :func:`train` history with the series ``"train_acc"`` and ``"val_acc"``
            ``(n_evals, n_models)``.
        horizon: the last step that counts, in optimiser steps (the thesis: ``1e5``).
        gap: steps from training to validation accuracy above which a run groks (``1e3``).
        threshold: the accuracy level (``0.9``).

    Returns:
        One of ``PHASES`` per model.

    Raises:
        ValueError: on non-positive ``horizon`` or ``gap``.
        KeyError: if ``history`` lacks ``"train_acc"`` or ``"val_acc"``.

    References:
        Kitouni thesis, App. C.7, Table C.1.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`
    """
    positive_int("horizon", horizon)
    positive_int("gap", gap)
    t_train = history.first_step("train_acc", threshold)
    t_val = history.first_step("val_acc", threshold)
    out = []
    for tt, tv in zip(t_train, t_val):
        if tt > horizon:
            out.append("confusion")
        elif tv > horizon:
            out.append("memorisation")
        else:
            out.append("comprehension" if tv - tt < gap else "grokking")
    return out


def beyond_ideal(
    model: AdditionToys, masks: torch.Tensor
) -> tuple[np.ndarray, np.ndarray]:
    """Per model, how many samples outside the ideal model's reach it gets right, and how many there are.

    The ideal model's reach is ``D-bar(D, P(D))``. Under the "Alexander principle" (App. C.5) the
    first count is at chance level (a lucky nearest template), never systematically above it.

    Args:
        model: the trained toy models.
        masks: bool ``(n_models, n_samples)``, each model's training set.

    Returns:
        The pair ``(right, outside)``, int64 ndarrays ``(n_models,)``.

    References:
        Kitouni thesis, App. C.5.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`
    """
    with torch.no_grad():
        ok = model.correct(model()).cpu()
    outside = ~model.task.ideal_reach(masks.cpu())
    return (ok & outside).sum(dim=1).cpu().numpy(), outside.sum(dim=1).cpu().numpy()
