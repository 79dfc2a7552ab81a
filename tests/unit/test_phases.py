"""physml.phases: pooling as block spinning, the CNN's symmetries, the autoencoders' shapes."""

import pytest
import torch

from physml.phases import autoencoders, classifier


def test_average_pooling_is_a_stride_two_convolution_with_weights_one_quarter():
    x = torch.randn(7, 8, 8)
    pooled = classifier.block_spin(x)
    assert pooled.shape == (7, 4, 4)
    assert torch.allclose(pooled, classifier.block_spin_as_convolution(x), atol=1e-6)
    assert torch.allclose(pooled[0, 0, 0], x[0, :2, :2].mean())


def test_cnn_features_commute_with_lattice_translations():
    torch.manual_seed(0)
    model = classifier.PhaseCNN(8).eval()
    x = torch.randn(4, 8, 8)
    f = model.features(x.unsqueeze(1)).view(4, 8, 8)
    shifted = model.features(x.roll((3, -2), (1, 2)).unsqueeze(1)).view(4, 8, 8)
    assert torch.allclose(shifted, f.roll((3, -2), (1, 2)), atol=1e-6)


def test_classifier_learns_the_sign_of_a_field_offset():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, 8, 8, generator=g)
    y = (torch.arange(400) % 2).long()
    x = x + 2.0 * y.view(-1, 1, 1)  # "ordered": large |mean field|; the Z2 copy makes it -2
    model = classifier.PhaseCNN(8)
    classifier.train_classifier(model, x, y, steps=150, batch_size=64, generator=g, device="cpu")
    p = classifier.ordered_probability(model, torch.cat([x, -x]))
    labels = torch.cat([y, y]).float()
    assert ((p > 0.5).float() == labels).float().mean() > 0.95


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


@pytest.mark.parametrize("call, word", [
    (lambda: classifier.PhaseCNN(1), "L"),
    (lambda: classifier.PhaseCNN(8)(torch.zeros(2, 6, 6)), "shape"),
    (lambda: classifier.block_spin(torch.zeros(2, 5, 5)), "even"),
    (lambda: classifier.train_classifier(classifier.PhaseCNN(4), torch.zeros(2, 4, 4), torch.zeros(2),
                                         steps=1, batch_size=2), "long"),
    (lambda: autoencoders.Autoencoder(0), "n_in"),
    (lambda: autoencoders.as_pixels(torch.zeros(4)), "shape"),
])
def test_bad_input_is_named(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()
