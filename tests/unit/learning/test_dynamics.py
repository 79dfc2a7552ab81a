"""Saad-Solla order-parameter ODEs, online SGD, diagonal networks and the tangent kernel."""

import numpy as np
import pytest
import torch
from scipy.special import erf

from physml.learning import dynamics as D


def _covariance(p=4, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(p, p))
    return a @ a.T / p + 0.2 * np.eye(p)


@pytest.fixture(scope="module")
def samples():
    c = _covariance()
    u = np.random.default_rng(1).multivariate_normal(np.zeros(4), c, size=400_000)
    return c, u


def test_erf_averages_match_monte_carlo(samples):
    c, u = samples
    g, dg = erf(u / np.sqrt(2)), np.sqrt(2 / np.pi) * np.exp(-(u**2) / 2)
    n = len(u)
    assert np.allclose(D.i2(c), g.T @ g / n, atol=5e-3)
    assert np.allclose(D.i3(c), np.einsum("na,nb,nc->abc", dg, u, g) / n, atol=5e-3)
    mc4 = np.einsum("na,nb,nc,nd->abcd", dg, dg, g, g) / n
    assert np.allclose(D.i4(c), mc4, atol=3e-3)


def test_relu_averages_match_monte_carlo(samples):
    c, u = samples
    r, step = np.maximum(u, 0), (u > 0).astype(float)
    n = len(u)
    assert np.allclose(D.i2(c, "relu"), r.T @ r / n, atol=1e-2)
    mc3 = np.einsum("na,nb,nc->abc", step, u, r) / n
    assert np.allclose(D.i3(c, "relu"), mc3, atol=1e-2)


def test_rhs_matches_monte_carlo_of_the_update():
    """dR and dQ against the sample means of the SGD increments (per unit alpha)."""
    rng = np.random.default_rng(2)
    K, lr = 2, 0.7
    Q = np.array([[0.5, 0.1], [0.1, 0.4]])
    R = np.array([[0.3, 0.05], [0.1, 0.2]])
    T = np.eye(2)
    C = np.block([[Q, R], [R.T, T]])
    u = rng.multivariate_normal(np.zeros(4), C, size=1_000_000)
    lam, nu = u[:, :K], u[:, K:]
    g = lambda x: erf(x / np.sqrt(2))
    delta = np.sqrt(2 / np.pi) * np.exp(-(lam**2) / 2)
    delta = delta * (g(nu).sum(1) - g(lam).sum(1))[:, None]
    n = len(u)
    dR = lr * delta.T @ nu / n
    dQ = lr * (delta.T @ lam + lam.T @ delta) / n + lr**2 * delta.T @ delta / n
    dq, dr = D.order_parameter_rhs(Q, R, T, lr)
    assert np.allclose(dr, dR, atol=3e-3)
    assert np.allclose(dq, dQ, atol=3e-3)


@pytest.mark.parametrize("activation", ["erf", "relu"])
def test_perfect_learning_is_a_fixed_point(activation):
    T = np.eye(2)
    dq, dr = D.order_parameter_rhs(T, T, T, 1.0, activation)
    assert np.abs(dq).max() < 1e-14 and np.abs(dr).max() < 1e-14
    assert abs(D.generalisation_error(T, T, T, activation)) < 1e-14
    # over-realisable: a third unit with zero weights (g(0) = 0)
    Q3 = np.zeros((3, 3))
    Q3[:2, :2] = T
    R3 = np.vstack([T, np.zeros((1, 2))])
    dq, dr = D.order_parameter_rhs(Q3, R3, T, 1.0, activation)
    assert np.abs(dq).max() < 1e-14 and np.abs(dr).max() < 1e-14


def test_symmetric_plateau_is_a_fixed_point():
    eps, r, q, c = D.symmetric_plateau(2, 1.0)
    Q = np.array([[q, c], [c, q]])
    dq, dr = D.order_parameter_rhs(Q, np.full((2, 2), r), np.eye(2), 1.0)
    assert np.abs(dq).max() < 1e-6 and np.abs(dr).max() < 1e-6
    assert 0.01 < eps < 0.05


def test_online_sgd_follows_the_ode_early():
    g = torch.Generator().manual_seed(0)
    W, B = D.teacher_student(500, 2, 2, 4, 0.5, generator=g)
    sgd = D.online_sgd(W, B, 1.0, 4.0, 5, generator=g)
    ode = [
        D.integrate(sgd.Q[i, 0], sgd.R[i, 0], np.eye(2), 1.0, sgd.alpha)
        for i in range(4)
    ]
    mean = np.mean([o.eps for o in ode], 0)
    assert np.allclose(sgd.eps.mean(0), mean, rtol=0.1)


def test_diagonal_network_limits():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(15, 30, generator=g, dtype=torch.float64)
    beta = torch.zeros(30, dtype=torch.float64)
    beta[:2] = torch.tensor([1.0, -0.7])
    y = X @ beta
    b = D.diagonal_network(X, y, [1e-3, 10.0], 0.01, 20_000).numpy()
    l1 = D.min_l1(X.numpy(), y.numpy())
    l2 = np.linalg.pinv(X.numpy()) @ y.numpy()
    assert np.linalg.norm(b[0] - l1) < 0.05 * np.linalg.norm(l1)
    assert np.linalg.norm(b[1] - l2) < 1e-3 * np.linalg.norm(l2)


def test_ntk_moves_less_when_lazy():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(8, 3, generator=g, dtype=torch.float64)
    y = torch.sin(X[:, 0])
    change, _loss = D.ntk_training(X, y, 128, [100.0, 0.1], 0.2, 300, generator=g)
    assert change[0] < 1e-2 < change[1]


def test_plateau_length_and_specialisation():
    a = np.arange(5.0)
    assert D.plateau_length(a, [1.0, 0.5, 0.5, 0.5, 0.1], 0.5) == 2.0
    assert np.allclose(D.specialisation(np.array([[1.0, 0.2], [0.5, 0.5]])), [0.8, 0.0])


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: D.i2(np.ones((2, 3))), "C"),
        (lambda: D.i2(np.eye(2), "tanh"), "activation"),
        (lambda: D.i3(np.array([[1.0, 0.5], [0.0, 1.0]])), "C"),
        (lambda: D.i4(np.full((2, 2), np.nan)), "C"),
        (lambda: D.generalisation_error(np.eye(2), np.eye(3), np.eye(2)), "R"),
        (lambda: D.order_parameter_rhs(np.eye(2), np.eye(2), np.eye(2), 0.0), "lr"),
        (
            lambda: D.integrate(np.eye(2), np.eye(2), np.eye(2), 1.0, [1.0, 2.0]),
            "alpha",
        ),
        (lambda: D.teacher_student(2, 2, 3, 1, 0.5), "M"),
        (lambda: D.teacher_student(10, 2, 2, 1, -1.0), "init_std"),
        (lambda: D.online_sgd(torch.zeros(2, 2), torch.zeros(2, 2), 1.0, 1.0, 2), "W"),
        (lambda: D.plateau_length([0, 1], [1, 1], -1.0), "level"),
        (lambda: D.specialisation(np.ones((2, 1))), "M"),
        (
            lambda: D.diagonal_network(torch.ones(3, 4), torch.ones(3), [0.0], 0.1, 1),
            "init_scales",
        ),
        (lambda: D.min_l1(np.ones((3, 4)), np.ones(2)), "X"),
        (
            lambda: D.ntk_training(torch.ones(3, 2), torch.ones(3), 0, [1.0], 0.1, 1),
            "width",
        ),
    ],
)
def test_bad_inputs(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_perfect_learning_attracts_below_the_critical_learning_rate():
    T = np.eye(2)
    ev = D.fixed_point_eigenvalues(T, T, T, 1.0)
    assert ev.shape == (7,) and ev.real.max() < 0
    # too large a learning rate, or a wrong sign of the R equation, repels
    assert D.fixed_point_eigenvalues(T, T, T, 3.0).real.max() > 0
    with pytest.raises(ValueError, match="step"):
        D.fixed_point_eigenvalues(T, T, T, 1.0, step=0.0)
