"""Training one objective of the factorisation curse on one task, and scoring it.

:func:`train` trains a :class:`physml.sequences.models.SequenceTransformer` on a
:class:`physml.sequences.tasks.Task` with one of the objectives of
:data:`physml.sequences.objectives.OBJECTIVES` (AR, AR with token or entity reversal,
fixed-rate MLM, MLM-U; settings in :class:`SequenceSettings`) and records the exact-match
accuracy of left-to-right completion of the held-out queries along the way (:func:`evaluate`).

Used by :doc:`/book/learning/the-factorization-curse`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from tqdm import tqdm

from physml._checks import non_negative_number, positive_int, positive_number
from physml.sequences.models import SequenceTransformer, decode, exact_match
from physml.sequences.objectives import (
    OBJECTIVES,
    ar_loss,
    augment,
    mask_tokens,
    masking_rates,
    mlm_loss,
)
from physml.sequences.tasks import Task
from physml.train import History, progress_enabled


@dataclass(frozen=True)
class SequenceSettings:
    """The settings of one :func:`train` run.

    Args:
        steps: optimiser steps, ``>= 1``.
        batch_size: sequences per step, drawn with replacement, ``>= 1``.
        lr: peak AdamW learning rate, ``> 0`` (linear warm-up, then cosine decay to 0).
        weight_decay: AdamW weight decay, ``>= 0``.
        warmup: steps of linear warm-up, ``>= 0``.
        eval_every: steps between recorded accuracies (and at the end), ``>= 1``.

    Raises:
        ValueError: naming the field, on a value outside its range.

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """

    steps: int
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.0
    warmup: int = 50
    eval_every: int = 100

    def __post_init__(self) -> None:
        positive_int("steps", self.steps)
        positive_int("batch_size", self.batch_size)
        positive_number("lr", self.lr)
        non_negative_number("weight_decay", self.weight_decay)
        positive_int("warmup", self.warmup, minimum=0)
        positive_int("eval_every", self.eval_every)


def evaluate(model: SequenceTransformer, task: Task) -> dict[str, float]:
    """Exact-match accuracy of left-to-right completion on the task's held-out queries.

    Each query is decoded in the format of the training sequences, padded to their length.

    Args:
        model: the trained transformer.
        task: the task whose ``prompts`` and ``answers`` are scored.

    Returns:
        direction -> accuracy in ``[0, 1]``; for a task with ``wrong`` answers also
        ``"wrong_<direction>"``, the share of completions that give the other side of the
        relation (the incorrect-inference rate).

    Raises:
        TypeError: if ``model`` or ``task`` has the wrong type.

    References:
        Kitouni thesis Sec. 7.3.1 and Table D.4.

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    if not isinstance(task, Task):
        raise TypeError(
            f"task must be a sequences.tasks.Task, got {type(task).__name__}"
        )
    dev = model.embed.weight.device
    out = {}
    for d, prompts in task.prompts.items():
        answers = task.answers[d].to(dev)
        length = max(task.train.shape[1], prompts.shape[1] + answers.shape[1])
        pred = decode(model, prompts.to(dev), answers.shape[1], length)
        out[d] = float(exact_match(pred, answers).float().mean())
        if d in task.wrong:
            out[f"wrong_{d}"] = float(exact_match(pred, task.wrong[d]).float().mean())
    return out


def train(
    model: SequenceTransformer,
    task: Task,
    objective: str,
    settings: SequenceSettings,
    generator: torch.Generator | None = None,
) -> History:
    """Train ``model`` on ``task`` with ``objective``; record the held-out accuracies.

    The training set is the task's sequences (with a reversed copy for the reversal
    objectives, :func:`physml.sequences.objectives.augment`). Each step draws ``batch_size``
    sequences with replacement; AR minimises the next-token loss on the task's ``loss_mask``,
    the masked objectives mask the ``loss_mask`` positions at their rate (fixed, or drawn per
    sequence from U(0, 1) for MLM-U) and minimise the loss of the masked tokens.

    Args:
        model: a :class:`physml.sequences.models.SequenceTransformer`, causal for the AR objectives and bidirectional
            for the masked ones; trained in place on the device of its parameters.
        task: the :class:`physml.sequences.tasks.Task`.
        objective: a key of :data:`physml.sequences.objectives.OBJECTIVES`.
        settings: steps, batch size, learning rate, weight decay, warm-up, recording interval.
        generator: a CPU ``torch.Generator`` for the minibatches and the masks; None: torch's
            default generator.

    Returns:
        :class:`physml.train.History` with the loss per step and, at ``eval_steps``, one series
        per direction of the task (exact-match accuracy) and, where the task has wrong answers,
        ``"wrong_<direction>"``.

    Raises:
        TypeError: if ``model``, ``task`` or ``settings`` has the wrong type.
        ValueError: on an unknown ``objective``, or a model whose ``causal`` does not match it.

    References:
        Kitouni thesis Secs. 7.2-7.4.

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    if not isinstance(model, SequenceTransformer):
        raise TypeError(
            f"model must be a SequenceTransformer, got {type(model).__name__}"
        )
    if not isinstance(task, Task):
        raise TypeError(
            f"task must be a sequences.tasks.Task, got {type(task).__name__}"
        )
    if not isinstance(settings, SequenceSettings):
        raise TypeError(
            f"settings must be a SequenceSettings, got {type(settings).__name__}"
        )
    if objective not in OBJECTIVES:
        raise ValueError(
            f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}"
        )
    rate, reversal = OBJECTIVES[objective]
    if model.causal != (rate is None):
        kind = "causal" if rate is None else "bidirectional"
        raise ValueError(f"objective {objective!r} needs a {kind} model")
    tokens, loss_mask = augment(task.train, task.chunks, task.loss_mask, reversal)
    dev = model.embed.weight.device
    tokens, loss_mask = tokens.to(dev), loss_mask.to(dev)
    n = tokens.shape[0]
    opt = torch.optim.AdamW(
        model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay
    )
    steps, warm = settings.steps, settings.warmup

    def lr_at(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, steps - warm)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    losses = np.empty(steps)
    rec: dict[str, list[float]] = {}
    eval_steps: list[int] = []

    def record(step: int) -> None:
        eval_steps.append(step)
        for k, v in evaluate(model, task).items():
            rec.setdefault(k, []).append(v)
        model.train()

    record(0)
    for step in tqdm(
        range(steps), desc=objective, disable=not progress_enabled(), leave=False
    ):
        idx = torch.randint(n, (settings.batch_size,), generator=generator).to(dev)
        x, keep = tokens[idx], loss_mask[idx]
        if rate is None:
            loss = ar_loss(model, x, keep)
        else:
            rates = masking_rates(x.shape[0], rate, generator)
            inputs, masked = mask_tokens(x, rates, keep, generator)
            loss = mlm_loss(model, inputs, x, masked)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses[step] = float(loss.detach())
        if (step + 1) % settings.eval_every == 0 or step + 1 == steps:
            record(step + 1)
    model.eval()
    return History(
        steps=steps,
        loss=losses,
        eval_steps=np.asarray(eval_steps),
        series={k: np.asarray(v) for k, v in rec.items()},
    )
