"""Uncertainties of network predictions: the split into data and model uncertainty, and its checks.

A Bayesian network, a deep ensemble or MC dropout give samples θ_s of the network; each returns a
mean Ā(θ_s) and, with a heteroscedastic loss, a width σ_model(θ_s). The total variance splits
(Pawlowski & Plehn 2025, eqs. 2.3-2.6) into

    σ²_tot = ⟨σ²_model(θ)⟩ + ⟨(Ā(θ) - ⟨Ā⟩)²⟩ = σ²_stoch + σ²_pred,

a data (stochastic, systematic) part that stays with more data and a model (predictive,
statistical) part that shrinks with more training data. :func:`pulls` and :func:`coverage` test
whether the total uncertainty is calibrated.

Used by :doc:`/book/foundations/fits-likelihoods-uncertainties`; :func:`decompose` also by
:doc:`/book/generative/invertible-networks` and :doc:`/book/generative/diffusion-and-flow-matching`,
:func:`binned_coverage` and :func:`fit_parameter_uncertainties` by
:doc:`/book/generative/invertible-networks`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from physml import stats
from physml._checks import finite, positive_int


@dataclass
class UncertaintySplit:
    """Mean prediction and its uncertainties: σ_stoch (data), σ_pred (model), σ_tot.

    Returned by :func:`decompose`; ``sigma_tot`` is √(σ_stoch² + σ_pred²) (Pawlowski & Plehn
    2025, eq. 2.6). All tensors have the shape of one network sample's output, in its units.

    Args:
        mean: the mean prediction ⟨Ā⟩ over the samples.
        sigma_stoch: the data (stochastic) uncertainty √⟨σ²_model⟩.
        sigma_pred: the model (predictive) uncertainty, the spread of the samples' means.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`
    """

    mean: torch.Tensor
    sigma_stoch: torch.Tensor
    sigma_pred: torch.Tensor

    @property
    def sigma_tot(self) -> torch.Tensor:
        return torch.sqrt(self.sigma_stoch**2 + self.sigma_pred**2)


def decompose(
    means: torch.Tensor, sigmas: torch.Tensor | None = None
) -> UncertaintySplit:
    """Split the uncertainty of ``S`` network samples (first axis) into σ_stoch and σ_pred.

    σ_pred uses the unbiased sample variance over the ``S >= 2`` samples (Pawlowski & Plehn
    2025, eqs. 2.3-2.6).

    Args:
        means: shape ``(S, ...)``, float: the mean prediction of each of S network samples.
        sigmas: the per-sample widths σ_model, the shape of ``means``, >= 0; ``None`` for a
            network without a learned width (σ_stoch = 0).

    Returns:
        An :class:`UncertaintySplit` with tensors of shape ``means.shape[1:]``.

    Raises:
        TypeError: if ``means`` is not a floating-point tensor.
        ValueError: on fewer than 2 samples, NaN or inf in ``means`` or ``sigmas``, a shape
            mismatch or a negative width.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`

    References:
        Pawlowski & Plehn 2025, eqs. 2.3-2.6.

    Examples:
        >>> means = torch.tensor([[1.0, 2.0], [1.2, 2.2], [0.8, 1.8]])
        >>> split = decompose(means, torch.full((3, 2), 0.3))
        >>> [[round(v, 4) for v in t.tolist()] for t in (split.mean, split.sigma_stoch,
        ...                                             split.sigma_pred, split.sigma_tot)]
        [[1.0, 2.0], [0.3, 0.3], [0.2, 0.2], [0.3606, 0.3606]]
    """
    if not isinstance(means, torch.Tensor) or not means.is_floating_point():
        raise TypeError(
            "means must be a floating-point torch.Tensor of shape (samples, ...)"
        )
    if means.ndim < 1 or means.shape[0] < 2:
        raise ValueError(
            f"means needs at least 2 samples along axis 0, got shape {tuple(means.shape)}"
        )
    finite("means", means)
    if sigmas is not None:
        if not isinstance(sigmas, torch.Tensor) or sigmas.shape != means.shape:
            raise ValueError("sigmas must be a tensor of the same shape as means")
        finite("sigmas", sigmas)
        if torch.any(sigmas < 0):
            raise ValueError("sigmas must be >= 0")
        stoch = torch.sqrt(torch.mean(sigmas**2, dim=0))
    else:
        stoch = torch.zeros_like(means[0])
    return UncertaintySplit(
        mean=means.mean(0), sigma_stoch=stoch, sigma_pred=means.std(0, correction=1)
    )


def pulls(truth: torch.Tensor, mean: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Pulls (truth - mean) / σ; calibrated uncertainties give pulls distributed as N(0, 1).

    Args:
        truth: the true values, any shape, float.
        mean: the predictions, the same shape and units.
        sigma: their uncertainties, the same shape and units, > 0.

    Returns:
        The pulls, the same shape, dimensionless.

    Raises:
        TypeError: if an argument is not a tensor.
        ValueError: on differing shapes, NaN or inf in any argument, or ``sigma <= 0``.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`

    Examples:
        >>> pulls(torch.tensor([1.0, 2.0]), torch.tensor([0.5, 2.5]), torch.tensor([0.5, 1.0])).tolist()
        [1.0, -0.5]
    """
    for name, t in (("truth", truth), ("mean", mean), ("sigma", sigma)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor")
        finite(name, t)
    if not truth.shape == mean.shape == sigma.shape:
        raise ValueError(
            f"truth, mean and sigma must share a shape, got {tuple(truth.shape)}, "
            f"{tuple(mean.shape)}, {tuple(sigma.shape)}"
        )
    if torch.any(sigma <= 0):
        raise ValueError("sigma must be > 0 everywhere")
    return (truth - mean) / sigma


def coverage(
    truth: torch.Tensor, mean: torch.Tensor, sigma: torch.Tensor, z: float = 1.0
) -> float:
    """Fraction of points with ``|truth - mean| <= z σ`` (0.683 for z = 1 when calibrated).

    Args:
        truth: the true values, any shape, float.
        mean: the predictions, the same shape and units.
        sigma: their uncertainties, the same shape and units, > 0.
        z: the half-width of the band in units of σ (> 0).

    Returns:
        The covered fraction, in ``[0, 1]``.

    Raises:
        ValueError: if ``z`` is not > 0; as :func:`pulls` for the tensors.
        TypeError: as :func:`pulls`.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`

    Examples:
        >>> coverage(torch.tensor([1.0, 2.0]), torch.tensor([0.5, 2.5]), torch.tensor([0.5, 1.0]))
        1.0
    """
    if not z > 0:
        raise ValueError(f"z must be > 0, got {z!r}")
    return float((pulls(truth, mean, sigma).abs() <= z).float().mean())


@dataclass(frozen=True)
class BinnedCoverage:
    """How many of ``n`` points a band of ±z σ covers, and what calibrated errors would give.

    Returned by :func:`binned_coverage`.

    Args:
        fraction: the covered fraction.
        nominal: the Gaussian probability p = erf(z/√2) of ``|truth - mean| <= z σ``.
        binomial_std: √(p(1-p)/n), the spread of the covered fraction if the n points were
            independent and their errors calibrated (the count is Binomial(n, p)).
        n: the number of points.

    Used in:
        - :doc:`/book/generative/invertible-networks`
    """

    fraction: float
    nominal: float
    binomial_std: float
    n: int


def binned_coverage(
    truth: torch.Tensor, mean: torch.Tensor, sigma: torch.Tensor, z: float = 2.0
) -> BinnedCoverage:
    """Coverage of ``|truth - mean| <= z σ`` over all points, with its binomial band (§5.4.3).

    Unlike :func:`coverage`, a zero or negative ``sigma`` is allowed and simply covers nothing
    (a point with σ = 0 is covered only if the mean hits the truth exactly): a broken, zero-width
    uncertainty gives a fraction near 0, far below the nominal p. Neighbouring bins of one
    network's prediction are correlated, so the binomial spread is the narrowest the fraction
    can have, not its actual spread.

    Args:
        truth: the true values, any shape, float.
        mean: the predictions, the same shape and units.
        sigma: their uncertainties, the same shape and units (may be <= 0).
        z: the half-width of the band in units of σ (finite, > 0).

    Returns:
        A :class:`BinnedCoverage`.

    Raises:
        TypeError: if ``truth``, ``mean`` or ``sigma`` is not a torch.Tensor.
        ValueError: if their shapes differ, they are empty or hold NaN or inf (an infinite σ would
            cover everything), or ``z`` is not > 0.

    Used in:
        - :doc:`/book/generative/invertible-networks`

    References:
        Pawlowski & Plehn 2025, Sec. 5.4.3.

    Examples:
        >>> import numpy as np
        >>> z = torch.from_numpy(np.random.default_rng(0).normal(size=1000))
        >>> c = binned_coverage(z, torch.zeros(1000), torch.ones(1000), z=2.0)
        >>> c.fraction, round(c.nominal, 4), round(c.binomial_std, 4), c.n
        (0.963, 0.9545, 0.0066, 1000)
    """
    for name, t in (("truth", truth), ("mean", mean), ("sigma", sigma)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if not truth.shape == mean.shape == sigma.shape:
        raise ValueError(
            f"truth, mean and sigma must share a shape, got {tuple(truth.shape)}, "
            f"{tuple(mean.shape)}, {tuple(sigma.shape)}"
        )
    if truth.numel() == 0:
        raise ValueError("truth, mean and sigma must not be empty")
    for name, t in (("truth", truth), ("mean", mean), ("sigma", sigma)):
        finite(name, t)
    if (
        isinstance(z, bool)
        or not isinstance(z, (int, float))
        or not math.isfinite(z)
        or not z > 0
    ):
        raise ValueError(f"z must be a finite number > 0, got {z!r}")
    n = truth.numel()
    p = math.erf(z / math.sqrt(2))
    inside = (truth.double() - mean.double()).abs() <= z * sigma.double()
    return BinnedCoverage(
        fraction=float(inside.double().mean()),
        nominal=p,
        binomial_std=math.sqrt(p * (1 - p) / n),
        n=n,
    )


def mc_dropout(model: torch.nn.Module, x: torch.Tensor, n_samples: int) -> torch.Tensor:
    """``n_samples`` forward passes with dropout active (MC dropout), stacked on axis 0.

    The inputs are repeated in one batch, so the samples cost one forward pass. The model's
    training flag is restored afterwards.

    Args:
        model: a network with dropout layers, taking inputs of shape ``(n, ...)``.
        x: its inputs, shape ``(n, ...)``, finite (checked once).
        n_samples: the number of dropout masks (>= 2).

    Returns:
        The outputs, shape ``(n_samples, n, ...)``, computed without gradients.

    Raises:
        ValueError: if ``n_samples`` < 2 or ``x`` holds NaN or inf.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
    """
    positive_int("n_samples", n_samples, minimum=2)
    finite("x", x)
    was_training = model.training
    model.train()
    with torch.no_grad():
        out = model(x.repeat(n_samples, *([1] * (x.ndim - 1))))
    model.train(was_training)
    return out.reshape(n_samples, x.shape[0], *out.shape[1:])


def bootstrap_indices(
    n: int, n_members: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Row indices of one bootstrap resample of ``n`` points per ensemble member.

    Training each member of a deep ensemble on its own resample (bagging) makes the spread of the
    members, σ_pred, estimate the statistical uncertainty of the fit; members that see the same
    data in the same order agree far more closely than the fit's real error.

    Args:
        n: the number of training points (>= 1).
        n_members: the number of ensemble members (>= 1).
        generator: a CPU ``torch.Generator`` for the draws; ``None`` for the global one.

    Returns:
        Indices in ``[0, n)``, shape ``(n, n_members)``, int64; column j is member j's resample.

    Raises:
        ValueError: if ``n`` or ``n_members`` is not a positive int.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`

    Examples:
        >>> bootstrap_indices(4, 2, torch.Generator().manual_seed(0)).tolist()
        [[0, 3], [1, 0], [3, 3], [3, 3]]
    """
    positive_int("n", n)
    positive_int("n_members", n_members)
    return torch.randint(0, n, (n, n_members), generator=generator)


def fit_parameter_uncertainties(
    derivatives: torch.Tensor, sigma: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Explain a σ_pred profile as error propagation from a few fit parameters θ_k (§5.4.3).

    Model: σ²(x) = Σ_k (∂p/∂θ_k (x))² Δθ_k². The squares Δθ_k² ≥ 0 come from non-negative least
    squares (scipy's NNLS).

    Args:
        derivatives: ∂p/∂θ_k at each point, shape ``(n_points, n_params)`` with
            n_points >= n_params, float.
        sigma: the width profile σ(x), shape ``(n_points,)``, >= 0, in the units of p.

    Returns:
        ``(Δθ, the fitted σ(x))``, float64 tensors of shapes ``(n_params,)`` and
        ``(n_points,)``.

    Raises:
        ValueError: on wrong shapes, NaN or inf in either argument, or a negative ``sigma``.

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`

    References:
        Pawlowski & Plehn 2025, Sec. 5.4.3, eqs. 5.65 and 5.68.

    Examples:
        >>> d = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> delta, fitted = fit_parameter_uncertainties(d, torch.tensor([0.1, 0.2, 0.05 ** 0.5]))
        >>> [round(v, 4) for v in delta.tolist()], [round(v, 4) for v in fitted.tolist()]
        ([0.1, 0.2], [0.1, 0.2, 0.2236])
    """
    from scipy.optimize import nnls

    d = finite("derivatives", torch.as_tensor(derivatives, dtype=torch.float64))
    s = finite("sigma", torch.as_tensor(sigma, dtype=torch.float64))
    if bool((s < 0).any()):
        raise ValueError("sigma is a width: it must be >= 0 everywhere")
    if d.ndim != 2 or s.ndim != 1 or len(d) != len(s) or len(s) < d.shape[1]:
        raise ValueError(
            "derivatives must be (n_points, n_params) and sigma (n_points,) with n_points >= n_params"
        )
    squares, _ = nnls((d**2).cpu().numpy(), (s**2).cpu().numpy())
    delta = torch.as_tensor(squares).sqrt()
    return delta, ((d**2) @ delta**2).sqrt()


def student_t_width(dof: int) -> float:
    """Standard deviation √(ν/(ν-2)) of Student's t distribution with ``dof`` = ν > 2.

    A Gaussian error z divided by a width estimated from S independent samples (ν = S - 1
    degrees of freedom, unbiased variance) follows this distribution; so do the pulls of an
    ensemble mean against the truth when σ_pred comes from S members, which makes their
    expected width √((S-1)/(S-3)), not 1.

    Args:
        dof: the degrees of freedom ν, an int > 2.

    Returns:
        √(ν/(ν-2)).

    Raises:
        ValueError: if ``dof`` is not an int > 2 (the variance is infinite for ν <= 2).

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`

    Examples:
        >>> round(student_t_width(9), 4)  # the pulls of a 10-member ensemble
        1.1339
    """
    positive_int("dof", dof, minimum=3)
    return math.sqrt(dof / (dof - 2))


def pull_width(pulls_: torch.Tensor) -> stats.Measurement:
    """The standard deviation of correlated pulls with its statistical error.

    ``pulls_`` is ``(n,)`` or ``(runs, n)``, each row a sequence along which neighbours are
    correlated (the pulls of one network's prediction on a grid of points). The error is
    ``std / √(2 n_eff)``, the error of a Gaussian width from ``n_eff = n_total / (2 τ_int)``
    independent values, with τ_int the integrated autocorrelation time along the rows
    (:func:`physml.stats.tau_int`; 1/2 for independent values).

    Args:
        pulls_: the pulls, shape ``(n,)`` or ``(runs, n)`` with n >= 4, float, finite.

    Returns:
        A :class:`physml.stats.Measurement` (width, error, tau).

    Raises:
        TypeError: if ``pulls_`` is not a torch.Tensor.
        ValueError: if it is not 1-D or 2-D, has fewer than 4 values per row, or holds NaN or inf.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`

    Examples:
        >>> import numpy as np
        >>> z = torch.from_numpy(np.random.default_rng(0).normal(size=1000))
        >>> width = pull_width(z)
        >>> f"{width:.3f}", width.tau
        ('0.977 ± 0.022', 0.5)
    """
    if not isinstance(pulls_, torch.Tensor):
        raise TypeError(f"pulls_ must be a torch.Tensor, got {type(pulls_).__name__}")
    if pulls_.ndim not in (1, 2) or pulls_.shape[-1] < 4:
        raise ValueError(
            f"pulls_ must have shape (n,) or (runs, n) with n >= 4, got {tuple(pulls_.shape)}"
        )
    finite("pulls_", pulls_)
    arr = pulls_.double().cpu().numpy()
    tau = max(stats.tau_int(arr).tau, 0.5)
    n_eff = arr.size / (2.0 * tau)
    width = float(arr.std(ddof=1))
    return stats.Measurement(width, width / math.sqrt(2.0 * n_eff), tau=tau)
