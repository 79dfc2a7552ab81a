"""The synthetic pixels (eqs. 7.15-7.16) and the kernel statistics of eqs. 7.17-7.20."""

import pytest
import torch

from physml.fieldtheory import pixels as P

CLASSES = torch.tensor([1, 1, 1, 2, 2, 2])


def test_pixel_probabilities():
    x = P.synthetic_pixels(
        torch.tensor([1, 2]), 8, 0.7, 50_000, generator=torch.Generator().manual_seed(0)
    )
    left, right = (
        x[:, :, :4].eq(1).double().mean((0, 2)),
        x[:, :, 4:].eq(1).double().mean((0, 2)),
    )
    torch.testing.assert_close(
        left, torch.tensor([0.7, 0.3], dtype=torch.float64), atol=5e-3, rtol=0
    )
    torch.testing.assert_close(
        right, torch.tensor([0.3, 0.7], dtype=torch.float64), atol=5e-3, rtol=0
    )


def test_kernel_statistics_match_monte_carlo():
    g = torch.Generator().manual_seed(1)
    x = P.synthetic_pixels(CLASSES, 6, 0.8, 100_000, generator=g)
    k = torch.einsum("bin,bjn->bij", x, x) / 6
    stats = P.category_statistics(k, CLASSES)
    mu, sigma = P.kernel_mean(CLASSES, 0.8), P.kernel_covariance(CLASSES, 0.8, 6)
    masks = P.kernel_categories(CLASSES)
    for name, (value, err) in stats.items():
        exact = float((mu if masks[name].ndim == 2 else sigma)[masks[name]].mean())
        assert abs(value - exact) < 4 * err + 1e-12, name


def test_corrected_sign_assignment():
    s = P.kernel_covariance(CLASSES, 0.8, 6)
    nu = 0.36 * 0.64 / 6
    assert float(s[0, 1, 0, 4]) == pytest.approx(-nu)  # c_a = c_b != c_d
    assert float(s[0, 4, 0, 1]) == pytest.approx(-nu)  # c_a = c_d != c_b
    assert float(s[0, 3, 0, 4]) == pytest.approx(
        nu
    )  # c_a != c_b = c_d (printed under both)
    assert float(s[0, 1, 0, 2]) == pytest.approx(nu)  # c_a = c_b = c_d
    assert float(s[0, 0, 0, 1]) == 0.0 and float(s[0, 1, 2, 3]) == 0.0  # eq. 7.20


def test_full_covariance_tensor_matches_monte_carlo():
    g = torch.Generator().manual_seed(2)
    x = P.synthetic_pixels(torch.tensor([1, 2, 1, 2]), 4, 0.9, 200_000, generator=g)
    k = torch.einsum("bin,bjn->bij", x, x) / 4 * 2.0
    dk = k - k.mean(0)
    cov = torch.einsum("bij,bkl->ijkl", dk, dk) / len(k)
    exact = P.kernel_covariance(torch.tensor([1, 2, 1, 2]), 0.9, 4, sigma_v2=2.0)
    torch.testing.assert_close(cov, exact, atol=8e-3, rtol=0)


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: P.class_signs(torch.tensor([1, 3])), "classes"),
        (lambda: P.class_signs(torch.tensor([1.0, 2.0])), "classes"),
        (lambda: P.synthetic_pixels(CLASSES, 5, 0.8), "n_dim"),
        (lambda: P.synthetic_pixels(CLASSES, 6, 1.2), "p"),
        (lambda: P.kernel_mean(CLASSES, 0.8, sigma_v2=0.0), "sigma_v2"),
        (lambda: P.kernel_covariance(CLASSES, -0.1, 6), "p"),
        (lambda: P.category_statistics(torch.ones(30, 6, 6), CLASSES), "n_batches"),
        (lambda: P.category_statistics(torch.ones(40, 5, 5), CLASSES), "kernels"),
    ],
)
def test_bad_inputs(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()


@pytest.mark.parametrize(
    "device", ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
)
def test_pixels_and_statistics_follow_the_device_of_the_classes(device):
    classes = torch.tensor([1, 1, 2, 2])
    ref = P.synthetic_pixels(
        classes, 6, 0.8, 40, generator=torch.Generator().manual_seed(2)
    )
    x = P.synthetic_pixels(
        classes.to(device), 6, 0.8, 40, generator=torch.Generator().manual_seed(2)
    )
    assert x.device.type == device
    torch.testing.assert_close(x.cpu(), ref)
    assert P.kernel_mean(classes.to(device), 0.8).device.type == device
    assert P.kernel_covariance(classes.to(device), 0.8, 6).device.type == device
    stats = P.category_statistics(x @ x.transpose(1, 2) / 6, classes.to(device), 2)
    assert set(stats) == set(P.CATEGORIES)
