"""Small networks shared by the chapters: an MLP and a batched ensemble of MLPs.

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

import torch
from torch import nn

from physml._checks import positive_int
from physml.bayesian import BayesLinear

_ACTIVATIONS = {"relu": nn.ReLU, "silu": nn.SiLU, "tanh": nn.Tanh, "gelu": nn.GELU}


def _check_sizes(n_in: int, n_out: int, hidden: int, depth: int, dropout: float) -> None:
    for name, val in (("n_in", n_in), ("n_out", n_out), ("hidden", hidden), ("depth", depth)):
        positive_int(name, val)
    if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")


def _activation(name: str) -> nn.Module:
    if name not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {name!r}")
    return _ACTIVATIONS[name]()


class MLP(nn.Sequential):
    """A fully connected network: ``depth`` hidden layers of width ``hidden``, optional dropout.

    ``bayesian=True`` builds it from :class:`physml.bayesian.BayesLinear` layers with a Gaussian
    prior of width ``prior_std`` (the Bayesian networks of "Invertible networks" and "Diffusion and
    flow matching").
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        hidden: int = 64,
        depth: int = 2,
        activation: str = "silu",
        dropout: float = 0.0,
        bayesian: bool = False,
        prior_std: float = 1.0,
    ) -> None:
        _check_sizes(n_in, n_out, hidden, depth, dropout)
        if not isinstance(bayesian, bool):
            raise TypeError(f"bayesian must be a bool, got {type(bayesian).__name__}")

        def linear(a: int, b: int) -> nn.Module:
            return BayesLinear(a, b, prior_std=prior_std) if bayesian else nn.Linear(a, b)

        layers: list[nn.Module] = []
        width = n_in
        for _ in range(depth):
            layers += [linear(width, hidden), _activation(activation)]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = hidden
        layers.append(linear(width, n_out))
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
        self.weight = nn.Parameter(torch.empty(n_members, n_in, n_out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_members, 1, n_out).uniform_(-bound, bound))

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
