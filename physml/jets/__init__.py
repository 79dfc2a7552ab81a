"""Jets from a real generator, as images and as point clouds (Pawlowski and Plehn 2025,
Sec. 3.2.3-3.3.5).

- :mod:`physml.jets.kinematics`: four-momenta ``(E, px, py, pz)``: pT, eta, phi, mass,
  Minkowski products with a diagonal metric, Lorentz boosts.
- :mod:`physml.jets.sample`: :class:`JetSample`, labelled jets as constituent four-momenta.
- :mod:`physml.jets.generation`: top and QCD jets from Pythia 8 and FastJet
  (:class:`GeneratorSettings`, :func:`generate`, :func:`top_and_qcd`), in seeded chunks over any
  executor, cached on disk.
- :mod:`physml.jets.inputs`: constituents, padding mask and per-particle features from the jet
  axis, shared by the point-cloud taggers; parameter counts and the taggers' loss.
- :mod:`physml.jets.deepsets`: deep sets, the PFN and the IRC-safe EFN, Table 1's observables.
- :mod:`physml.jets.graphs`: kNN graphs, EdgeConv, a ParticleNet-like dynamic graph CNN.
- :mod:`physml.jets.transformer`: a transformer tagger with the IR-safe attention of eq. 3.79.
- :mod:`physml.jets.lola`: CoLa and LoLa with a trainable diagonal metric (eqs. 3.54-3.58).
- :mod:`physml.jets.perturbations`: a random permutation of the constituents, a soft emission, a
  collinear splitting: the transformations the taggers' symmetries are tested with.
- :mod:`physml.jets.contrastive`: JetCLR, representations learned by contrast: rotations,
  translations, soft smearing and collinear splittings as augmentations, the NT-Xent loss, a
  deep-set encoder and the linear classifier test (Sec. 3.4).
- :mod:`physml.jets.images`: jet images in (Delta eta, Delta phi), their preprocessing (centre,
  rotate, flip, normalise), the Pearson correlation map and the average image per class.
- :mod:`physml.jets.substructure`: N-subjettiness with exclusive-kT axes, tau_3/tau_2, the jet
  mass and the subjet-pair masses (the W inside a top jet).
- :mod:`physml.jets.taggers`: the toy CNN of the notes' Fig. 7 trained through
  :func:`physml.train.fit`, and a BDT baseline on (m, tau_3/tau_2).
- :mod:`physml.jets.weak_supervision`: learning from label proportions and classification without
  labels (CWoLa): two-Gaussian mixtures, the inversion of eq. 4.1, the likelihood ratios of
  eq. 4.2, batched training of every member of a sweep, mixed samples of jets (Sec. 4.1).
- :mod:`physml.jets.anomalies`: anomaly searches without a signal model: the convolutional AE and
  VAE of Fig. 25, the reconstruction error as anomaly score, Langevin chains and the normalised
  autoencoder (Sec. 4.2, eqs. 4.4-4.14).
- :mod:`physml.jets.toy`: a numpy toy shower of top and QCD jets, for unit tests only.
"""

from physml.jets import (
    anomalies,
    contrastive,
    deepsets,
    generation,
    graphs,
    images,
    inputs,
    kinematics,
    lola,
    perturbations,
    sample,
    substructure,
    taggers,
    toy,
    transformer,
    weak_supervision,
)
from physml.jets.anomalies import (
    JetAutoencoder,
    NAESettings,
    gaussian_filter,
    intensity_scale,
    langevin,
    nae_loss,
    nae_negatives,
    reconstruction_error,
    train_autoencoder,
    train_nae,
    vae_loss,
)
from physml.jets.contrastive import (
    AUGMENTATIONS,
    LAMBDA_SOFT,
    ContrastiveEncoder,
    augment,
    collinear_splittings,
    linear_classifier_test,
    nt_xent,
    pair_similarity,
    rotate,
    rotation_similarity,
    soft_smear,
    train_contrastive,
    translate,
)
from physml.jets.deepsets import (
    EFN,
    PFN,
    deep_set,
    mass_as_deep_set,
    multiplicity_as_deep_set,
    pt_dispersion_as_deep_set,
)
from physml.jets.generation import GeneratorSettings, generate, top_and_qcd
from physml.jets.graphs import EdgeConv, ParticleNet, knn
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
from physml.jets.perturbations import (
    collinear_split,
    permute_constituents,
    with_soft_particle,
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
    bdt_features,
    bdt_scores,
    fit_bdt,
    rejection_text,
    tagger_scores,
    train_tagger,
)
from physml.jets.toy import toy_jets
from physml.jets.transformer import JetTransformer, MaskedSelfAttention
from physml.jets.weak_supervision import (
    Mixtures,
    auc_error,
    auc_per_member,
    gaussian_auc,
    gaussian_roc_integral,
    llp_densities,
    llp_histogram_scores,
    llp_likelihood_ratio,
    member_scores,
    mixed_ratio,
    mixed_ratio_slope,
    mixed_samples,
    pad_members,
    train_classifiers,
    two_gaussian_mixtures,
)

__all__ = [
    "AUGMENTATIONS",
    "EFN",
    "FEATURES",
    "LAMBDA_SOFT",
    "METRIC_INITS",
    "MINKOWSKI",
    "PFN",
    "PIXEL_SIZE",
    "QCD",
    "TOP",
    "W_MASS",
    "ContrastiveEncoder",
    "EdgeConv",
    "GeneratorSettings",
    "JetAutoencoder",
    "JetCNN",
    "JetSample",
    "JetTransformer",
    "LoLa",
    "MaskedSelfAttention",
    "Mixtures",
    "NAESettings",
    "ParticleNet",
    "angular_coordinates",
    "anomalies",
    "as_constituents",
    "augment",
    "auc_error",
    "auc_per_member",
    "bdt_features",
    "bdt_scores",
    "boost",
    "class_means",
    "collinear_split",
    "collinear_splittings",
    "constituent_batch",
    "contrastive",
    "deep_set",
    "deepsets",
    "delta_phi",
    "delta_r",
    "eta",
    "exclusive_kt_axes",
    "fit_bdt",
    "four_momentum",
    "gaussian_auc",
    "gaussian_filter",
    "intensity_scale",
    "gaussian_roc_integral",
    "generate",
    "generation",
    "graphs",
    "images",
    "inputs",
    "jet_coordinates",
    "jet_image",
    "jet_mass",
    "kinematics",
    "knn",
    "langevin",
    "linear_classifier_test",
    "llp_densities",
    "llp_histogram_scores",
    "llp_likelihood_ratio",
    "lola",
    "mass",
    "mass_as_deep_set",
    "mass_squared",
    "member_scores",
    "minkowski_dot",
    "mixed_ratio",
    "mixed_ratio_slope",
    "mixed_samples",
    "multiplicity_as_deep_set",
    "n_parameters",
    "nae_loss",
    "nae_negatives",
    "n_subjettiness",
    "nt_xent",
    "pad_members",
    "particle_features",
    "pearson_map",
    "permute_constituents",
    "perturbations",
    "phi",
    "pixelise",
    "preprocess",
    "reconstruction_error",
    "pt",
    "pt_dispersion_as_deep_set",
    "pt_fraction",
    "rejection_text",
    "rotate",
    "pair_similarity",
    "rotation_similarity",
    "sample",
    "soft_smear",
    "subjet_pair_masses",
    "substructure",
    "tagger_loss",
    "tagger_scores",
    "taggers",
    "tau_ratio",
    "top_and_qcd",
    "toy",
    "toy_jets",
    "train_autoencoder",
    "train_contrastive",
    "train_tagger",
    "transformer",
    "train_nae",
    "translate",
    "train_classifiers",
    "two_gaussian_mixtures",
    "vae_loss",
    "w_candidate_mass",
    "weak_supervision",
    "with_soft_particle",
]
