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
            raise ValueError(
                f"{name} has shape {tuple(tensors[name].shape)}, {names[0]} has {tuple(shape)}"
            )


def mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error (Pawlowski & Plehn 2025, eq. 1.44).

    Args:
        prediction: the network's output, any shape, floating point.
        target: the data, the same shape and units.

    Returns:
        The mean of ``(prediction - target)²`` over all entries, a 0-d tensor.

    Raises:
        TypeError: if an argument is not a floating-point tensor.
        ValueError: if the shapes differ.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`

    References:
        Pawlowski & Plehn 2025, eq. 1.44.
    """
    _same_shape(prediction=prediction, target=target)
    return torch.mean((prediction - target) ** 2)


def chi2(
    prediction: torch.Tensor, target: torch.Tensor, sigma: torch.Tensor
) -> torch.Tensor:
    """Mean of ``|target - prediction|² / (2 σ²)``: the χ² fit loss with known errors.

    Args:
        prediction: the network's output, any shape, floating point.
        target: the data, the same shape and units.
        sigma: the known error of each target, the same shape and units, > 0.

    Returns:
        The loss, a 0-d tensor (dimensionless).

    Raises:
        TypeError: if an argument is not a floating-point tensor.
        ValueError: if the shapes differ or ``sigma`` is not > 0 everywhere.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`

    References:
        Pawlowski & Plehn 2025, eq. 1.43.
    """
    _same_shape(prediction=prediction, target=target, sigma=sigma)
    if torch.any(sigma <= 0):
        raise ValueError("sigma must be > 0 everywhere")
    return torch.mean((prediction - target) ** 2 / (2 * sigma**2))


def gaussian_nll(
    mean: torch.Tensor, log_sigma: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """Heteroscedastic Gaussian negative log-likelihood with a learned width.

    ``|Ā - A|² / (2σ²) + log σ`` averaged over points, the constant log √(2π) dropped.

    Args:
        mean: the predicted mean Ā, any shape, floating point.
        log_sigma: the predicted log σ, the same shape (σ in the units of the target).
        target: the data A, the same shape.

    Returns:
        The loss, a 0-d tensor.

    Raises:
        TypeError: if an argument is not a floating-point tensor.
        ValueError: if the shapes differ.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`

    References:
        Pawlowski & Plehn 2025, eq. 2.8.
    """
    _same_shape(mean=mean, log_sigma=log_sigma, target=target)
    return torch.mean((target - mean) ** 2 * torch.exp(-2 * log_sigma) / 2 + log_sigma)
