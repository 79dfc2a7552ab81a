"""The 1-D toys of the thesis's section 2.3 and the loss study of section 2.5, generated in code.

- :func:`sine_with_outlier`: y = sin x with small noise and one point shifted far off (Fig. 2.1;
  the thesis's "unit variance" outlier is realised as a fixed shift, so every seed sees it).
- :func:`log_with_gap`: y = log x with noise growing in x, and a gap in the training data at the
  top (extrapolation) or in the middle (interpolation) (Fig. 2.2).
- :func:`slopes`: finite-difference slopes of a 1-D model on a grid, the exact check of the bounds.

Used by :doc:`/book/trustworthy/monotonic-lipschitz-trigger`.
"""

from __future__ import annotations

import copy
import math

import torch

from physml import train
from physml._checks import finite, positive_int


def sine_with_outlier(
    n: int = 30,
    shift: float = 1.0,
    noise: float = 0.01,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """``n`` points on [0, 2π], y = sin x + noise·ε, the middle one shifted by ``shift``.

    Args:
        n: the number of points (>= 3).
        shift: the outlier's displacement, finite.
        noise: the Gaussian noise width (>= 0).
        generator: a CPU ``torch.Generator``; ``None`` for the global one.

    Returns:
        ``(x, y, index of the outlier)``, x and y float32 of shape ``(n,)``.

    Raises:
        ValueError: on a bad ``n``, a non-finite shift or a negative or non-finite noise.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`
    """
    positive_int("n", n, minimum=3)
    finite("shift", shift)
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    x = torch.linspace(0, 2 * math.pi, n)
    y = torch.sin(x) + noise * torch.randn(n, generator=generator)
    out = n // 2
    y[out] += shift
    return x, y, out


def log_with_gap(
    n: int = 40, gap: str = "extrapolation", generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Training points of y = log x + ε on [0.1, 7] with σ(x) = 0.05 + 0.1 x, a region left out.

    Args:
        n: at most this many points (>= 4); fewer when the draws left in the region fall short.
        gap: ``"extrapolation"`` keeps only x < 5; ``"interpolation"`` leaves out 2.5 < x < 4.5.
        generator: a CPU ``torch.Generator``; ``None`` for the global one.

    Returns:
        ``(x, y)``, float32 of the same shape.

    Raises:
        ValueError: on an unknown gap or a bad ``n``.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`
    """
    if gap not in ("extrapolation", "interpolation"):
        raise ValueError(f"gap must be 'extrapolation' or 'interpolation', got {gap!r}")
    positive_int("n", n, minimum=4)
    x = 0.1 + 6.9 * torch.rand(4 * n, generator=generator)
    keep = x < 5 if gap == "extrapolation" else (x < 2.5) | (x > 4.5)
    x = x[keep][:n]
    y = torch.log(x) + (0.05 + 0.1 * x) * torch.randn(x.shape[0], generator=generator)
    return x, y


def in_float64(model: torch.nn.Module) -> torch.nn.Module:
    """A float64 copy of a model on the CPU, for checking exact guarantees to floating point.

    In float32, finite differences of outputs of order 10 carry rounding errors of order 1e-5,
    enough to fake a negative slope where a monotone network's slope is exactly zero.

    Args:
        model: any module.

    Returns:
        A deep copy in float64, on the CPU, in eval mode (the original is untouched).

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`
    """
    return copy.deepcopy(model).cpu().double().eval()


def slopes(model: torch.nn.Module, lo: float, hi: float, n: int = 1000) -> torch.Tensor:
    """Finite-difference slopes of a model of one input on ``n`` grid points in [lo, hi] (float64).

    Args:
        model: maps ``(m, 1)`` inputs to m outputs; evaluated in float64 (:func:`in_float64`).
        lo: the grid's start, finite.
        hi: its end, finite, > lo.
        n: grid points.

    Returns:
        The slopes, shape ``(n - 1,)``, float64.

    Raises:
        ValueError: if ``lo`` or ``hi`` is not finite or ``hi <= lo``.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    Examples:
        >>> line = torch.nn.Linear(1, 1)
        >>> with torch.no_grad():
        ...     _ = line.weight.fill_(2.0)
        >>> [round(s, 6) for s in slopes(line, 0.0, 1.0, n=5).tolist()]
        [2.0, 2.0, 2.0, 2.0]
    """
    finite("lo", lo)
    finite("hi", hi)
    if not hi > lo:
        raise ValueError(f"need hi > lo, got lo={lo}, hi={hi}")
    grid = torch.linspace(lo, hi, n, dtype=torch.float64)
    with torch.no_grad():
        f = in_float64(model)(grid[:, None]).reshape(-1)
    return torch.diff(f) / torch.diff(grid)


def flower(
    n_per_ring: int = 200,
    radii: tuple[float, ...] = (1.2, 1.5, 1.8),
    labels: tuple[float, ...] = (0.0, 0.5, 1.0),
    alpha: float = 0.18,
    petals: int = 8,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Points on three nested flower-shaped rings ρ(θ) = r + α cos(petals·θ) with a value per ring.

    The expressiveness target of Fig. 2.3 (the thesis gives r = 1.5 and α = 0.18 but not the
    number of petals).

    Args:
        n_per_ring: points per ring (>= 3).
        radii: the rings' mean radii r.
        labels: the value of each ring.
        alpha: the petals' amplitude α.
        petals: the number of petals.

    Returns:
        ``(points, values)`` of shapes ``(rings * n, 2)`` and ``(rings * n,)``.

    Raises:
        ValueError: on a bad ``n_per_ring`` or radii and labels of different lengths.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    References:
        Kitouni thesis, Fig. 2.3.
    """
    positive_int("n_per_ring", n_per_ring, minimum=3)
    if len(radii) != len(labels):
        raise ValueError("radii and labels must have the same length")
    theta = torch.linspace(0, 2 * math.pi, n_per_ring + 1)[:-1]
    pts, vals = [], []
    for r, v in zip(radii, labels):
        rho = r + alpha * torch.cos(petals * theta)
        pts.append(
            torch.stack([rho * torch.cos(theta), rho * torch.sin(theta)], dim=-1)
        )
        vals.append(torch.full((n_per_ring,), float(v)))
    return torch.cat(pts), torch.cat(vals)


def classifier_loss(name: str):
    """A loss ``loss(score, label01)`` of the thesis's study of losses for Lipschitz classifiers.

    Args:
        name: ``"mse"`` (score against ±1), ``"bce"``, ``"bce_t16"`` (BCE of 16·score, a
            temperature, eq. 2.13), ``"hinge"`` (margin 1) or ``"hinge_0.1"`` (margin 0.1).

    Returns:
        ``loss(score, label01)``, the batch mean as a 0-d tensor.

    Raises:
        ValueError: on an unknown name.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    References:
        Kitouni thesis, eq. 2.13.

    Examples:
        >>> classifier_loss("hinge")(torch.tensor([2.0, -0.5]), torch.tensor([1.0, 0.0])).item()
        0.25
    """
    import torch.nn.functional as F

    losses = {
        "mse": lambda f, y: torch.mean((f - (2 * y - 1)) ** 2),
        "bce": lambda f, y: F.binary_cross_entropy_with_logits(f, y),
        "bce_t16": lambda f, y: F.binary_cross_entropy_with_logits(16 * f, y),
        "hinge": lambda f, y: torch.mean(F.relu(1 - (2 * y - 1) * f)),
        "hinge_0.1": lambda f, y: torch.mean(F.relu(0.1 - (2 * y - 1) * f)),
    }
    if name not in losses:
        raise ValueError(f"name must be one of {sorted(losses)}, got {name!r}")
    return losses[name]


def grid_steps(
    score, lo: tuple[float, float], hi: tuple[float, float], n: int = 200
) -> tuple[torch.Tensor, torch.Tensor]:
    """Finite-difference slopes of a 2-input score along each axis on an n x n grid.

    Args:
        score: maps an ``(m, 2)`` float64 tensor to m scores; for an exact check of a network,
            evaluate it in float64 (:func:`in_float64`).
        lo: the grid's lower corner, finite.
        hi: its upper corner, finite.
        n: grid points per axis (>= 2).

    Returns:
        ``(slopes along x0, slopes along x1)``, float64 of shapes ``(n - 1, n)`` and ``(n, n - 1)``.

    Raises:
        ValueError: if ``n`` < 2 or a corner is not finite.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`
    """
    if n < 2:
        raise ValueError(f"n must be >= 2, got {n}")
    finite("lo", lo)
    finite("hi", hi)
    a = torch.linspace(lo[0], hi[0], n, dtype=torch.float64)
    b = torch.linspace(lo[1], hi[1], n, dtype=torch.float64)
    ga, gb = torch.meshgrid(a, b, indexing="ij")
    with torch.no_grad():
        s = (
            torch.as_tensor(score(torch.stack([ga.reshape(-1), gb.reshape(-1)], -1)))
            .double()
            .reshape(n, n)
        )
    return torch.diff(s, dim=0) / (a[1] - a[0]).item(), torch.diff(s, dim=1) / (
        b[1] - b[0]
    ).item()


def fit_1d(
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    steps: int,
    lr: float,
    generator: torch.Generator | None = None,
) -> train.History:
    """Full-batch MSE fit of a 1-D regression (Adam, no schedule, on the CPU), in place.

    Runs :func:`physml.train.fit` over all points every step.

    Args:
        model: maps ``(n, 1)`` inputs to ``(n, 1)``, or a :class:`physml.nn.EnsembleMLP` taking
            ``(members, n, 1)``.
        x: the inputs, shape ``(n,)``, or ``(members, n)`` (one data realisation per member).
        y: the targets, the shape of ``x``.
        steps: optimiser steps.
        lr: Adam's learning rate.
        generator: a CPU ``torch.Generator``, as in :func:`physml.train.fit`.

    Returns:
        The :class:`physml.train.History` of the training (the loss summed over the members
        of an ensemble); ``model`` is trained in place.

    Raises:
        ValueError: on shapes that differ or are not 1-D or 2-D, or NaN or inf in ``x`` or ``y``
            (checked once, before training).

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`
    """
    if x.shape != y.shape or x.ndim not in (1, 2):
        raise ValueError(
            f"x and y must share a shape (n,) or (members, n), got {tuple(x.shape)}, {tuple(y.shape)}"
        )
    finite("x", x)
    finite("y", y)
    n = x.shape[-1]
    xb, yb = x[..., None], y

    def objective(m, idx):
        pred = m(xb[..., idx, :]).reshape(yb[..., idx].shape)
        per_member = ((pred - yb[..., idx]) ** 2).mean(dim=-1)
        return per_member.sum()  # members are independent: each sees its own mean loss

    return train.fit(
        model,
        objective,
        (torch.arange(n),),
        steps=steps,
        batch_size=n,
        lr=lr,
        schedule=None,
        generator=generator,
        device="cpu",
        desc="1-D fit",
    )
