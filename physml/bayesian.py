"""Bayesian (variational) linear layers: a mean-field Gaussian over every weight (notes §5.4.3).

A Bayesian network replaces each weight by a Gaussian q(θ) = N(μ, σ²) and is trained on the ELBO
(eq. 5.48 for an INN)::

    L = ⟨-log p(x | θ)⟩_{θ ~ q} + KL[q(θ), p(θ)] / N,

with a Gaussian prior p(θ) = N(0, σ_prior²) and the KL normalised by the training-set size N. The
KL of two Gaussians is closed-form per weight,
log(σ_prior/σ) + (σ² + μ²)/(2σ_prior²) - 1/2. A prediction is an average over weight draws, and the
spread over draws is the predictive (model) uncertainty σ_pred of eq. 5.49.

A network becomes Bayesian from outside, by composition: :class:`physml.nn.MLP` and the networks
built on it take a layer factory ``linear`` (:data:`physml.nn.LinearFactory`, ``torch.nn.Linear``
by default), and :func:`bayes_linear` returns the factory of :class:`BayesLinear` layers::

    flow = CouplingFlow(2, 6, 32, linear=bayesian.bayes_linear(prior_std=1.0))

:func:`layers`, :func:`is_bayesian` and :func:`kl_divergence` find the Bayesian layers by walking
the modules, so the same code handles a plain network (no layers, KL 0).

:class:`BayesLinear` draws fresh weights at every call while training (``mode = "sample"``); for a
generative network one weight draw must stay fixed while a whole sample is generated or a density
evaluated, which :func:`weight_draws` provides. Any network built with the factory (the coupling
flows of :mod:`physml.flows.coupling`, the DDPM and CFM networks of :mod:`physml.generative.ddpm`
and :mod:`physml.generative.cfm`) becomes Bayesian.

Used by "Invertible networks" and "Diffusion and flow matching".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

import torch
from torch import nn

from physml._checks import non_negative_number, positive_int, positive_number
from physml.train import History, fit

_MODES = ("sample", "fixed", "mean")


class BayesLinear(nn.Module):
    """A linear layer with a mean-field Gaussian over its weights and biases (notes §5.4.3).

    The means start as in :class:`torch.nn.Linear` (the layer draws them by building one, so it
    consumes the global torch RNG exactly as ``torch.nn.Linear(n_in, n_out)`` does), the widths at
    ``init_std``; σ = softplus(ρ) keeps them positive. ``mode``: ``"sample"`` draws new weights at
    every call (training), ``"fixed"`` uses the draw made by :meth:`draw` (one network of the
    posterior), ``"mean"`` uses the means. :attr:`weight` and :attr:`bias` are the means, as the
    deterministic layer's, so code that initialises a ``torch.nn.Linear`` through them
    (:func:`physml.nn.zero_output_`) works on both. Build networks of these layers with
    :func:`bayes_linear`. ``forward`` maps ``(..., n_in)`` to ``(..., n_out)`` (float, the
    parameters' dtype); NaN in x propagates; no check, as for a tensor op.

    Args:
        n_in: input features, a positive int.
        n_out: output features, a positive int.
        prior_std: width σ_prior of the Gaussian prior N(0, σ_prior²) on every weight and bias, > 0.
        init_std: initial width σ of the posterior of every weight and bias, > 0.

    Raises:
        ValueError: naming ``n_in``, ``n_out``, ``prior_std`` or ``init_std`` when out of range.

    References:
        Pawlowski & Plehn 2025, §5.4.3, eqs. 5.48-5.49 (the ELBO and the predictive uncertainty);
        Bellagente et al. 2022 (Bayesian INNs).

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> layer = BayesLinear(3, 2, prior_std=1.0)
        >>> x = torch.ones(5, 3)
        >>> layer(x).shape
        torch.Size([5, 2])
        >>> torch.equal(layer(x), layer(x))  # "sample": fresh weights at every call
        False
        >>> layer.mode = "mean"
        >>> torch.equal(layer(x), layer(x))
        True
        >>> bool(layer.kl() > 0)
        True
    """

    def __init__(
        self, n_in: int, n_out: int, *, prior_std: float = 1.0, init_std: float = 1e-3
    ) -> None:
        super().__init__()
        positive_int("n_in", n_in)
        positive_int("n_out", n_out)
        self.prior_std = positive_number("prior_std", prior_std)
        positive_number("init_std", init_std)
        plain = nn.Linear(n_in, n_out)
        self.weight_mu = nn.Parameter(plain.weight.detach().clone())
        self.bias_mu = nn.Parameter(plain.bias.detach().clone())
        rho = math.log(math.expm1(init_std))
        self.weight_rho = nn.Parameter(torch.full((n_out, n_in), rho))
        self.bias_rho = nn.Parameter(torch.full((n_out,), rho))
        self.mode = "sample"
        self._fixed: tuple[torch.Tensor, torch.Tensor] | None = None

    @property
    def weight(self) -> nn.Parameter:
        """The means μ of the weights, shape (n_out, n_in), as ``torch.nn.Linear.weight``."""
        return self.weight_mu

    @property
    def bias(self) -> nn.Parameter:
        """The means μ of the biases, shape (n_out,), as ``torch.nn.Linear.bias``."""
        return self.bias_mu

    def _sigmas(self) -> tuple[torch.Tensor, torch.Tensor]:
        return nn.functional.softplus(self.weight_rho), nn.functional.softplus(
            self.bias_rho
        )

    def _sample(
        self, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        sw, sb = self._sigmas()
        ew = torch.randn(sw.shape, generator=generator, dtype=sw.dtype).to(sw.device)
        eb = torch.randn(sb.shape, generator=generator, dtype=sb.dtype).to(sb.device)
        return self.weight_mu + sw * ew, self.bias_mu + sb * eb

    def draw(self, generator: torch.Generator | None = None) -> None:
        """Draw one set of weights and switch to ``mode = "fixed"``.

        Args:
            generator: CPU ``torch.Generator`` for the normals (None: the global RNG).

        Examples:
            >>> _ = torch.manual_seed(0)
            >>> layer = BayesLinear(3, 2)
            >>> layer.draw(torch.Generator().manual_seed(1))
            >>> x = torch.ones(1, 3)
            >>> layer.mode, torch.equal(layer(x), layer(x))
            ('fixed', True)
        """
        with torch.no_grad():
            self._fixed = self._sample(generator)
        self.mode = "fixed"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "sample":
            w, b = self._sample()
        elif self.mode == "mean":
            w, b = self.weight_mu, self.bias_mu
        elif self.mode == "fixed":
            if self._fixed is None:
                raise RuntimeError(
                    "mode 'fixed' needs a weight draw: call draw() first"
                )
            w, b = self._fixed
        else:
            raise ValueError(f"mode must be one of {_MODES}, got {self.mode!r}")
        return nn.functional.linear(x, w, b)

    def kl(self) -> torch.Tensor:
        """KL[q(θ), N(0, σ_prior²)] summed over the layer's weights and biases.

        Returns:
            A scalar tensor (the parameters' dtype and device), ≥ 0, in nats.
        """
        total = self.weight_mu.new_zeros(())
        for mu, sigma in zip((self.weight_mu, self.bias_mu), self._sigmas()):
            total = (
                total
                + (
                    math.log(self.prior_std)
                    - torch.log(sigma)
                    + (sigma**2 + mu**2) / (2 * self.prior_std**2)
                    - 0.5
                ).sum()
            )
        return total


def bayes_linear(
    prior_std: float = 1.0, *, init_std: float = 1e-3
) -> Callable[[int, int], BayesLinear]:
    """The layer factory that makes a network Bayesian: ``linear(n_in, n_out)`` gives a :class:`BayesLinear`.

    Pass it as the ``linear`` argument of any network constructor (:class:`physml.nn.MLP`,
    :class:`physml.flows.coupling.CouplingFlow`, :class:`physml.generative.ddpm.DDPM`,
    :class:`physml.generative.cfm.CFM`, ...). Built with the same seed, the Bayesian network has
    the plain one's architecture and initial means.

    Args:
        prior_std: width σ_prior of the Gaussian prior on every weight, > 0.
        init_std: initial posterior width σ of every weight, > 0.

    Returns:
        A callable ``(n_in, n_out) -> BayesLinear`` (a ``functools.partial``).

    Raises:
        ValueError: naming ``prior_std`` or ``init_std`` if not a positive number (checked here,
            before any network is built).

    References:
        Pawlowski & Plehn 2025, §5.4.3 (Bayesian networks).

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`

    Examples:
        Any network whose constructor takes a layer factory becomes Bayesian:

        >>> _ = torch.manual_seed(0)
        >>> linear = bayes_linear(prior_std=1.0)
        >>> net = nn.Sequential(linear(2, 8), nn.Tanh(), linear(8, 1))
        >>> [type(m).__name__ for m in net]
        ['BayesLinear', 'Tanh', 'BayesLinear']
        >>> bayes_linear(prior_std=0.0)
        Traceback (most recent call last):
        ...
        ValueError: prior_std must be ...
    """
    positive_number("prior_std", prior_std)
    positive_number("init_std", init_std)
    return partial(BayesLinear, prior_std=prior_std, init_std=init_std)


def layers(model: nn.Module) -> list[BayesLinear]:
    """The :class:`BayesLinear` layers of ``model``, in module order.

    Args:
        model: any network.

    Returns:
        The Bayesian layers; empty for a deterministic network.

    Raises:
        TypeError: if ``model`` is not a ``torch.nn.Module``.

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(BayesLinear(2, 8), nn.Tanh(), nn.Linear(8, 1))
        >>> len(layers(net)), layers(nn.Linear(2, 1))
        (1, [])
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return [m for m in model.modules() if isinstance(m, BayesLinear)]


def is_bayesian(model: nn.Module) -> bool:
    """Whether ``model`` holds any :class:`BayesLinear` layer (was built with :func:`bayes_linear`).

    Args:
        model: any network.

    Returns:
        True if at least one layer is Bayesian.

    Raises:
        TypeError: if ``model`` is not a ``torch.nn.Module``.

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> is_bayesian(nn.Sequential(BayesLinear(2, 1))), is_bayesian(nn.Linear(2, 1))
        (True, False)
    """
    return bool(layers(model))


def kl_divergence(model: nn.Module) -> torch.Tensor:
    """The KL term of the ELBO, summed over every Bayesian layer of ``model``.

    Args:
        model: any network.

    Returns:
        A scalar tensor in nats, ≥ 0, and exactly 0 (a CPU float32 zero) for a network with no
        Bayesian layer.

    Raises:
        TypeError: if ``model`` is not a ``torch.nn.Module``.

    References:
        Pawlowski & Plehn 2025, §5.4.3, eq. 5.48.

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(BayesLinear(2, 8), nn.Tanh(), BayesLinear(8, 1))
        >>> bool(kl_divergence(net) > 0), kl_divergence(nn.Linear(2, 1))
        (True, tensor(0.))
    """
    found = layers(model)
    if not found:
        return torch.zeros(())
    return sum((layer.kl() for layer in found), start=found[0].weight_mu.new_zeros(()))


def set_mode(model: nn.Module, mode: str) -> None:
    """Set ``mode`` on every Bayesian layer of ``model`` (none for a plain network).

    Args:
        model: any network.
        mode: ``"sample"`` (new weights at every call), ``"fixed"`` (the last :meth:`BayesLinear.draw`)
            or ``"mean"`` (the means).

    Raises:
        ValueError: naming ``mode`` if it is not one of the three.
        TypeError: if ``model`` is not a ``torch.nn.Module``.

    Used in:
        - :doc:`/book/generative/invertible-networks`

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(BayesLinear(2, 1))
        >>> set_mode(net, "mean")
        >>> net[0].mode
        'mean'
        >>> set_mode(net, "average")
        Traceback (most recent call last):
        ...
        ValueError: mode must be one of ('sample', 'fixed', 'mean'), got 'average'
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    for layer in layers(model):
        layer.mode = mode


@contextmanager
def weight_draws(
    model: nn.Module, n_draws: int, generator: torch.Generator | None = None
) -> Iterator[Iterator[int]]:
    """Iterate over ``n_draws`` networks of the posterior, each with its weights held fixed.

    ``with weight_draws(model, 30, gen) as draws: for i in draws: ...`` evaluates the body with
    draw i; the layers return to ``mode = "sample"`` afterwards. Combine the outputs with
    :func:`physml.uncertainty.decompose` for the mean and σ_pred (eq. 5.49).

    Args:
        model: a network with Bayesian layers.
        n_draws: number of weight draws, a positive int.
        generator: CPU ``torch.Generator`` for the draws (None: the global RNG).

    Returns:
        A context manager yielding an iterator over the draw indices 0..n_draws-1.

    Raises:
        ValueError: naming ``n_draws`` if not positive, or if ``model`` has no BayesLinear layers.

    References:
        Pawlowski & Plehn 2025, §5.4.3, eq. 5.49.

    Used in:
        - :doc:`/book/generative/invertible-networks`

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(BayesLinear(2, 1))
        >>> x = torch.ones(4, 2)
        >>> with weight_draws(net, 3, torch.Generator().manual_seed(0)) as draws:
        ...     outs = torch.stack([net(x) for _ in draws])
        >>> outs.shape, net[0].mode  # back to sampling afterwards
        (torch.Size([3, 4, 1]), 'sample')
    """
    positive_int("n_draws", n_draws)
    found = layers(model)
    if not found:
        raise ValueError("model has no BayesLinear layers to draw weights for")

    def draws() -> Iterator[int]:
        for i in range(n_draws):
            for layer in found:
                layer.draw(generator)
            yield i

    try:
        yield draws()
    finally:
        set_mode(model, "sample")


def fit_elbo(
    model: nn.Module,
    objective: Callable[[nn.Module, torch.Tensor], torch.Tensor],
    data: torch.Tensor,
    *,
    steps: int,
    batch_size: int,
    lr: float = 1e-3,
    kl_weight: float = 1.0,
    generator: torch.Generator | None = None,
    desc: str = "training",
    progress: bool | None = None,
) -> History:
    """Train ``model`` on ``objective(model, batch)`` plus ``kl_weight`` x KL / N (the ELBO).

    N is the number of training points in ``data``; each step sees one weight draw. A
    deterministic network has no KL term, so the same call trains it on the plain objective. Adam
    with a cosine decay (:func:`physml.train.fit`); minibatch indices from ``generator``.

    Args:
        model: the network to train (plain or built with :func:`bayes_linear`).
        objective: ``objective(model, batch)`` returning a scalar loss tensor (e.g. the NLL).
        data: training points, shape (N, ...), float, on the model's device.
        steps: optimiser steps, a positive int.
        batch_size: points per step, a positive int.
        lr: Adam learning rate.
        kl_weight: weight of the KL term (the c of eq. 5.105), ≥ 0; 0 trains on the objective alone.
        generator: CPU ``torch.Generator`` for the minibatch indices.
        desc: label of the progress bar.
        progress: show the progress bar (None: the ``PHYSML_PROGRESS`` setting).

    Returns:
        The :class:`physml.train.History` of the loss.

    Raises:
        TypeError: if ``objective`` is not callable.
        ValueError: if ``data`` is not a non-empty tensor, ``kl_weight`` is negative, or ``data``
            holds NaN or inf (checked once, by :func:`physml.train.fit`).

    References:
        Pawlowski & Plehn 2025, §5.4.3, eq. 5.48 (the ELBO).

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`

    Examples:
        A Bayesian straight line on 64 noisy points, seeded, on the CPU:

        >>> _ = torch.manual_seed(0)
        >>> gen = torch.Generator().manual_seed(0)
        >>> x = torch.rand(64, 1, generator=gen)
        >>> y = 2.0 * x + 0.1 * torch.randn(64, 1, generator=gen)
        >>> data = torch.cat([x, y], dim=1)
        >>> net = nn.Sequential(BayesLinear(1, 1))
        >>> def nll(m, batch):
        ...     return ((m(batch[:, :1]) - batch[:, 1:]) ** 2).mean()
        >>> hist = fit_elbo(net, nll, data, steps=50, batch_size=16, lr=0.05,
        ...                 generator=gen, progress=False)
        >>> hist.steps, hist.loss.shape
        (50, (50,))
    """
    if not callable(objective):
        raise TypeError("objective must be callable as objective(model, batch)")
    if not isinstance(data, torch.Tensor) or data.ndim < 1 or len(data) < 1:
        raise ValueError(
            "data must be a non-empty torch.Tensor with the points along the first axis"
        )
    weight = non_negative_number("kl_weight", kl_weight)
    n = len(data)

    def loss(net: nn.Module, batch: torch.Tensor) -> torch.Tensor:
        value = objective(net, batch)
        return value + weight * kl_divergence(net).to(value) / n if weight else value

    return fit(
        model,
        loss,
        (data,),
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        generator=generator,
        desc=desc,
        progress=progress,
    )


def predictive(
    model: nn.Module,
    evaluate: Callable[[], torch.Tensor],
    n_draws: int,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Stack ``evaluate()`` over ``n_draws`` weight draws of ``model``: shape (n_draws, ...).

    ``evaluate`` closes over the model (a density on a grid, a histogram of generated points).
    :func:`physml.uncertainty.decompose` of the result gives the prediction and σ_pred (eq. 5.49).
    Runs without gradients; the layers return to ``mode = "sample"`` afterwards.

    Args:
        model: a network with Bayesian layers.
        evaluate: a callable with no arguments returning a tensor of any shape.
        n_draws: number of weight draws, a positive int.
        generator: CPU ``torch.Generator`` for the draws (None: the global RNG).

    Returns:
        A tensor of shape ``(n_draws, *evaluate().shape)``, detached.

    Raises:
        TypeError: if ``evaluate`` is not callable.
        ValueError: naming ``n_draws`` if not positive, or if ``model`` has no BayesLinear layers.

    References:
        Pawlowski & Plehn 2025, §5.4.3, eq. 5.49.

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(BayesLinear(2, 1))
        >>> x = torch.ones(4, 2)
        >>> draws = predictive(net, lambda: net(x), 5, torch.Generator().manual_seed(0))
        >>> draws.shape, draws.requires_grad
        (torch.Size([5, 4, 1]), False)
    """
    if not callable(evaluate):
        raise TypeError("evaluate must be callable with no arguments")
    with torch.no_grad(), weight_draws(model, n_draws, generator) as draws:
        return torch.stack([evaluate().detach() for _ in draws])
