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


def _copy_into_replica(single: classifier.PhaseCNN, reps: classifier.PhaseCNNReplicas, r: int) -> None:
    convs = [m for m in single.features if isinstance(m, torch.nn.Conv2d)]
    rconvs = [m for m in reps.features if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        for c, rc in zip(convs, rconvs):
            n_out = c.weight.shape[0]
            rc.weight[r * n_out:(r + 1) * n_out] = c.weight
            rc.bias[r * n_out:(r + 1) * n_out] = c.bias
        reps.weight[r] = single.head.weight.T
        reps.bias[r] = single.head.bias


def test_cnn_replicas_are_independent_copies_of_the_single_network():
    torch.manual_seed(0)
    L, k = 6, 3
    singles = [classifier.PhaseCNN(L) for _ in range(k)]
    reps = classifier.PhaseCNNReplicas(L, k)
    for r, net in enumerate(singles):
        _copy_into_replica(net, reps, r)
    x = torch.randn(5, k, L, L)
    out = reps(x)
    assert out.shape == (5, k, 2)
    for r, net in enumerate(singles):
        assert torch.allclose(out[:, r], net(x[:, r]), atol=1e-5)
    # changing replica 0's input leaves the others' outputs alone
    x2 = x.clone()
    x2[:, 0] = torch.randn(5, L, L)
    assert torch.allclose(reps(x2)[:, 1:], out[:, 1:], atol=1e-6)
    p = classifier.ordered_probability(reps, x)
    assert p.shape == (5, k) and torch.all((p >= 0) & (p <= 1))


def test_cnn_replicas_learn_each_their_own_data():
    g = torch.Generator().manual_seed(0)
    k, n = 2, 400
    x = torch.randn(n, k, 8, 8, generator=g)
    y = (torch.arange(n * k).view(n, k) % 2).long()
    x = x + 2.0 * y.view(n, k, 1, 1)
    model = classifier.PhaseCNNReplicas(8, k)
    classifier.train_classifier(model, x, y, steps=150, batch_size=64, generator=g, device="cpu")
    p = classifier.ordered_probability(model, torch.cat([x, -x]))
    labels = torch.cat([y, y]).float()
    assert (((p > 0.5).float() == labels).float().mean(0) > 0.95).all()


def test_split_replicas_groups_consecutive_chains():
    n_T, k, c, s, L = 2, 3, 4, 5, 2
    spins = torch.arange(n_T * k * c * s, dtype=torch.float32).view(n_T, k * c, s, 1, 1).expand(-1, -1, -1, L, L)
    out = classifier.split_replicas(spins, k)
    assert out.shape == (n_T, c * s, k, L, L)
    for r in range(k):
        assert torch.equal(out[:, :, r].reshape(n_T, c, s, L, L), spins[:, r * c:(r + 1) * c])
    with pytest.raises(ValueError, match="replicas"):
        classifier.split_replicas(spins, 5)


def test_autoencoder_replicas_shapes_and_independence():
    torch.manual_seed(0)
    k = 3
    px = autoencoders.as_pixels(torch.randint(0, 2, (40, 6, 6)).float() * 2 - 1)
    for variational in (False, True):
        model = autoencoders.AutoencoderReplicas(36, k, hidden=16, variational=variational)
        assert autoencoders.latent_replicas(model, px).shape == (k, 40)
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
    autoencoders.fit_replicas(model, px, steps=300, batch_size=32, lr=3e-3, generator=g, device="cpu")
    zr = autoencoders.latent_replicas(model, px)
    for r in range(2):
        assert abs(torch.corrcoef(torch.stack([zr[r], signs]))[0, 1]) > 0.9


@pytest.mark.parametrize("call, word", [
    (lambda: classifier.PhaseCNNReplicas(8, 0), "replicas"),
    (lambda: classifier.PhaseCNNReplicas(8, 2)(torch.zeros(3, 3, 8, 8)), "shape"),
    (lambda: classifier.train_classifier(classifier.PhaseCNNReplicas(4, 2), torch.zeros(2, 2, 4, 4),
                                         torch.zeros(2).long(), steps=1, batch_size=2), "labels"),
    (lambda: autoencoders.AutoencoderReplicas(36, 0), "replicas"),
    (lambda: autoencoders.AutoencoderReplicas(36, 2, variational=1), "variational"),
    (lambda: autoencoders.fit_replicas(autoencoders.AutoencoderReplicas(36, 2), torch.zeros(4, 35),
                                       steps=1, batch_size=2), "pixels"),
])
def test_replica_bad_input_is_named(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()
