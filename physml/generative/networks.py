"""The time-conditioned network of the diffusion models: an MLP of (x, features of t) (§5.5).

Both the DDPM's noise predictor ε_θ(x, t) and the CFM's velocity field v_θ(x, t) take a point and
a time t ∈ [0, 1]. :class:`TimeMLP` feeds the network x together with t and a few Fourier
features sin(kπt), cos(kπt), which lets a small MLP change quickly with t; ``bayesian=True``
builds it from :class:`physml.bayesian.BayesLinear` layers.

Used by "Diffusion and flow matching".
"""

from __future__ import annotations

import math

import torch
from torch import nn

from physml._checks import positive_int
from physml.nn import MLP


class TimeMLP(nn.Module):
    """f(x, t): an MLP of x ∈ R^dim, t and ``n_frequencies`` Fourier pairs of t, returning R^dim."""

    def __init__(self, dim: int = 2, hidden: int = 64, depth: int = 3, *, n_frequencies: int = 4,
                 bayesian: bool = False, prior_std: float = 1.0) -> None:
        super().__init__()
        self.dim = positive_int("dim", dim)
        self.n_frequencies = positive_int("n_frequencies", n_frequencies, minimum=0)
        self.register_buffer("frequencies", math.pi * torch.arange(1, n_frequencies + 1, dtype=torch.float32))
        self.net = MLP(dim + 1 + 2 * n_frequencies, dim, hidden=hidden, depth=depth,
                       bayesian=bayesian, prior_std=prior_std)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"x must have shape (n, {self.dim}), got {tuple(x.shape)}")
        t = torch.as_tensor(t, dtype=x.dtype, device=x.device)
        t = t.expand(x.shape[0]) if t.ndim == 0 else t.reshape(-1)
        if len(t) != len(x):
            raise ValueError(f"t must be a scalar or have one entry per point, got {len(t)} for {len(x)} points")
        angles = t[:, None] * self.frequencies.to(x.dtype)
        return self.net(torch.cat((x, t[:, None], torch.sin(angles), torch.cos(angles)), dim=1))
