"""Generative networks for physics: diffusion, flow matching and the VAE and GAN baselines (notes §5).

- :mod:`physml.generative.toys`: the linear ramp and the Gaussian ring, with exact densities.
- :mod:`physml.generative.networks`: the time-conditioned MLP of the diffusion models.
- :mod:`physml.generative.ddpm`: DDPM with closed-form noising, ε-prediction, ancestral sampling.
- :mod:`physml.generative.cfm`: conditional flow matching, RK4 sampling, exact-divergence likelihood.
- :mod:`physml.generative.vae`, :mod:`physml.generative.gan`: the opening baselines.

Any of these networks becomes Bayesian with ``bayesian=True`` (:mod:`physml.bayesian`), and
:func:`train` fits DDPM, CFM or VAE on their own loss plus the weighted KL of the ELBO.
"""

from __future__ import annotations

import torch
from torch import nn

from physml import bayesian
from physml.generative import cfm, ddpm, gan, networks, toys, vae
from physml.train import History


def train(model: nn.Module, data: torch.Tensor, *, steps: int, batch_size: int, lr: float = 1e-3,
          kl_weight: float = 1.0, generator: torch.Generator | None = None, desc: str = "training",
          progress: bool | None = None) -> History:
    """Fit a model with a ``loss(x)`` method (DDPM, CFM, VAE) to ``data``.

    A Bayesian model adds ``kl_weight`` (the c of the B-CFM, eq. 5.105) times the KL over the
    training-set size (:func:`physml.bayesian.fit_elbo`). Used by "Diffusion and flow matching" and
    "Invertible networks".
    """
    if not hasattr(model, "loss"):
        raise TypeError(f"model must have a loss(x) method, got {type(model).__name__}")
    return bayesian.fit_elbo(model, lambda net, x: net.loss(x), data, steps=steps, batch_size=batch_size,
                             lr=lr, kl_weight=kl_weight, generator=generator, desc=desc, progress=progress)


__all__ = ["cfm", "ddpm", "gan", "networks", "toys", "vae", "train"]
