"""Likelihood losses: every regression loss of the book is a negative log-likelihood.

- :func:`mse`: the mean squared error, a Gaussian likelihood with one unknown, constant width.
- :func:`chi2`: the Gaussian likelihood with known per-point widths σ_j (Pawlowski & Plehn
  2025, eq. 1.43): ``Σ_j |f_j - f_θ(x_j)|² / (2σ_j²)``, averaged over points.
- :func:`gaussian_nll`: the heteroscedastic loss with a learned width (eq. 2.8):
  ``|Ā_j - A_j|² / (2σ_j²) + log σ_j``, averaged over points (the constant log √(2π) dropped).

These are losses evaluated at every training step: they check types and shapes but propagate
NaN and inf as torch does (a finiteness check would cost a device sync per step); the data are
checked once, on entry to :func:`physml.train.fit` and the fitting functions of
:mod:`physml.fits.regression`.

Used by :doc:`/book/foundations/fits-likelihoods-uncertainties`.
"""

from __future__ import annotations

import torch


def _same_shape(**tensors: torch.Tensor) -> None:
    names = list(tensors)
    for name, t in tensors.items():
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
        if not t.is_floating_point():
            raise TypeError(f"{name} must be a floating-point tensor, got {t.dtype}")
    shape = tensors[names[0]].shape
    for name in names[1:]:
        if tensors[name].shape != shape:
            raise ValueError(f"{name} has shape {tuple(tensors[name].shape)}, {names[0]} has {tuple(shape)}")


def mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error (eq. 1.44)."""
    _same_shape(prediction=prediction, target=target)
    return torch.mean((prediction - target) ** 2)


def chi2(prediction: torch.Tensor, target: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Mean of ``|target - prediction|² / (2 σ²)``: the χ² fit loss with known errors (eq. 1.43)."""
    _same_shape(prediction=prediction, target=target, sigma=sigma)
    if torch.any(sigma <= 0):
        raise ValueError("sigma must be > 0 everywhere")
    return torch.mean((prediction - target) ** 2 / (2 * sigma**2))


def gaussian_nll(mean: torch.Tensor, log_sigma: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Heteroscedastic Gaussian negative log-likelihood with a learned width (eq. 2.8)."""
    _same_shape(mean=mean, log_sigma=log_sigma, target=target)
    return torch.mean((target - mean) ** 2 * torch.exp(-2 * log_sigma) / 2 + log_sigma)
