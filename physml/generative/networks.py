"""The time-conditioned network of the diffusion models: an MLP of (x, features of t) (§5.5).

Both the DDPM's noise predictor ε_θ(x, t) and the CFM's velocity field v_θ(x, t) take a point and
a time t ∈ [0, 1]. :class:`TimeMLP` feeds the network x together with t and a few Fourier
features sin(kπt), cos(kπt), which lets a small MLP change quickly with t; the layer factory
``linear=physml.bayesian.bayes_linear()`` makes it Bayesian.

Used by "Diffusion and flow matching".
"""

from __future__ import annotations

import math

import torch
from torch import nn

from physml._checks import positive_int
from physml.nn import MLP, LinearFactory


class TimeMLP(nn.Module):
    """f(x, t): an MLP of x ∈ R^dim, t and ``n_frequencies`` Fourier pairs of t, returning R^dim.

    ``forward(x, t)`` takes points x of shape ``(n, dim)`` and t a scalar or ``(n,)`` (in [0, 1];
    cast to x's dtype and device) and returns ``(n, dim)``. NaN in x or t propagates; no check, as
    for a tensor op.

    Args:
        dim: dimension of x and of the output, a positive int.
        hidden: width of the MLP's hidden layers, a positive int.
        depth: hidden layers of the MLP, a positive int.
        n_frequencies: Fourier pairs sin(kπt), cos(kπt), k = 1..n_frequencies, an int ≥ 0.
        linear: layer factory of the MLP (:data:`physml.nn.LinearFactory`); ``torch.nn.Linear``
            (default) or :func:`physml.bayesian.bayes_linear` for a Bayesian network.

    Raises:
        ValueError: naming ``dim``, ``hidden``, ``depth`` or ``n_frequencies`` when out of range;
            from ``forward``, if x is not ``(n, dim)`` or t has neither one entry nor one per point.
        TypeError: naming ``linear`` if it is not a layer factory.

    References:
        Pawlowski & Plehn 2025, §5.5 (the networks ε_θ(x, t) of eq. 5.88 and v_θ(x, t) of eq. 5.104).

    Used in:
        - :doc:`/book/generative/diffusion-and-flow-matching`
    """

    def __init__(
        self,
        dim: int = 2,
        hidden: int = 64,
        depth: int = 3,
        *,
        n_frequencies: int = 4,
        linear: LinearFactory = nn.Linear,
    ) -> None:
        super().__init__()
        self.dim = positive_int("dim", dim)
        self.n_frequencies = positive_int("n_frequencies", n_frequencies, minimum=0)
        self.register_buffer(
            "frequencies",
            math.pi * torch.arange(1, n_frequencies + 1, dtype=torch.float32),
        )
        self.net = MLP(
            dim + 1 + 2 * n_frequencies, dim, hidden=hidden, depth=depth, linear=linear
        )

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"x must have shape (n, {self.dim}), got {tuple(x.shape)}")
        t = torch.as_tensor(t, dtype=x.dtype, device=x.device)
        t = t.expand(x.shape[0]) if t.ndim == 0 else t.reshape(-1)
        if len(t) != len(x):
            raise ValueError(
                f"t must be a scalar or have one entry per point, got {len(t)} for {len(x)} points"
            )
        angles = t[:, None] * self.frequencies.to(x.dtype)
        return self.net(
            torch.cat((x, t[:, None], torch.sin(angles), torch.cos(angles)), dim=1)
        )
