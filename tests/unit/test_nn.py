"""physml.nn: the batched ensemble MLP equals separate MLPs; bad sizes and shapes are named."""

import pytest
import torch

from physml.nn import MLP, EnsembleLinear, EnsembleMLP, forward_in_batches


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


def test_forward_in_batches_equals_one_pass_and_leaves_eval_mode():
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 2)
    )
    x = torch.randn(37, 3)
    net.eval()
    with torch.no_grad():
        whole = net(x)
    net.train()
    out = forward_in_batches(net, x, batch_size=5)
    assert not net.training and not out.requires_grad
    torch.testing.assert_close(out, whole, rtol=0, atol=0)


def test_forward_in_batches_joins_ensemble_members_along_dim_1():
    torch.manual_seed(1)
    ens = EnsembleMLP(n_in=2, n_out=1, n_members=4, hidden=8, depth=2)
    x = torch.randn(23, 2)
    out = forward_in_batches(ens, x, batch_size=4, dim=1)
    assert out.shape == (4, 23, 1)
    with torch.no_grad():
        torch.testing.assert_close(out, ens.eval()(x))


@pytest.mark.parametrize(
    "args, error, word",
    [
        ((object(), torch.zeros(2, 1)), TypeError, "model"),
        ((torch.nn.Linear(1, 1), [[0.0]]), TypeError, "inputs"),
        ((torch.nn.Linear(1, 1), torch.zeros(2, 1), 0), ValueError, "batch_size"),
        ((torch.nn.ReLU(), torch.zeros(2, 1)), ValueError, "parameters"),
    ],
)
def test_forward_in_batches_bad_input(args, error, word):
    with pytest.raises(error, match=word):
        forward_in_batches(*args)
