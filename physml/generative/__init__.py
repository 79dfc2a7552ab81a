"""Generative networks for physics: diffusion, flow matching and the VAE and GAN baselines (notes §5).

- :mod:`physml.generative.toys`: the linear ramp and the Gaussian ring, with exact densities.
- :mod:`physml.generative.networks`: the time-conditioned MLP of the diffusion models.
- :mod:`physml.generative.ddpm`: DDPM with closed-form noising, ε-prediction, ancestral sampling.
- :mod:`physml.generative.cfm`: conditional flow matching, RK4 sampling, exact-divergence likelihood.
- :mod:`physml.generative.vae`, :mod:`physml.generative.gan`: the opening baselines.

- :mod:`physml.generative.fitting`: :func:`train` fits DDPM, CFM or VAE on their own loss plus
  the weighted KL of the ELBO.

Any of these networks becomes Bayesian by composition: pass the layer factory
``linear=physml.bayesian.bayes_linear(prior_std)`` to its constructor (:mod:`physml.bayesian`).
"""

from physml.generative import cfm, ddpm, fitting, gan, networks, toys, vae
from physml.generative.cfm import CFM
from physml.generative.ddpm import DDPM, linear_betas
from physml.generative.fitting import train
from physml.generative.gan import GAN
from physml.generative.networks import TimeMLP
from physml.generative.toys import Ramp, Ring, histogram_density
from physml.generative.vae import VAE

__all__ = [
    "cfm",
    "ddpm",
    "fitting",
    "gan",
    "networks",
    "toys",
    "vae",
    "CFM",
    "DDPM",
    "linear_betas",
    "train",
    "GAN",
    "TimeMLP",
    "Ramp",
    "Ring",
    "histogram_density",
    "VAE",
]
