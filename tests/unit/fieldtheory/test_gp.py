"""GP posterior against scikit-learn, the eq. 7.33 flow, batched means, bad inputs."""

import numpy as np
import pytest
import torch
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, DotProduct

from physml.fieldtheory import gp
from physml.fieldtheory.kernels import input_kernel


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 5))
    return x, np.sign(x[:, 0]), rng.normal(size=(4, 5))


def test_posterior_matches_sklearn_with_a_fixed_linear_kernel():
    x, y, xs = _data()
    sigma_v2, noise = 1.7, 0.3
    kernel = ConstantKernel(sigma_v2 / 5, "fixed") * DotProduct(
        sigma_0=0.0, sigma_0_bounds="fixed"
    )
    ref = GaussianProcessRegressor(kernel, alpha=noise, optimizer=None).fit(x, y)
    m_ref, s_ref = ref.predict(xs, return_std=True)
    tx, ty, txs = (torch.tensor(a) for a in (x, y, xs))
    m, v = gp.gp_posterior(
        input_kernel(tx, None, sigma_v2),
        input_kernel(txs, tx, sigma_v2),
        input_kernel(txs, None, sigma_v2).diagonal(),
        ty,
        noise,
    )
    np.testing.assert_allclose(m.numpy(), m_ref, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(np.sqrt(v.numpy()), s_ref, rtol=1e-6, atol=1e-10)


def test_flow_reaches_the_fixed_point():
    x, y, _ = _data()
    k = input_kernel(torch.tensor(x)) + 0.1 * torch.eye(12, dtype=torch.float64)
    ty = torch.tensor(y)
    q, res = gp.relaxation_flow(k, ty, 2000)
    exact = torch.linalg.solve(k, ty)
    assert float((q - exact).norm() / exact.norm()) < 1e-8
    assert float(res[-1]) < float(res[0])


def test_flow_is_batched():
    x, y, _ = _data()
    k = input_kernel(torch.tensor(x)) + 0.1 * torch.eye(12, dtype=torch.float64)
    kb = torch.stack([k, 2 * k])
    q, res = gp.relaxation_flow(kb, torch.tensor(y).expand(2, 12).clone(), 3000)
    torch.testing.assert_close(q[0], 2 * q[1])
    assert res.shape == (3000, 2)


def test_mean_prediction_matches_posterior():
    x, y, xs = _data()
    tx, ty, txs = (torch.tensor(a) for a in (x, y, xs))
    k, kc = input_kernel(tx), input_kernel(txs, tx)
    m, _ = gp.gp_posterior(k, kc, input_kernel(txs).diagonal(), ty, 0.2)
    mb = gp.mean_prediction(k.expand(4, 12, 12), kc, ty, 0.2)
    torch.testing.assert_close(m, mb)


@pytest.mark.parametrize(
    "call, word",
    [
        (
            lambda: gp.gp_posterior(
                torch.ones(2, 3), torch.ones(1, 2), torch.ones(1), torch.ones(2)
            ),
            "k_train",
        ),
        (
            lambda: gp.gp_posterior(
                torch.eye(2), torch.ones(1, 3), torch.ones(1), torch.ones(2)
            ),
            "k_cross",
        ),
        (
            lambda: gp.gp_posterior(
                torch.eye(2), torch.ones(1, 2), torch.ones(1), torch.ones(2), -1.0
            ),
            "noise",
        ),
        (lambda: gp.relaxation_flow(torch.eye(2), torch.ones(3), 5), "y"),
        (lambda: gp.relaxation_flow(torch.eye(2), torch.ones(2), 0), "steps"),
        (lambda: gp.relaxation_flow(torch.eye(2), torch.ones(2), 5, dt=0.0), "dt"),
        (
            lambda: gp.mean_prediction(
                torch.eye(2)[None], torch.ones(1, 2), torch.ones(2), 0.0
            ),
            "noise",
        ),
        (
            lambda: gp.mean_prediction(
                torch.eye(2), torch.ones(1, 2), torch.ones(2), 0.1
            ),
            "k_train",
        ),
    ],
)
def test_bad_inputs(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()


@pytest.mark.parametrize(
    "device", ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
)
def test_inference_follows_the_device_of_the_kernels(device):
    x = torch.randn(
        6, 4, generator=torch.Generator().manual_seed(5), dtype=torch.float64
    )
    k = input_kernel(x).to(device)
    y = torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0], dtype=torch.float64, device=device)
    m, v = gp.gp_posterior(k[:5, :5], k[5:, :5], k[5:, 5], y, noise=0.1)
    b = gp.mean_prediction(k[None, :5, :5], k[None, 5, :5], y, 0.1)
    q, _ = gp.relaxation_flow(
        k[:5, :5] + 0.1 * torch.eye(5, dtype=k.dtype, device=device), y, 10
    )
    assert {t.device.type for t in (m, v, b, q)} == {device}
    torch.testing.assert_close(b, m)
