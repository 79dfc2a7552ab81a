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

import numpy as np
import torch
from tqdm import tqdm

from physml import config
from physml._checks import finite, positive_int
from physml._checks import fraction as check_fraction


def progress_enabled() -> bool:
    """Whether progress bars show.

    ``PHYSML_PROGRESS`` decides (0/1); else off under ``CI``, on in an interactive terminal or a
    live Jupyter kernel.

    Returns:
        ``True`` when physml's loops show progress bars.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and every chapter that trains or samples

    Examples:
        >>> isinstance(progress_enabled(), bool)
        True
    """
    flag = config.env("PHYSML_PROGRESS")
    if flag is not None:
        return flag
    if config.env("CI"):
        return False
    if "ipykernel" in sys.modules:
        return True
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def first_crossing(
    steps: np.ndarray, values: np.ndarray, threshold: float
) -> np.ndarray:
    """The first of ``steps`` where ``values`` exceeds ``threshold``, per column.

    Args:
        steps: ``(T,)`` recorded steps, in increasing order.
        values: ``(T,)`` or ``(T, ...)`` values recorded at those steps (e.g. ``(T, n_members)``
            accuracies of an ensemble), any real dtype.
        threshold: the level to exceed (strictly), in the units of ``values``.

    Returns:
        A float array of shape ``values.shape[1:]``, the first step with ``values > threshold``
        (``inf`` where it never does).

    Raises:
        ValueError: if ``steps``, ``values`` or ``threshold`` hold NaN or inf (a NaN accuracy
            would otherwise read as "never crossed"), or ``values`` has not one row per step.

    Used in:
        - :doc:`/book/learning/grokking-effective-theory`
        - :doc:`/book/learning/grokking-beyond-the-toy`

    Examples:
        Two ensemble members' accuracies; the second never exceeds 0.9:

        >>> steps = np.array([0, 100, 200, 300])
        >>> acc = np.array([[0.1, 0.1], [0.5, 0.3], [0.95, 0.5], [0.99, 0.6]])
        >>> first_crossing(steps, acc, 0.9)
        array([200.,  inf])
    """
    steps, values = (
        finite("steps", np.asarray(steps)),
        finite("values", np.asarray(values)),
    )
    finite("threshold", threshold)
    if values.shape[:1] != steps.shape:
        raise ValueError(
            f"values must have {steps.shape[0]} rows (one per step), "
            f"got shape {values.shape}"
        )
    above = values > threshold
    first = np.where(above.any(axis=0), steps[above.argmax(axis=0)], np.inf)
    return np.asarray(first, dtype=float)


@dataclass
class History:
    """What a training loop did: the loss per step and the series recorded along the way.

    Every training loop in physml returns one (:func:`fit` and the loops built on it, and the
    special loops of :mod:`physml.generative.gan`, :mod:`physml.flows.trivializing`,
    :mod:`physml.learning.toy`, :mod:`physml.learning.transformer`,
    :mod:`physml.learning.images` and :mod:`physml.nuclear.embedding`). The loss per step is the
    attribute ``hist.loss``; every other recorded series is read by name, ``hist["val_acc"]``
    (``"val_acc" in hist`` asks whether it was recorded, :attr:`names` lists them).

    Args:
        steps: optimiser steps taken (fewer than asked for when training stopped early).
        loss: the training objective per optimiser step, float ``(steps,)``; empty ``(0,)`` for
            a loop that does not record it every step (the GAN, with two objectives, records
            ``"loss_d"`` and ``"loss_g"`` as series; the batched toy, transformer and digits
            loops record accuracies only).
        eval_steps: int ``(n_evals,)``, the number of optimiser steps taken when each entry of
            the series was recorded (0: before the first step).
        series: name -> array whose first axis runs over ``eval_steps``: ``(n_evals,)`` for one
            model, ``(n_evals, n_members)`` for an ensemble trained as one batched program,
            ``(n_evals, ...)`` for recorded tensors (e.g. embeddings).
        best_step: the evaluation step with the lowest ``"val_loss"`` (:func:`fit` with
            ``val_data``), else ``None``.
        best_val: that lowest validation loss (``inf`` without validation).
        stopped_early: whether :func:`fit` stopped on its ``patience``.

    Raises:
        ValueError: on construction, if a series has not one row per evaluation step, naming it.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`
        - :doc:`/book/lattice/trivializing-flows`
        - :doc:`/book/learning/grokking-effective-theory`
        - :doc:`/book/learning/grokking-beyond-the-toy`
        - :doc:`/book/nuclear/nuclear-embeddings`
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    Examples:
        >>> hist = History(
        ...     steps=4,
        ...     loss=[1.0, 0.5, 0.3, 0.2],
        ...     eval_steps=[0, 2, 4],
        ...     series={"val_acc": [0.1, 0.6, 0.95]},
        ... )
        >>> hist.names, hist["val_acc"].shape, "val_loss" in hist
        (['val_acc'], (3,), False)
        >>> hist["val_loss"]
        Traceback (most recent call last):
        ...
        KeyError: "no series 'val_loss' was recorded; recorded: ['val_acc']"
    """

    steps: int = 0
    loss: np.ndarray = field(default_factory=lambda: np.empty(0))
    eval_steps: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))
    series: dict[str, np.ndarray] = field(default_factory=dict)
    best_step: int | None = None
    best_val: float = math.inf
    stopped_early: bool = False

    def __post_init__(self) -> None:
        self.loss = np.asarray(self.loss, dtype=float)
        self.eval_steps = np.asarray(self.eval_steps, dtype=int).reshape(-1)
        self.series = {name: np.asarray(v) for name, v in self.series.items()}
        for name, v in self.series.items():
            if v.shape[:1] != self.eval_steps.shape:
                raise ValueError(
                    f"series {name!r} must have one row per evaluation step "
                    f"({len(self.eval_steps)}), got shape {v.shape}"
                )

    def __getitem__(self, name: str) -> np.ndarray:
        """The series ``name``, first axis over :attr:`eval_steps`.

        Raises:
            KeyError: naming the recorded series if ``name`` is not one of them.
        """
        try:
            return self.series[name]
        except KeyError:
            raise KeyError(
                f"no series {name!r} was recorded; recorded: {self.names}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self.series

    @property
    def names(self) -> list[str]:
        """The names of the recorded series, in the order they were recorded."""
        return list(self.series)

    def first_step(self, name: str, level: float) -> np.ndarray:
        """The first evaluation step at which the series ``name`` exceeds ``level``.

        Args:
            name: a recorded series, e.g. ``"val_acc"`` of shape ``(n_evals,)`` or
                ``(n_evals, n_members)``.
            level: the threshold, exceeded strictly, in the series' units.

        Returns:
            float array of the series' shape without its first axis (a 0-d array for one
            model, ``(n_members,)`` for an ensemble): the first such step, ``inf`` where never.

        Raises:
            KeyError: if ``name`` was not recorded.
            ValueError: if the series or ``level`` holds NaN or inf (:func:`first_crossing`).

        Used in:
            :doc:`/book/learning/grokking-effective-theory`,
            :doc:`/book/learning/grokking-beyond-the-toy`

        Examples:
            >>> hist = History(eval_steps=[0, 2, 4], series={"val_acc": [0.1, 0.6, 0.95]})
            >>> float(hist.first_step("val_acc", 0.9))
            4.0
        """
        return first_crossing(self.eval_steps, self[name], level)

    def plateau(self, fraction: float = 0.1) -> float:
        """The mean training loss over the last ``fraction`` of the steps (at least one step).

        Args:
            fraction: the share of the steps to average, in ``(0, 1]``.

        Returns:
            The mean of the last ``max(1, int(steps * fraction))`` entries of ``loss``.

        Raises:
            ValueError: if ``fraction`` is not in ``(0, 1]`` or no loss was recorded per step.

        Used in:
            :doc:`/book/lattice/trivializing-flows`

        Examples:
            >>> round(History(steps=4, loss=[1.0, 0.5, 0.3, 0.2]).plateau(0.5), 3)
            0.25
        """
        fraction = check_fraction("fraction", fraction)
        if len(self.loss) == 0:
            raise ValueError(
                "plateau needs the loss per step, and this history recorded none"
            )
        k = max(1, int(len(self.loss) * fraction))
        return float(self.loss[-k:].mean())


def _check_data(data: Sequence[torch.Tensor], name: str) -> int:
    if isinstance(data, torch.Tensor):
        raise TypeError(
            f"{name} must be a tuple of tensors, e.g. (x, y); wrap a single tensor as (x,)"
        )
    if not isinstance(data, Sequence) or not data:
        raise TypeError(f"{name} must be a non-empty tuple of tensors")
    for i, t in enumerate(data):
        if not isinstance(t, torch.Tensor):
            raise TypeError(
                f"{name}[{i}] must be a torch.Tensor, got {type(t).__name__}"
            )
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

    The optimiser settings stay keyword arguments (not a settings dataclass): this is the generic
    loop, and its callers each pass the few they change (CONTRIBUTING.md, "One way to do each
    thing"). The chapters call it directly or through the loops built on it (the regression fits,
    the Bayesian ELBO fits of the flows and generative models, the phase classifiers and
    autoencoders, the Lipschitz toys).

    Args:
        model: the network, trained in place and moved to ``device``.
        loss_fn: ``loss_fn(model, *batch) -> scalar tensor``.
        data: tuple of tensors with a common first dimension ``n`` (any dtype the loss takes).
        steps: optimiser steps.
        batch_size: rows per step, drawn with replacement (all rows when ``>= n``).
        lr: learning rate of AdamW (or SGD with momentum 0.9).
        weight_decay: decoupled weight decay (AdamW) or L2 (SGD).
        optimizer: ``"adam"`` (AdamW) or ``"sgd"``.
        schedule: ``"cosine"`` (annealed to 0 over ``steps``) or ``None`` (constant).
        val_data: tuple of tensors like ``data``, for the validation loss.
        eval_every: steps between validation evaluations (and after the last step).
        patience: evaluations without improvement before stopping (needs ``val_data``).
        generator: CPU generator for the minibatch draws (a fresh one seeded with 0 if ``None``).
        device: where to train (``config.device()`` if ``None``).
        desc: progress bar label.
        progress: show a progress bar (``progress_enabled()`` if ``None``).

    Returns:
        A :class:`History` with ``loss`` per step; with ``val_data`` the series ``"val_loss"``
        at ``eval_steps``, ``best_step``, ``best_val`` and ``stopped_early``.

    Raises:
        TypeError: if ``model`` is not a module, ``loss_fn`` not callable, or ``data`` not a tuple
            of tensors.
        ValueError: on non-positive ``steps``, ``batch_size``, ``eval_every`` or ``lr``, tensors of
            unequal lengths or holding NaN or inf, an unknown ``optimizer`` or ``schedule``, or
            ``patience`` without ``val_data``.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    Examples:
        A straight line y = 2x + 1 learnt by one linear layer, seeded, on the CPU:

        >>> _ = torch.manual_seed(0)
        >>> model = torch.nn.Linear(1, 1)
        >>> x = torch.linspace(-1.0, 1.0, 64)[:, None]
        >>> y = 2.0 * x + 1.0
        >>> def mse(m, x, y):
        ...     return ((m(x) - y) ** 2).mean()
        >>> hist = fit(
        ...     model, mse, (x, y), steps=300, batch_size=16, lr=0.05,
        ...     val_data=(x, y), generator=torch.Generator().manual_seed(0),
        ...     device="cpu", progress=False,
        ... )
        >>> hist.steps, hist.loss.shape, hist["val_loss"].shape
        (300, (300,), (3,))
        >>> round(model.weight.item(), 2), round(model.bias.item(), 2)
        (2.0, 1.0)
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError("loss_fn must be callable as loss_fn(model, *batch)")
    for name, val in (
        ("steps", steps),
        ("batch_size", batch_size),
        ("eval_every", eval_every),
    ):
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
    losses: list[float] = []
    val_steps: list[int] = []
    val_losses: list[float] = []
    best_val, best_step, stopped_early = math.inf, None, False
    best_state = None
    bad_evals = 0
    show = progress_enabled() if progress is None else progress
    bar = tqdm(range(steps), desc=desc, disable=not show, leave=False, file=sys.stderr)
    full_batch = (
        batch_size >= n
    )  # every row every step (drawing n with replacement sees ~63%)
    for step in bar:
        model.train()
        if full_batch:
            batch = data
        else:
            idx = torch.randint(0, n, (batch_size,), generator=gen).to(dev)
            batch = tuple(t[idx] for t in data)
        loss = loss_fn(model, *batch)
        if loss.ndim != 0:
            raise ValueError(
                f"loss_fn must return a scalar, got shape {tuple(loss.shape)}"
            )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        losses.append(loss.item())
        if val_data is not None and ((step + 1) % eval_every == 0 or step + 1 == steps):
            model.eval()
            with torch.no_grad():
                v = float(loss_fn(model, *val_data))
            val_steps.append(step + 1)
            val_losses.append(v)
            if v < best_val:
                best_val, best_step, bad_evals = v, step + 1, 0
                if patience is not None:
                    best_state = {
                        k: t.detach().clone() for k, t in model.state_dict().items()
                    }
            else:
                bad_evals += 1
            bar.set_postfix(loss=f"{losses[-1]:.4g}", val=f"{v:.4g}")
            if patience is not None and bad_evals >= patience:
                stopped_early = True
                break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return History(
        steps=len(losses),
        loss=np.asarray(losses),
        eval_steps=np.asarray(val_steps, dtype=int),
        series={"val_loss": np.asarray(val_losses)} if val_data is not None else {},
        best_step=best_step,
        best_val=best_val,
        stopped_early=stopped_early,
    )
