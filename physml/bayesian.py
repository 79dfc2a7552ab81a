"""Bayesian (variational) linear layers: a mean-field Gaussian over every weight (notes §5.4.3).

A Bayesian network replaces each weight by a Gaussian q(θ) = N(μ, σ²) and is trained on the ELBO
(eq. 5.48 for an INN)::

    L = ⟨-log p(x | θ)⟩_{θ ~ q} + KL[q(θ), p(θ)] / N,

with a Gaussian prior p(θ) = N(0, σ_prior²) and the KL normalised by the training-set size N. The
KL of two Gaussians is closed-form per weight,
log(σ_prior/σ) + (σ² + μ²)/(2σ_prior²) - 1/2. A prediction is an average over weight draws, and the
spread over draws is the predictive (model) uncertainty σ_pred of eq. 5.49.

:class:`BayesLinear` draws fresh weights at every call while training (``mode = "sample"``); for a
generative network one weight draw must stay fixed while a whole sample is generated or a density
evaluated, which :func:`weight_draws` provides. Any network built from these layers (the coupling
flows of :mod:`physml.flows.coupling`, the DDPM and CFM networks of :mod:`physml.generative.ddpm`
and :mod:`physml.generative.cfm`) becomes Bayesian.

Used by "Invertible networks" and "Diffusion and flow matching".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import nn

from physml._checks import non_negative_number, positive_int, positive_number
from physml.train import History, fit

_MODES = ("sample", "fixed", "mean")


class BayesLinear(nn.Module):
    """A linear layer with a mean-field Gaussian over its weights and biases.

    The means start as in :class:`torch.nn.Linear`, the widths at ``init_std``; σ = softplus(ρ)
    keeps them positive. ``mode``: ``"sample"`` draws new weights at every call (training),
    ``"fixed"`` uses the draw made by :meth:`draw` (one network of the posterior), ``"mean"`` uses
    the means.
    """

    def __init__(self, n_in: int, n_out: int, *, prior_std: float = 1.0, init_std: float = 1e-3) -> None:
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

    def _sigmas(self) -> tuple[torch.Tensor, torch.Tensor]:
        return nn.functional.softplus(self.weight_rho), nn.functional.softplus(self.bias_rho)

    def _sample(self, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        sw, sb = self._sigmas()
        ew = torch.randn(sw.shape, generator=generator, dtype=sw.dtype).to(sw.device)
        eb = torch.randn(sb.shape, generator=generator, dtype=sb.dtype).to(sb.device)
        return self.weight_mu + sw * ew, self.bias_mu + sb * eb

    def draw(self, generator: torch.Generator | None = None) -> None:
        """Draw one set of weights and switch to ``mode = "fixed"``."""
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
                raise RuntimeError("mode 'fixed' needs a weight draw: call draw() first")
            w, b = self._fixed
        else:
            raise ValueError(f"mode must be one of {_MODES}, got {self.mode!r}")
        return nn.functional.linear(x, w, b)

    def kl(self) -> torch.Tensor:
        """KL[q(θ), N(0, σ_prior²)] summed over the layer's weights and biases."""
        total = self.weight_mu.new_zeros(())
        for mu, sigma in zip((self.weight_mu, self.bias_mu), self._sigmas()):
            total = total + (math.log(self.prior_std) - torch.log(sigma)
                             + (sigma**2 + mu**2) / (2 * self.prior_std**2) - 0.5).sum()
        return total


def layers(model: nn.Module) -> list[BayesLinear]:
    """The :class:`BayesLinear` layers of ``model`` (empty for a deterministic network)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return [m for m in model.modules() if isinstance(m, BayesLinear)]


def is_bayesian(model: nn.Module) -> bool:
    """Whether ``model`` holds any :class:`BayesLinear` layer."""
    return bool(layers(model))


def kl_divergence(model: nn.Module) -> torch.Tensor:
    """The KL term of the ELBO, summed over every Bayesian layer of ``model`` (0 if it has none)."""
    found = layers(model)
    if not found:
        return torch.zeros(())
    return sum((layer.kl() for layer in found), start=found[0].weight_mu.new_zeros(()))


def set_mode(model: nn.Module, mode: str) -> None:
    """Set ``mode`` (``"sample"``, ``"fixed"`` or ``"mean"``) on every Bayesian layer of ``model``."""
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    for layer in layers(model):
        layer.mode = mode


@contextmanager
def weight_draws(model: nn.Module, n_draws: int, generator: torch.Generator | None = None
                 ) -> Iterator[Iterator[int]]:
    """Iterate over ``n_draws`` networks of the posterior, each with its weights held fixed.

    ``with weight_draws(model, 30, gen) as draws: for i in draws: ...`` evaluates the body with
    draw i; the layers return to ``mode = "sample"`` afterwards. Combine the outputs with
    :func:`physml.uncertainty.decompose` for the mean and σ_pred (eq. 5.49).
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


def fit_elbo(model: nn.Module, objective: Callable[[nn.Module, torch.Tensor], torch.Tensor],
             data: torch.Tensor, *, steps: int, batch_size: int, lr: float = 1e-3,
             kl_weight: float = 1.0, generator: torch.Generator | None = None, desc: str = "training",
             progress: bool | None = None) -> History:
    """Train ``model`` on ``objective(model, batch)`` plus ``kl_weight`` x KL / N (the ELBO).

    N is the number of training points in ``data`` (shape (N, ...)); each step sees one weight
    draw. A deterministic network has no KL term, so the same call trains it on the plain
    objective. Adam with a cosine decay (:func:`physml.train.fit`); minibatch indices from
    ``generator``. NaN or inf in ``data`` raise ``ValueError`` (checked once, by
    :func:`physml.train.fit`).
    """
    if not callable(objective):
        raise TypeError("objective must be callable as objective(model, batch)")
    if not isinstance(data, torch.Tensor) or data.ndim < 1 or len(data) < 1:
        raise ValueError("data must be a non-empty torch.Tensor with the points along the first axis")
    weight = non_negative_number("kl_weight", kl_weight)
    n = len(data)

    def loss(net: nn.Module, batch: torch.Tensor) -> torch.Tensor:
        value = objective(net, batch)
        return value + weight * kl_divergence(net).to(value) / n if weight else value

    return fit(model, loss, (data,), steps=steps, batch_size=batch_size, lr=lr, generator=generator,
               desc=desc, progress=progress)


def predictive(model: nn.Module, evaluate: Callable[[], torch.Tensor], n_draws: int,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """Stack ``evaluate()`` over ``n_draws`` weight draws of ``model``: shape (n_draws, ...).

    ``evaluate`` closes over the model (a density on a grid, a histogram of generated points).
    :func:`physml.uncertainty.decompose` of the result gives the prediction and σ_pred (eq. 5.49).
    """
    if not callable(evaluate):
        raise TypeError("evaluate must be callable with no arguments")
    with torch.no_grad(), weight_draws(model, n_draws, generator) as draws:
        return torch.stack([evaluate().detach() for _ in draws])
