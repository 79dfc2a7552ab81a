"""Fits, likelihoods and uncertainties: network regression in physical units (Pawlowski & Plehn 2025,
chapters 1-2).

- :mod:`physml.fits.likelihood`: the regression losses as negative log-likelihoods: MSE, the χ²
  with known errors, the heteroscedastic Gaussian loss with a learned width.
- :mod:`physml.fits.regression`: invertible preprocessing in physical units, curve fits, the
  heteroscedastic deep ensemble and MC dropout with their uncertainty split.
- :mod:`physml.fits.toys`: the one-dimensional toys with a known truth (the resonance spectrum
  and the heteroscedastic smooth curve).

Used by :doc:`/book/foundations/fits-likelihoods-uncertainties`.
"""

from physml.fits import likelihood, regression, toys
from physml.fits.likelihood import chi2, gaussian_nll, mse
from physml.fits.regression import (
    Preprocessing,
    RegressionSettings,
    fit_curve,
    fit_heteroscedastic_ensemble,
    fit_mc_dropout,
    predict_ensemble,
    predict_mc_dropout,
    predict_members,
)
from physml.fits.toys import (
    SPECTRUM_PARAMS,
    noise_width,
    sample_heteroscedastic,
    sample_spectrum,
    smooth_truth,
    spectrum,
)

__all__ = [
    "likelihood",
    "regression",
    "toys",
    "chi2",
    "gaussian_nll",
    "mse",
    "Preprocessing",
    "RegressionSettings",
    "fit_curve",
    "fit_heteroscedastic_ensemble",
    "fit_mc_dropout",
    "predict_ensemble",
    "predict_mc_dropout",
    "predict_members",
    "SPECTRUM_PARAMS",
    "noise_width",
    "sample_heteroscedastic",
    "sample_spectrum",
    "smooth_truth",
    "spectrum",
]
