"""Bayesian networks by composition (issue 19): a layer factory ``linear=`` makes any physml network
Bayesian from outside; :mod:`physml.nn` knows nothing of Bayesian layers or training.

It lives in contracts/ because one parametrised contract covers six networks of four modules (nn,
generative.networks, generative.ddpm, generative.cfm, flows.coupling) and the bayesian factory."""

import pytest
import torch

from physml import bayesian
from physml.flows.coupling import CouplingFlow, DenseCoupling
from physml.generative.cfm import CFM
from physml.generative.ddpm import DDPM, linear_betas
from physml.generative.networks import TimeMLP
from physml.nn import MLP, zero_output_
from tests.helpers import fresh_python

BUILDERS = {
    "MLP": lambda linear: MLP(3, 2, hidden=8, depth=2, linear=linear),
    "TimeMLP": lambda linear: TimeMLP(2, 8, 2, linear=linear),
    "DDPM": lambda linear: DDPM(linear_betas(10), hidden=8, depth=2, linear=linear),
    "CFM": lambda linear: CFM(hidden=8, depth=2, linear=linear),
    "DenseCoupling": lambda linear: DenseCoupling(
        torch.tensor([1, 0, 1]), hidden=8, linear=linear
    ),
    "CouplingFlow": lambda linear: CouplingFlow(
        2, 3, 8, bounds=(0.0, 1.0), linear=linear
    ),
}


def _build(name, linear, seed=5):
    torch.manual_seed(seed)
    net = BUILDERS[name](linear)
    return net, torch.rand(
        4
    )  # the next draw of the global RNG tells whether construction used it alike


def _affine(net):
    return [
        m
        for m in net.modules()
        if isinstance(m, (torch.nn.Linear, bayesian.BayesLinear))
    ]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_plain_and_bayesian_networks_share_architecture_initial_means_and_rng_use(name):
    plain, after_plain = _build(name, torch.nn.Linear)
    bayes, after_bayes = _build(name, bayesian.bayes_linear(prior_std=0.5))
    a, b = _affine(plain), _affine(bayes)
    assert len(a) == len(b) > 0
    assert all(isinstance(m, torch.nn.Linear) for m in a) and all(
        isinstance(m, bayesian.BayesLinear) for m in b
    )
    for p, q in zip(a, b):
        assert p.weight.shape == q.weight_mu.shape and p.bias.shape == q.bias_mu.shape
        assert torch.equal(p.weight, q.weight_mu) and torch.equal(p.bias, q.bias_mu)
        assert q.prior_std == 0.5
    # The rest of the module tree (activations, buffers) is the same.
    strip = (torch.nn.Linear, bayesian.BayesLinear)
    assert [type(m) for m in plain.modules() if not isinstance(m, strip)] == [
        type(m) for m in bayes.modules() if not isinstance(m, strip)
    ]
    assert torch.equal(after_plain, after_bayes)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_kl_is_zero_for_a_plain_network_and_positive_for_a_bayesian_one(name):
    plain, _ = _build(name, torch.nn.Linear)
    bayes, _ = _build(name, bayesian.bayes_linear())
    assert not bayesian.is_bayesian(plain) and bayesian.kl_divergence(plain).item() == 0
    assert bayesian.is_bayesian(bayes) and bayesian.kl_divergence(bayes).item() > 0


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize(
    "bad",
    ["bayes", None, torch.nn.Linear(2, 2), lambda n_in, n_out: 3],
    ids=["str", "none", "layer-instance", "returns-int"],
)
def test_a_bad_layer_factory_raises_type_error_naming_linear(name, bad):
    with pytest.raises(TypeError, match="linear"):
        BUILDERS[name](bad)


def test_bayes_linear_checks_its_arguments_before_any_network_is_built():
    with pytest.raises(ValueError, match="prior_std"):
        bayesian.bayes_linear(prior_std=0.0)
    with pytest.raises(ValueError, match="init_std"):
        bayesian.bayes_linear(init_std=-1.0)
    layer = bayesian.bayes_linear(prior_std=2.0, init_std=0.1)(3, 4)
    assert isinstance(layer, bayesian.BayesLinear) and layer.prior_std == 2.0
    assert torch.allclose(
        torch.nn.functional.softplus(layer.weight_rho), torch.full((4, 3), 0.1)
    )


def test_bayes_linear_weight_and_bias_are_its_means():
    layer = bayesian.BayesLinear(3, 2)
    assert layer.weight is layer.weight_mu and layer.bias is layer.bias_mu
    assert len(list(layer.parameters())) == 4  # the aliases add no parameters


@pytest.mark.parametrize(
    "linear", [torch.nn.Linear, bayesian.bayes_linear()], ids=["plain", "bayesian"]
)
def test_a_coupling_block_starts_as_the_identity_for_both_layer_kinds(linear):
    torch.manual_seed(0)
    block = DenseCoupling(torch.tensor([1, 0]), hidden=8, linear=linear)
    bayesian.set_mode(block, "mean")
    x = torch.randn(5, 2)
    y, logdet = block(x)
    assert torch.equal(y, x) and torch.equal(logdet, torch.zeros(5))


def test_zero_output_zeroes_a_layer_in_place_and_rejects_one_without_weights():
    for layer in (torch.nn.Linear(3, 2), bayesian.BayesLinear(3, 2)):
        rho = [p.clone() for n, p in layer.named_parameters() if n.endswith("rho")]
        assert zero_output_(layer) is layer
        assert not layer.weight.any() and not layer.bias.any()
        assert all(
            torch.equal(a, b)
            for a, b in zip(
                rho, [p for n, p in layer.named_parameters() if n.endswith("rho")]
            )
        )
    with pytest.raises(TypeError, match="weight and bias"):
        zero_output_(torch.nn.Tanh())


def test_importing_physml_nn_loads_neither_train_nor_bayesian():
    code = "import sys, physml.nn; print(sorted(m for m in ('physml.train', 'physml.bayesian') if m in sys.modules))"
    assert fresh_python(code).strip() == "[]"
