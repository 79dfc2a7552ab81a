"""Lipschitz and monotonic networks (Kitouni 2024, thesis ch. 2).

- :mod:`physml.lipschitz.layers`: weight normalisation (eq. 2.8 and its variants), GroupSort,
  Lipschitz MLPs with a certified bound, the monotonic residual wrapper (eq. 2.3).
- :mod:`physml.lipschitz.toys`: the 1-D toys of Figs 2.1-2.2 and the loss study of Fig. 2.7.
- :mod:`physml.lipschitz.trigger`: a synthetic heavy-flavour trigger (a stand-in for the LHCb
  simulation, which is not public).
- :mod:`physml.lipschitz.emd`: NEEMo (thesis ch. 4), the energy mover's distance from a 1-Lipschitz
  potential (the Kantorovich-Rubinstein dual), shapes fitted by it, toy events and the exact
  reference (``pot``).
"""

from physml.lipschitz import emd, layers, toys, trigger
from physml.lipschitz.emd import (
    LipschitzPotentials,
    NeemoSettings,
    ShapeFit,
    centre_error,
    circle_scene,
    circles,
    dual_emd,
    ellipse,
    exact_emd,
    fit_shapes,
    subjet_centres,
    toy_jets,
    train_potentials,
    triangle,
    triangle_and_ellipse,
    triangle_ellipse_scene,
)
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
    "emd",
    "LipschitzPotentials",
    "NeemoSettings",
    "ShapeFit",
    "centre_error",
    "circle_scene",
    "circles",
    "dual_emd",
    "ellipse",
    "exact_emd",
    "fit_shapes",
    "subjet_centres",
    "toy_jets",
    "train_potentials",
    "triangle",
    "triangle_and_ellipse",
    "triangle_ellipse_scene",
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
