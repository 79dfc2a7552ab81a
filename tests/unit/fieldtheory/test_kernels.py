"""NNGP kernels against Monte Carlo, random-network ensembles, bad inputs."""

import math

import pytest
import torch

from physml.fieldtheory import kernels as K


def _x():
    g = torch.Generator().manual_seed(1)
    return torch.randn(5, 7, generator=g, dtype=torch.float64)


@pytest.mark.parametrize("activation", K.ACTIVATIONS)
def test_activation_kernel_matches_monte_carlo(activation):
    g = torch.Generator().manual_seed(0)
    cov = torch.tensor([[1.3, 0.7], [0.7, 0.8]], dtype=torch.float64)
    z = (
        torch.randn(500_000, 2, generator=g, dtype=torch.float64)
        @ torch.linalg.cholesky(cov).T
    )
    phi = {"linear": lambda h: h, "erf": torch.erf, "relu": torch.relu}[activation]
    prod = phi(z[:, 0]) * phi(z[:, 1])
    mc, err = float(prod.mean()), float(prod.std() / math.sqrt(len(prod)))
    exact = float(K.activation_kernel(cov[0, 0], cov[1, 1], cov[0, 1], activation))
    assert abs(mc - exact) < 4 * err


def test_relu_kernel_limits():
    one = torch.tensor(2.0, dtype=torch.float64)
    # identical inputs: E[relu(h)^2] = K/2; opposite inputs: 0
    assert float(K.activation_kernel(one, one, one, "relu")) == pytest.approx(1.0)
    assert float(K.activation_kernel(one, one, -one, "relu")) == pytest.approx(
        0.0, abs=1e-12
    )


@pytest.mark.parametrize("activation", K.ACTIVATIONS)
@pytest.mark.parametrize("depth", [0, 1])
def test_nngp_kernel_matches_wide_ensemble(activation, depth):
    x = _x()
    exact = K.nngp_kernel(
        x, activation=activation, sigma_v2=1.5, sigma_w2=1.2, depth=depth
    )
    k = K.network_kernels(
        x,
        256,
        400,
        activation,
        sigma_v2=1.5,
        sigma_w2=1.2,
        depth=depth,
        generator=torch.Generator().manual_seed(2),
    )
    rel = torch.linalg.norm(k.mean(0) - exact) / torch.linalg.norm(exact)
    assert rel < 0.03


def test_nngp_kernel_cross_and_symmetry():
    x = _x()
    full = K.nngp_kernel(x, activation="erf", depth=1)
    cross = K.nngp_kernel(x[:2], x[2:], activation="erf", depth=1)
    torch.testing.assert_close(cross, full[:2, 2:])
    torch.testing.assert_close(full, full.T)


def test_network_outputs_covariance_is_the_kernel():
    x = _x()[:3]
    y = K.network_outputs(
        x, 64, 40_000, "relu", generator=torch.Generator().manual_seed(3)
    )
    emp = y.T @ y / len(y)
    exact = K.nngp_kernel(x, activation="relu")
    assert torch.linalg.norm(emp - exact) / torch.linalg.norm(exact) < 0.03


def test_network_kernels_chunking_is_one_stream():
    x = _x()
    a = K.network_kernels(
        x, 16, 10, chunk=3, generator=torch.Generator().manual_seed(4)
    )
    b = K.network_kernels(
        x, 16, 10, chunk=10, generator=torch.Generator().manual_seed(4)
    )
    torch.testing.assert_close(a, b)


def test_four_point_relu_exact_amplitude_and_width_scaling():
    # one hidden ReLU layer: 3 Var(K_aa) = 3 (5/4) K0_aa^2 / N_h
    x = _x()[:2]
    k0 = K.input_kernel(x).diagonal()
    for width in (16, 128):
        k = K.network_kernels(
            x, width, 4000, generator=torch.Generator().manual_seed(width)
        )
        value, err = K.connected_four_point(k)
        exact = 3 * 1.25 * k0**2 / width
        assert (abs(value - exact) < 4 * err).all()


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: K.input_kernel([[1.0]]), "x1"),
        (lambda: K.input_kernel(torch.ones(2, 3), torch.ones(2, 4)), "N_dim"),
        (lambda: K.input_kernel(torch.ones(2, 3), sigma_v2=0.0), "sigma_v2"),
        (lambda: K.input_kernel(torch.tensor([[float("nan")]])), "x1"),
        (lambda: K.nngp_kernel(torch.ones(2, 3), activation="tanh"), "activation"),
        (lambda: K.nngp_kernel(torch.ones(2, 3), depth=-1), "depth"),
        (lambda: K.network_kernels(torch.ones(2, 3), 0, 3), "width"),
        (lambda: K.network_kernels(torch.ones(2, 3), 4, 0), "n_members"),
        (lambda: K.network_outputs(torch.ones(2, 3), 4, 2, sigma_u2=-1.0), "sigma_u2"),
        (lambda: K.connected_four_point(torch.ones(3, 2, 2)), "kernels"),
        (lambda: K.four_point_theory(torch.tensor([-1.0]), 4), "k0_diag"),
        (lambda: K.four_point_theory(torch.tensor([1.0]), 0), "width"),
        (
            lambda: K.activation_kernel(
                torch.tensor(-1.0), torch.tensor(1.0), torch.tensor(0.0), "relu"
            ),
            "k11",
        ),
    ],
)
def test_bad_inputs(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()


DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
def test_ensembles_follow_the_device_of_their_inputs(device):
    # the weights come from the (CPU) generator and are moved: the same networks on any device
    x = _x()
    ref = K.network_kernels(x, 16, 5, generator=torch.Generator().manual_seed(3))
    k = K.network_kernels(
        x.to(device), 16, 5, generator=torch.Generator().manual_seed(3)
    )
    y = K.network_outputs(
        x.to(device), 16, 5, generator=torch.Generator().manual_seed(3)
    )
    assert k.device.type == device and y.device.type == device
    torch.testing.assert_close(k.cpu(), ref)
    g4 = K.four_point_theory(K.input_kernel(x.to(device)).diagonal(), 16, "erf")
    assert g4.device.type == device
