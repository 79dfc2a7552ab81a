"""physml.phases.autoencoders: the autoencoders and their replicas."""

import pytest
import torch

from physml.phases import autoencoders


def test_autoencoders_shapes_and_losses():
    spins = torch.randint(0, 2, (32, 6, 6)).float() * 2 - 1
    px = autoencoders.as_pixels(spins)
    assert px.shape == (32, 36) and px.min() >= 0 and px.max() <= 1
    for cls in (autoencoders.Autoencoder, autoencoders.VariationalAutoencoder):
        model = cls(36)
        assert model.encode(px).shape == (32, 1)
        assert model.loss(px).ndim == 0
        assert model.reconstruction_loss(px).shape == (32,)
        assert autoencoders.latent(model, px).shape == (32,)


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: autoencoders.Autoencoder(0), "n_in"),
        (lambda: autoencoders.as_pixels(torch.zeros(4)), "shape"),
        (lambda: autoencoders.AutoencoderReplicas(36, 0), "replicas"),
        (lambda: autoencoders.VariationalAutoencoderReplicas(36, 0), "replicas"),
        (
            lambda: autoencoders.fit(
                autoencoders.AutoencoderReplicas(36, 2),
                torch.zeros(4, 35),
                steps=1,
                batch_size=2,
            ),
            "pixels",
        ),
    ],
)
def test_bad_input_is_named(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()


def test_autoencoder_replicas_shapes_and_independence():
    torch.manual_seed(0)
    k = 3
    px = autoencoders.as_pixels(torch.randint(0, 2, (40, 6, 6)).float() * 2 - 1)
    for kind in (
        autoencoders.AutoencoderReplicas,
        autoencoders.VariationalAutoencoderReplicas,
    ):
        model = kind(36, k, hidden=16)
        assert model.encoder[-1].weight.shape[-1] == (2 if model.variational else 1)
        assert autoencoders.latent(model, px).shape == (k, 40)
        assert model.reconstruction_loss(px).shape == (k, 40)
        assert model.loss(px).ndim == 0
    # the summed loss gives each replica exactly the gradient of its own loss
    model = autoencoders.AutoencoderReplicas(36, k, hidden=16)
    xb = torch.stack([px[:10], px[10:20], px[20:30]])
    model.loss(xb).backward()
    g_all = model.encoder[0].weight.grad.clone()
    model.zero_grad()
    rec = model.reconstruction_loss(xb)  # (k, 10)
    (rec[1].mean()).backward()
    assert torch.allclose(model.encoder[0].weight.grad[1], g_all[1], atol=1e-5)
    assert torch.all(model.encoder[0].weight.grad[0] == 0)


def test_autoencoder_replicas_fit_learns_a_two_state_sample():
    g = torch.Generator().manual_seed(1)
    torch.manual_seed(1)
    signs = torch.where(torch.rand(200, generator=g) < 0.5, -1.0, 1.0)
    spins = signs.view(-1, 1, 1) * torch.ones(200, 6, 6)
    flip = torch.rand(200, 6, 6, generator=g) < 0.05
    px = autoencoders.as_pixels(torch.where(flip, -spins, spins))
    model = autoencoders.AutoencoderReplicas(36, 2, hidden=32)
    autoencoders.fit(
        model, px, steps=300, batch_size=32, lr=3e-3, generator=g, device="cpu"
    )
    zr = autoencoders.latent(model, px)
    for r in range(2):
        assert abs(torch.corrcoef(torch.stack([zr[r], signs]))[0, 1]) > 0.9
