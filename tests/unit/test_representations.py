"""physml.representations: PCA, effective dimension, circles, Fourier planes, orderedness,
parity split and helices."""

import math

import pytest
import torch

from physml.representations import (
    circle_metrics,
    effective_dimension,
    fit_helix,
    fourier_plane,
    fourier_power,
    orderedness,
    parity_ratio,
    principal_components,
)


def _ring(n=41, k=3, dim=12, noise=0.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    a = torch.arange(n, dtype=torch.float64)
    basis, _ = torch.linalg.qr(torch.randn(dim, 2, generator=g, dtype=torch.float64))
    ring = torch.stack(
        [torch.cos(2 * math.pi * k * a / n), torch.sin(2 * math.pi * k * a / n)], 1
    )
    return (
        ring @ basis.T
        + noise * torch.randn(n, dim, generator=g, dtype=torch.float64)
        + 5.0
    )


def test_pca_matches_covariance_eigenvalues():
    x = torch.randn(
        200, 5, generator=torch.Generator().manual_seed(1), dtype=torch.float64
    )
    x = x * torch.tensor([3.0, 2.0, 1.0, 0.5, 0.1], dtype=torch.float64)
    pca = principal_components(x)
    eig = torch.linalg.eigvalsh(torch.cov(x.T)).flip(0)
    assert torch.allclose(pca.ratio, eig / eig.sum(), atol=1e-10)
    assert torch.allclose(pca.projected, pca.project(x), atol=1e-10)
    assert abs(float(pca.ratio.sum()) - 1) < 1e-12


def test_effective_dimension_limits():
    line = torch.arange(10.0).unsqueeze(1) * torch.ones(1, 4)
    assert effective_dimension(line) == pytest.approx(1.0)
    assert effective_dimension(torch.eye(8)) == pytest.approx(
        7.0
    )  # centred: 7 equal directions


def test_circle_and_fourier_plane():
    ring = _ring(noise=0.0)
    ratio, cv = circle_metrics(ring)
    assert ratio == pytest.approx(1.0, abs=1e-9) and cv < 1e-9
    power = fourier_power(ring)
    assert int(power.argmax()) + 1 == 3 and float(power[2]) == pytest.approx(1.0)
    ratio, cv = circle_metrics(fourier_plane(ring, 3))
    assert ratio == pytest.approx(1.0, abs=1e-9) and cv < 1e-9
    # two equally strong frequencies in orthogonal planes: the top-2 PCs mix them, the Fourier
    # plane of either does not
    basis, _ = torch.linalg.qr(
        torch.randn(
            12, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64
        )
    )
    a = torch.arange(41, dtype=torch.float64) * 2 * math.pi / 41
    mixed = (
        torch.stack(
            [torch.cos(3 * a), torch.sin(3 * a), torch.cos(7 * a), torch.sin(7 * a)], 1
        )
        @ basis.T
    )
    assert circle_metrics(mixed)[1] > 0.2 or circle_metrics(mixed)[0] > 1.5
    assert circle_metrics(fourier_plane(mixed, 7))[1] < 0.05
    noisy = torch.randn(
        41, 12, generator=torch.Generator().manual_seed(2), dtype=torch.float64
    )
    assert circle_metrics(fourier_plane(noisy, 3))[1] > 0.2


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        principal_components([[1.0, 2.0]])
    with pytest.raises(ValueError, match="x must have shape"):
        principal_components(torch.ones(5))
    with pytest.raises(ValueError, match="zero variance"):
        principal_components(torch.ones(4, 3))
    with pytest.raises(ValueError, match="non-finite"):
        effective_dimension(torch.tensor([[0.0, float("nan")], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="k must be"):
        fourier_plane(_ring(), 21)


def test_orderedness_line_random_and_zigzag():
    g = torch.Generator().manual_seed(2)
    t = torch.arange(60, dtype=torch.float64)
    line = torch.outer(t, torch.tensor([1.0, 0.5, -0.2], dtype=torch.float64))
    assert orderedness(line, 1) == 1.0 and orderedness(line.flip(0), 2) == 1.0
    shuffled = line[torch.randperm(60, generator=g)]
    assert 0.3 < orderedness(shuffled, 1) < 0.7
    zigzag = line + torch.tensor(
        [[0.0, 0, 0], [40.0, 0, 0]], dtype=torch.float64
    ).repeat(30, 1)
    assert orderedness(zigzag, 2) == 1.0 and orderedness(zigzag, 1) < 0.6
    with pytest.raises(ValueError, match="stride"):
        orderedness(line, 3)


def test_parity_ratio_separated_and_mixed():
    g = torch.Generator().manual_seed(3)
    numbers = torch.arange(80)
    x = torch.randn(80, 4, generator=g, dtype=torch.float64)
    assert parity_ratio(x, numbers) == pytest.approx(1.0, abs=0.1)
    split = x + 5.0 * (numbers % 2)[:, None]
    assert parity_ratio(split, numbers) > 2.0
    with pytest.raises(ValueError, match="numbers"):
        parity_ratio(x, numbers[:-1])


def test_fit_helix_recovers_a_noisy_helix():
    g = torch.Generator().manual_seed(4)
    t = torch.linspace(0, 1, 81, dtype=torch.float64)
    angle = 2 * math.pi * 2.0 * t + 0.3
    points = torch.stack([4.0 * t, 0.6 * angle.cos(), 0.6 * angle.sin()], 1) + 1.0
    points = points + 0.01 * torch.randn(81, 3, generator=g, dtype=torch.float64)
    helix, hist = fit_helix(points, steps=1500)
    assert hist.steps == 1500 and hist.loss.shape == (1500,)
    assert hist.loss[-1] < hist.loss[0]
    assert helix.r2 > 0.99
    assert helix.radius == pytest.approx(0.6, rel=0.05)
    assert abs(helix.frequency) == pytest.approx(2.0, rel=0.03)
    assert abs(helix.pitch) == pytest.approx(4.0, rel=0.03)
    with pytest.raises(ValueError, match="points"):
        fit_helix(points[:, :2])
