"""Networks whose Lipschitz constant and monotonicity hold by construction (thesis ch. 2).

A network g is λ-Lip¹ (eq. 2.2: ``|g(x) - g(y)| <= λ ||x - y||_1``) when the product of its layers'
operator norms is at most λ (eq. 2.6) and its activations are 1-Lipschitz. Each weight matrix is
normalised before every forward pass (Algorithm 1), so gradients flow through the normalisation:

- ``"one"``: the thesis's eq. 2.8. Every column k is scaled by ``1 / max(1, Σ_j |W_jk| / c)``: the
  ℓ1 → ℓ1 operator norm (the largest column sum) is at most c.
- ``"inf"``: every row scaled to an absolute sum <= c: the ℓ∞ → ℓ∞ norm.
- ``"one-inf"``: every entry to ``|W_jk| <= c``: the ℓ1 → ℓ∞ norm (the peer package's first layer).
- ``"two-inf"``: every row to a Euclidean norm <= c: the ℓ2 → ℓ∞ norm.

With m layers and c = λ^{1/m}, the product of norms is at most λ. GroupSort, which sorts its
inputs in groups, is 1-Lipschitz in every ℓp norm and has gradient 1 for every input, which keeps
the constrained network expressive (eq. 2.9). :class:`MonotonicWrapper` adds λ Σ_i c_i x_i to a
λ-Lip¹ network (eq. 2.3): then ∂f/∂x_i = ∂g/∂x_i + c_i λ, non-negative for c_i = +1 and
non-positive for c_i = -1.

The layers and networks are tensor ops called at every training step: NaN or infinity in their
input propagate to the output as torch does (no check, which would cost a device sync per call;
GroupSort's sort orders NaN last within its group, so a NaN input turns the network's output
NaN). The data are checked once where they enter (``lipschitz.toys.fit_1d``, ``lipschitz.trigger``,
:func:`physml.train.fit`).

Used by :doc:`/book/trustworthy/monotonic-lipschitz-trigger`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from physml._checks import positive_int, positive_number

KINDS: tuple[str, ...] = ("one", "inf", "one-inf", "two-inf")
# The (input, output) norms each kind's operator norm maps between.
_NORMS = {
    "one": ("1", "1"),
    "inf": ("inf", "inf"),
    "one-inf": ("1", "inf"),
    "two-inf": ("2", "inf"),
}


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def _norms(weight: torch.Tensor, kind: str) -> torch.Tensor:
    """The per-column, per-row or per-entry norms that ``kind`` bounds, broadcastable to weight."""
    _check_kind(kind)
    if kind == "one":
        return weight.abs().sum(dim=0, keepdim=True)
    if kind == "inf":
        return weight.abs().sum(dim=1, keepdim=True)
    if kind == "one-inf":
        return weight.abs()
    return weight.norm(p=2, dim=1, keepdim=True)


def normalise(
    weight: torch.Tensor, kind: str = "one", max_norm: float = 1.0
) -> torch.Tensor:
    """W -> W / max(1, norm/max_norm), per column ("one", eq. 2.8), row or entry (see module doc).

    Args:
        weight: torch's layout ``(out_features, in_features)``. A tensor op on the trained weight:
            NaN in ``weight`` propagates (no check).
        kind: ``"one"`` (per column, ℓ1→ℓ1), ``"inf"`` (per row), ``"one-inf"`` (per entry) or
            ``"two-inf"`` (per row, ℓ2).
        max_norm: the largest norm kept (> 0).

    Returns:
        The normalised weight, ``weight``'s shape.

    Raises:
        ValueError: on a weight that is not 2-D, an unknown kind or a ``max_norm`` not > 0.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    References:
        Kitouni thesis, eq. 2.8.

    Examples:
        >>> normalise(torch.tensor([[3.0, 0.5], [1.0, 0.5]])).tolist()
        [[0.75, 0.5], [0.25, 0.5]]
    """
    if not isinstance(weight, torch.Tensor) or weight.ndim != 2:
        raise ValueError(
            "weight must be a 2-D tensor of shape (out_features, in_features)"
        )
    positive_number("max_norm", max_norm)
    scale = torch.clamp(_norms(weight, kind) / max_norm, min=1.0)
    return weight / scale


def operator_norm(weight: torch.Tensor, kind: str = "one") -> float:
    """The operator norm that ``kind`` bounds: ℓ1→ℓ1, ℓ∞→ℓ∞, ℓ1→ℓ∞ or ℓ2→ℓ∞ of ``weight``.

    Args:
        weight: torch's layout ``(out_features, in_features)``.
        kind: ``"one"`` (per column, ℓ1→ℓ1), ``"inf"`` (per row), ``"one-inf"`` (per entry) or
            ``"two-inf"`` (per row, ℓ2).

    Returns:
        The norm.

    Raises:
        ValueError: on a weight that is not 2-D or an unknown kind.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    Examples:
        >>> operator_norm(torch.tensor([[3.0, 0.5], [1.0, 0.5]]))
        4.0
    """
    if not isinstance(weight, torch.Tensor) or weight.ndim != 2:
        raise ValueError(
            "weight must be a 2-D tensor of shape (out_features, in_features)"
        )
    return float(_norms(weight.detach(), kind).max())


class LipschitzLinear(nn.Linear):
    """A linear layer whose weight is normalised on every call (Algorithm 1 of the thesis).

    Args:
        in_features: input features.
        out_features: output features.
        kind: ``"one"`` (per column, ℓ1→ℓ1), ``"inf"`` (per row), ``"one-inf"`` (per entry) or
            ``"two-inf"`` (per row, ℓ2).
        max_norm: the bound on the layer's operator norm (> 0).
        bias: whether the layer has a bias.

    Raises:
        ValueError: on an unknown kind or a ``max_norm`` not > 0.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    References:
        Kitouni thesis, Algorithm 1.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        kind: str = "one",
        max_norm: float = 1.0,
        bias: bool = True,
    ) -> None:
        _check_kind(kind)
        max_norm = positive_number("max_norm", max_norm)
        super().__init__(in_features, out_features, bias=bias)
        self.kind, self.max_norm = kind, max_norm

    @property
    def normalised_weight(self) -> torch.Tensor:
        return normalise(self.weight, self.kind, self.max_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x ``(..., in_features)`` -> ``(..., out_features)``; NaN/inf in ``x`` propagate (a tensor op)."""
        return F.linear(x, self.normalised_weight, self.bias)

    def extra_repr(self) -> str:
        return (
            super().extra_repr() + f", kind={self.kind}, max_norm={self.max_norm:.4g}"
        )


class GroupSort(nn.Module):
    """Sort the last axis in groups of ``group_size`` (eq. 2.9); group_size = width sorts it all.

    Args:
        group_size: the size of the sorted groups; the last axis must be a multiple of it.

    Raises:
        ValueError: if ``group_size`` is not a positive int.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    Examples:
        >>> GroupSort(2)(torch.tensor([[3.0, 1.0, -1.0, 2.0]])).tolist()
        [[1.0, 3.0, -1.0, 2.0]]
    """

    def __init__(self, group_size: int = 2) -> None:
        super().__init__()
        self.group_size = positive_int("group_size", group_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x ``(..., n)`` sorted in groups along the last axis (n a multiple of ``group_size``).

        A tensor op: NaN propagates (``torch.sort`` places it last in its group)."""
        n = x.shape[-1]
        if n % self.group_size:
            raise ValueError(
                f"the last axis ({n}) must be a multiple of group_size ({self.group_size})"
            )
        grouped = x.reshape(*x.shape[:-1], n // self.group_size, self.group_size)
        return grouped.sort(dim=-1).values.reshape(x.shape)


class LipschitzMLP(nn.Sequential):
    """An MLP with GroupSort activations whose ℓ1 Lipschitz constant is at most ``lipschitz_const``.

    ``norm="one"`` normalises every layer with eq. 2.8 (ℓ1 → ℓ1); ``norm="one-inf"`` uses the
    peer package's chain (ℓ1 → ℓ∞ first, then ℓ∞ → ℓ∞). Each of the ``len(widths) + 1`` layers is
    bounded by ``lipschitz_const ** (1 / layers)``. The output is a scalar per input row.
    ``constrained=False`` gives the unconstrained twin (same layers, no normalisation).

    Args:
        n_in: input features.
        widths: the hidden widths, each a positive multiple of ``group_size``.
        lipschitz_const: the bound λ on the ℓ1 Lipschitz constant (> 0).
        group_size: GroupSort's group size.
        norm: ``"one"`` or ``"one-inf"``.
        constrained: normalise the weights (``False``: the unconstrained twin).

    Raises:
        ValueError: on a bad size, width, constant or norm.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`
    """

    def __init__(
        self,
        n_in: int,
        widths: Sequence[int],
        lipschitz_const: float = 1.0,
        group_size: int = 2,
        norm: str = "one",
        constrained: bool = True,
    ) -> None:
        positive_int("n_in", n_in)
        if not widths or any(
            not isinstance(w, int) or w < 1 or w % group_size for w in widths
        ):
            raise ValueError(
                f"widths must be positive ints divisible by group_size={group_size}, got {widths!r}"
            )
        positive_number("lipschitz_const", lipschitz_const)
        if norm not in ("one", "one-inf"):
            raise ValueError(f"norm must be 'one' or 'one-inf', got {norm!r}")
        sizes = [n_in, *widths, 1]
        n_layers = len(sizes) - 1
        per_layer = lipschitz_const ** (1.0 / n_layers)
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            kind = "one" if norm == "one" else ("one-inf" if i == 0 else "inf")
            layers.append(
                LipschitzLinear(a, b, kind, per_layer)
                if constrained
                else nn.Linear(a, b)
            )
            if i < n_layers - 1:
                layers.append(GroupSort(group_size))
        super().__init__(*layers)
        self.n_in, self.lipschitz_const, self.constrained = (
            n_in,
            float(lipschitz_const),
            constrained,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x ``(batch, n_in)`` -> ``(batch,)``. Shape checked; NaN/inf in ``x`` propagate (a tensor op)."""
        if x.ndim != 2 or x.shape[-1] != self.n_in:
            raise ValueError(
                f"x must have shape (batch, {self.n_in}), got {tuple(x.shape)}"
            )
        return super().forward(x).squeeze(-1)


def certified_bound(model: nn.Module) -> float:
    """A certified ℓ1 Lipschitz constant of ``model``: Π_i ||W_i|| over its layers (eq. 2.6).

    For a :class:`LipschitzMLP` the product of the operator norms of the normalised weights, chained
    ℓ1 → ... → output; for a :class:`MonotonicWrapper` that of the wrapped net plus ``λ max|c_i|``.

    Args:
        model: a :class:`LipschitzMLP` or :class:`MonotonicWrapper`.

    Returns:
        The certified bound.

    Raises:
        ValueError: for an unconstrained network, an activation other than GroupSort or layers
            whose norms do not chain.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    References:
        Kitouni thesis, eq. 2.6.
    """
    if isinstance(model, MonotonicWrapper):
        return certified_bound(model.net) + model.lipschitz_const * float(
            model.constraints.abs().max()
        )
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not layers or not all(isinstance(m, LipschitzLinear) for m in layers):
        raise ValueError(
            "certified_bound needs a network built only of LipschitzLinear layers"
        )
    acts = [
        m
        for m in model.modules()
        if not isinstance(m, (nn.Linear, nn.Sequential, MonotonicWrapper))
    ]
    if any(not isinstance(a, GroupSort) for a in acts):
        raise ValueError(
            "certified_bound knows only GroupSort activations (1-Lipschitz in every norm)"
        )
    current = "1"
    bound = 1.0
    for layer in layers:
        norm_in, norm_out = _NORMS[layer.kind]
        if norm_in != current:
            raise ValueError(
                f"layer norms do not chain: a {layer.kind} layer after an ℓ{current} output"
            )
        bound *= operator_norm(layer.normalised_weight, layer.kind)
        current = norm_out
    return bound


class MonotonicWrapper(nn.Module):
    """f(x) = g(x) + λ Σ_i c_i x_i (eq. 2.3): monotone in every input with c_i = ±1.

    Args:
        net: a constrained :class:`LipschitzMLP` g with Lipschitz constant <= λ.
        lipschitz_const: λ (> 0).
        constraints: one of -1, 0, +1 per input; c_i = +1 makes f non-decreasing in x_i, -1
            non-increasing, 0 leaves x_i free.

    Raises:
        TypeError: if ``net`` is not a constrained :class:`LipschitzMLP` or ``constraints`` not a
            sequence.
        ValueError: on constraints of the wrong length or values, or a net whose constant
            exceeds λ.

    Used in:
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    References:
        Kitouni thesis, eq. 2.3.
    """

    def __init__(
        self, net: LipschitzMLP, lipschitz_const: float, constraints: Sequence[int]
    ) -> None:
        super().__init__()
        if not isinstance(net, LipschitzMLP) or not net.constrained:
            raise TypeError("net must be a constrained LipschitzMLP")
        positive_number("lipschitz_const", lipschitz_const)
        if isinstance(constraints, (str, bytes)) or not isinstance(
            constraints, (Sequence, torch.Tensor)
        ):
            raise TypeError(
                "constraints must be a sequence of -1, 0 or 1, one per input"
            )
        values = [float(c) for c in constraints]
        if len(values) != net.n_in:
            raise ValueError(
                f"constraints must have one entry per input ({net.n_in}), got {len(values)}"
            )
        if any(c not in (-1.0, 0.0, 1.0) for c in values):
            raise ValueError(f"constraints must be -1, 0 or 1, got {list(constraints)}")
        if net.lipschitz_const > lipschitz_const + 1e-12:
            raise ValueError(
                f"the wrapped net's Lipschitz constant ({net.lipschitz_const}) exceeds the residual's "
                f"λ={lipschitz_const}: monotonicity would not be guaranteed"
            )
        self.net, self.lipschitz_const = net, float(lipschitz_const)
        self.register_buffer("constraints", torch.tensor(values))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x ``(batch, n_in)`` -> f(x) ``(batch,)``; NaN/inf in ``x`` propagate (a tensor op)."""
        return self.net(x) + self.lipschitz_const * (x @ self.constraints.to(x.dtype))


def slope_bounds(model: MonotonicWrapper) -> tuple[torch.Tensor, torch.Tensor]:
    """Certified bounds (lower, upper) on ∂f/∂x_i for every input of a monotonic wrapper.

    Args:
        model: a :class:`MonotonicWrapper`.

    Returns:
        ``(lower, upper)``, each of shape ``(n_in,)``.

    Raises:
        TypeError: if ``model`` is not a :class:`MonotonicWrapper`.
    """
    if not isinstance(model, MonotonicWrapper):
        raise TypeError("slope_bounds needs a MonotonicWrapper")
    g = certified_bound(model.net)
    centre = model.lipschitz_const * model.constraints
    return centre - g, centre + g
