"""Integration through a learned primitive (Pawlowski & Plehn 2025, Sec. 2.2; Maître and
Santos-Mateos 2023).

A network ``F_θ(s; x)`` over the integration variables ``x ∈ [0, 1]^D`` and the parameters ``s``
is trained so that its ``D``-th mixed derivative ``∂^D F_θ / ∂x_1 … ∂x_D`` fits the integrand
``f(s; x)`` (eq. 2.16); the integral is then the signed sum of ``F_θ`` over the corners of the
cube (eq. 2.14), one network pass per corner instead of a fresh integration per ``s``.

The mixed derivative comes two ways: nested autograd (:func:`mixed_derivative_autograd`) and the
notes' forward recursion (:func:`mixed_derivative`, eqs. 2.25-2.28, generalised to any ``D`` by
Faà di Bruno's formula over set partitions), which is what training uses: one forward pass of
``2^D`` channels and a single backward pass, no double backward.

Used in:
    - :doc:`/book/foundations/integration-through-a-learned-primitive`
"""

from __future__ import annotations

import copy
import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from physml import train
from physml._checks import positive_int, positive_number
from physml.nn import EnsembleLinear

#: The activation functions of the primitive network ``F_θ`` (eqs. 2.18 and 2.20): the sigmoid
#: (its derivatives are polynomials in the sigmoid, eq. 2.20) or the softplus (whose derivative
#: is the sigmoid, the primitive of eq. 2.18).
ACTIVATIONS = ("sigmoid", "softplus")


@functools.cache
def _sigmoid_polynomials(order: int) -> tuple[tuple[float, ...], ...]:
    """Coefficients (lowest power first) of ``P_n`` with ``σ^{(n)} = P_n(σ)``, ``n = 0..order``.

    ``P_0(σ) = σ`` and ``P_{n+1}(σ) = P_n'(σ) σ (1 - σ)`` (eq. 2.20 iterated).
    """
    polys = [(0.0, 1.0)]
    for _ in range(order):
        p = polys[-1]
        dp = [k * c for k, c in enumerate(p)][1:] or [0.0]
        # multiply by σ - σ² : shift by one, minus shift by two
        out = [0.0] * (len(dp) + 2)
        for k, c in enumerate(dp):
            out[k + 1] += c
            out[k + 2] -= c
        polys.append(tuple(out))
    return tuple(polys)


def _horner(coeffs: tuple[float, ...], x: torch.Tensor) -> torch.Tensor:
    out = torch.full_like(x, coeffs[-1])
    for c in reversed(coeffs[:-1]):
        out = out * x + c
    return out


def activation_derivatives(
    z: torch.Tensor, activation: str, order: int
) -> list[torch.Tensor]:
    """The activation and its derivatives, ``[φ(z), φ'(z), …, φ^{(order)}(z)]`` (eqs. 2.17-2.20).

    For the sigmoid every derivative is a polynomial in ``σ(z)``, ``σ' = σ(1 - σ)``,
    ``σ'' = σ(1 - σ)(1 - 2σ)``, … (eq. 2.20); for the softplus ``φ' = σ`` and
    ``φ^{(n)} = σ^{(n-1)}``. The softplus is ``log(1 + e^z)`` for every ``z`` (torch's
    ``softplus`` turns linear above ``z = 20``, and nested autograd through it would then
    disagree with these derivatives at ``e^-20``).

    Args:
        z: pre-activations, any shape, floating dtype.
        activation: one of :data:`ACTIVATIONS`.
        order: the highest derivative (>= 0).

    Returns:
        ``order + 1`` tensors of ``z``'s shape and dtype.

    Raises:
        ValueError: on an unknown ``activation`` or a negative ``order``.
        TypeError: if ``z`` is not a tensor.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`
    """
    if not isinstance(z, torch.Tensor):
        raise TypeError(f"z must be a torch.Tensor, got {type(z).__name__}")
    _check_activation(activation)
    positive_int("order", order, minimum=0)
    sig = torch.sigmoid(z)
    if activation == "sigmoid":
        return [_horner(p, sig) for p in _sigmoid_polynomials(order)]
    polys = _sigmoid_polynomials(max(order - 1, 0))
    # log(1 + e^z) without torch.nn.functional.softplus's linear branch above z = 20, whose
    # autograd derivatives (1, then 0) would differ from sigmoid(z) by e^-20
    softplus = -nn.functional.logsigmoid(-z)
    return [softplus] + [_horner(p, sig) for p in polys[:order]]


def _check_activation(activation: object) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    return activation  # type: ignore[return-value]


@functools.cache
def _set_partitions(mask: int) -> tuple[tuple[int, ...], ...]:
    """All partitions of the set of bits of ``mask`` into non-empty blocks (as bit masks)."""
    if mask == 0:
        return ((),)
    low = mask & -mask
    rest = mask ^ low
    out = []
    # the block holding the lowest bit: low plus any subset of rest
    sub = rest
    while True:
        block = low | sub
        for tail in _set_partitions(rest ^ sub):
            out.append((block,) + tail)
        if sub == 0:
            break
        sub = (sub - 1) & rest
    return tuple(out)


class PrimitiveNet(nn.Module):
    """An ensemble of MLPs ``F_θ(s; x)`` over ``(x, s)`` (eq. 2.21), evaluated in one batched pass.

    Hidden layers ``x^{(n)} = φ(W^{(n)} x^{(n-1)} + b^{(n)})`` (eq. 2.22) with ``φ`` the sigmoid
    or the softplus, a linear scalar output (eq. 2.23). The members are stacked weights
    (:class:`physml.nn.EnsembleLinear`), so no Python loop runs over replicas.

    ``forward(x, s)`` takes ``x`` of shape ``(batch, dim)`` or ``(n_members, batch, dim)`` and
    ``s`` of shape ``(batch, n_params)`` or ``(n_members, batch, n_params)`` and returns
    ``F_θ`` of shape ``(n_members, batch)``.

    Args:
        n_members: the replicas (>= 1), each with its own initialisation.
        dim: the integration dimension ``D`` (>= 1).
        n_params: the parameters ``s`` (>= 0).
        hidden: the width of each hidden layer (>= 1).
        depth: the number of hidden layers (>= 1).
        activation: one of :data:`ACTIVATIONS`.
        input_scale: the inputs in ``[0, 1]`` enter as ``input_scale · (2 v - 1)``, so that the
            first layer sees a range of several units at initialisation (a sigmoid network
            initialised like ``torch.nn.Linear`` on ``[0, 1]`` is nearly linear there, and its
            third derivative starts about ``10^-5`` of the integrand's).

    Raises:
        ValueError: naming the argument, on a size that is not a positive int, an unknown
            activation or an ``input_scale`` that is not a positive number.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`

    Examples:
        >>> net = PrimitiveNet(2, dim=3, n_params=2, hidden=8)
        >>> tuple(net(torch.rand(5, 3), torch.rand(5, 2)).shape)
        (2, 5)
    """

    def __init__(
        self,
        n_members: int,
        dim: int,
        n_params: int,
        hidden: int = 64,
        depth: int = 3,
        activation: str = "sigmoid",
        input_scale: float = 1.0,
    ) -> None:
        positive_int("n_members", n_members)
        positive_int("dim", dim)
        positive_int("n_params", n_params, minimum=0)
        positive_int("hidden", hidden)
        positive_int("depth", depth)
        _check_activation(activation)
        self.input_scale = positive_number("input_scale", input_scale)
        super().__init__()
        self.n_members, self.dim, self.n_params = n_members, dim, n_params
        self.activation = activation
        widths = [dim + n_params] + [hidden] * depth
        self.hidden = nn.ModuleList(
            EnsembleLinear(n_members, a, b) for a, b in zip(widths[:-1], widths[1:])
        )
        self.out = EnsembleLinear(n_members, hidden, 1)

    def inputs(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """``(n_members, batch, dim + n_params)``: ``x`` then ``s`` (eq. 2.21), checked and scaled."""
        for name, t, n in (("x", x, self.dim), ("s", s, self.n_params)):
            if not isinstance(t, torch.Tensor):
                raise TypeError(
                    f"{name} must be a torch.Tensor, got {type(t).__name__}"
                )
            if (
                t.ndim not in (2, 3)
                or t.shape[-1] != n
                or (t.ndim == 3 and t.shape[0] != self.n_members)
            ):
                raise ValueError(
                    f"{name} must have shape (batch, {n}) or ({self.n_members}, batch, {n}), "
                    f"got {tuple(t.shape)}"
                )
        x = x if x.ndim == 3 else x.unsqueeze(0).expand(self.n_members, -1, -1)
        s = s if s.ndim == 3 else s.unsqueeze(0).expand(self.n_members, -1, -1)
        if x.shape[1] != s.shape[1]:
            raise ValueError(
                f"x and s must have the same batch size, got {x.shape[1]} and {s.shape[1]}"
            )
        return (torch.cat([x, s], dim=-1) - 0.5) * (2 * self.input_scale)

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        h = self.inputs(x, s)
        for layer in self.hidden:
            h = activation_derivatives(layer(h), self.activation, 0)[0]
        return self.out(h).squeeze(-1)


def mixed_derivative(
    model: PrimitiveNet, x: torch.Tensor, s: torch.Tensor, with_primitive: bool = False
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """``∂^D F_θ / ∂x_1 … ∂x_D`` by the notes' forward recursion (eqs. 2.25-2.29).

    Every layer carries the ``2^D`` mixed derivatives of its activations with respect to the
    subsets of ``(x_1, …, x_D)``: the pre-activations' derivatives are linear,
    ``∂_S z^{(i)} = W^{(i)} ∂_S x^{(i-1)}``, and the activations' follow Faà di Bruno's formula,
    ``∂_S x^{(i)} = Σ_π φ^{(|π|)}(z^{(i)}) Π_{B ∈ π} ∂_B z^{(i)}`` over the partitions ``π`` of
    ``S`` (eq. 2.25 for one variable, eq. 2.28 for two); the recursion starts from
    ``∂x_k^{(0)}/∂x_s = δ_ks`` (eq. 2.26) and vanishing higher derivatives (eq. 2.29). The result
    is differentiable in the weights with one ordinary backward pass.

    Args:
        model: the primitive network.
        x: integration points, ``(batch, D)`` or ``(n_members, batch, D)``.
        s: parameters, ``(batch, n_params)`` or ``(n_members, batch, n_params)``.
        with_primitive: also return ``F_θ`` itself.

    Returns:
        The mixed derivative (the network's integrand ``f_θ``), ``(n_members, batch)``; with
        ``with_primitive``, the pair ``(f_θ, F_θ)``.

    Raises:
        TypeError: if ``model`` is not a :class:`PrimitiveNet` or ``x``/``s`` are not tensors.
        ValueError: on shapes that do not fit the model.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`
    """
    if not isinstance(model, PrimitiveNet):
        raise TypeError(f"model must be a PrimitiveNet, got {type(model).__name__}")
    h = model.inputs(x, s)
    dim, full = model.dim, (1 << model.dim) - 1
    n_in = h.shape[-1]
    # channel S (a bit mask over x_1..x_D): ∂_S of the layer's activations
    eye = torch.eye(n_in, dtype=h.dtype, device=h.device) * (2 * model.input_scale)
    chans: dict[int, torch.Tensor] = {0: h}
    for k in range(dim):
        chans[1 << k] = eye[k].expand_as(h)
    for layer in model.hidden:
        z0 = torch.baddbmm(layer.bias, chans[0], layer.weight)
        dz = {0: z0}
        for mask in range(1, full + 1):
            if mask in chans:
                dz[mask] = torch.bmm(chans[mask], layer.weight)
        phis = activation_derivatives(z0, model.activation, dim)
        new = {0: phis[0]}
        for mask in range(1, full + 1):
            total = None
            for part in _set_partitions(mask):
                if not all(b in dz for b in part):
                    continue
                term = phis[len(part)]
                for b in part:
                    term = term * dz[b]
                total = term if total is None else total + term
            if total is not None:
                new[mask] = total
        chans = new
    deriv = torch.bmm(chans[full], model.out.weight).squeeze(-1)
    if not with_primitive:
        return deriv
    prim = torch.baddbmm(model.out.bias, chans[0], model.out.weight).squeeze(-1)
    return deriv, prim


def mixed_derivative_autograd(
    model: PrimitiveNet, x: torch.Tensor, s: torch.Tensor
) -> torch.Tensor:
    """``∂^D F_θ / ∂x_1 … ∂x_D`` by ``D`` nested calls of ``torch.autograd.grad``.

    The check on :func:`mixed_derivative`: each output depends on its own point only, so the
    gradient of the summed output is the per-point derivative. Keeps the graph
    (``create_graph=True``), so it can train too, at the cost of a ``D``-fold double backward.

    Args:
        model: the primitive network.
        x: ``(batch, D)`` or ``(n_members, batch, D)``.
        s: ``(batch, n_params)`` or ``(n_members, batch, n_params)``.

    Returns:
        ``(n_members, batch)``.

    Raises:
        TypeError, ValueError: as :func:`mixed_derivative`.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`
    """
    if not isinstance(model, PrimitiveNet):
        raise TypeError(f"model must be a PrimitiveNet, got {type(model).__name__}")
    model.inputs(x, s)  # checks
    xs = x if x.ndim == 3 else x.unsqueeze(0).expand(model.n_members, -1, -1)
    xs = xs.detach().clone().requires_grad_(True)
    out = model(xs, s)
    for k in range(model.dim):
        (grad,) = torch.autograd.grad(out.sum(), xs, create_graph=True)
        out = grad[..., k]
    return out


@functools.cache
def _corner_table(dim: int) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
    corners = tuple(itertools.product((0, 1), repeat=dim))
    signs = tuple((-1) ** (dim - sum(c)) for c in corners)
    return corners, signs


def corners(
    dim: int, dtype: torch.dtype = torch.float64
) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``2^D`` corners of the unit cube and their signs ``(-1)^{D - Σ x_i}`` (eq. 2.14).

    Args:
        dim: ``D`` (>= 1).
        dtype: the corners' dtype (the signs are the same dtype).

    Returns:
        ``(points, signs)`` of shapes ``(2^D, D)`` and ``(2^D,)``.

    Raises:
        ValueError: if ``dim`` is not a positive int.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`

    Examples:
        >>> pts, sg = corners(2)
        >>> pts.tolist(), sg.tolist()
        ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [1.0, -1.0, -1.0, 1.0])
    """
    positive_int("dim", dim)
    pts, signs = _corner_table(dim)
    return torch.tensor(pts, dtype=dtype), torch.tensor(signs, dtype=dtype)


def corner_sum(
    primitive: Callable[[torch.Tensor], torch.Tensor], dim: int
) -> torch.Tensor:
    """``Σ_{x ∈ {0,1}^D} (-1)^{D - Σ x_i} F(x)``, the integral over the unit cube (eq. 2.14).

    Args:
        primitive: ``F``, called once on the corners ``(2^D, D)`` (float64) and returning
            ``(2^D, ...)``: any trailing dimensions (parameters, members) are kept.
        dim: ``D`` (>= 1).

    Returns:
        The integral, shape ``F(corners).shape[1:]``.

    Raises:
        TypeError: if ``primitive`` is not callable or returns no tensor.
        ValueError: if ``dim`` is bad or ``primitive`` returns the wrong leading size.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`

    Examples:
        >>> float(corner_sum(lambda x: x.prod(-1) ** 2 / 8, 3))  # F = (x1 x2 x3)^2 / 8, f = x1 x2 x3
        0.125
    """
    if not callable(primitive):
        raise TypeError(f"primitive must be callable, got {type(primitive).__name__}")
    pts, signs = corners(dim)
    values = primitive(pts)
    if not isinstance(values, torch.Tensor):
        raise TypeError(f"primitive must return a tensor, got {type(values).__name__}")
    if values.ndim == 0 or values.shape[0] != len(signs):
        raise ValueError(
            f"primitive must return ({len(signs)}, ...) on the corners, got {tuple(values.shape)}"
        )
    signs = signs.to(values.dtype).reshape((-1,) + (1,) * (values.ndim - 1))
    return (signs * values).sum(0)


def integrate(model: PrimitiveNet, s: torch.Tensor) -> torch.Tensor:
    """The integral of each replica's ``f_θ(s; ·)`` over the cube, by the corner sum of ``F_θ``.

    Evaluated in float64 on a copy of the model (the corner sum subtracts values of ``F_θ``),
    without gradients: ``2^D`` network passes for all parameter points at once.

    Args:
        model: the trained primitive network.
        s: parameter points ``(n_points, n_params)``.

    Returns:
        ``(n_members, n_points)`` float64 on ``s``'s device.

    Raises:
        TypeError: if ``model`` is not a :class:`PrimitiveNet` or ``s`` not a tensor.
        ValueError: if ``s`` does not have shape ``(n_points, n_params)``.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`
    """
    if not isinstance(model, PrimitiveNet):
        raise TypeError(f"model must be a PrimitiveNet, got {type(model).__name__}")
    if not isinstance(s, torch.Tensor):
        raise TypeError(f"s must be a torch.Tensor, got {type(s).__name__}")
    if s.ndim != 2 or s.shape[1] != model.n_params:
        raise ValueError(
            f"s must have shape (n_points, {model.n_params}), got {tuple(s.shape)}"
        )
    net = copy.deepcopy(model).to(device=s.device, dtype=torch.float64).eval()
    s64 = s.to(torch.float64)
    n = s64.shape[0]

    def primitive(pts: torch.Tensor) -> torch.Tensor:
        pts = pts.to(s64.device)
        x = pts.repeat_interleave(n, 0)  # corner-major
        ss = s64.repeat(len(pts), 1)
        with torch.no_grad():
            values = net(x, ss)  # (members, 2^D n)
        return values.reshape(net.n_members, len(pts), n).transpose(0, 1)

    return corner_sum(primitive, model.dim)


def primitive_loss(
    model: PrimitiveNet, x: torch.Tensor, s: torch.Tensor, f: torch.Tensor
) -> torch.Tensor:
    """The MSE between the integrand and the network's mixed derivative (eq. 2.16).

    Args:
        model: the primitive network.
        x: ``(n_members, batch, D)`` (each replica its own points) or ``(batch, D)``.
        s: ``(n_members, batch, n_params)`` or ``(batch, n_params)``.
        f: the integrand at those points, ``(n_members, batch)`` or ``(batch,)``.

    Returns:
        A scalar, the mean over replicas and points (the sum of the replicas' own losses over
        ``n_members``, so each replica trains on its own MSE).

    Raises:
        TypeError, ValueError: as :func:`mixed_derivative`; ValueError if ``f`` does not match.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`
    """
    pred = mixed_derivative(model, x, s)
    if not isinstance(f, torch.Tensor):
        raise TypeError(f"f must be a torch.Tensor, got {type(f).__name__}")
    if f.shape != pred.shape and f.shape != pred.shape[1:]:
        raise ValueError(f"f must have shape {tuple(pred.shape)}, got {tuple(f.shape)}")
    return ((pred - f) ** 2).mean()


@dataclass(frozen=True)
class PrimitiveSettings:
    """The settings of :func:`train_primitive`: the replica ensemble and its optimiser run.

    Args:
        n_members: replicas trained at once (>= 1), each with its own initialisation and its
            own training points.
        hidden: the width of each hidden layer.
        depth: the number of hidden layers.
        activation: one of :data:`ACTIVATIONS`.
        steps: optimiser steps (:func:`physml.train.fit`, AdamW, cosine-annealed).
        batch_size: points per replica and step.
        lr: the learning rate.
        n_train: training points per replica, drawn uniformly in ``(x, s)``.
        input_scale: :class:`PrimitiveNet`'s input scale.

    Raises:
        ValueError: naming the field, on a size that is not a positive int, an ``lr`` that is not
            a positive number, or an unknown activation.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`
    """

    n_members: int
    steps: int
    hidden: int = 64
    depth: int = 3
    activation: str = "sigmoid"
    batch_size: int = 1024
    lr: float = 3e-3
    n_train: int = 100_000
    input_scale: float = 1.0

    def __post_init__(self) -> None:
        for name in ("n_members", "steps", "hidden", "depth", "batch_size", "n_train"):
            positive_int(name, getattr(self, name))
        positive_number("lr", self.lr)
        positive_number("input_scale", self.input_scale)
        _check_activation(self.activation)


def train_primitive(
    integrand: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    dim: int,
    n_params: int,
    settings: PrimitiveSettings,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    progress: bool | None = None,
) -> tuple[PrimitiveNet, train.History]:
    """Build and train a replica ensemble of primitive networks on ``integrand`` (eq. 2.16).

    Training points ``x ∈ [0, 1]^D`` and ``s ∈ [0, 1]^{n_params}`` are drawn uniformly from
    ``generator``, ``n_train`` per replica (different data for each, as in the notes' Fig. 6);
    the integrand is evaluated once on them, and :func:`physml.train.fit` draws the minibatches.

    Args:
        integrand: ``f(x, s)`` on ``x`` of shape ``(..., D)`` and ``s`` of shape
            ``(..., n_params)``, returning ``(...)`` (float32 in, float32 out).
        dim: ``D``.
        n_params: the number of parameters (inputs in ``[0, 1]``: map them inside ``integrand``).
        settings: the ensemble and its optimiser run.
        generator: CPU generator for the training points and minibatches.
        device: where to train (``config.device()`` if ``None``).
        progress: show a progress bar (``train.progress_enabled()`` if ``None``).

    Returns:
        ``(model, history)``; ``history.loss`` is the MSE per step (mean over replicas).

    Raises:
        TypeError: if ``settings`` is not a :class:`PrimitiveSettings` or ``integrand`` is not
            callable.
        ValueError: on a bad ``dim``/``n_params`` or an integrand that returns non-finite
            values or the wrong shape.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`
    """
    if not isinstance(settings, PrimitiveSettings):
        raise TypeError(
            f"settings must be a PrimitiveSettings, got {type(settings).__name__}"
        )
    if not callable(integrand):
        raise TypeError(f"integrand must be callable, got {type(integrand).__name__}")
    positive_int("dim", dim)
    positive_int("n_params", n_params, minimum=0)
    m, n = settings.n_members, settings.n_train
    x = torch.rand(n, m, dim, generator=generator)
    s = torch.rand(n, m, n_params, generator=generator)
    f = integrand(x, s)
    if not isinstance(f, torch.Tensor) or f.shape != (n, m):
        raise ValueError(
            f"integrand must return shape {(n, m)} on x {(n, m, dim)}, got "
            f"{getattr(f, 'shape', type(f).__name__)}"
        )
    if not torch.isfinite(f).all():
        raise ValueError("integrand returned NaN or inf on the training points")
    model = PrimitiveNet(
        m,
        dim,
        n_params,
        settings.hidden,
        settings.depth,
        settings.activation,
        settings.input_scale,
    )

    def loss_fn(
        net: PrimitiveNet, xb: torch.Tensor, sb: torch.Tensor, fb: torch.Tensor
    ):
        return primitive_loss(net, xb.transpose(0, 1), sb.transpose(0, 1), fb.t())

    history = train.fit(
        model,
        loss_fn,
        (x, s, f.to(torch.float32)),
        steps=settings.steps,
        batch_size=settings.batch_size,
        lr=settings.lr,
        generator=generator,
        device=device,
        desc="primitive",
        progress=progress,
    )
    return model, history


def digits(estimate: torch.Tensor | float, truth: torch.Tensor | float) -> torch.Tensor:
    """Correct digits ``-p = -log10 |(I_NN - I_truth) / I_truth|`` (eq. 2.32, sign flipped).

    Args:
        estimate: the estimates, any shape.
        truth: the references (non-zero), broadcastable to ``estimate``.

    Returns:
        float64 tensor; ``inf`` where the estimate equals the truth.

    Raises:
        ValueError: if a reference is zero or not finite.

    Used in:
        - :doc:`/book/foundations/integration-through-a-learned-primitive`

    Examples:
        >>> round(float(digits(1.001, 1.0)), 6)
        3.0
    """
    est = torch.as_tensor(estimate, dtype=torch.float64)
    ref = torch.as_tensor(truth, dtype=torch.float64)
    if not torch.isfinite(ref).all() or (ref == 0).any():
        raise ValueError("truth must be finite and non-zero")
    return -torch.log10(((est - ref) / ref).abs())
