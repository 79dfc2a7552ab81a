"""Jets from a real generator, as images and as point clouds (Pawlowski and Plehn 2025,
Sec. 3.2.3-3.3.5).

- :mod:`physml.jets.kinematics`: four-momenta ``(E, px, py, pz)``: pT, eta, phi, mass,
  Minkowski products with a diagonal metric, Lorentz boosts.
- :mod:`physml.jets.sample`: :class:`JetSample`, labelled jets as constituent four-momenta.
- :mod:`physml.jets.inputs`: constituents, padding mask and per-particle features from the jet
  axis, shared by the point-cloud taggers; parameter counts and the taggers' loss.
- :mod:`physml.jets.deepsets`: deep sets, the PFN and the IRC-safe EFN, Table 1's observables.
- :mod:`physml.jets.graphs`: kNN graphs, EdgeConv, a ParticleNet-like dynamic graph CNN.
- :mod:`physml.jets.transformer`: a transformer tagger with the IR-safe attention of eq. 3.79.
- :mod:`physml.jets.lola`: CoLa and LoLa with a trainable diagonal metric (eqs. 3.54-3.58).
"""

from physml.jets import deepsets, graphs, inputs, kinematics, lola, sample, transformer
from physml.jets.deepsets import (
    EFN,
    PFN,
    deep_set,
    mass_as_deep_set,
    multiplicity_as_deep_set,
    pt_dispersion_as_deep_set,
)
from physml.jets.graphs import EdgeConv, ParticleNet, knn
from physml.jets.inputs import (
    FEATURES,
    angular_coordinates,
    constituent_batch,
    n_parameters,
    particle_features,
    pt_fraction,
    tagger_loss,
)
from physml.jets.kinematics import (
    MINKOWSKI,
    boost,
    delta_phi,
    delta_r,
    eta,
    four_momentum,
    mass,
    mass_squared,
    minkowski_dot,
    phi,
    pt,
)
from physml.jets.lola import METRIC_INITS, LoLa
from physml.jets.sample import QCD, TOP, JetSample
from physml.jets.transformer import JetTransformer, MaskedSelfAttention

__all__ = [
    "EFN",
    "FEATURES",
    "METRIC_INITS",
    "MINKOWSKI",
    "PFN",
    "QCD",
    "TOP",
    "EdgeConv",
    "JetSample",
    "JetTransformer",
    "LoLa",
    "MaskedSelfAttention",
    "ParticleNet",
    "angular_coordinates",
    "boost",
    "constituent_batch",
    "deep_set",
    "deepsets",
    "delta_phi",
    "delta_r",
    "eta",
    "four_momentum",
    "graphs",
    "inputs",
    "kinematics",
    "knn",
    "lola",
    "mass",
    "mass_as_deep_set",
    "mass_squared",
    "minkowski_dot",
    "multiplicity_as_deep_set",
    "n_parameters",
    "particle_features",
    "phi",
    "pt",
    "pt_dispersion_as_deep_set",
    "pt_fraction",
    "sample",
    "tagger_loss",
    "transformer",
]
