"""Uncertainties of network predictions: the split into data and model uncertainty, and its checks.

A Bayesian network, a deep ensemble or MC dropout give samples θ_s of the network; each returns a
mean Ā(θ_s) and, with a heteroscedastic loss, a width σ_model(θ_s). The total variance splits
(Pawlowski & Plehn 2025, eqs. 2.3-2.6) into

    σ²_tot = ⟨σ²_model(θ)⟩ + ⟨(Ā(θ) - ⟨Ā⟩)²⟩ = σ²_stoch + σ²_pred,

a data (stochastic, systematic) part that stays with more data and a model (predictive,
statistical) part that shrinks with more training data. :func:`pulls` and :func:`coverage` test
whether the total uncertainty is calibrated.

Used by "Fits, likelihoods and uncertainties".
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from physml._checks import positive_int


@dataclass
class UncertaintySplit:
    """Mean prediction and its uncertainties: σ_stoch (data), σ_pred (model), σ_tot."""

    mean: torch.Tensor
    sigma_stoch: torch.Tensor
    sigma_pred: torch.Tensor

    @property
    def sigma_tot(self) -> torch.Tensor:
        return torch.sqrt(self.sigma_stoch**2 + self.sigma_pred**2)


def decompose(means: torch.Tensor, sigmas: torch.Tensor | None = None) -> UncertaintySplit:
    """Split the uncertainty of ``S`` network samples (first axis) into σ_stoch and σ_pred.

    ``means`` has shape ``(S, ...)``; ``sigmas``, the per-sample widths σ_model, the same shape
    (omit it for a network without a learned width: σ_stoch = 0). σ_pred uses the unbiased
    sample variance over the ``S >= 2`` samples.
    """
    if not isinstance(means, torch.Tensor) or not means.is_floating_point():
        raise TypeError("means must be a floating-point torch.Tensor of shape (samples, ...)")
    if means.ndim < 1 or means.shape[0] < 2:
        raise ValueError(f"means needs at least 2 samples along axis 0, got shape {tuple(means.shape)}")
    if sigmas is not None:
        if not isinstance(sigmas, torch.Tensor) or sigmas.shape != means.shape:
            raise ValueError("sigmas must be a tensor of the same shape as means")
        if torch.any(sigmas < 0):
            raise ValueError("sigmas must be >= 0")
        stoch = torch.sqrt(torch.mean(sigmas**2, dim=0))
    else:
        stoch = torch.zeros_like(means[0])
    return UncertaintySplit(mean=means.mean(0), sigma_stoch=stoch, sigma_pred=means.std(0, correction=1))


def pulls(truth: torch.Tensor, mean: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Pulls (truth - mean) / σ; calibrated uncertainties give pulls distributed as N(0, 1)."""
    for name, t in (("truth", truth), ("mean", mean), ("sigma", sigma)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor")
    if not truth.shape == mean.shape == sigma.shape:
        raise ValueError(
            f"truth, mean and sigma must share a shape, got {tuple(truth.shape)}, "
            f"{tuple(mean.shape)}, {tuple(sigma.shape)}"
        )
    if torch.any(sigma <= 0):
        raise ValueError("sigma must be > 0 everywhere")
    return (truth - mean) / sigma


def coverage(truth: torch.Tensor, mean: torch.Tensor, sigma: torch.Tensor, z: float = 1.0) -> float:
    """Fraction of points with ``|truth - mean| <= z σ`` (0.683 for z = 1 when calibrated)."""
    if not z > 0:
        raise ValueError(f"z must be > 0, got {z!r}")
    return float((pulls(truth, mean, sigma).abs() <= z).float().mean())


def mc_dropout(model: torch.nn.Module, x: torch.Tensor, n_samples: int) -> torch.Tensor:
    """``n_samples`` forward passes with dropout active (MC dropout), stacked on axis 0.

    The inputs are repeated in one batch, so the samples cost one forward pass.
    """
    positive_int("n_samples", n_samples, minimum=2)
    was_training = model.training
    model.train()
    with torch.no_grad():
        out = model(x.repeat(n_samples, *([1] * (x.ndim - 1))))
    model.train(was_training)
    return out.reshape(n_samples, x.shape[0], *out.shape[1:])


def bootstrap_indices(n: int, n_members: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Row indices of one bootstrap resample of ``n`` points per ensemble member, shape (n, members).

    Training each member of a deep ensemble on its own resample (bagging) makes the spread of the
    members, σ_pred, estimate the statistical uncertainty of the fit; members that see the same
    data in the same order agree far more closely than the fit's real error.
    """
    positive_int("n", n)
    positive_int("n_members", n_members)
    return torch.randint(0, n, (n, n_members), generator=generator)


def fit_parameter_uncertainties(derivatives: torch.Tensor, sigma: torch.Tensor
                                ) -> tuple[torch.Tensor, torch.Tensor]:
    """Explain a σ_pred profile as error propagation from a few fit parameters θ_k (§5.4.3).

    Model: σ²(x) = Σ_k (∂p/∂θ_k (x))² Δθ_k², with ``derivatives`` of shape (n_points, n_params)
    and ``sigma`` of shape (n_points,). The squares Δθ_k² ≥ 0 come from non-negative least squares
    (scipy's NNLS). Returns (Δθ, the fitted σ(x)). Used by "Invertible networks" for eqs. 5.65 and
    5.68.
    """
    from scipy.optimize import nnls

    d = torch.as_tensor(derivatives, dtype=torch.float64)
    s = torch.as_tensor(sigma, dtype=torch.float64)
    if d.ndim != 2 or s.ndim != 1 or len(d) != len(s) or len(s) < d.shape[1]:
        raise ValueError("derivatives must be (n_points, n_params) and sigma (n_points,) with n_points >= n_params")
    squares, _ = nnls((d**2).numpy(), (s**2).numpy())
    delta = torch.as_tensor(squares).sqrt()
    return delta, ((d**2) @ delta**2).sqrt()
