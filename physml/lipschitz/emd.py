"""NEEMo: the energy mover's distance from a Lipschitz potential, and shapes fitted by it (thesis ch. 4).

The energy mover's distance (EMD, the Wasserstein-1 distance with the Euclidean ground metric) between
a particle set Q = {(E_i, x_i)} and a weighted point set P_θ = {(w_j, y_j(θ))} (weights normalised to a
total of one) is, by the Kantorovich-Rubinstein duality (eqs. 4.5-4.6 of the thesis),

    EMD(P_θ, Q) = max over 1-Lipschitz f of  Σ_i E_i f(x_i) - Σ_j w_j f(y_j(θ)).

NEEMo takes f to be a network that is 1-Lipschitz in the ℓ2 norm by construction (eq. 4.3: the first
layer's ℓ2 → ℓ∞ norm and every later layer's ℓ∞ norm at most one, GroupSort activations), so every
trained potential gives a *lower* bound on the EMD, exact up to rounding; training it pushes the
bound up to the EMD. Minimising the same objective over θ (eq. 4.7) fits the shape: the
potential's gradient is the force on the shape's points.

- :class:`LipschitzPotentials`: ``n_members`` independent potentials run as one batched program
  (the restarts of a fit, or several problems at once), weights normalised with
  :func:`physml.lipschitz.layers.normalise`.
- :func:`dual_emd`, :func:`train_potentials`: the dual objective and its maximisation.
- :func:`fit_shapes`: the min-max fit of eq. 4.7, every restart in the batch.
- shapes: :func:`circles`, :func:`ellipse`, :func:`triangle`, :func:`triangle_and_ellipse`,
  :func:`subjet_centres` (parameters -> points and weights, differentiable).
- toy events: :func:`circle_scene`, :func:`triangle_ellipse_scene`, :func:`toy_jets`.
- references: :func:`exact_emd` (the exact discrete EMD of the ``pot`` package, ``ot.emd2``) and
  :func:`centre_error` (the Hungarian match of fitted to true centres, scipy).

Used in:
    - :doc:`/book/trustworthy/the-energy-movers-distance-learned`

References:
    Kitouni 2024 (thesis), ch. 4; Kitouni, Nolte, Williams, "Finding NEEMo" (NeurIPS 2022 ML4PS
    workshop, arXiv:2209.15624).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from physml._checks import positive_int, positive_number
from physml.lipschitz.layers import GroupSort, normalise
from physml.train import History

__all__ = [
    "LipschitzPotentials",
    "NeemoSettings",
    "ShapeFit",
    "dual_emd",
    "train_potentials",
    "fit_shapes",
    "circles",
    "ellipse",
    "triangle",
    "triangle_and_ellipse",
    "subjet_centres",
    "circle_scene",
    "triangle_ellipse_scene",
    "toy_jets",
    "exact_emd",
    "centre_error",
]

Shape = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


class LipschitzPotentials(nn.Module):
    """``n_members`` independent potentials f: R^n_in -> R, each 1-Lipschitz in ℓ2 (eq. 4.3).

    Layer 1 is normalised per row to a Euclidean norm <= 1 (ℓ2 -> ℓ∞, kind ``"two-inf"``), every
    later layer per row to an absolute sum <= 1 (ℓ∞ -> ℓ∞, kind ``"inf"``), with GroupSort between
    them: ``|f(x) - f(y)| <= ||x - y||_2`` for every member. ``constrained=False`` is the unconstrained
    twin (same layers, no normalisation), whose dual objective is unbounded.

    Args:
        n_members: independent potentials (the batch of problems).
        n_in: input dimension (2 for points in a plane).
        widths: hidden widths, each a positive multiple of ``group_size``.
        group_size: GroupSort's group size.
        constrained: normalise the weights.
        generator: the CPU generator for the initialisation (None: torch's default).

    Raises:
        ValueError: on a bad size or width.

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`

    References:
        Kitouni thesis, eq. 4.3 (after Anil, Lucas, Grosse 2019 for GroupSort).
    """

    def __init__(
        self,
        n_members: int,
        n_in: int = 2,
        widths: Sequence[int] = (64, 64, 64),
        group_size: int = 2,
        constrained: bool = True,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        positive_int("n_members", n_members)
        positive_int("n_in", n_in)
        positive_int("group_size", group_size)
        if not widths or any(
            not isinstance(w, int) or w < 1 or w % group_size for w in widths
        ):
            raise ValueError(
                f"widths must be positive ints divisible by group_size={group_size}, got {widths!r}"
            )
        sizes = [n_in, *widths, 1]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for a, b in zip(sizes[:-1], sizes[1:]):
            bound = 1.0 / math.sqrt(a)
            w = (torch.rand(n_members, b, a, generator=generator) * 2 - 1) * bound
            c = (torch.rand(n_members, b, generator=generator) * 2 - 1) * bound
            self.weights.append(nn.Parameter(w))
            self.biases.append(nn.Parameter(c))
        self.kinds = ["two-inf"] + ["inf"] * len(widths)
        self.act = GroupSort(group_size)
        self.n_members, self.n_in, self.constrained = n_members, n_in, constrained

    def normalised_weights(self) -> list[torch.Tensor]:
        """The weights as used, ``(n_members, out, in)`` each (normalised when constrained)."""
        if not self.constrained:
            return list(self.weights)
        return [
            torch.vmap(lambda w, k=kind: normalise(w, k, 1.0))(w)
            for w, kind in zip(self.weights, self.kinds)
        ]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x ``(n_members, n, n_in)`` -> f(x) ``(n_members, n)``. Shape checked; NaN propagates."""
        if x.ndim != 3 or x.shape[0] != self.n_members or x.shape[2] != self.n_in:
            raise ValueError(
                f"x must have shape ({self.n_members}, n, {self.n_in}), got {tuple(x.shape)}"
            )
        h = x
        ws = self.normalised_weights()
        for i, (w, b) in enumerate(zip(ws, self.biases)):
            h = torch.baddbmm(b[:, None, :], h, w.transpose(1, 2))
            if i < len(ws) - 1:
                h = self.act(h)
        return h.squeeze(-1)


def _as_batch(
    name: str, x: torch.Tensor, w: torch.Tensor, n_members: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Points ``(n, d)`` or ``(R, n, d)`` and weights ``(n,)``/``(R, n)`` -> batched, weights summing to 1."""
    if not isinstance(x, torch.Tensor) or not isinstance(w, torch.Tensor):
        raise TypeError(f"{name} points and weights must be torch tensors")
    if x.ndim == 2:
        x = x[None]
    if w.ndim == 1:
        w = w[None]
    if x.ndim != 3 or w.ndim != 2 or w.shape[-1] != x.shape[1]:
        raise ValueError(
            f"{name}: points must be (R, n, d) and weights (R, n), got {tuple(x.shape)} and "
            f"{tuple(w.shape)}"
        )
    if not bool(torch.isfinite(x).all()) or not bool(torch.isfinite(w).all()):
        raise ValueError(f"{name} holds NaN or infinity")
    if bool((w < 0).any()):
        raise ValueError(f"{name} weights must be non-negative")
    total = w.sum(-1, keepdim=True)
    if bool((total <= 0).any()):
        raise ValueError(f"{name} weights must have a positive total")
    if n_members is not None:
        x = x.expand(n_members, *x.shape[1:])
        w = w.expand(n_members, w.shape[-1])
    return x, w / total


def dual_emd(
    potential: LipschitzPotentials,
    x: torch.Tensor,
    e: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
) -> torch.Tensor:
    """The dual objective Σ_i E_i f(x_i) - Σ_j w_j f(y_j) of eq. 4.6, one value per member.

    For a 1-Lipschitz f (a constrained :class:`LipschitzPotentials`) it is a lower bound on the EMD.

    Args:
        potential: the potentials, ``n_members`` of them.
        x: the particles' positions ``(R, n, d)`` (or unbatched ``(n, d)``, broadcast).
        e: their energies ``(R, n)`` or ``(n,)``, normalised to a total of one.
        y: the shape's points ``(R, m, d)`` (or unbatched).
        w: the shape's weights ``(R, m)`` or ``(m,)``, normalised too.

    Returns:
        ``(R,)``, in the units of the coordinates.

    Raises:
        TypeError, ValueError: on non-tensors, wrong shapes, NaN or infinity, negative weights or a
            zero total.

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`

    References:
        Kitouni thesis, eq. 4.6.
    """
    r = potential.n_members
    x, e = _as_batch("x", x, e, r)
    y, w = _as_batch("y", y, w, r)
    return (e * potential(x)).sum(-1) - (w * potential(y)).sum(-1)


def train_potentials(
    potential: LipschitzPotentials,
    x: torch.Tensor,
    e: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
    steps: int = 1_000,
    lr: float = 3e-3,
) -> History:
    """Maximise the dual objective over the potentials (Adam, full batch): the EMD estimate.

    Args:
        potential: trained in place, ``n_members`` problems at once.
        x: particle positions, as in :func:`dual_emd` (fixed during training).
        e: particle energies.
        y: the shape's points.
        w: the shape's weights.
        steps: Adam steps.
        lr: Adam's learning rate.

    Returns:
        A :class:`physml.train.History` with ``loss``, the negative mean dual per step, and the
        series ``"emd"`` ``(steps + 1, R)``, the dual estimate before each step and after the last.

    Raises:
        TypeError, ValueError: on bad data (see :func:`dual_emd`) or a non-positive ``steps``/``lr``.

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`
    """
    positive_int("steps", steps)
    positive_number("lr", lr)
    r = potential.n_members
    x, e = _as_batch("x", x, e, r)
    y, w = _as_batch("y", y, w, r)
    opt = torch.optim.Adam(potential.parameters(), lr=lr)
    trace = torch.empty(steps + 1, r)
    for step in range(steps):
        value = (e * potential(x)).sum(-1) - (w * potential(y)).sum(-1)
        trace[step] = value.detach()
        opt.zero_grad()
        (-value.sum()).backward()
        opt.step()
    with torch.no_grad():
        trace[steps] = dual_emd(potential, x, e, y, w)
    emd = trace.cpu().numpy()
    return History(
        steps=steps,
        loss=-emd[:-1].mean(-1),
        eval_steps=np.arange(steps + 1),
        series={"emd": emd},
    )


@dataclass(frozen=True)
class NeemoSettings:
    """The hyperparameters of the min-max fit of eq. 4.7 (:func:`fit_shapes`).

    Args:
        steps: shape steps (Adam on θ).
        critic_steps: potential steps (Adam on φ) before each shape step.
        warmup_steps: potential steps before the first shape step.
        final_steps: potential steps after the last shape step, with θ fixed (the final estimate).
        lr_shape: Adam's learning rate for θ.
        lr_critic: Adam's learning rate for φ.
        widths: the potential's hidden widths (multiples of ``group_size``).
        group_size: GroupSort's group size.
        record_every: shape steps between recorded snapshots of θ and the dual.

    Raises:
        ValueError: naming a field that is not a positive int (steps, widths) or positive number.

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`
    """

    steps: int = 400
    critic_steps: int = 5
    warmup_steps: int = 300
    final_steps: int = 300
    lr_shape: float = 1e-2
    lr_critic: float = 3e-3
    widths: tuple[int, ...] = (64, 64, 64)
    group_size: int = 8
    record_every: int = 20

    def __post_init__(self) -> None:
        for name in ("steps", "critic_steps", "warmup_steps", "final_steps"):
            positive_int(name, getattr(self, name))
        positive_int("record_every", self.record_every)
        positive_int("group_size", self.group_size)
        positive_number("lr_shape", self.lr_shape)
        positive_number("lr_critic", self.lr_critic)
        if not self.widths or any(
            not isinstance(v, int) or v < 1 or v % self.group_size for v in self.widths
        ):
            raise ValueError(
                f"widths must be positive multiples of group_size, got {self.widths!r}"
            )


@dataclass(frozen=True)
class ShapeFit:
    """The result of :func:`fit_shapes`.

    Args:
        params: the fitted shape parameters, ``(R, ...)`` (detached).
        emd: the final dual estimate per member, ``(R,)`` (after ``final_steps`` potential steps).
        potential: the trained potentials (for the heat maps of the figures).
        history: ``loss``, the mean dual per shape step, and the series ``"emd"``
            ``(n_evals, R)`` and ``"params"`` ``(n_evals, R, ...)`` at every ``record_every``-th
            shape step.

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`
    """

    params: torch.Tensor
    emd: torch.Tensor
    potential: LipschitzPotentials
    history: History = field(repr=False)


def fit_shapes(
    x: torch.Tensor,
    e: torch.Tensor,
    shape: Shape,
    init: torch.Tensor,
    settings: NeemoSettings = NeemoSettings(),
    constrained: bool = True,
    generator: torch.Generator | None = None,
) -> ShapeFit:
    """Fit ``R`` parametrised shapes to the particles at once: min over θ of max over φ (eq. 4.7).

    The restarts (or separate problems) are the batch: member r has its own θ_r (row r of
    ``init``), its own potential, and, if ``x`` is batched, its own event. Alternates
    ``critic_steps`` Adam steps on the potentials with one Adam step on θ.

    Args:
        x: the particles' positions ``(n, d)`` or ``(R, n, d)``.
        e: their energies ``(n,)`` or ``(R, n)``.
        shape: θ ``(R, ...)`` -> (points ``(R, m, d)``, weights ``(R, m)``), differentiable in θ
            (e.g. ``functools.partial(circles, points_per_circle=60)``).
        init: the starting parameters ``(R, ...)``.
        settings: a :class:`NeemoSettings`.
        constrained: ``False`` trains an unconstrained potential (a broken variant).
        generator: for the potentials' initialisation.

    Returns:
        A :class:`ShapeFit`.

    Raises:
        TypeError: if ``settings`` is not a :class:`NeemoSettings` or ``init`` not a tensor.
        ValueError: on bad particles (see :func:`dual_emd`) or a shape whose output does not match.

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`

    References:
        Kitouni thesis, eqs. 4.6-4.7 and Fig. 4.2.
    """
    if not isinstance(settings, NeemoSettings):
        raise TypeError("settings must be a NeemoSettings")
    if not isinstance(init, torch.Tensor) or init.ndim < 2:
        raise TypeError("init must be a tensor of shape (R, ...)")
    r = init.shape[0]
    x, e = _as_batch("x", x, e, r)
    theta = init.detach().clone().to(x.dtype).requires_grad_(True)
    y0, w0 = shape(theta)
    _as_batch("shape", y0.detach(), w0.detach())
    if y0.shape[0] != r or y0.shape[-1] != x.shape[-1]:
        raise ValueError(
            f"shape returned points {tuple(y0.shape)}, expected ({r}, m, {x.shape[-1]})"
        )
    potential = LipschitzPotentials(
        r,
        x.shape[-1],
        settings.widths,
        settings.group_size,
        constrained=constrained,
        generator=generator,
    )
    opt_f = torch.optim.Adam(potential.parameters(), lr=settings.lr_critic)
    opt_t = torch.optim.Adam([theta], lr=settings.lr_shape)

    def objective() -> torch.Tensor:
        y, w = shape(theta)
        w = w / w.sum(-1, keepdim=True)
        return (e * potential(x)).sum(-1) - (w * potential(y)).sum(-1)

    def critic(n: int) -> None:
        for _ in range(n):
            value = objective()
            opt_f.zero_grad()
            (-value.sum()).backward()
            opt_f.step()

    critic(settings.warmup_steps)
    loss, rec_steps, rec_emd, rec_params = [], [], [], []
    for step in range(settings.steps):
        critic(settings.critic_steps)
        value = objective()
        if step % settings.record_every == 0:
            rec_steps.append(step)
            rec_emd.append(value.detach().clone())
            rec_params.append(theta.detach().clone())
        loss.append(float(value.detach().mean()))
        opt_t.zero_grad()
        value.sum().backward()
        opt_t.step()
    critic(settings.final_steps)
    with torch.no_grad():
        final = objective()
    rec_steps.append(settings.steps)
    rec_emd.append(final.clone())
    rec_params.append(theta.detach().clone())
    history = History(
        steps=settings.steps,
        loss=np.asarray(loss),
        eval_steps=np.asarray(rec_steps),
        series={
            "emd": torch.stack(rec_emd).cpu().numpy(),
            "params": torch.stack(rec_params).cpu().numpy(),
        },
    )
    return ShapeFit(theta.detach(), final.detach(), potential, history)


# ---------------------------------------------------------------------------------------------
# Shapes: parameters -> (points, weights), differentiable


def _check_params(
    name: str, params: torch.Tensor, tail: tuple[int | None, ...]
) -> None:
    if not isinstance(params, torch.Tensor):
        raise TypeError(f"{name} must be a torch tensor")
    if params.ndim != 1 + len(tail) or any(
        t is not None and s != t for s, t in zip(params.shape[1:], tail)
    ):
        want = ", ".join("k" if t is None else str(t) for t in tail)
        raise ValueError(
            f"{name} must have shape (R, {want}), got {tuple(params.shape)}"
        )


def circles(
    params: torch.Tensor, points_per_circle: int = 60, radius_scale: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Circles as evenly spaced points on their perimeters, each circle one equal share of mass.

    Args:
        params: ``(R, C, 3)``: centre x, centre y, and ρ, the radius over ``radius_scale`` (a
            negative radius gives the same circle).
        points_per_circle: points per perimeter.
        radius_scale: r = radius_scale · ρ. A scale below one makes an optimiser (Adam, whose
            steps do not depend on the gradient's scale) move the radii that much slower than the
            centres.

    Returns:
        points ``(R, C * points_per_circle, 2)`` and weights ``(R, C * points_per_circle)`` (sum 1).

    Raises:
        TypeError, ValueError: on a non-tensor or wrong shape, a non-positive point count.

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`

    Examples:
        >>> y, w = circles(torch.tensor([[[0.0, 0.0, 1.0]]]), points_per_circle=4)
        >>> y.round(decimals=3).abs().tolist()[0][:2], float(w.sum())
        ([[0.707, 0.707], [0.707, 0.707]], 1.0)
    """
    _check_params("params", params, (None, 3))
    n = positive_int("points_per_circle", points_per_circle)
    positive_number("radius_scale", radius_scale)
    t = 2 * math.pi * (torch.arange(n, dtype=params.dtype) + 0.5) / n
    ring = torch.stack([t.cos(), t.sin()], -1)  # (n, 2)
    pts = (
        params[..., None, :2] + radius_scale * params[..., None, 2:3] * ring
    )  # (R, C, n, 2)
    r, c = params.shape[:2]
    pts = pts.reshape(r, c * n, 2)
    return pts, torch.full((r, c * n), 1.0 / (c * n), dtype=params.dtype)


def ellipse(
    params: torch.Tensor, n_points: int = 80
) -> tuple[torch.Tensor, torch.Tensor]:
    """An ellipse with uniform mass per length, as weighted points on its perimeter.

    The points sit at evenly spaced parameter angles t, weighted by the speed
    ``|dr/dt| = sqrt(a² sin² t + b² cos² t)``.

    Args:
        params: ``(R, 5)``: centre x, centre y, semi-axes a and b, rotation angle (radians).
        n_points: points on the perimeter.

    Returns:
        points ``(R, n_points, 2)``, weights ``(R, n_points)`` summing to 1.

    Raises:
        TypeError, ValueError: on a non-tensor or wrong shape, a non-positive point count.

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`
    """
    _check_params("params", params, (5,))
    n = positive_int("n_points", n_points)
    t = 2 * math.pi * (torch.arange(n, dtype=params.dtype) + 0.5) / n
    cx, cy, a, b, ang = (params[:, i : i + 1] for i in range(5))
    u, v = a * t.cos(), b * t.sin()
    px = cx + u * ang.cos() - v * ang.sin()
    py = cy + u * ang.sin() + v * ang.cos()
    speed = torch.sqrt((a * t.sin()) ** 2 + (b * t.cos()) ** 2 + 1e-12)
    return torch.stack([px, py], -1), speed / speed.sum(-1, keepdim=True)


def triangle(
    params: torch.Tensor, n_points: int = 60
) -> tuple[torch.Tensor, torch.Tensor]:
    """A triangle's perimeter with uniform mass per length, as weighted points.

    ``n_points // 3`` evenly spaced points per edge, weighted by the edge's length.

    Args:
        params: ``(R, 6)``: the vertices (x1, y1, x2, y2, x3, y3).
        n_points: points on the perimeter (at least 3).

    Returns:
        points ``(R, 3 * (n_points // 3), 2)``, weights summing to 1.

    Raises:
        TypeError, ValueError: on a non-tensor or wrong shape, fewer than 3 points.

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`
    """
    _check_params("params", params, (6,))
    k = positive_int("n_points", n_points, minimum=3) // 3
    v = params.reshape(-1, 3, 2)
    start, end = v, v.roll(-1, dims=1)  # (R, 3, 2)
    s = (torch.arange(k, dtype=params.dtype) + 0.5) / k
    pts = start[:, :, None] + s[:, None] * (end - start)[:, :, None]  # (R, 3, k, 2)
    length = (end - start).norm(dim=-1) + 1e-12  # (R, 3)
    w = (length[:, :, None] / k).expand(-1, -1, k)
    w = w.reshape(v.shape[0], 3 * k)
    return pts.reshape(v.shape[0], 3 * k, 2), w / w.sum(-1, keepdim=True)


def triangle_and_ellipse(
    params: torch.Tensor, n_points: int = 60
) -> tuple[torch.Tensor, torch.Tensor]:
    """A triangle (parameters 0-5) and an ellipse (6-10), each carrying half the mass.

    Args:
        params: ``(R, 11)``.
        n_points: points on each of the two shapes.

    Returns:
        points ``(R, m, 2)``, weights ``(R, m)`` summing to 1.

    Raises:
        TypeError, ValueError: on a non-tensor or wrong shape.

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`
    """
    _check_params("params", params, (11,))
    yt, wt = triangle(params[:, :6], n_points)
    ye, we = ellipse(params[:, 6:], n_points)
    return torch.cat([yt, ye], 1), torch.cat([wt, we], 1) / 2


def subjet_centres(
    params: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """N subjet centres of equal energy (the N-subjettiness shape); ``mask`` pads N per member.

    Args:
        params: ``(R, N_max, 2)``: the centres.
        mask: bool ``(R, N_max)``: the centres in use (None: all); member r has
            ``mask[r].sum()`` centres of weight ``1 / mask[r].sum()``, the others weight 0.

    Returns:
        points ``params`` and weights ``(R, N_max)`` summing to 1.

    Raises:
        TypeError, ValueError: on a non-tensor, wrong shape or a member without any centre.

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`
    """
    _check_params("params", params, (None, 2))
    if mask is None:
        mask = torch.ones(params.shape[:2], dtype=torch.bool)
    if not isinstance(mask, torch.Tensor) or mask.shape != params.shape[:2]:
        raise ValueError(
            f"mask must be a bool tensor of shape {tuple(params.shape[:2])}"
        )
    m = mask.to(params.dtype)
    count = m.sum(-1, keepdim=True)
    if bool((count == 0).any()):
        raise ValueError("mask must keep at least one centre per member")
    return params, m / count


# ---------------------------------------------------------------------------------------------
# Toy events


def circle_scene(
    centres: torch.Tensor,
    radii: torch.Tensor,
    n_per_circle: int = 100,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Particles at uniformly random angles on circles' perimeters, equal energies (Fig. 4.1's event).

    Args:
        centres: ``(C, 2)``.
        radii: ``(C,)``, positive.
        n_per_circle: particles per circle.
        generator: the CPU generator for the angles.

    Returns:
        positions ``(C * n_per_circle, 2)`` and energies ``(C * n_per_circle,)`` summing to 1.

    Raises:
        TypeError, ValueError: on non-tensors, mismatched shapes or non-positive radii.

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`
    """
    if not isinstance(centres, torch.Tensor) or not isinstance(radii, torch.Tensor):
        raise TypeError("centres and radii must be torch tensors")
    if centres.ndim != 2 or centres.shape[1] != 2 or radii.shape != centres.shape[:1]:
        raise ValueError("centres must be (C, 2) and radii (C,)")
    if bool((radii <= 0).any()):
        raise ValueError("radii must be positive")
    n = positive_int("n_per_circle", n_per_circle)
    c = centres.shape[0]
    t = 2 * math.pi * torch.rand(c, n, generator=generator, dtype=centres.dtype)
    pts = centres[:, None] + radii[:, None, None] * torch.stack([t.cos(), t.sin()], -1)
    return pts.reshape(c * n, 2), torch.full(
        (c * n,), 1.0 / (c * n), dtype=centres.dtype
    )


def triangle_ellipse_scene(
    params: torch.Tensor,
    n_per_shape: int = 100,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Particles at random places on a triangle and an ellipse, half the energy on each (Fig. 4.3).

    Positions are uniform in each edge's fraction (edge chosen in proportion to its length) and in
    the ellipse's parameter angle t, with energy ∝ ``|dr/dt|`` so that the energy per length is
    uniform.

    Args:
        params: ``(11,)``: the triangle's vertices, then the ellipse's centre, semi-axes and angle
            (as :func:`triangle_and_ellipse`).
        n_per_shape: particles per shape.
        generator: the CPU generator.

    Returns:
        positions ``(2 * n_per_shape, 2)``, energies summing to 1.

    Raises:
        TypeError, ValueError: on a non-tensor or wrong shape.

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`
    """
    if not isinstance(params, torch.Tensor) or params.shape != (11,):
        raise ValueError("params must be a tensor of shape (11,)")
    n = positive_int("n_per_shape", n_per_shape)
    v = params[:6].reshape(3, 2)
    edges = v.roll(-1, 0) - v
    length = edges.norm(dim=-1)
    k = torch.multinomial(
        length / length.sum(), n, replacement=True, generator=generator
    )
    s = torch.rand(n, 1, generator=generator, dtype=params.dtype)
    tri = v[k] + s * edges[k]
    cx, cy, a, b, ang = params[6:]
    t = 2 * math.pi * torch.rand(n, generator=generator, dtype=params.dtype)
    u, w = a * t.cos(), b * t.sin()
    ell = torch.stack(
        [cx + u * ang.cos() - w * ang.sin(), cy + u * ang.sin() + w * ang.cos()], -1
    )
    speed = torch.sqrt((a * t.sin()) ** 2 + (b * t.cos()) ** 2)
    energy = torch.cat(
        [torch.full((n,), 0.5 / n, dtype=params.dtype), 0.5 * speed / speed.sum()]
    )
    return torch.cat([tri, ell]), energy


def toy_jets(
    n_centres: Sequence[int],
    particles_per_centre: int = 10,
    width: float = 0.1,
    min_separation: float = 0.5,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
    """Toy jets: N subjet centres uniform in the square [-1, 1]², Gaussian particles around each.

    Each centre gets ``particles_per_centre`` particles, displaced by a 2-D Gaussian of standard
    deviation ``width``, all of equal energy (the thesis's Fig. 4.4 study, whose energies and width
    are not stated). Centres closer than ``min_separation`` are redrawn (a vectorised rejection).
    Jets are padded to the largest particle count with zero-energy particles at the origin.

    Args:
        n_centres: the number of centres of each jet.
        particles_per_centre: particles drawn per centre.
        width: the Gaussian's standard deviation (coordinate units).
        min_separation: the smallest allowed distance between two centres of a jet.
        generator: the CPU generator.

    Returns:
        positions ``(J, n_max, 2)``, energies ``(J, n_max)`` (each jet's sum 1) and the true centres
        (a list of ``(N_j, 2)`` tensors).

    Raises:
        ValueError: on an empty or non-positive ``n_centres``, a bad count, width or separation, or
            centres that cannot be placed at that separation.

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`
    """
    if isinstance(n_centres, int) or not len(n_centres):
        raise ValueError("n_centres must be a non-empty sequence of positive ints")
    ns = [positive_int("n_centres", n) for n in n_centres]
    k = positive_int("particles_per_centre", particles_per_centre)
    positive_number("width", width)
    positive_number("min_separation", min_separation)
    n_max = max(ns) * k
    xs = torch.zeros(len(ns), n_max, 2)
    es = torch.zeros(len(ns), n_max)
    truth = []
    tries = 2_000
    for j, n in enumerate(ns):
        cand = torch.rand(tries, n, 2, generator=generator) * 2 - 1
        d = torch.cdist(cand, cand) + 2 * min_separation * torch.eye(n)
        ok = (d.flatten(1).min(-1).values >= min_separation).nonzero()
        if not len(ok):
            raise ValueError(
                f"could not place {n} centres at separation {min_separation} in [-1, 1]²"
            )
        c = cand[ok[0, 0]]
        pts = c[:, None] + width * torch.randn(n, k, 2, generator=generator)
        xs[j, : n * k] = pts.reshape(n * k, 2)
        es[j, : n * k] = 1.0 / (n * k)
        truth.append(c)
    return xs, es, truth


# ---------------------------------------------------------------------------------------------
# References


def exact_emd(
    x: torch.Tensor, e: torch.Tensor, y: torch.Tensor, w: torch.Tensor
) -> np.ndarray:
    """The exact discrete EMD (Euclidean ground distance) by linear programming, ``ot.emd2`` of ``pot``.

    Args:
        x: particle positions ``(R, n, d)`` or ``(n, d)``.
        e: their energies ``(R, n)`` or ``(n,)``, normalised to sum 1.
        y: the other set's positions ``(R, m, d)`` or ``(m, d)`` (broadcast against ``x``).
        w: its weights ``(R, m)`` or ``(m,)``, normalised to sum 1.

    Returns:
        float64 ``(R,)``.

    Raises:
        TypeError, ValueError: on non-tensors, wrong shapes, NaN or negative weights.
        ImportError: without the ``pot`` package (the book extra).

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`

    References:
        Flamary et al., "POT: Python Optimal Transport", JMLR 22 (2021).

    Examples:
        >>> a = torch.tensor([[0.0, 0.0]]); b = torch.tensor([[3.0, 4.0]])
        >>> exact_emd(a, torch.ones(1), b, torch.ones(1)).tolist()
        [5.0]
    """
    import ot

    x, e = _as_batch("x", x, e)
    y, w = _as_batch("y", y, w)
    r = max(x.shape[0], y.shape[0])
    x, e = x.expand(r, *x.shape[1:]), e.expand(r, e.shape[-1])
    y, w = y.expand(r, *y.shape[1:]), w.expand(r, w.shape[-1])
    xd, ed = x.detach().cpu().double().numpy(), e.detach().cpu().double().numpy()
    yd, wd = y.detach().cpu().double().numpy(), w.detach().cpu().double().numpy()
    out = np.empty(r)
    for i in range(
        r
    ):  # one linear programme per member: pot has no batched exact solver
        a, b = ed[i] / ed[i].sum(), wd[i] / wd[i].sum()
        cost = ot.dist(xd[i], yd[i], metric="euclidean")
        out[i] = ot.emd2(a, b, cost, numItermax=1_000_000)
    return out


def centre_error(fitted: torch.Tensor, truth: torch.Tensor) -> float:
    """The largest distance between fitted and true centres after the best one-to-one matching.

    Args:
        fitted: ``(C, d)``.
        truth: ``(C, d)``.

    Returns:
        max over matched pairs of the Euclidean distance (the Hungarian matching minimises the
        summed distance, ``scipy.optimize.linear_sum_assignment``).

    Raises:
        ValueError: on shapes that differ or are not 2-D.

    Used in:
        - :doc:`/book/trustworthy/the-energy-movers-distance-learned`

    Examples:
        >>> centre_error(torch.tensor([[1.0, 0.0], [0.0, 0.0]]), torch.tensor([[0.0, 0.1], [1.0, 0.0]]))
        0.1
    """
    from scipy.optimize import linear_sum_assignment

    if fitted.ndim != 2 or fitted.shape != truth.shape:
        raise ValueError(
            f"fitted and truth must both be (C, d), got {tuple(fitted.shape)} and "
            f"{tuple(truth.shape)}"
        )
    d = torch.cdist(fitted.detach().double(), truth.detach().double()).cpu().numpy()
    rows, cols = linear_sum_assignment(d)
    return float(d[rows, cols].max())
