"""Small networks shared by the chapters: an MLP and a batched ensemble of MLPs.

:class:`MLP` builds its affine layers with a layer factory ``linear(n_in, n_out)``
(``LinearFactory``, ``torch.nn.Linear`` by default), so a network becomes Bayesian from
outside: pass ``linear=physml.bayesian.bayes_linear(prior_std)`` and every layer is a
:class:`physml.bayesian.BayesLinear`. This module knows nothing of Bayesian layers or training; it
imports only ``physml._checks``. :func:`zero_output_` starts a layer (plain or Bayesian) at
zero, as the last layer of a coupling block needs. :func:`forward_in_batches` evaluates a trained
network (or ensemble) on a test set, batch by batch, without gradients.

:class:`EnsembleMLP` holds ``n_members`` independent MLPs in stacked weight tensors, so a whole
deep ensemble trains and predicts as one batched matrix product instead of a Python loop over
members.

Used by :doc:`/book/foundations/fits-likelihoods-uncertainties`,
:doc:`/book/generative/invertible-networks` and :doc:`/book/generative/diffusion-and-flow-matching`;
:class:`EnsembleMLP` also by :doc:`/book/learning/grokking-effective-theory`,
:doc:`/book/learning/grokking-beyond-the-toy` and
:doc:`/book/trustworthy/monotonic-lipschitz-trigger`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from physml._checks import positive_int

#: A layer factory. ``linear(n_in, n_out)`` returns an affine layer mapping ``(..., n_in)`` to
#: ``(..., n_out)``, such as ``torch.nn.Linear`` or :func:`physml.bayesian.bayes_linear`'s result.
LinearFactory = Callable[[int, int], nn.Module]

_ACTIVATIONS = {"relu": nn.ReLU, "silu": nn.SiLU, "tanh": nn.Tanh, "gelu": nn.GELU}


def _check_sizes(
    n_in: int, n_out: int, hidden: int, depth: int, dropout: float
) -> None:
    for name, val in (
        ("n_in", n_in),
        ("n_out", n_out),
        ("hidden", hidden),
        ("depth", depth),
    ):
        positive_int(name, val)
    if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")


def _activation(name: str) -> nn.Module:
    if name not in _ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {sorted(_ACTIVATIONS)}, got {name!r}"
        )
    return _ACTIVATIONS[name]()


def _check_linear(linear: object) -> LinearFactory:
    if isinstance(linear, nn.Module) or not callable(linear):
        raise TypeError(
            "linear must be a layer factory callable as linear(n_in, n_out), such as "
            f"torch.nn.Linear or physml.bayesian.bayes_linear(), got {type(linear).__name__}"
        )
    return linear


def _make_layer(linear: LinearFactory, n_in: int, n_out: int) -> nn.Module:
    layer = linear(n_in, n_out)
    if not isinstance(layer, nn.Module):
        raise TypeError(
            f"linear(n_in, n_out) must return a torch.nn.Module, got {type(layer).__name__}"
        )
    return layer


def zero_output_(layer: nn.Module) -> nn.Module:
    """Set the weights and bias of an affine layer to zero, in place, so it starts by outputting 0.

    Works for any layer a ``LinearFactory`` makes that exposes ``weight`` and ``bias`` (for
    :class:`physml.bayesian.BayesLinear` these are the means μ, so the widths σ stay as they were
    and the layer outputs 0 on average). A coupling block zeroes its network's last layer this way
    and starts as the identity.

    Args:
        layer: an affine layer with ``weight`` and ``bias`` parameters.

    Returns:
        ``layer`` itself, zeroed.

    Raises:
        TypeError: if ``layer`` has no ``weight`` or ``bias`` tensor.

    Used in:
        - :doc:`/book/generative/invertible-networks`
    """
    params = [getattr(layer, name, None) for name in ("weight", "bias")]
    if not all(isinstance(p, torch.Tensor) for p in params):
        raise TypeError(
            f"layer must have weight and bias tensors, got {type(layer).__name__}"
        )
    with torch.no_grad():
        for p in params:
            p.zero_()
    return layer


@torch.no_grad()
def forward_in_batches(
    model: nn.Module, inputs: torch.Tensor, batch_size: int = 4096, dim: int = 0
) -> torch.Tensor:
    """A trained model's outputs on many inputs: evaluation mode, no gradients, batch by batch.

    The one way physml evaluates a network on a test set: ``model`` is put in evaluation mode,
    each slice of ``batch_size`` rows of ``inputs`` is moved to the model's device, and the outputs
    come back to the CPU joined along ``dim`` (0 for a plain network; 1 for a batched ensemble such
    as :class:`EnsembleMLP`, whose outputs are ``(n_members, n, ...)``).

    Args:
        model: a ``torch.nn.Module`` with at least one parameter (its device is used).
        inputs: shape ``(n, ...)``, split along its first dimension.
        batch_size: rows per forward pass, a positive int (bounds the memory).
        dim: the dimension of the model's output along which the batches are joined.

    Returns:
        The outputs for all ``n`` rows, on the CPU, in the model's output dtype.

    Raises:
        TypeError: if ``model`` is not a ``torch.nn.Module`` or ``inputs`` not a tensor.
        ValueError: if ``batch_size`` is not a positive int, or ``model`` has no parameters.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/particles/jets-as-images`
        - :doc:`/book/particles/jets-as-point-clouds`
        - :doc:`/book/particles/symmetries-by-contrast`
        - :doc:`/book/particles/classification-without-labels`
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(inputs, torch.Tensor):
        raise TypeError(f"inputs must be a torch.Tensor, got {type(inputs).__name__}")
    positive_int("batch_size", batch_size)
    first = next(model.parameters(), None)
    if first is None:
        raise ValueError("model has no parameters, so no device to run it on")
    model.eval()
    return torch.cat(
        [model(chunk.to(first.device)).cpu() for chunk in inputs.split(batch_size)], dim
    )


class MLP(nn.Sequential):
    """A fully connected network: ``depth`` hidden layers of width ``hidden``, optional dropout.

    The affine layers come from the factory ``linear``, in order from input to output, each
    followed by the activation (and dropout) except the last. ``linear=torch.nn.Linear`` (the
    default) gives a plain network; ``linear=physml.bayesian.bayes_linear(prior_std)`` the
    mean-field Bayesian network of the notes' §5.4.3 with the same architecture and, for the same
    seed, the same initial means (a :class:`physml.bayesian.BayesLinear` draws them like
    ``torch.nn.Linear``). Input and output are tensors of shape ``(..., n_in)`` and
    ``(..., n_out)`` of the layers' dtype; NaN in the input propagates (no check, as for a tensor
    op).

    Args:
        n_in: input features, a positive int.
        n_out: output features, a positive int.
        hidden: width of each hidden layer, a positive int.
        depth: number of hidden layers, a positive int (``depth + 1`` affine layers in all).
        activation: ``"relu"``, ``"silu"``, ``"tanh"`` or ``"gelu"``.
        dropout: dropout probability after each hidden activation, in [0, 1); 0 adds no dropout.
        linear: layer factory ``linear(n_in, n_out) -> torch.nn.Module`` (``LinearFactory``).

    Raises:
        ValueError: naming ``n_in``, ``n_out``, ``hidden``, ``depth``, ``dropout`` or
            ``activation`` when out of range.
        TypeError: naming ``linear`` if it is not a factory or does not return a module.

    References:
        Pawlowski & Plehn 2025, §5.4.3, eqs. 5.48-5.49 (the Bayesian variant).

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
        - :doc:`/book/learning/grokking-beyond-the-toy`
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        hidden: int = 64,
        depth: int = 2,
        activation: str = "silu",
        dropout: float = 0.0,
        *,
        linear: LinearFactory = nn.Linear,
    ) -> None:
        _check_sizes(n_in, n_out, hidden, depth, dropout)
        _check_linear(linear)
        layers: list[nn.Module] = []
        width = n_in
        for _ in range(depth):
            layers += [_make_layer(linear, width, hidden), _activation(activation)]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = hidden
        layers.append(_make_layer(linear, width, n_out))
        super().__init__(*layers)


class EnsembleLinear(nn.Module):
    """``n_members`` independent linear layers applied as one batched product.

    Input ``(members, batch, n_in)`` gives ``(members, batch, n_out)``. Each member is initialised
    like ``torch.nn.Linear`` (uniform in ±1/√n_in, from torch's global generator).

    Args:
        n_members: the number of independent layers.
        n_in: input features per member.
        n_out: output features per member.

    Used in:
        - :doc:`/book/phases/order-parameter-without-labels`
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
        - :doc:`/book/learning/grokking-effective-theory`
        - :doc:`/book/learning/grokking-beyond-the-toy`
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`

    Examples:
        >>> layer = EnsembleLinear(3, 4, 2)
        >>> tuple(layer(torch.zeros(3, 5, 4)).shape)
        (3, 5, 2)
    """

    def __init__(self, n_members: int, n_in: int, n_out: int) -> None:
        super().__init__()
        bound = 1.0 / math.sqrt(n_in)
        self.weight = nn.Parameter(
            torch.empty(n_members, n_in, n_out).uniform_(-bound, bound)
        )
        self.bias = nn.Parameter(
            torch.empty(n_members, 1, n_out).uniform_(-bound, bound)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)


class EnsembleMLP(nn.Module):
    """A deep ensemble of ``n_members`` MLPs evaluated in one batched pass.

    ``forward(x)`` takes ``(batch, n_in)`` (the same inputs for every member) or
    ``(n_members, batch, n_in)`` (each member its own minibatch) and returns
    ``(n_members, batch, n_out)``.

    Args:
        n_members: the number of MLPs (>= 1).
        n_in: input features (>= 1).
        n_out: output features (>= 1).
        hidden: the width of each hidden layer (>= 1).
        depth: the number of hidden layers (>= 1).
        activation: the name of the activation between layers (e.g. ``"silu"``, ``"relu"``).

    Raises:
        ValueError: on a size that is not a positive int or an unknown activation.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
        - :doc:`/book/learning/grokking-effective-theory`
        - :doc:`/book/learning/grokking-beyond-the-toy`
        - :doc:`/book/trustworthy/monotonic-lipschitz-trigger`
        - :doc:`/book/particles/classification-without-labels`

    Examples:
        >>> net = EnsembleMLP(4, n_in=1, n_out=2, hidden=8)
        >>> tuple(net(torch.zeros(10, 1)).shape)
        (4, 10, 2)
    """

    def __init__(
        self,
        n_members: int,
        n_in: int,
        n_out: int,
        hidden: int = 64,
        depth: int = 2,
        activation: str = "silu",
    ) -> None:
        _check_sizes(n_in, n_out, hidden, depth, 0.0)
        positive_int("n_members", n_members)
        super().__init__()
        self.n_members, self.n_in = n_members, n_in
        widths = [n_in] + [hidden] * depth
        self.hidden = nn.ModuleList(
            EnsembleLinear(n_members, a, b) for a, b in zip(widths[:-1], widths[1:])
        )
        self.act = _activation(activation)
        self.out = EnsembleLinear(n_members, widths[-1], n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 2:
            x = x.unsqueeze(0).expand(self.n_members, -1, -1)
        if x.ndim != 3 or x.shape[0] != self.n_members or x.shape[-1] != self.n_in:
            raise ValueError(
                f"x must have shape (batch, {self.n_in}) or ({self.n_members}, batch, {self.n_in}),"
                f" got {tuple(x.shape)}"
            )
        for layer in self.hidden:
            x = self.act(layer(x))
        return self.out(x)
