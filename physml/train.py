"""One training loop for every chapter: minibatches, loss history, progress bar, early stopping.

``fit(model, loss_fn, data, steps=..., batch_size=...)`` draws minibatches from tensors on the
active device, steps an optimiser and returns a :class:`History`. ``loss_fn(model, *batch)``
returns a scalar loss, so the loop serves regression, classification and density estimation alike.

Used by "Fits, likelihoods and uncertainties" and every chapter that trains a network.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from tqdm import tqdm

from physml import config
from physml._checks import finite, positive_int


def progress_enabled() -> bool:
    """Whether progress bars show.

    ``PHYSML_PROGRESS`` decides (0/1); else off under ``CI``, on in an interactive terminal or a
    live Jupyter kernel.

    Returns:
        ``True`` when physml's loops show progress bars.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and every chapter that trains or samples
    """
    flag = config.env("PHYSML_PROGRESS")
    if flag is not None:
        return flag
    if config.env("CI"):
        return False
    if "ipykernel" in sys.modules:
        return True
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


@dataclass
class History:
    """What :func:`fit` did: loss per step, validation loss per evaluation, best step."""

    loss: list[float] = field(default_factory=list)
    val_steps: list[int] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_step: int | None = None
    best_val: float = math.inf
    stopped_early: bool = False

    @property
    def steps(self) -> int:
        return len(self.loss)


def _check_data(data: Sequence[torch.Tensor], name: str) -> int:
    if isinstance(data, torch.Tensor):
        raise TypeError(f"{name} must be a tuple of tensors, e.g. (x, y); wrap a single tensor as (x,)")
    if not isinstance(data, Sequence) or not data:
        raise TypeError(f"{name} must be a non-empty tuple of tensors")
    for i, t in enumerate(data):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name}[{i}] must be a torch.Tensor, got {type(t).__name__}")
    n = data[0].shape[0]
    if n == 0:
        raise ValueError(f"{name} is empty")
    for i, t in enumerate(data):
        if t.shape[0] != n:
            raise ValueError(f"{name}[{i}] has {t.shape[0]} rows, {name}[0] has {n}")
        finite(f"{name}[{i}]", t)
    return n


def fit(
    model: torch.nn.Module,
    loss_fn: Callable[..., torch.Tensor],
    data: Sequence[torch.Tensor],
    *,
    steps: int,
    batch_size: int,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    optimizer: str = "adam",
    schedule: str | None = "cosine",
    val_data: Sequence[torch.Tensor] | None = None,
    eval_every: int = 100,
    patience: int | None = None,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    desc: str = "training",
    progress: bool | None = None,
) -> History:
    """Train ``model`` for ``steps`` minibatch steps on ``data`` (a tuple of equal-length tensors).

    ``loss_fn(model, *batch)`` returns a scalar. With ``val_data`` the validation loss is computed
    every ``eval_every`` steps; with ``patience`` too, training stops after that many evaluations
    without improvement and the best weights are restored. Minibatch indices are drawn with
    replacement from ``generator`` (CPU), so a seeded generator makes the run reproducible; with
    ``batch_size >= len(data[0])`` every step uses all rows (full-batch training, no draw).

    ``data`` and ``val_data`` are checked once, before the first step: NaN or inf in any of their
    tensors raise ``ValueError`` naming it (``data[1]``). ``loss_fn`` runs unchecked inside the
    loop and propagates NaN as torch does (a check per step would cost a device sync).

    Raises:
        TypeError: if ``model`` is not a module, ``loss_fn`` not callable, or ``data`` not a tuple
            of tensors.
        ValueError: on non-positive ``steps``, ``batch_size``, ``eval_every`` or ``lr``, tensors of
            unequal lengths or holding NaN or inf, an unknown ``optimizer`` or ``schedule``, or
            ``patience`` without ``val_data``.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError("loss_fn must be callable as loss_fn(model, *batch)")
    for name, val in (("steps", steps), ("batch_size", batch_size), ("eval_every", eval_every)):
        positive_int(name, val)
    if patience is not None and (not isinstance(patience, int) or patience < 1):
        raise ValueError(f"patience must be a positive int or None, got {patience!r}")
    if patience is not None and val_data is None:
        raise ValueError("patience needs val_data to judge improvement on")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    n = _check_data(data, "data")
    if val_data is not None:
        _check_data(val_data, "val_data")
    dev = torch.device(device) if device is not None else config.device()
    model.to(dev)
    data = tuple(t.to(dev) for t in data)
    val_data = tuple(t.to(dev) for t in val_data) if val_data is not None else None
    params = [p for p in model.parameters() if p.requires_grad]
    if optimizer == "adam":
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    elif optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=lr, weight_decay=weight_decay, momentum=0.9)
    else:
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
    if schedule == "cosine":
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    elif schedule is None:
        sched = None
    else:
        raise ValueError(f"schedule must be 'cosine' or None, got {schedule!r}")
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    hist = History()
    best_state = None
    bad_evals = 0
    show = progress_enabled() if progress is None else progress
    bar = tqdm(range(steps), desc=desc, disable=not show, leave=False, file=sys.stderr)
    full_batch = batch_size >= n  # every row every step (drawing n with replacement sees ~63%)
    for step in bar:
        model.train()
        if full_batch:
            batch = data
        else:
            idx = torch.randint(0, n, (batch_size,), generator=gen).to(dev)
            batch = tuple(t[idx] for t in data)
        loss = loss_fn(model, *batch)
        if loss.ndim != 0:
            raise ValueError(f"loss_fn must return a scalar, got shape {tuple(loss.shape)}")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        hist.loss.append(loss.item())
        if val_data is not None and ((step + 1) % eval_every == 0 or step + 1 == steps):
            model.eval()
            with torch.no_grad():
                v = float(loss_fn(model, *val_data))
            hist.val_steps.append(step + 1)
            hist.val_loss.append(v)
            if v < hist.best_val:
                hist.best_val, hist.best_step, bad_evals = v, step + 1, 0
                if patience is not None:
                    best_state = {k: t.detach().clone() for k, t in model.state_dict().items()}
            else:
                bad_evals += 1
            bar.set_postfix(loss=f"{hist.loss[-1]:.4g}", val=f"{v:.4g}")
            if patience is not None and bad_evals >= patience:
                hist.stopped_early = True
                break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return hist
