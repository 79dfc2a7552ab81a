"""Precision regression of squared amplitudes with uncertainties, and boosting for the tails.

The amplitude-regression chapter (Pawlowski & Plehn 2025, Sec. 2.1, eqs. 2.8-2.10, Fig. 5)
learns ``A = |M|^2`` over phase space:

- :func:`features`: the network's inputs, the 20 momentum components of the five particles or
  the logarithms of the 10 invariants ``s_ij``; :class:`Standardiser` maps every column to zero
  mean and unit width (a constant column, such as a beam's momentum, to zero);
- the target is the standardised ``log A`` (:class:`physml.fits.regression.Preprocessing` with
  ``log=True``), so five orders of magnitude become a few units;
- :func:`fit_ensemble`: a deep ensemble of heteroscedastic MLPs (outputs the mean and ``log σ``,
  loss eq. 2.8), each member on its own bootstrap resample, all members in one batched network;
  an optional per-point weight turns the resample into the *boosted* one (points drawn with
  probability proportional to the weight), and ``init`` continues training a given ensemble;
- :func:`fit_bayesian` and :func:`predict_bayesian`: the same network with mean-field Gaussian
  weights (:mod:`physml.bayesian`), trained on the ELBO, predicted from weight draws;
- :func:`relative_error`: the metric ``Delta = (<A> - A) / A`` of eq. 2.10, with the prediction
  mapped back from the standardised log; :func:`relative_sigma` the matching relative error;
- :func:`tail_ratio`: the 95th percentile of ``|Delta|`` in the top 1% of amplitudes against the
  bulk, the number behind Fig. 5's statement that the largest amplitudes are learned worst;
- :func:`boost_weights`: the resampling weights of boosting, from the pulls or from σ_pred.

Used in: :doc:`/book/foundations/learning-scattering-amplitudes`.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch

from physml import bayesian, config, train
from physml._checks import finite, positive_int, positive_number
from physml.amplitudes.gluons import invariants
from physml.fits.regression import RegressionSettings
from physml.nn import MLP, EnsembleMLP
from physml.uncertainty import UncertaintySplit, decompose

#: The input representations of :func:`features`.
FEATURES = ("momenta", "invariants")


def features(momenta: torch.Tensor, kind: str = "momenta") -> torch.Tensor:
    """The network's inputs for each event: raw momentum components or log invariants.

    ``"momenta"`` flattens the ``n`` four-momenta into ``4 n`` numbers (20 for ``g g -> g g g``,
    as the notes' networks see them, with momentum conservation and the mass shells left for the
    network to learn). ``"invariants"`` gives ``log(s_ij / GeV^2)`` for the ``n (n - 1) / 2``
    pairs (10 for five particles), with the incoming momenta crossed to outgoing, so that the
    soft and collinear poles ``1 / s_ij`` become linear in the inputs.

    Args:
        momenta: ``(n_events, n, 4)`` momenta in GeV, float, the two incoming first (for
            ``"invariants"``: massless, with every ``s_ij`` non-zero).
        kind: ``"momenta"`` or ``"invariants"``.

    Returns:
        ``(n_events, 4 n)`` or ``(n_events, n (n - 1) / 2)``, float64.

    Raises:
        TypeError: if ``momenta`` is not a floating-point tensor.
        ValueError: on an unknown ``kind``, a shape other than ``(n_events, n, 4)``, NaN or inf.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`

    Examples:
        >>> from physml.amplitudes import sample_accepted
        >>> p, _ = sample_accepted(3, 1000.0, generator=torch.Generator().manual_seed(0))
        >>> features(p).shape, features(p, "invariants").shape
        (torch.Size([3, 20]), torch.Size([3, 10]))
    """
    if kind not in FEATURES:
        raise ValueError(f"kind must be one of {FEATURES}, got {kind!r}")
    if not isinstance(momenta, torch.Tensor) or not momenta.is_floating_point():
        raise TypeError("momenta must be a floating-point torch.Tensor")
    if momenta.ndim != 3 or momenta.shape[-1] != 4:
        raise ValueError(
            f"momenta must have shape (n_events, n, 4), got {tuple(momenta.shape)}"
        )
    finite("momenta", momenta)
    if kind == "momenta":
        return momenta.double().flatten(1)
    s = invariants(momenta.double())
    i, j = torch.triu_indices(s.shape[1], s.shape[1], offset=1)
    return torch.log(s[:, i, j].abs())


@dataclass
class Standardiser:
    """Per-column standardisation ``(x - mean) / std`` of the inputs.

    A column with zero width (the beams' momenta at fixed energy) is divided by 1 and so becomes
    0. Build one with :meth:`fit` on the training inputs.

    Args:
        mean: ``(d,)`` column means.
        std: ``(d,)`` column widths, > 0.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`

    Examples:
        >>> st = Standardiser.fit(torch.tensor([[1.0, 5.0], [3.0, 5.0]]))
        >>> st(torch.tensor([[2.0, 5.0]])).tolist()
        [[0.0, 0.0]]
    """

    mean: torch.Tensor
    std: torch.Tensor

    @classmethod
    def fit(cls, x: torch.Tensor) -> Standardiser:
        """Column means and widths of ``x`` ``(n, d)``, n >= 2.

        Raises:
            TypeError: if ``x`` is not a floating-point tensor.
            ValueError: if ``x`` is not 2-D with at least 2 rows, or holds NaN or inf.
        """
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise TypeError("x must be a floating-point torch.Tensor")
        if x.ndim != 2 or x.shape[0] < 2:
            raise ValueError(
                f"x must have shape (n, d) with n >= 2, got {tuple(x.shape)}"
            )
        finite("x", x)
        std = x.std(0)
        return cls(
            mean=x.mean(0),
            std=torch.where(std > 1e-12 * (1 + x.abs().amax(0)), std, 1.0),
        )

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """``(x - mean) / std`` as float32, shape of ``x``."""
        return ((x - self.mean) / self.std).float()


def _xz(x: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError("x must be a floating-point torch.Tensor")
    if not isinstance(z, torch.Tensor) or not z.is_floating_point():
        raise TypeError("z must be a floating-point torch.Tensor")
    if x.ndim != 2 or z.ndim != 1 or x.shape[0] != z.shape[0]:
        raise ValueError(
            f"x must be (n, d) and z (n,) with the same n, got {tuple(x.shape)} and "
            f"{tuple(z.shape)}"
        )
    finite("x", x)
    finite("z", z)
    return x.float(), z.float()


def _check_weights(weights: torch.Tensor | None, n: int) -> torch.Tensor | None:
    if weights is None:
        return None
    if not isinstance(weights, torch.Tensor) or weights.shape != (n,):
        raise ValueError(f"weights must be a tensor of shape ({n},)")
    finite("weights", weights)
    if bool((weights < 0).any()) or not float(weights.sum()) > 0:
        raise ValueError("weights must be >= 0 with a positive sum")
    return weights.double()


def _nll_points(out: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """Per-point eq. 2.8 of outputs ``(..., 2)`` = (mean, log σ) against targets ``(...)``."""
    mean, log_sigma = out.unbind(-1)
    return (z - mean) ** 2 * torch.exp(-2 * log_sigma) / 2 + log_sigma


def fit_ensemble(
    x: torch.Tensor,
    z: torch.Tensor,
    settings: RegressionSettings,
    *,
    n_members: int,
    weights: torch.Tensor | None = None,
    init: EnsembleMLP | None = None,
    generator: torch.Generator | None = None,
) -> tuple[EnsembleMLP, train.History]:
    """A heteroscedastic deep ensemble on ``(x, z)``, each member on its own (weighted) resample.

    Each member draws its own resample of the ``n`` training points, uniformly (bagging) or, with
    ``weights``, with probability proportional to the weight (boosting); its loss is the
    heteroscedastic NLL of eq. 2.8 on its resample. All members train as one
    :class:`physml.nn.EnsembleMLP` (SiLU, ``settings.depth`` hidden layers of
    ``settings.hidden``) on :func:`physml.config.device`.

    Args:
        x: standardised inputs ``(n, d)``, float, finite.
        z: standardised targets ``(n,)``, float, finite.
        settings: steps, batch size, learning rate, width and depth.
        n_members: the number of members (>= 2 for an uncertainty).
        weights: ``(n,)`` resampling weights >= 0 with a positive sum (None: uniform).
        init: an ensemble to continue training (copied, not changed); None builds a new one.
        generator: CPU ``torch.Generator`` for the resamples and minibatches.

    Returns:
        The pair ``(ensemble, history)``, the trained :class:`physml.nn.EnsembleMLP` with outputs
        ``(mean, log σ)`` per member, and the :class:`physml.train.History`.

    Raises:
        TypeError: if ``x`` or ``z`` is not a floating-point tensor or ``init`` not an
            :class:`physml.nn.EnsembleMLP`.
        ValueError: on mismatched shapes, NaN or inf, bad ``weights``, a bad ``n_members``, or an
            ``init`` of another size.

    References:
        Pawlowski & Plehn 2025, eq. 2.8 and Sec. 2.1; S. Badger, A. Butter, M. Luchmann, S. Pitz,
        T. Plehn, "Loop amplitudes from precision networks", arXiv:2206.14831 (boosting).

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`
    """
    xs, zs = _xz(x, z)
    positive_int("n_members", n_members)
    n = xs.shape[0]
    w = _check_weights(weights, n)
    if init is None:
        net = EnsembleMLP(
            n_members, xs.shape[1], 2, hidden=settings.hidden, depth=settings.depth
        )
    else:
        if not isinstance(init, EnsembleMLP):
            raise TypeError(f"init must be an EnsembleMLP, got {type(init).__name__}")
        if init.n_members != n_members or init.n_in != xs.shape[1]:
            raise ValueError("init must have n_members members and x.shape[1] inputs")
        net = copy.deepcopy(init)
    if w is None:
        rows = torch.randint(0, n, (n, n_members), generator=generator)
    else:
        rows = torch.multinomial(
            w.expand(n_members, n), n, replacement=True, generator=generator
        ).T
    dev = config.device()
    xd, zd = xs.to(dev), zs.to(dev)

    def objective(model, idx):  # idx: (batch, members) rows of each member's resample
        idx = idx.T
        return _nll_points(model(xd[idx]), zd[idx]).mean() * n_members

    history = train.fit(
        net,
        objective,
        (rows,),
        steps=settings.steps,
        batch_size=settings.batch_size,
        lr=settings.lr,
        generator=generator,
        desc=f"amplitude ensemble (n={n})",
    )
    return net, history


def predict_ensemble(
    model: EnsembleMLP, x: torch.Tensor, batch: int = 65_536
) -> UncertaintySplit:
    """Mean, σ_stoch and σ_pred of the ensemble at ``x`` in the standardised log units.

    Args:
        model: an ensemble from :func:`fit_ensemble`.
        x: standardised inputs ``(n, d)``.
        batch: points per forward pass.

    Returns:
        A :class:`physml.uncertainty.UncertaintySplit` of ``(n,)`` CPU tensors (eqs. 2.3-2.6).

    Raises:
        TypeError: if ``model`` is not an :class:`physml.nn.EnsembleMLP`.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`
    """
    if not isinstance(model, EnsembleMLP):
        raise TypeError(f"model must be an EnsembleMLP, got {type(model).__name__}")
    positive_int("batch", batch)
    dev = next(model.parameters()).device
    with torch.no_grad():
        out = torch.cat([model(c.float().to(dev)).cpu() for c in x.split(batch)], dim=1)
    mean, log_sigma = out.unbind(-1)
    return decompose(mean, log_sigma.exp())


def fit_bayesian(
    x: torch.Tensor,
    z: torch.Tensor,
    settings: RegressionSettings,
    *,
    prior_std: float = 1.0,
    generator: torch.Generator | None = None,
) -> tuple[MLP, train.History]:
    """A heteroscedastic Bayesian MLP on ``(x, z)``, trained on the ELBO.

    Every linear layer is a :class:`physml.bayesian.BayesLinear` (mean-field Gaussian weights
    with prior ``N(0, prior_std^2)``); the loss is eq. 2.8 averaged over a minibatch and one
    weight draw, plus KL / n (:func:`physml.bayesian.fit_elbo`).

    Args:
        x: standardised inputs ``(n, d)``, float, finite.
        z: standardised targets ``(n,)``, float, finite.
        settings: steps, batch size, learning rate, width and depth.
        prior_std: the prior width of every weight, > 0.
        generator: CPU ``torch.Generator`` for the minibatches.

    Returns:
        The pair ``(net, history)``, the Bayesian :class:`physml.nn.MLP` with outputs ``(mean, log σ)``,
        on :func:`physml.config.device`, and the :class:`physml.train.History`.

    Raises:
        TypeError, ValueError: as :func:`fit_ensemble`, and on a bad ``prior_std``.

    References:
        Pawlowski & Plehn 2025, eq. 2.8 and Sec. 2.1 (Bayesian networks, eqs. 2.3-2.6).

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`
    """
    xs, zs = _xz(x, z)
    positive_number("prior_std", prior_std)
    net = MLP(
        xs.shape[1],
        2,
        hidden=settings.hidden,
        depth=settings.depth,
        linear=bayesian.bayes_linear(prior_std),
    ).to(config.device())
    data = torch.cat([xs, zs[:, None]], dim=1).to(config.device())

    def objective(model, batch):
        return _nll_points(model(batch[:, :-1]), batch[:, -1]).mean()

    history = bayesian.fit_elbo(
        net,
        objective,
        data,
        steps=settings.steps,
        batch_size=settings.batch_size,
        lr=settings.lr,
        generator=generator,
        desc=f"Bayesian amplitude network (n={xs.shape[0]})",
    )
    return net, history


def predict_bayesian(
    model: MLP,
    x: torch.Tensor,
    n_draws: int,
    generator: torch.Generator | None = None,
) -> UncertaintySplit:
    """Mean, σ_stoch and σ_pred of a Bayesian network over ``n_draws`` weight draws.

    Args:
        model: a network from :func:`fit_bayesian`.
        x: standardised inputs ``(n, d)``.
        n_draws: the number of weight draws, >= 2.
        generator: CPU ``torch.Generator`` for the draws.

    Returns:
        A :class:`physml.uncertainty.UncertaintySplit` of ``(n,)`` CPU tensors.

    Raises:
        ValueError: if ``n_draws`` < 2 or ``model`` has no Bayesian layers.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`
    """
    positive_int("n_draws", n_draws, minimum=2)
    xd = x.float().to(next(model.parameters()).device)
    out = bayesian.predictive(model, lambda: model(xd), n_draws, generator).cpu()
    return decompose(out[..., 0], out[..., 1].exp())


def relative_error(
    z_pred: torch.Tensor, z_true: torch.Tensor, scale: float
) -> torch.Tensor:
    """The metric ``Delta = (<A> - A) / A`` of eq. 2.10 from standardised log amplitudes.

    With ``z = (log A - shift) / scale``, ``<A> / A = exp(scale (z_pred - z_true))``.

    Args:
        z_pred: the predicted standardised log amplitudes, ``(n,)``.
        z_true: the true ones, ``(n,)``.
        scale: the width of ``log A`` the targets were divided by, > 0.

    Returns:
        ``Delta``, ``(n,)``, float64, dimensionless.

    Raises:
        ValueError: on differing shapes, NaN or inf, or a bad ``scale``.

    References:
        Pawlowski & Plehn 2025, eq. 2.10.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`

    Examples:
        >>> relative_error(torch.tensor([0.0]), torch.tensor([0.0]), 2.0).tolist()
        [0.0]
        >>> round(float(relative_error(torch.tensor([0.5]), torch.tensor([0.0]), 2.0)), 4)
        1.7183
    """
    positive_number("scale", scale)
    if z_pred.shape != z_true.shape:
        raise ValueError("z_pred and z_true must have the same shape")
    finite("z_pred", z_pred)
    finite("z_true", z_true)
    return torch.expm1(scale * (z_pred.double() - z_true.double()))


def relative_sigma(sigma_z: torch.Tensor, scale: float) -> torch.Tensor:
    """The relative uncertainty of ``<A>`` from the width in standardised log units.

    ``sigma_A / A = scale sigma_z`` to first order (the error of ``log A`` is the relative error
    of ``A``); it is the width ``Delta`` should have.

    Args:
        sigma_z: widths ``(n,)``, >= 0.
        scale: the width of ``log A`` the targets were divided by, > 0.

    Returns:
        ``(n,)``, float64.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`
    """
    positive_number("scale", scale)
    finite("sigma_z", sigma_z)
    return scale * sigma_z.double()


def tail_ratio(
    delta: torch.Tensor,
    amplitude: torch.Tensor,
    top: float = 0.01,
    q: float = 0.95,
) -> tuple[float, float]:
    """The ``q`` quantile of ``|Delta|`` among the largest ``top`` of amplitudes, and in the rest.

    Args:
        delta: ``(n,)`` relative errors (eq. 2.10).
        amplitude: ``(n,)`` true amplitudes (only their order matters).
        top: the fraction of largest amplitudes in the tail bin, in (0, 1).
        q: the quantile, in (0, 1).

    Returns:
        The pair ``(tail, bulk)``, the quantile of ``|Delta|`` in the top bin and in all other points.

    Raises:
        ValueError: on differing shapes, NaN or inf, ``top`` or ``q`` outside (0, 1), or a top
            bin with fewer than 10 points.

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`

    Examples:
        >>> a = torch.arange(1000.0)
        >>> d = torch.where(a >= 990, 0.1, 0.01)
        >>> [round(v, 6) for v in tail_ratio(d, a)]
        [0.1, 0.01]
    """
    if delta.shape != amplitude.shape or delta.ndim != 1:
        raise ValueError("delta and amplitude must be 1-D of the same length")
    finite("delta", delta)
    finite("amplitude", amplitude)
    for name, v in (("top", top), ("q", q)):
        if not 0 < v < 1:
            raise ValueError(f"{name} must lie in (0, 1), got {v!r}")
    n_top = math.floor(top * delta.shape[0])
    if n_top < 10:
        raise ValueError(f"the top bin holds {n_top} points; it needs at least 10")
    order = torch.argsort(amplitude, descending=True)
    err = delta.abs().double()[order]
    return float(torch.quantile(err[:n_top], q)), float(torch.quantile(err[n_top:], q))


def boost_weights(
    split: UncertaintySplit, z_true: torch.Tensor, by: str = "pull"
) -> torch.Tensor:
    """Resampling weights for boosting: points the network gets wrong, or is unsure of, count more.

    ``by="pull"``: ``w = 1 + t^2`` with the pull ``t = (z_pred - z_true) / sigma_tot``, so a point
    predicted within its error keeps about its weight and one several sigma off gets many times it.
    ``by="sigma"``: ``w = sigma_pred / mean(sigma_pred)``, the model's own uncertainty (no truth
    needed). Both are normalised to mean 1.

    Args:
        split: the network's prediction on the training points (:func:`predict_ensemble`).
        z_true: the training targets ``(n,)``.
        by: ``"pull"`` or ``"sigma"``.

    Returns:
        ``(n,)`` float64 weights >= 0 with mean 1.

    Raises:
        ValueError: on an unknown ``by``, differing shapes or NaN.

    References:
        S. Badger, A. Butter, M. Luchmann, S. Pitz, T. Plehn, "Loop amplitudes from precision
        networks", arXiv:2206.14831 (boosting by the loss or the learned uncertainty).

    Used in:
        - :doc:`/book/foundations/learning-scattering-amplitudes`

    Examples:
        >>> s = decompose(torch.tensor([[0.0, 3.0], [0.0, 3.0]]), torch.ones(2, 2))
        >>> [round(v, 4) for v in boost_weights(s, torch.zeros(2)).tolist()]  # 1 + t^2 = 1, 10
        [0.1818, 1.8182]
    """
    if by not in ("pull", "sigma"):
        raise ValueError(f"by must be 'pull' or 'sigma', got {by!r}")
    if split.mean.shape != z_true.shape:
        raise ValueError("z_true must have the shape of the prediction")
    finite("z_true", z_true)
    if by == "pull":
        t = (split.mean.double() - z_true.double()) / split.sigma_tot.double()
        w = 1 + t**2
    else:
        w = split.sigma_pred.double()
    return w / w.mean()
