"""physml.jets.graphs: the kNN graph, EdgeConv and the ParticleNet-like tagger."""

import pytest
import torch

from physml.jets import graphs
from physml.jets.inputs import n_parameters
from tests.unit.jets.toyjets import loss_drops, padded, permuted, random_jets


def test_knn_excludes_self_and_padding():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 10, 2, generator=g)
    mask = torch.arange(10)[None, :] < torch.tensor([[10], [6], [3]])
    index, valid = graphs.knn(x, mask, 4)
    assert index.shape == valid.shape == (3, 10, 4)
    rows = torch.arange(10)[None, :, None]
    assert not bool((valid & (index == rows)).any())  # never itself
    assert bool(torch.gather(mask, 1, index.flatten(1)).view_as(index)[valid].all())
    # a jet with 3 real nodes has 2 real neighbours per real node
    assert valid[2, :3].sum(-1).tolist() == [2, 2, 2]
    # against a brute-force sort for the full jet
    d = torch.cdist(x[0], x[0]).fill_diagonal_(torch.inf)
    assert torch.equal(index[0].sort(-1).values, d.argsort(-1)[:, :4].sort(-1).values)


def _models():
    torch.manual_seed(0)
    small = graphs.ParticleNet(((4, (16, 16)), (4, (16, 16))), head=16)
    return [
        m.double().requires_grad_(False) for m in (small, graphs.ParticleNet.lite())
    ]


def test_permutation_and_padding_invariance():
    c = random_jets(n_slots=14)
    for model in _models():
        out = model(c)
        assert out.shape == (len(c),)
        assert float((model(permuted(c)) - out).abs().max()) < 1e-5
        assert float((model(padded(c, 20)) - out).abs().max()) < 1e-10


def test_sizes():
    assert 20_000 < n_parameters(graphs.ParticleNet.lite()) < 30_000
    assert 300_000 < n_parameters(graphs.ParticleNet.full()) < 500_000


def test_a_few_steps_lower_the_loss():
    torch.manual_seed(0)
    first, last = loss_drops(
        graphs.ParticleNet(((4, (16, 16)), (4, (16, 16))), head=16)
    )
    assert last < 0.8 * first, (first, last)


def test_bad_arguments_are_refused_by_name():
    x, mask = torch.zeros(1, 3, 2), torch.ones(1, 3, dtype=torch.bool)
    with pytest.raises(ValueError, match="k must"):
        graphs.knn(x, mask, 0)
    with pytest.raises(TypeError, match="mask"):
        graphs.knn(x, mask.float(), 2)
    with pytest.raises(TypeError, match="points"):
        graphs.knn(x.long(), mask, 2)
    with pytest.raises(ValueError, match="widths"):
        graphs.EdgeConv(4, (), 3)
    with pytest.raises(ValueError, match="blocks"):
        graphs.ParticleNet(blocks=())
    with pytest.raises(ValueError, match="head"):
        graphs.ParticleNet(head=0)
