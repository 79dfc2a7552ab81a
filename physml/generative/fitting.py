"""Training of the generative networks on their own loss, with the ELBO's KL when Bayesian.

- :func:`train`: fits any model with a ``loss(x)`` method (DDPM, CFM, VAE) to data; a Bayesian
  model (built with ``linear=physml.bayesian.bayes_linear()``) adds the weighted KL of the ELBO.

Used by "Diffusion and flow matching" and "Invertible networks".
"""

from __future__ import annotations

import torch
from torch import nn

from physml import bayesian
from physml.train import History


def train(
    model: nn.Module,
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
    """Fit a model with a ``loss(x)`` method (DDPM, CFM, VAE) to ``data``.

    A Bayesian model (one with :class:`physml.bayesian.BayesLinear` layers, built with
    ``linear=physml.bayesian.bayes_linear()``) adds ``kl_weight`` (the c of the B-CFM, eq. 5.105)
    times the KL over the training-set size (:func:`physml.bayesian.fit_elbo`).

    Args:
        model: a network with a ``loss(x)`` method returning a scalar tensor.
        data: training samples, shape (n, d), float, on the model's device.
        steps: optimiser steps, a positive int.
        batch_size: samples per step, a positive int.
        lr: Adam learning rate.
        kl_weight: weight of the KL term for a Bayesian model (no effect otherwise), ≥ 0.
        generator: CPU ``torch.Generator`` for the minibatch draws.
        desc: label of the progress bar.
        progress: show the progress bar (None: the ``PHYSML_PROGRESS`` setting).

    Returns:
        The :class:`physml.train.History` of the loss.

    Raises:
        TypeError: if ``model`` has no ``loss`` method.
        ValueError: if ``data`` is empty or holds NaN or inf, or ``kl_weight`` is negative.

    References:
        Pawlowski & Plehn 2025, eqs. 5.48 and 5.105.

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`
    """
    if not hasattr(model, "loss"):
        raise TypeError(f"model must have a loss(x) method, got {type(model).__name__}")
    return bayesian.fit_elbo(
        model,
        lambda net, x: net.loss(x),
        data,
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        kl_weight=kl_weight,
        generator=generator,
        desc=desc,
        progress=progress,
    )
