"""physml.integration.primitive: the primitive network, its mixed derivative, the corner sum."""

import math

import pytest
import torch

from physml.integration import primitive
from physml.integration.primitive import (
    PrimitiveNet,
    PrimitiveSettings,
    activation_derivatives,
    corner_sum,
    corners,
    digits,
    integrate,
    mixed_derivative,
    mixed_derivative_autograd,
    primitive_loss,
    train_primitive,
)


def _net(activation, members=3, dim=3, n_params=2, seed=0):
    torch.manual_seed(seed)
    net = PrimitiveNet(members, dim, n_params, 12, 3, activation, input_scale=2.0)
    net = net.double()
    with torch.no_grad():  # larger weights: derivatives of order one, a sharper check
        for p in net.parameters():
            p.mul_(1.5)
    return net


@pytest.mark.parametrize("activation", primitive.ACTIVATIONS)
def test_recursion_equals_nested_autograd_third_derivative(activation):
    net = _net(activation)
    g = torch.Generator().manual_seed(1)
    x = torch.rand(3, 40, 3, generator=g, dtype=torch.float64)
    s = torch.rand(3, 40, 2, generator=g, dtype=torch.float64)
    rec, prim = mixed_derivative(net, x, s, with_primitive=True)
    auto = mixed_derivative_autograd(net, x, s)
    assert rec.shape == (3, 40)
    assert rec.abs().max() > 1e-2  # not trivially zero
    assert torch.allclose(rec, auto, rtol=0, atol=1e-8)
    assert torch.allclose(prim, net(x, s), rtol=0, atol=1e-12)


@pytest.mark.parametrize("dim", [1, 2, 4])
def test_recursion_equals_nested_autograd_other_dims(dim):
    net = _net("sigmoid", members=2, dim=dim, n_params=1)
    x = torch.rand(10, dim, dtype=torch.float64)
    s = torch.rand(10, 1, dtype=torch.float64)
    assert torch.allclose(
        mixed_derivative(net, x, s),
        mixed_derivative_autograd(net, x, s),
        atol=1e-8,
        rtol=0,
    )


def test_recursion_gradients_match_autograd_gradients():
    net = _net("sigmoid", members=2)
    x, s, f = (
        torch.rand(2, 20, 3).double(),
        torch.rand(2, 20, 2).double(),
        torch.rand(2, 20),
    )
    grads = []
    for fn in (mixed_derivative, mixed_derivative_autograd):
        net.zero_grad()
        ((fn(net, x, s) - f.double()) ** 2).mean().backward()
        grads.append(
            torch.cat(
                [
                    torch.zeros_like(p).flatten()
                    if p.grad is None
                    else p.grad.flatten()
                    for p in net.parameters()
                ]
            )
        )
    assert torch.allclose(grads[0], grads[1], atol=1e-8, rtol=1e-8)


@pytest.mark.parametrize("activation", primitive.ACTIVATIONS)
def test_recursion_equals_autograd_with_saturated_units(activation):
    # pre-activations far beyond 20, where torch's own softplus would turn linear
    net = _net(activation, members=2)
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(8.0)
    x = torch.rand(2, 30, 3, dtype=torch.float64)
    s = torch.rand(2, 30, 2, dtype=torch.float64)
    rec = mixed_derivative(net, x, s)
    auto = mixed_derivative_autograd(net, x, s)
    assert torch.allclose(rec, auto, rtol=1e-10, atol=1e-8)


@pytest.mark.parametrize("activation", primitive.ACTIVATIONS)
def test_activation_derivatives_match_autograd(activation):
    z = torch.linspace(-40, 40, 161, dtype=torch.float64, requires_grad=True)
    phis = activation_derivatives(z, activation, 4)
    for n in range(4):
        (d,) = torch.autograd.grad(phis[n].sum(), z, create_graph=True)
        assert torch.allclose(d, phis[n + 1], atol=1e-12)
    expected0 = (
        torch.sigmoid(z) if activation == "sigmoid" else torch.nn.functional.softplus(z)
    )
    assert torch.allclose(phis[0], expected0)
    sig = torch.sigmoid(z)
    if activation == "sigmoid":  # eq. 2.20
        assert torch.allclose(phis[2], (1 - sig) * sig * (1 - 2 * sig))


def test_corner_sum_of_known_primitives():
    # F = exp(x1 + x2 + x3): f = F, ∫ = (e - 1)^3
    value = corner_sum(lambda x: torch.exp(x.sum(-1)), 3)
    assert abs(float(value) - (math.e - 1) ** 3) < 1e-12
    # F = Π sin(x_i) (a family over a trailing axis a): ∫ Π cos(a x_i) a^-D ... with a = 1, 2
    a = torch.tensor([1.0, 2.0], dtype=torch.float64)
    value = corner_sum(lambda x: torch.sin(x[:, :, None] * a).prod(1) / a**3, 3)
    exact = ((torch.sin(a) / a) ** 3).double()
    assert torch.allclose(value, exact, atol=1e-12, rtol=0)
    pts, signs = corners(3)
    assert pts.shape == (8, 3) and float(signs.sum()) == 0.0
    # a wrong sign convention gives a different number
    assert (
        abs(float(-corner_sum(lambda x: torch.exp(x.sum(-1)), 3)) - (math.e - 1) ** 3)
        > 1
    )


def test_integrate_is_the_corner_sum_of_the_network_and_its_derivative():
    net = _net("sigmoid", members=2)
    s = torch.rand(5, 2, dtype=torch.float64)
    value = integrate(net.float(), s)
    assert value.shape == (2, 5) and value.dtype == torch.float64
    # the network's own integrand, integrated by a midpoint rule, gives the same number
    n = 24
    grid = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    x = torch.cartesian_prod(grid, grid, grid)
    net64 = net.double()
    for k in range(2):
        f = mixed_derivative(net64, x, s[k].expand(len(x), 2))
        assert torch.allclose(f.mean(1), value[:, k], rtol=2e-3, atol=1e-4)


def test_training_lowers_the_loss_and_is_reproducible():
    def f(x, s):
        return 1.0 / (1.0 + x.sum(-1) + s[..., 0]) ** 2

    settings = PrimitiveSettings(
        n_members=2, steps=60, hidden=8, depth=2, n_train=2000, batch_size=256
    )
    runs = []
    for _ in range(2):
        torch.manual_seed(5)  # the initialisation draws from torch's global generator
        runs.append(
            train_primitive(
                f, 3, 1, settings, torch.Generator().manual_seed(0), "cpu", False
            )
        )
    (model, hist), (model2, _) = runs
    assert hist.loss.shape == (60,) and hist.loss[-10:].mean() < hist.loss[:10].mean()
    assert model.n_members == 2
    s = torch.rand(3, 1, dtype=torch.float64)
    torch.testing.assert_close(integrate(model, s), integrate(model2, s))


def test_loss_is_zero_for_the_network_own_integrand():
    net = _net("softplus", members=2).float()
    x, s = torch.rand(2, 7, 3), torch.rand(2, 7, 2)
    f = mixed_derivative(net, x, s).detach()
    assert float(primitive_loss(net, x, s, f).detach()) < 1e-10


def test_digits():
    assert float(digits(1.001, 1.0)) == pytest.approx(3.0)
    assert float(digits(torch.tensor([0.9, 1.1]), 1.0).min()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="truth"):
        digits(1.0, 0.0)


@pytest.mark.parametrize(
    "call, error, word",
    [
        (lambda: PrimitiveNet(0, 3, 2), ValueError, "n_members"),
        (lambda: PrimitiveNet(1, 0, 2), ValueError, "dim"),
        (lambda: PrimitiveNet(1, 3, 2, activation="relu"), ValueError, "activation"),
        (
            lambda: PrimitiveNet(1, 3, 2)(torch.rand(4, 2), torch.rand(4, 2)),
            ValueError,
            "x must",
        ),
        (
            lambda: PrimitiveNet(1, 3, 2)(torch.rand(4, 3), torch.rand(5, 2)),
            ValueError,
            "batch",
        ),
        (lambda: PrimitiveNet(1, 3, 2)([0.1], torch.rand(1, 2)), TypeError, "x must"),
        (
            lambda: mixed_derivative("net", torch.rand(1, 3), torch.rand(1, 2)),
            TypeError,
            "model",
        ),
        (lambda: mixed_derivative_autograd(None, None, None), TypeError, "model"),
        (
            lambda: activation_derivatives(torch.zeros(1), "tanh", 1),
            ValueError,
            "activation",
        ),
        (
            lambda: activation_derivatives(torch.zeros(1), "sigmoid", -1),
            ValueError,
            "order",
        ),
        (lambda: activation_derivatives([0.0], "sigmoid", 1), TypeError, "z must"),
        (lambda: corners(0), ValueError, "dim"),
        (lambda: corner_sum(3, 2), TypeError, "primitive"),
        (lambda: corner_sum(lambda x: x[:2, 0], 2), ValueError, "primitive"),
        (lambda: corner_sum(lambda x: 1.0, 2), TypeError, "primitive"),
        (
            lambda: integrate(PrimitiveNet(1, 3, 2), torch.rand(4, 3)),
            ValueError,
            "s must",
        ),
        (lambda: integrate(PrimitiveNet(1, 3, 2), [0.5, 0.5]), TypeError, "s must"),
        (lambda: PrimitiveSettings(n_members=0, steps=1), ValueError, "n_members"),
        (lambda: PrimitiveSettings(n_members=1, steps=1, lr=0), ValueError, "lr"),
        (
            lambda: PrimitiveSettings(n_members=1, steps=1, activation="x"),
            ValueError,
            "activation",
        ),
        (
            lambda: train_primitive(lambda x, s: x.sum(-1), 3, 1, "settings"),
            TypeError,
            "settings",
        ),
        (
            lambda: train_primitive(
                lambda x, s: x.sum(-1) / 0.0,
                3,
                1,
                PrimitiveSettings(n_members=1, steps=1, n_train=10),
            ),
            ValueError,
            "NaN or inf",
        ),
        (
            lambda: train_primitive(
                lambda x, s: x,
                3,
                1,
                PrimitiveSettings(n_members=1, steps=1, n_train=10),
            ),
            ValueError,
            "shape",
        ),
    ],
)
def test_bad_input(call, error, word):
    with pytest.raises(error, match=word):
        call()
