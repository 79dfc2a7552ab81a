"""physml.generative.gan: the optional, checked gradient penalty."""

import pytest
import torch

from physml.generative import gan


def test_gan_gradient_penalty_is_optional_checked_and_not_in_the_recorded_loss():
    data = 1.0 + 0.5 * torch.randn(512, 1, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    plain = gan.GAN(dim=1, latent=1, hidden=8)
    torch.manual_seed(0)
    penalised = gan.GAN(dim=1, latent=1, hidden=8)
    h0 = gan.train(
        plain,
        data,
        steps=1,
        batch_size=64,
        generator=torch.Generator().manual_seed(1),
        progress=False,
    )
    h1 = gan.train(
        penalised,
        data,
        steps=1,
        batch_size=64,
        r1=10.0,
        generator=torch.Generator().manual_seed(1),
        progress=False,
    )
    # Same initial networks and batch: the recorded first-step L_D is the cross-entropy alone ...
    assert h1["loss_d"][0] == pytest.approx(h0["loss_d"][0])
    # ... while the penalty changed the discriminator's update.
    changed = [
        not torch.equal(a, b)
        for a, b in zip(
            plain.discriminator.parameters(), penalised.discriminator.parameters()
        )
    ]
    assert any(changed)
    for bad in (-1.0, float("nan"), True):
        with pytest.raises(ValueError, match="r1"):
            gan.train(plain, data, steps=1, batch_size=8, r1=bad, progress=False)
