"""Unfolding: inverting the detector (Pawlowski & Plehn 2025, Sec. 6).

- :mod:`physml.unfolding.binned`: the smearing matrix of eqs. 6.1-6.5, its exact and
  first-order inverses, the noise of a matrix unfolding, and iterative Bayesian unfolding (IBU).
- :mod:`physml.unfolding.omnifold`: OmniFold's classifier reweighting (eqs. 6.7-6.12) with
  boosted-tree, neural-network and exact binned classifiers.
- :mod:`physml.unfolding.toys`: the Gaussian toy of the OmniFold paper and its closed-form
  iterations.

Used by :doc:`/book/unfolding/from-a-matrix-to-omnifold`.
"""

from physml.unfolding import binned, omnifold, toys
from physml.unfolding.binned import (
    approximate_inverse,
    exact_inverse,
    ibu,
    response_matrix,
    sample_reco_counts,
    smearing_matrix,
    unfolded_covariance,
)
from physml.unfolding.omnifold import (
    BoostedClassifier,
    HistogramClassifier,
    MLPClassifier,
    OmniFoldResult,
    run_omnifold,
)
from physml.unfolding.toys import GaussianToy, gaussian_toy, ideal_gaussian_iterations

__all__ = [
    "BoostedClassifier",
    "GaussianToy",
    "HistogramClassifier",
    "MLPClassifier",
    "OmniFoldResult",
    "approximate_inverse",
    "binned",
    "exact_inverse",
    "gaussian_toy",
    "ibu",
    "ideal_gaussian_iterations",
    "omnifold",
    "response_matrix",
    "run_omnifold",
    "sample_reco_counts",
    "smearing_matrix",
    "toys",
    "unfolded_covariance",
]
