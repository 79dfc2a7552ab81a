"""Normalizing flows for physics.

- :mod:`physml.flows.coupling`: the affine coupling layer (exact inverse and log-determinant)
  shared by every flow of the book, dense RealNVP-style couplings, the (optionally Bayesian)
  coupling flow for event-like data and its likelihood training.
- :mod:`physml.flows.box_muller`: the Box-Muller transform, an analytic flow.
- :mod:`physml.flows.benchmark`: zuko's spline flow on a box, and a table comparing flows.

- :mod:`physml.flows.checkerboard`: checkerboard affine coupling layers for lattice fields with
  tanh CNNs and the Z₂-equivariant ``|s|`` form, and the trivializing flow built from them.
- :mod:`physml.flows.trivializing`: reverse-KL training from the action alone, the flow as an
  independent Metropolis proposal, and flow HMC.
"""

from physml.flows import benchmark, box_muller, checkerboard, coupling, trivializing
from physml.flows.benchmark import ZukoOnBox
from physml.flows.checkerboard import AffineCheckerboard, TrivializingFlow
from physml.flows.coupling import (
    AffineCoupling,
    BoxLogit,
    CouplingFlow,
    DenseCoupling,
    standard_normal_log_prob,
)
from physml.flows.trivializing import (
    FlowHMC,
    effective_sample_size,
    equilibrium_acceptance,
    independence_metropolis,
    log_prior,
    proposal_log_weights,
    sample_model,
    train_reverse_kl,
)

__all__ = [
    "benchmark",
    "box_muller",
    "checkerboard",
    "coupling",
    "trivializing",
    "AffineCheckerboard",
    "TrivializingFlow",
    "ZukoOnBox",
    "AffineCoupling",
    "BoxLogit",
    "CouplingFlow",
    "DenseCoupling",
    "standard_normal_log_prob",
    "FlowHMC",
    "effective_sample_size",
    "equilibrium_acceptance",
    "independence_metropolis",
    "log_prior",
    "proposal_log_weights",
    "sample_model",
    "train_reverse_kl",
]
