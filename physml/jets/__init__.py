"""Jets from a real generator, as images and as point clouds (Pawlowski and Plehn 2025,
Sec. 3.2.3-3.3.5).

- :mod:`physml.jets.kinematics`: four-momenta ``(E, px, py, pz)``: pT, eta, phi, mass,
  Minkowski products with a diagonal metric, Lorentz boosts.
- :mod:`physml.jets.sample`: :class:`JetSample`, labelled jets as constituent four-momenta.
- :mod:`physml.jets.images`: jet images in (Delta eta, Delta phi), their preprocessing (centre,
  rotate, flip, normalise), the Pearson correlation map and the average image per class.
- :mod:`physml.jets.substructure`: N-subjettiness with exclusive-kT axes, tau_3/tau_2, the jet
  mass and the subjet-pair masses (the W inside a top jet).
- :mod:`physml.jets.taggers`: the toy CNN of the notes' Fig. 7 trained through
  :func:`physml.train.fit`, and a BDT baseline on (m, tau_3/tau_2).
- :mod:`physml.jets.toy`: a numpy toy shower of top and QCD jets, for unit tests only.
"""

from physml.jets import images, kinematics, sample, substructure, taggers, toy
from physml.jets.images import (
    PIXEL_SIZE,
    as_constituents,
    class_means,
    jet_coordinates,
    jet_image,
    pearson_map,
    pixelise,
    preprocess,
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
from physml.jets.sample import QCD, TOP, JetSample
from physml.jets.substructure import (
    W_MASS,
    exclusive_kt_axes,
    jet_mass,
    n_subjettiness,
    subjet_pair_masses,
    tau_ratio,
    w_candidate_mass,
)
from physml.jets.taggers import (
    JetCNN,
    bce_loss,
    bdt_features,
    bdt_scores,
    cnn_scores,
    fit_bdt,
    train_cnn,
)
from physml.jets.toy import toy_jets

__all__ = [
    "MINKOWSKI",
    "PIXEL_SIZE",
    "QCD",
    "TOP",
    "W_MASS",
    "JetCNN",
    "JetSample",
    "as_constituents",
    "bce_loss",
    "bdt_features",
    "bdt_scores",
    "boost",
    "class_means",
    "cnn_scores",
    "delta_phi",
    "delta_r",
    "eta",
    "exclusive_kt_axes",
    "fit_bdt",
    "four_momentum",
    "images",
    "jet_coordinates",
    "jet_image",
    "jet_mass",
    "kinematics",
    "mass",
    "mass_squared",
    "minkowski_dot",
    "n_subjettiness",
    "pearson_map",
    "phi",
    "pixelise",
    "preprocess",
    "pt",
    "sample",
    "subjet_pair_masses",
    "substructure",
    "taggers",
    "tau_ratio",
    "toy",
    "toy_jets",
    "train_cnn",
    "w_candidate_mass",
]
