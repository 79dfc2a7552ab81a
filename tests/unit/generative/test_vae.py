"""physml.generative.vae (and the GAN's optimal-discriminator loss, eq. 5.23, in the same test)."""

import math

import numpy as np
import pytest
import torch

from physml import generative
from physml.generative import gan, toys, vae


def test_gan_loss_at_the_optimal_discriminator_is_eq_5_23_and_the_vae_trains():
    x = np.linspace(-25, 25, 50001)
    p = np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)
    q = np.exp(-0.5 * (x - 1.5) ** 2 / 4) / math.sqrt(8 * math.pi)
    loss, js = gan.discriminator_loss_at_optimum(p, q, x)
    assert abs(loss - (-2 * js + 2 * math.log(2))) < 1e-6 and 0 < js < math.log(2)
    assert (
        abs(gan.discriminator_loss_at_optimum(p, p, x)[0] - gan.EQUILIBRIUM_LOSS_D)
        < 1e-6
    )
    torch.manual_seed(0)
    model = vae.VAE(2, 2, 32)
    data = toys.Ramp().sample(4000, torch.Generator().manual_seed(1))
    hist = generative.train(
        model, data, steps=400, batch_size=256, lr=3e-3, progress=False
    )
    assert np.mean(hist.loss[-50:]) < np.mean(hist.loss[:50])
    recon, kl = model.terms(data[:100])
    assert (kl > 0).all()
    with pytest.raises(ValueError, match="beta_kl"):
        vae.VAE(beta_kl=-1.0)
    with pytest.raises(TypeError, match="loss"):
        generative.train(torch.nn.Linear(2, 2), data, steps=1, batch_size=1)
