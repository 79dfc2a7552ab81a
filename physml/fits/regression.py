"""Network regression in physical units, with its uncertainties.

- :class:`Preprocessing`: an invertible standardisation, optionally of log y (Pawlowski & Plehn
  2025, eq. 1.45), so that errors are computed in physical units.
- :class:`RegressionSettings`: the steps, batch size, learning rate and MLP size of every fit here.
- :func:`fit_curve`: an MLP fitted to (x, y) with the MSE, the χ² with known errors, or the MSE
  after log preprocessing; returns a predictor in physical units.
- :func:`fit_heteroscedastic_ensemble`: a deep ensemble of MLPs with a learned width, trained with
  the heteroscedastic loss (eq. 2.8), each member on its own bootstrap resample;
  :func:`predict_ensemble` splits its uncertainty into σ_stoch and σ_pred (eqs. 2.3-2.6).
- :func:`fit_mc_dropout` and :func:`predict_mc_dropout`: the same with one network and MC dropout.

Every fit runs :func:`physml.train.fit` and returns what it trained with the
:class:`physml.train.History`.

Used by :doc:`/book/foundations/fits-likelihoods-uncertainties`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from physml import config, train
from physml._checks import finite, positive_int, positive_number
from physml.fits import likelihood
from physml.nn import MLP, EnsembleMLP
from physml.uncertainty import (
    UncertaintySplit,
    bootstrap_indices,
    decompose,
    mc_dropout,
)


@dataclass
class Preprocessing:
    """The invertible map y -> (g(y) - shift) / scale with g = log or the identity.

    Build one with :meth:`Preprocessing.fit`; ``forward`` maps physical units to the network's
    and ``inverse`` back.

    Args:
        shift: the mean of g(y) over the training data.
        scale: the standard deviation of g(y), > 0.
        log: whether g is the logarithm (for y > 0 spanning orders of magnitude).

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`

    Examples:
        >>> pre = Preprocessing.fit(torch.tensor([1.0, 10.0, 100.0]), log=True)
        >>> [round(v, 4) for v in pre.inverse(pre.forward(torch.tensor([5.0, 50.0]))).tolist()]
        [5.0, 50.0]
    """

    shift: float
    scale: float
    log: bool = False

    @classmethod
    def fit(cls, y: torch.Tensor, log: bool = False) -> Preprocessing:
        """Standardise ``y`` (or log y) to zero mean and unit width.

        Raises:
            TypeError: if ``y`` is not a floating-point tensor.
            ValueError: on fewer than 2 values, NaN or inf, ``y <= 0`` with ``log``, or a constant
                ``y`` (no width to divide by).
        """
        if not isinstance(y, torch.Tensor) or not y.is_floating_point():
            raise TypeError("y must be a floating-point torch.Tensor")
        if y.numel() < 2:
            raise ValueError("y needs at least 2 values to standardise")
        finite("y", y)
        if log and torch.any(y <= 0):
            raise ValueError("log preprocessing needs y > 0 everywhere")
        g = torch.log(y) if log else y
        scale = float(g.std())
        if not scale > 0:
            raise ValueError("y is constant: it has no width to standardise by")
        return cls(shift=float(g.mean()), scale=scale, log=log)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        g = torch.log(y) if self.log else y
        return (g - self.shift) / self.scale

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        g = z * self.scale + self.shift
        return torch.exp(g) if self.log else g


def _column(name: str, t: torch.Tensor) -> torch.Tensor:
    if not isinstance(t, torch.Tensor) or not t.is_floating_point():
        raise TypeError(f"{name} must be a floating-point torch.Tensor")
    if t.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {tuple(t.shape)}")
    return finite(name, t).float()[:, None]


def _paired(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    xc, yc = _column("x", x), _column("y", y)
    if xc.shape != yc.shape:
        raise ValueError(
            f"x and y must have the same length, got {x.shape[0]} and {y.shape[0]}"
        )
    return xc, yc


@dataclass(frozen=True)
class RegressionSettings:
    """The settings of one regression fit: the optimiser run and the MLP the fit builds.

    One type for :func:`fit_curve`, :func:`fit_heteroscedastic_ensemble` and
    :func:`fit_mc_dropout`, each of which adds its own one choice (the loss, the number of
    members, the dropout rate) as a keyword.

    Args:
        steps: optimiser steps, one minibatch each (:func:`physml.train.fit`).
        batch_size: points per minibatch (all points every step when it is at least their number).
        lr: Adam's learning rate, cosine-annealed to 0 over ``steps``.
        hidden: the width of each hidden layer.
        depth: the number of hidden layers.

    Raises:
        ValueError: naming the field, on a ``steps``, ``batch_size``, ``hidden`` or ``depth`` that
            is not a positive int, or an ``lr`` that is not a positive number.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
    """

    steps: int
    batch_size: int
    lr: float = 3e-3
    hidden: int = 64
    depth: int = 2

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "hidden", "depth"):
            positive_int(name, getattr(self, name))
        positive_number("lr", self.lr)


def _train(
    net: torch.nn.Module,
    objective: Callable[..., torch.Tensor],
    data: tuple[torch.Tensor, ...],
    settings: RegressionSettings,
    generator: torch.Generator | None,
    desc: str,
) -> train.History:
    """The one loop of the fits here: :func:`physml.train.fit` with ``settings``."""
    return train.fit(
        net,
        objective,
        data,
        steps=settings.steps,
        batch_size=settings.batch_size,
        lr=settings.lr,
        generator=generator,
        desc=desc,
    )


def _check_settings(settings: RegressionSettings) -> RegressionSettings:
    if not isinstance(settings, RegressionSettings):
        raise TypeError(
            f"settings must be a RegressionSettings, got {type(settings).__name__}"
        )
    return settings


def fit_curve(
    x: torch.Tensor,
    y: torch.Tensor,
    settings: RegressionSettings,
    *,
    loss: str,
    sigma: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> tuple[Callable[[torch.Tensor], torch.Tensor], train.History]:
    """Fit an MLP to 1-D data; return ``predict(x) -> y`` in physical units and the history.

    x and y are standardised with the statistics of the training data (:class:`Preprocessing`).

    Args:
        x: the inputs, shape ``(n,)``, floating point, finite.
        y: the targets, shape ``(n,)``, floating point, finite, in physical units.
        settings: the steps, batch size, learning rate and MLP size (:class:`RegressionSettings`).
        loss: ``"mse"`` (plain MSE on standardised y), ``"chi2"`` (eq. 1.43 with the known
            errors ``sigma``) or ``"mse_log"`` (MSE on standardised log y, y > 0).
        sigma: the known error of each point, shape ``(n,)``, > 0; needed for ``"chi2"``.
        generator: a CPU ``torch.Generator`` for the minibatch draws; ``None`` as in
            :func:`physml.train.fit`.

    Returns:
        The pair ``(predict, history)``, where ``predict`` maps points ``(m,)`` to predictions
        ``(m,)`` in the units of y, on the CPU, and ``history`` is the
        :class:`physml.train.History` of the training.

    Raises:
        ValueError: on an unknown loss, a missing or non-positive ``sigma`` for ``"chi2"``,
            lengths that differ, or NaN or inf in ``x``, ``y`` or ``sigma`` (checked once).
        TypeError: if ``x``, ``y`` or ``sigma`` is not a floating-point tensor, or ``settings``
            not a :class:`RegressionSettings`.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`

    References:
        Pawlowski & Plehn 2025, Sec. 1.3, eqs. 1.43-1.45.
    """
    settings = _check_settings(settings)
    if loss not in ("mse", "chi2", "mse_log"):
        raise ValueError(f"loss must be 'mse', 'chi2' or 'mse_log', got {loss!r}")
    xc, yc = _paired(x, y)
    if loss == "chi2":
        if sigma is None:
            raise ValueError("loss='chi2' needs sigma, the known error of each point")
        sc = _column("sigma", sigma)
        if sc.shape != yc.shape:
            raise ValueError("sigma must have the same length as y")
        if bool((sc <= 0).any()):
            raise ValueError(
                "sigma must be > 0 everywhere (the known error of each point)"
            )
    else:
        sc = torch.ones_like(yc)
    xpre = Preprocessing.fit(xc)
    ypre = Preprocessing.fit(yc, log=(loss == "mse_log"))
    net = MLP(1, 1, hidden=settings.hidden, depth=settings.depth)

    def objective(model, xb, yb, sb):
        out = model(xpre.forward(xb))
        if loss == "chi2":
            return likelihood.chi2(out, ypre.forward(yb), sb / ypre.scale)
        return likelihood.mse(out, ypre.forward(yb))

    history = _train(net, objective, (xc, yc, sc), settings, generator, f"MLP ({loss})")

    def predict(xq: torch.Tensor) -> torch.Tensor:
        q = _column("x", xq).to(next(net.parameters()).device)
        with torch.no_grad():
            return ypre.inverse(net(xpre.forward(q))).squeeze(-1).cpu()

    return predict, history


def _heteroscedastic_nll(mean_log_sigma: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """eq. 2.8 of outputs ``(..., 2)`` = (Ā, log σ) against targets ``(..., 1)``."""
    mean, log_sigma = mean_log_sigma.unbind(-1)
    return likelihood.gaussian_nll(mean, log_sigma, y.squeeze(-1))


def fit_heteroscedastic_ensemble(
    x: torch.Tensor,
    y: torch.Tensor,
    settings: RegressionSettings,
    *,
    n_members: int,
    generator: torch.Generator | None = None,
) -> tuple[EnsembleMLP, train.History]:
    """Train ``n_members`` MLPs with outputs (Ā, log σ) on the heteroscedastic loss (eq. 2.8).

    Every member trains on its own bootstrap resample of the data (bagging), all members in one
    batched network (:class:`physml.nn.EnsembleMLP`), on :func:`physml.config.device`.

    Args:
        x: the inputs, shape ``(n,)``, floating point, finite.
        y: the targets, shape ``(n,)``, floating point, finite, in physical units.
        settings: the steps, batch size, learning rate and the size of each member's MLP
            (:class:`RegressionSettings`).
        n_members: the number of ensemble members.
        generator: a CPU ``torch.Generator`` for the bootstrap resamples and the minibatch draws;
            ``None`` as in :func:`physml.train.fit`.

    Returns:
        The pair ``(ensemble, history)``, the trained :class:`physml.nn.EnsembleMLP` (outputs Ā
        and log σ per member) and the :class:`physml.train.History` of the training (the loss
        summed over the members).

    Raises:
        ValueError: on lengths that differ or NaN or inf in ``x`` or ``y``.
        TypeError: if ``x`` or ``y`` is not a floating-point tensor, or ``settings`` not a
            :class:`RegressionSettings`.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`

    References:
        Pawlowski & Plehn 2025, eq. 2.8 (the loss) and Sec. 2.1 (ensembles).
    """
    settings = _check_settings(settings)
    xc, yc = _paired(x, y)
    dev = config.device()
    xd, yd = xc.to(dev), yc.to(dev)
    net = EnsembleMLP(n_members, 1, 2, hidden=settings.hidden, depth=settings.depth)
    boot = bootstrap_indices(xc.shape[0], n_members, generator)

    def objective(
        model, rows
    ):  # rows: (batch, members) indices into each member's resample
        idx = rows.T
        # Sum over members: each member's parameters see only its own mean loss.
        return _heteroscedastic_nll(model(xd[idx]), yd[idx]) * n_members

    history = _train(
        net, objective, (boot,), settings, generator, f"ensemble (n={xc.shape[0]})"
    )
    return net, history


def predict_members(
    model: EnsembleMLP, x: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each member's mean and width at points ``x``.

    The spread of the members' widths over the bootstrap resamples is the statistical error of
    the learned width σ_stoch at this training-set size.

    Args:
        model: an ensemble from :func:`fit_heteroscedastic_ensemble`.
        x: the points, shape ``(n,)``, floating point, finite.

    Returns:
        ``(means, widths)``, two ``(members, n)`` tensors on the CPU, in the units of y.

    Raises:
        TypeError: if ``model`` is not an :class:`physml.nn.EnsembleMLP` or ``x`` not a
            floating-point tensor.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
    """
    if not isinstance(model, EnsembleMLP):
        raise TypeError(f"model must be an EnsembleMLP, got {type(model).__name__}")
    xc = _column("x", x).to(next(model.parameters()).device)
    with torch.no_grad():
        mean, log_sigma = model(xc).unbind(-1)
    return mean.cpu(), log_sigma.exp().cpu()


def predict_ensemble(model: EnsembleMLP, x: torch.Tensor) -> UncertaintySplit:
    """Mean, σ_stoch and σ_pred of a heteroscedastic ensemble at points ``x`` (on the CPU).

    The members of :func:`predict_members`, combined by :func:`physml.uncertainty.decompose`.

    Args:
        model: an ensemble from :func:`fit_heteroscedastic_ensemble`.
        x: the points, shape ``(n,)``, floating point, finite.

    Returns:
        A :class:`physml.uncertainty.UncertaintySplit` of ``(n,)`` tensors.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
    """
    return decompose(*predict_members(model, x))


def fit_mc_dropout(
    x: torch.Tensor,
    y: torch.Tensor,
    settings: RegressionSettings,
    *,
    dropout: float,
    generator: torch.Generator | None = None,
) -> tuple[MLP, train.History]:
    """One heteroscedastic MLP with dropout after each hidden layer, for MC-dropout sampling.

    Args:
        x: the inputs, shape ``(n,)``, floating point, finite.
        y: the targets, shape ``(n,)``, floating point, finite, in physical units.
        settings: the steps, batch size, learning rate and MLP size (:class:`RegressionSettings`).
        dropout: the dropout probability, in [0, 1).
        generator: a CPU ``torch.Generator`` for the minibatch draws; ``None`` as in
            :func:`physml.train.fit`.

    Returns:
        The pair ``(net, history)``, the trained :class:`physml.nn.MLP` (outputs Ā and log σ)
        and the :class:`physml.train.History` of the training.

    Raises:
        ValueError: on lengths that differ, NaN or inf in ``x`` or ``y``, or a bad ``dropout``.
        TypeError: if ``x`` or ``y`` is not a floating-point tensor, or ``settings`` not a
            :class:`RegressionSettings`.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
    """
    settings = _check_settings(settings)
    xc, yc = _paired(x, y)
    net = MLP(1, 2, hidden=settings.hidden, depth=settings.depth, dropout=dropout)
    history = _train(
        net,
        lambda model, xb, yb: _heteroscedastic_nll(model(xb), yb),
        (xc, yc),
        settings,
        generator,
        f"MC dropout (n={xc.shape[0]})",
    )
    return net, history


def predict_mc_dropout(model: MLP, x: torch.Tensor, n_samples: int) -> UncertaintySplit:
    """Mean, σ_stoch and σ_pred from ``n_samples`` dropout masks.

    Args:
        model: a network from :func:`fit_mc_dropout`.
        x: the points, shape ``(n,)``, floating point, finite.
        n_samples: the number of dropout masks (>= 2).

    Returns:
        A :class:`physml.uncertainty.UncertaintySplit` of ``(n,)`` tensors on the CPU.

    Used in:
        - :doc:`/book/foundations/fits-likelihoods-uncertainties`
    """
    xc = _column("x", x).to(next(model.parameters()).device)
    out = mc_dropout(model, xc, n_samples).cpu()
    return decompose(out[..., 0], out[..., 1].exp())
