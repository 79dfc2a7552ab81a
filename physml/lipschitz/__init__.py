"""Lipschitz and monotonic networks (Kitouni 2024, thesis ch. 2).

- :mod:`physml.lipschitz.layers`: weight normalisation (eq. 2.8 and its variants), GroupSort,
  Lipschitz MLPs with a certified bound, the monotonic residual wrapper (eq. 2.3).
- :mod:`physml.lipschitz.toys`: the 1-D toys of Figs 2.1-2.2 and the loss study of Fig. 2.7.
- :mod:`physml.lipschitz.trigger`: a synthetic heavy-flavour trigger (a stand-in for the LHCb
  simulation, which is not public).
"""

from physml.lipschitz import layers, toys, trigger
from physml.lipschitz.layers import (
    KINDS,
    GroupSort,
    LipschitzLinear,
    LipschitzMLP,
    MonotonicWrapper,
    certified_bound,
    normalise,
    operator_norm,
    slope_bounds,
)

__all__ = [
    "layers",
    "toys",
    "trigger",
    "KINDS",
    "GroupSort",
    "LipschitzLinear",
    "LipschitzMLP",
    "MonotonicWrapper",
    "certified_bound",
    "normalise",
    "operator_norm",
    "slope_bounds",
]
