"""physml.phases.classifier: the phase CNN and its replicas."""

import pytest
import torch

from physml.phases import classifier


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
    x = x + 2.0 * y.view(
        -1, 1, 1
    )  # "ordered": large |mean field|; the Z2 copy makes it -2
    model = classifier.PhaseCNN(8)
    classifier.train_classifier(
        model, x, y, steps=150, batch_size=64, generator=g, device="cpu"
    )
    p = classifier.ordered_probability(model, torch.cat([x, -x]))
    labels = torch.cat([y, y]).float()
    assert ((p > 0.5).float() == labels).float().mean() > 0.95


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: classifier.PhaseCNN(1), "L"),
        (lambda: classifier.PhaseCNN(8)(torch.zeros(2, 6, 6)), "shape"),
        (lambda: classifier.block_spin(torch.zeros(2, 5, 5)), "even"),
        (
            lambda: classifier.train_classifier(
                classifier.PhaseCNN(4),
                torch.zeros(2, 4, 4),
                torch.zeros(2),
                steps=1,
                batch_size=2,
            ),
            "long",
        ),
        (lambda: classifier.PhaseCNNReplicas(8, 0), "replicas"),
        (lambda: classifier.PhaseCNNReplicas(8, 2)(torch.zeros(3, 3, 8, 8)), "shape"),
        (
            lambda: classifier.train_classifier(
                classifier.PhaseCNNReplicas(4, 2),
                torch.zeros(2, 2, 4, 4),
                torch.zeros(2).long(),
                steps=1,
                batch_size=2,
            ),
            "labels",
        ),
    ],
)
def test_bad_input_is_named(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()


def _copy_into_replica(
    single: classifier.PhaseCNN, reps: classifier.PhaseCNNReplicas, r: int
) -> None:
    convs = [m for m in single.features if isinstance(m, torch.nn.Conv2d)]
    rconvs = [m for m in reps.features if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        for c, rc in zip(convs, rconvs):
            n_out = c.weight.shape[0]
            rc.weight[r * n_out : (r + 1) * n_out] = c.weight
            rc.bias[r * n_out : (r + 1) * n_out] = c.bias
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
    classifier.train_classifier(
        model, x, y, steps=150, batch_size=64, generator=g, device="cpu"
    )
    p = classifier.ordered_probability(model, torch.cat([x, -x]))
    labels = torch.cat([y, y]).float()
    assert (((p > 0.5).float() == labels).float().mean(0) > 0.95).all()


def test_split_replicas_groups_consecutive_chains():
    n_T, k, c, s, L = 2, 3, 4, 5, 2
    spins = (
        torch.arange(n_T * k * c * s, dtype=torch.float32)
        .view(n_T, k * c, s, 1, 1)
        .expand(-1, -1, -1, L, L)
    )
    out = classifier.split_replicas(spins, k)
    assert out.shape == (n_T, c * s, k, L, L)
    for r in range(k):
        assert torch.equal(
            out[:, :, r].reshape(n_T, c, s, L, L), spins[:, r * c : (r + 1) * c]
        )
    with pytest.raises(ValueError, match="replicas"):
        classifier.split_replicas(spins, 5)
