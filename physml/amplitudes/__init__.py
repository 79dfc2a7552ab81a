"""Amplitudes for the amplitude-regression chapter (Pawlowski & Plehn 2025, Sec. 2.1).

- :mod:`physml.amplitudes.phase_space`: RAMBO phase space for massless particles, the 2 -> n
  collision with beams along z, and the acceptance cuts (pT > 20 GeV, abs(eta) < 2.5,
  Delta R > 0.4).
- :mod:`physml.amplitudes.gluons`: the tree-level g g -> g g g squared amplitude, summed over
  colours and helicities, from the Parke-Taylor formula: the in-code substitute for the notes'
  one-loop g g -> gamma gamma g amplitudes from NJet.
- :mod:`physml.amplitudes.regression`: the networks with uncertainties that learn it (inputs,
  standardised log target, heteroscedastic ensemble, Bayesian network), the metric of eq. 2.10,
  the tail ratio and boosting.

Used in: :doc:`/book/foundations/learning-scattering-amplitudes`.
"""

from physml.amplitudes import gluons, phase_space, regression
from physml.amplitudes.gluons import HELICITY_FACTOR, invariants, squared_amplitude
from physml.amplitudes.phase_space import (
    DELTA_R_MIN,
    ETA_MAX,
    PT_MIN,
    cuts,
    phase_space_volume,
    pseudorapidity,
    rambo,
    sample_accepted,
    transverse_momentum,
    two_to_n,
)
from physml.amplitudes.regression import (
    FEATURES,
    Standardiser,
    boost_weights,
    features,
    fit_bayesian,
    fit_ensemble,
    predict_bayesian,
    predict_ensemble,
    relative_error,
    relative_sigma,
    tail_ratio,
)

__all__ = [
    "gluons",
    "phase_space",
    "regression",
    "HELICITY_FACTOR",
    "invariants",
    "squared_amplitude",
    "DELTA_R_MIN",
    "ETA_MAX",
    "PT_MIN",
    "cuts",
    "phase_space_volume",
    "pseudorapidity",
    "rambo",
    "sample_accepted",
    "transverse_momentum",
    "two_to_n",
    "FEATURES",
    "Standardiser",
    "boost_weights",
    "features",
    "fit_bayesian",
    "fit_ensemble",
    "predict_bayesian",
    "predict_ensemble",
    "relative_error",
    "relative_sigma",
    "tail_ratio",
]
