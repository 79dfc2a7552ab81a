"""physml.nn: the batched ensemble MLP equals separate MLPs; bad sizes and shapes are named."""

import pytest
import torch

from physml.nn import EnsembleLinear, EnsembleMLP, MLP


def test_ensemble_mlp_equals_separate_mlps():
    torch.manual_seed(0)
    ens = EnsembleMLP(3, 2, 4, hidden=5, depth=2)
    x = torch.randn(7, 2)
    out = ens(x)
    assert out.shape == (3, 7, 4)
    for e in range(3):
        h = x
        for layer in ens.hidden:
            h = torch.nn.functional.silu(h @ layer.weight[e] + layer.bias[e])
        ref = h @ ens.out.weight[e] + ens.out.bias[e]
        assert torch.allclose(out[e], ref, atol=1e-6)
    per_member = ens(x.unsqueeze(0).expand(3, -1, -1))
    assert torch.allclose(per_member, out)


def test_ensemble_members_train_independently():
    torch.manual_seed(0)
    ens = EnsembleMLP(2, 1, 1, hidden=4, depth=1)
    x = torch.randn(5, 1)
    out = ens(x)
    out[0].sum().backward()
    assert (
        ens.out.weight.grad[1].abs().sum() == 0
        and ens.out.weight.grad[0].abs().sum() > 0
    )


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: MLP(0, 1), "n_in"),
        (lambda: MLP(1, 1, dropout=1.0), "dropout"),
        (lambda: MLP(1, 1, activation="sigmoidish"), "activation"),
        (lambda: EnsembleMLP(0, 1, 1), "n_members"),
    ],
)
def test_network_bad_sizes(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_ensemble_bad_input_shape():
    with pytest.raises(ValueError, match="x must have shape"):
        EnsembleMLP(3, 2, 1)(torch.randn(4, 3))
    assert EnsembleLinear(2, 3, 4)(torch.randn(2, 5, 3)).shape == (2, 5, 4)
