"""The nuclear embedding network of Nolte et al. 2024 (Kitouni thesis, chapter 5) and its data.

Every row of the tidy multi-task dataset is one observable of one nucleus: ``(Z, N, task)`` and
a target. Each task's targets are min-max scaled to ``[0, 1]`` (:class:`Scaler`, invertible), as
in the papers' code. The network embeds the three tokens, concatenates the embeddings and maps
them through ``Linear -> SiLU``, ``depth`` residual blocks ``x + ReLU(W2 ReLU(W1 x))`` and a
linear readout with one output per task, of which the row's task is picked:

    h0 = SiLU(W [e_Z; e_N; e_task]),  h_{k+1} = h_k + ReLU(W2 ReLU(W1 h_k)),  y = (R h)_task.

The concatenation equals the papers' "attention-ablated transformer" (fixed uniform attention
plus per-token projections) up to reparameterisation. The loss is the task-weighted MSE with
the code's weights (:data:`LOSS_WEIGHTS`); training is AdamW with weight decay.

Used by :doc:`/book/nuclear/nuclear-embeddings` (Kitouni thesis, chapter 5 and appendix B; Nolte et
al. 2024).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm import tqdm

from physml._checks import (
    finite,
    fraction,
    non_negative_number,
    positive_int,
    positive_number,
)
from physml.nuclear.data import add_separation_and_q, with_charge_radii
from physml.train import History, progress_enabled

#: Observables of the multi-task dataset, named as the columns of :mod:`physml.nuclear.data`.
TASKS = ("binding", "radius", "s_n", "s_p", "q_alpha", "q_beta_minus", "q_ec")
#: Multi-task loss weights of the papers' code (binding 100, radius 0.02, energies 200, the Z and
#: N regularisers 1, SEMF pseudo-data 100), and this book's ``binding_per_a`` (B/A) as binding.
LOSS_WEIGHTS = {
    "binding": 100.0,
    "radius": 0.02,
    "s_n": 200.0,
    "s_p": 200.0,
    "q_alpha": 200.0,
    "q_beta_minus": 200.0,
    "q_ec": 200.0,
    "z": 1.0,
    "n": 1.0,
    "semf": 100.0,
    "binding_per_a": 100.0,
}
#: Size of the Z embedding table, for Z in 0..118 (the papers' range).
Z_VOCAB = 119
#: Size of the N embedding table, for N in 0..178 (the papers' range).
N_VOCAB = 179


@dataclass
class Scaler:
    """Per-task min-max scaling to ``[0, 1]``, ``scaled = (value - low) / (high - low)``.

    Args:
        low: float64 ``(n_tasks,)``, each task's smallest value in physical units (keV, fm).
        high: float64 ``(n_tasks,)``, each task's largest value, ``> low``.

    Raises:
        ValueError: if ``low`` or ``high`` is not finite, they are not 1-D of one length, or a task
            has ``high <= low`` (its values all equal: no scale), naming the task indices.

    References:
        Nolte et al. 2024; Kitouni thesis, chapter 5 and appendix B.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """

    low: np.ndarray
    high: np.ndarray

    def __post_init__(self) -> None:
        self.low = finite("low", np.asarray(self.low, dtype=float))
        self.high = finite("high", np.asarray(self.high, dtype=float))
        if self.low.shape != self.high.shape or self.low.ndim != 1:
            raise ValueError(
                f"low and high must be 1-D of one length, got {self.low.shape} and "
                f"{self.high.shape}"
            )
        flat = np.nonzero(~(self.high > self.low))[0]
        if flat.size:
            raise ValueError(
                f"high must exceed low for every task; task indices {flat.tolist()} have "
                "a single value, which min-max scaling cannot map to [0, 1]"
            )

    def scale(self, values: np.ndarray, task: np.ndarray) -> np.ndarray:
        """``values`` (finite) of the tasks with indices ``task``, scaled."""
        task = np.asarray(task)
        values = finite("values", np.asarray(values, dtype=float))
        return (values - self.low[task]) / (self.high[task] - self.low[task])

    def unscale(self, scaled: np.ndarray, task: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`scale`: physical units (keV, fm) again; ``scaled`` finite."""
        task = np.asarray(task)
        scaled = finite("scaled", np.asarray(scaled, dtype=float))
        return scaled * (self.high[task] - self.low[task]) + self.low[task]


@dataclass
class MultiTaskData:
    """The tidy dataset, one row per (nucleus, task) with a known value.

    Made by :func:`multitask_data`.

    Args:
        rows: a DataFrame with ``Z, N``, ``task`` (index into ``tasks``), ``value`` (physical
            units, keV or fm) and ``scaled`` (in ``[0, 1]``).
        tasks: the task names.
        scaler: the invertible scaling (:class:`Scaler`).
        weights: float64 ``(len(tasks),)``, the loss weights (:data:`LOSS_WEIGHTS`).

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """

    rows: pd.DataFrame
    tasks: tuple[str, ...]
    scaler: Scaler
    weights: np.ndarray = field(repr=False)

    def tensors(
        self, mask: np.ndarray | None = None, device: torch.device | str = "cpu"
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(z, n, task, scaled)`` tensors of the rows selected by ``mask`` (all if ``None``)."""
        rows = self.rows if mask is None else self.rows[np.asarray(mask)]
        as_long = [
            torch.tensor(rows[c].to_numpy(), dtype=torch.long, device=device)
            for c in ("Z", "N", "task")
        ]
        y = torch.tensor(rows["scaled"].to_numpy(), dtype=torch.float32, device=device)
        return as_long[0], as_long[1], as_long[2], y

    def task_index(self, name: str) -> int:
        """The index of the task ``name``."""
        if name not in self.tasks:
            raise ValueError(
                f"task {name!r} is not in this dataset's tasks {self.tasks}"
            )
        return self.tasks.index(name)


def multitask_data(
    table: pd.DataFrame,
    tasks: tuple[str, ...] = ("binding",),
    min_z: int = 8,
    min_n: int = 8,
    measured_only: bool = True,
) -> MultiTaskData:
    """The tidy multi-task dataset from a NUBASE table (:func:`physml.nuclear.data.load_nubase`).

    Missing values (NaN) are dropped.

    Args:
        table: a NUBASE table with ``Z``, ``N``, ``estimated`` and the tasks' columns (or those
            derived from it: separation energies, Q values, charge radii).
        tasks: names from :data:`TASKS`, ``"binding_per_a"``, the papers' regularisers ``"z"`` and
            ``"n"`` (the numbers themselves), or ``"semf"`` for a ``semf`` column the caller added
            (pseudo-data).
        min_z: the smallest Z kept (the papers' cut is 8).
        min_n: the smallest N kept (the papers' cut is 8).
        measured_only: keep nuclei without NUBASE's ``#`` and compute separation energies and Q
            values among those only, so no derived value uses an estimated mass.

    Returns:
        A :class:`MultiTaskData`.

    Raises:
        TypeError: if ``tasks`` is not a non-empty tuple.
        ValueError: if a task is unknown, repeats or has no column; ``min_z`` or ``min_n`` is
            negative; no nucleus passes the cuts; or a task holds an infinite value or values that
            are all equal (min-max scaling needs a spread), naming it.

    References:
        Nolte et al. 2024; Kitouni thesis, chapter 5 and appendix B.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    if not isinstance(tasks, tuple) or not tasks:
        raise TypeError(f"tasks must be a non-empty tuple of task names, got {tasks!r}")
    unknown = [t for t in tasks if t not in LOSS_WEIGHTS]
    if unknown:
        raise ValueError(
            f"tasks {unknown} are not known; choose from {tuple(LOSS_WEIGHTS)}"
        )
    if len(set(tasks)) != len(tasks):
        raise ValueError(f"tasks must not repeat, got {tasks}")
    positive_int("min_z", min_z, minimum=0)
    positive_int("min_n", min_n, minimum=0)
    if measured_only:
        table = table[~table["estimated"]]
    if any(t in tasks for t in TASKS[2:]):
        table = add_separation_and_q(table)
    if "radius" in tasks:
        table = with_charge_radii(table)
    table = table.assign(z=table["Z"], n=table["N"])
    missing = [t for t in tasks if t not in table]
    if missing:
        raise ValueError(f"the table has no column for tasks {missing}")
    table = table[(table["Z"] >= min_z) & (table["N"] >= min_n)]
    if table.empty:
        raise ValueError(f"no nucleus has Z >= {min_z} and N >= {min_n}")
    parts = []
    for index, name in enumerate(tasks):
        part = table[["Z", "N", name]].dropna().rename(columns={name: "value"})
        finite(f"table[{name!r}]", part["value"].to_numpy(dtype=float))
        part.insert(2, "task", index)
        parts.append(part)
    rows = pd.concat(parts, ignore_index=True)
    values = rows.groupby("task")["value"]
    scaler = Scaler(
        values.min().to_numpy(dtype=float), values.max().to_numpy(dtype=float)
    )
    rows["scaled"] = scaler.scale(rows["value"].to_numpy(), rows["task"].to_numpy())
    weights = np.array([LOSS_WEIGHTS[t] for t in tasks])
    return MultiTaskData(rows, tasks, scaler, weights)


def split_nuclei(data: MultiTaskData, train_fraction: float, seed: int) -> np.ndarray:
    """A boolean mask over ``data.rows``, ``True`` for the training rows.

    The split is by nucleus (all tasks of a nucleus fall on the same side), so a held-out
    nucleus is unseen in every task. The nuclei are put in ``(Z, N)`` order before the seeded
    draw, so the split depends on the set of rows, not on their order.

    Args:
        data: the multi-task dataset (:func:`multitask_data`).
        train_fraction: the probability that a nucleus is in the training set, in ``(0, 1]``.
        seed: seeds the ``numpy.random.default_rng`` of the draw.

    Returns:
        bool ndarray ``(len(data.rows),)``.

    Raises:
        ValueError: if ``train_fraction`` is not in ``(0, 1]``.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    train_fraction = fraction("train_fraction", train_fraction, allow_one=True)
    nuclei = np.unique(data.rows[["Z", "N"]].to_numpy(), axis=0)  # sorted by Z, then N
    rng = np.random.default_rng(seed)
    chosen = rng.random(len(nuclei)) < train_fraction
    train = pd.MultiIndex.from_arrays(nuclei[chosen].T)
    return pd.MultiIndex.from_arrays([data.rows["Z"], data.rows["N"]]).isin(train)


class NucleusNet(nn.Module):
    """The papers' ``BaselineModel``, embeddings of Z, N and the task into a residual MLP.

    The embeddings are concatenated and mapped through ``Linear -> SiLU``, ``depth`` residual
    ReLU blocks and a readout with one output per task, of which the row's task is picked.

    Args:
        n_tasks: number of tasks (readout outputs).
        embed_dim: size of each of the Z, N and task embeddings.
        hidden: width of the residual MLP.
        depth: residual blocks, ``>= 0``.
        embed_std: standard deviation of the normal initial embeddings, ``> 0``.
        generator: a CPU ``torch.Generator`` that draws every initial parameter (torch's default
            initialisation, in the order the layers are built, then the embeddings): the same
            numbers as building the network after seeding torch's default generator with the
            generator's seed. None: torch's default generator.

    Raises:
        ValueError: naming the argument, on a non-positive ``n_tasks``, ``embed_dim``, ``hidden``
            or ``embed_std``, or a negative ``depth``.
        TypeError: if ``generator`` is not a ``torch.Generator`` or None.

    References:
        Nolte et al. 2024; Kitouni thesis, chapter 5 and appendix B.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """

    def __init__(
        self,
        n_tasks: int,
        embed_dim: int,
        hidden: int,
        depth: int = 2,
        embed_std: float = 0.02,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(
                f"generator must be a torch.Generator or None, got {type(generator).__name__}"
            )
        positive_int("n_tasks", n_tasks)
        positive_int("embed_dim", embed_dim)
        positive_int("hidden", hidden)
        positive_int("depth", depth, minimum=0)
        self.z_embed = nn.Embedding(Z_VOCAB, embed_dim)
        self.n_embed = nn.Embedding(N_VOCAB, embed_dim)
        self.task_embed = nn.Embedding(n_tasks, embed_dim)
        self.inp = nn.Linear(3 * embed_dim, hidden)
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.Linear(hidden, hidden),
                nn.ReLU(),
                nn.Linear(hidden, hidden),
                nn.ReLU(),
            )
            for _ in range(depth)
        )
        self.readout = nn.Linear(hidden, n_tasks)
        if generator is not None:
            # torch's default initialisation again, drawn from ``generator`` in the order the
            # layers were built: the same numbers as building them after seeding torch's default
            # generator with the generator's seed
            with torch.no_grad():
                for module in self.modules():
                    if isinstance(module, nn.Embedding):
                        nn.init.normal_(module.weight, generator=generator)
                    elif isinstance(module, nn.Linear):
                        nn.init.kaiming_uniform_(
                            module.weight, a=math.sqrt(5), generator=generator
                        )
                        bound = 1 / math.sqrt(module.in_features)
                        nn.init.uniform_(
                            module.bias, -bound, bound, generator=generator
                        )
        for table in (self.z_embed, self.n_embed, self.task_embed):
            nn.init.normal_(
                table.weight,
                std=positive_number("embed_std", embed_std),
                generator=generator,
            )

    def features(
        self, z: torch.Tensor, n: torch.Tensor, task: torch.Tensor
    ) -> torch.Tensor:
        """The readout's input (the penultimate layer), ``(rows, hidden)``."""
        tokens = torch.cat(
            [self.z_embed(z), self.n_embed(n), self.task_embed(task)], dim=-1
        )
        h = torch.nn.functional.silu(self.inp(tokens))
        for block in self.blocks:
            h = h + block(h)
        return h

    def head(self, h: torch.Tensor, task: torch.Tensor) -> torch.Tensor:
        """The readout of penultimate features ``h`` at each row's task."""
        return self.readout(h).gather(-1, task[:, None])[:, 0]

    def forward(
        self, z: torch.Tensor, n: torch.Tensor, task: torch.Tensor
    ) -> torch.Tensor:
        """Scaled predictions, one per row."""
        return self.head(self.features(z, n, task), task)


@dataclass(frozen=True)
class EmbeddingSettings:
    """The network and optimiser settings of one :func:`train` run.

    Args:
        embed_dim: size of each of the Z, N and task embeddings.
        hidden: width of the residual MLP.
        depth: residual blocks, ``>= 0``.
        steps: AdamW steps.
        lr: AdamW learning rate, ``> 0``.
        weight_decay: AdamW weight decay, ``>= 0``.
        batch_fraction: share of the training rows per step, in ``(0, 1]`` (1: full batch; the
            papers use 0.2).
        cosine: anneal the learning rate to 0 over ``steps`` (cosine), else constant.
        embed_std: standard deviation of the normal initial embeddings, ``> 0``.

    Raises:
        ValueError: naming the field, on a non-positive ``embed_dim``, ``hidden``, ``steps``,
            ``lr`` or ``embed_std``, a negative ``depth`` or ``weight_decay``, or a
            ``batch_fraction`` outside ``(0, 1]``.
        TypeError: if ``cosine`` is not a bool.

    References:
        Nolte et al. 2024; Kitouni thesis, chapter 5 and appendix B (the papers' settings).

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """

    embed_dim: int
    hidden: int
    depth: int
    steps: int
    lr: float
    weight_decay: float
    batch_fraction: float = 1.0
    cosine: bool = False
    embed_std: float = 0.02

    def __post_init__(self) -> None:
        positive_int("embed_dim", self.embed_dim)
        positive_int("hidden", self.hidden)
        positive_int("depth", self.depth, minimum=0)
        positive_int("steps", self.steps)
        positive_number("lr", self.lr)
        non_negative_number("weight_decay", self.weight_decay)
        fraction("batch_fraction", self.batch_fraction)
        if not isinstance(self.cosine, bool):
            raise TypeError(f"cosine must be a bool, got {type(self.cosine).__name__}")
        positive_number("embed_std", self.embed_std)


def train(
    data: MultiTaskData,
    train_mask: np.ndarray,
    settings: EmbeddingSettings,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
) -> tuple[NucleusNet, History]:
    """Build a :class:`NucleusNet` and train it on the rows in ``train_mask``.

    AdamW on the task-weighted MSE (:data:`LOSS_WEIGHTS`, normalised to mean 1 over the tasks) of
    the scaled targets, on ``settings.batch_fraction`` of the training rows per step.

    Args:
        data: the multi-task dataset (:func:`multitask_data`).
        train_mask: bool ``(len(data.rows),)``, the training rows.
        settings: network size and optimiser settings (:class:`EmbeddingSettings`).
        generator: a CPU ``torch.Generator`` that draws the initial network
            (:class:`NucleusNet`), then the minibatches; None: torch's default generator.
        device: where to train the network (it is built on the CPU and moved there).

    Returns:
        The pair ``(model, history)``, the trained network in evaluation mode and a
        :class:`physml.train.History` whose ``loss`` ``(steps,)`` is the weighted MSE per step
        in scaled units (no series).

    Raises:
        TypeError: if ``settings`` is not a :class:`EmbeddingSettings`.
        ValueError: if ``train_mask`` selects no rows.

    References:
        Nolte et al. 2024; Kitouni thesis, chapter 5 and appendix B.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    if not isinstance(settings, EmbeddingSettings):
        raise TypeError(
            f"settings must be an embedding.EmbeddingSettings, got {type(settings).__name__}"
        )
    s = settings
    steps = s.steps
    model = NucleusNet(
        len(data.tasks),
        s.embed_dim,
        s.hidden,
        s.depth,
        s.embed_std,
        generator=generator,
    ).to(device)
    z, n, task, y = data.tensors(train_mask, device)
    if len(y) == 0:
        raise ValueError("train_mask selects no rows")
    w = torch.as_tensor(
        data.weights / data.weights.mean(), dtype=torch.float32, device=device
    )[task]
    opt = torch.optim.AdamW(model.parameters(), lr=s.lr, weight_decay=s.weight_decay)
    schedule = (
        torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps) if s.cosine else None
    )
    batch = max(1, int(s.batch_fraction * len(y)))
    losses = np.empty(steps)
    for step in tqdm(
        range(steps), disable=not progress_enabled(), desc="nuclei", leave=False
    ):
        if batch < len(y):
            idx = torch.randperm(len(y), generator=generator)[:batch].to(device)
            loss = (w[idx] * (model(z[idx], n[idx], task[idx]) - y[idx]) ** 2).mean()
        else:
            loss = (w * (model(z, n, task) - y) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if schedule is not None:
            schedule.step()
        losses[step] = loss.item()
    return model.eval(), History(steps=steps, loss=losses)


@torch.no_grad()
def predict(
    model: NucleusNet, data: MultiTaskData, mask: np.ndarray | None = None
) -> np.ndarray:
    """Predictions in physical units (keV, fm) for the rows in ``mask``.

    Args:
        model: a trained :class:`NucleusNet`.
        data: the multi-task dataset (:func:`multitask_data`).
        mask: bool ``(len(data.rows),)``, the rows to predict; None: all.

    Returns:
        float64 ndarray ``(rows,)`` in each row's task's units (keV or fm).

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    device = next(model.parameters()).device
    z, n, task, _ = data.tensors(mask, device)
    return data.scaler.unscale(model(z, n, task).cpu().numpy(), task.cpu().numpy())


def rms_by_task(
    model: NucleusNet, data: MultiTaskData, mask: np.ndarray
) -> dict[str, float]:
    """RMS error in physical units per task over the rows in ``mask``.

    Args:
        model: a trained :class:`NucleusNet`.
        data: the multi-task dataset (:func:`multitask_data`).
        mask: bool ``(len(data.rows),)``, the rows to score.

    Returns:
        A dict from task name to its RMS error (keV or fm), for the tasks with a row in ``mask``.

    Used in:
        - :doc:`/book/nuclear/nuclear-embeddings`
    """
    rows = data.rows[np.asarray(mask)]
    residual = predict(model, data, mask) - rows["value"].to_numpy()
    task = rows["task"].to_numpy()
    return {
        name: float(np.sqrt(np.mean(residual[task == i] ** 2)))
        for i, name in enumerate(data.tasks)
        if (task == i).any()
    }
