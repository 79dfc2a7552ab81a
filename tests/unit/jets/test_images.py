"""physml.jets.images: pixel sums, preprocessing (idempotent, rotation and flip on a hand-made
three-prong jet, invariance under rotations and mirrors), Pearson map and class means."""

import math

import numpy as np
import pytest
import torch

from physml.jets import (
    QCD,
    TOP,
    class_means,
    jet_coordinates,
    jet_image,
    pearson_map,
    pixelise,
    preprocess,
    toy_jets,
)
from tests.unit.jets.toyjets import massless_from_values


@pytest.mark.parametrize("extent", [0.8, 0.2])
def test_pixel_sum_is_the_pt_fraction_inside_the_window(extent):
    jets = toy_jets(20, 20, seed=3, dtype=torch.float64)
    coords = jet_coordinates(jets)
    assert torch.allclose(coords[..., 2].sum(-1), torch.ones(40, dtype=torch.float64))
    inside = (coords[..., :2].abs() < extent).all(-1)
    expected = (coords[..., 2] * inside).sum(-1)
    images = jet_image(jets, 40, extent, preprocessed=False, dtype=torch.float64)
    assert images.shape == (40, 40, 40)
    assert torch.allclose(images.sum((1, 2)), expected, atol=1e-12)
    if extent == 0.2:
        assert bool((expected < 0.999).any())  # the small window does cut


def test_a_single_constituent_lands_in_its_pixel():
    coords = torch.tensor([[[0.05, -0.13, 1.0]]], dtype=torch.float64)
    image = pixelise(coords, 40, 0.8)
    row, col = int((-0.13 + 0.8) // 0.04), int((0.05 + 0.8) // 0.04)
    assert image[0, row, col] == 1.0 and image.sum() == 1.0


def test_preprocessing_is_idempotent():
    jets = toy_jets(50, 50, seed=4)
    once = preprocess(jet_coordinates(jets))
    twice = preprocess(once)
    assert (pixelise(once) - pixelise(twice)).abs().max() < 1e-6
    assert (once - twice).abs().max() < 1e-9


def _three_prong(angle=0.0, mirror=False):
    """Hard prong A at the origin, B (second) at distance 0.4, a soft C off the A-B line."""
    xy = torch.tensor([[0.0, 0.0], [0.4, 0.0], [0.2, -0.1]], dtype=torch.float64)
    if mirror:
        xy[:, 1] = -xy[:, 1]
    c, s = math.cos(angle), math.sin(angle)
    xy = xy @ torch.tensor([[c, s], [-s, c]], dtype=torch.float64)
    w = torch.tensor([300.0, 150.0, 10.0], dtype=torch.float64)
    return torch.cat([xy, w[:, None]], -1)[None]


def test_rotation_puts_the_second_prong_at_twelve_and_the_third_on_the_right():
    out = preprocess(_three_prong())[0]
    a, b, c = out[:, :2]
    assert b[1] > 0.1 and abs(float(b[0])) < 0.02  # B straight up (12 o'clock)
    assert a[1] < 0  # the hard prong below the centroid
    assert c[0] > 0  # C in the right half-plane
    assert torch.allclose(out[:, 2].sum(), torch.tensor(1.0, dtype=torch.float64))
    assert torch.allclose(
        (out[:, 2:] * out[:, :2]).sum(0), torch.zeros(2, dtype=torch.float64)
    )


@pytest.mark.parametrize("angle, mirror", [(0.7, False), (2.5, True), (-1.9, False)])
def test_preprocessing_removes_rotations_and_mirrors(angle, mirror):
    ref = preprocess(_three_prong())
    assert torch.allclose(preprocess(_three_prong(angle, mirror)), ref, atol=1e-12)


def test_preprocessed_images_of_a_boosted_three_prong_jet():
    """The same through four-momenta: B at 12 o'clock in the image, C to the right."""
    p = massless_from_values([300.0, 150.0, 10.0], [0.5, 0.5, 0.8], [1.0, 1.4, 1.2])
    image = jet_image(p[None], dtype=torch.float64)[0]
    rows, cols = torch.nonzero(image, as_tuple=True)
    weights = image[rows, cols]
    b = rows[weights.argsort()[1]], cols[weights.argsort()[1]]
    assert int(b[0]) > 20 and int(b[1]) in (19, 20)
    assert int(cols[weights.argmin()]) >= 20


def test_pearson_map_matches_numpy_and_marks_signal_pixels():
    images = torch.zeros(6, 2, 2)
    labels = torch.tensor([TOP, TOP, TOP, QCD, QCD, QCD])
    images[:3, 0, 0] = 1.0  # top only
    images[3:, 0, 1] = 1.0  # QCD only
    images[:, 1, 0] = torch.tensor([0.1, 0.5, 0.2, 0.3, 0.0, 0.9])
    r = pearson_map(images, labels)
    assert r[0, 0] == pytest.approx(1.0) and r[0, 1] == pytest.approx(-1.0)
    expected = np.corrcoef(images[:, 1, 0].numpy(), labels.numpy())[0, 1]
    assert float(r[1, 0]) == pytest.approx(expected, rel=1e-5)
    assert torch.isnan(r[1, 1])  # a constant pixel has no correlation
    means = class_means(images, labels)
    assert means.shape == (2, 2, 2)
    assert means[TOP, 0, 0] == 1.0 and means[QCD, 0, 0] == 0.0


def test_bad_arguments_raise_naming_them():
    with pytest.raises(TypeError, match="sample_or_constituents"):
        jet_image([[0.0]])
    with pytest.raises(ValueError, match="sample_or_constituents"):
        jet_image(torch.zeros(2, 3, 3))
    with pytest.raises(ValueError, match="n_pixels"):
        pixelise(torch.zeros(1, 2, 3), n_pixels=0)
    with pytest.raises(ValueError, match="extent"):
        pixelise(torch.zeros(1, 2, 3), extent=-1.0)
    with pytest.raises(ValueError, match="coords"):
        preprocess(torch.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="weights"):
        preprocess(-torch.ones(1, 2, 3))
    with pytest.raises(ValueError, match="both classes"):
        pearson_map(torch.zeros(3, 2, 2), torch.tensor([1, 1, 1]))
    with pytest.raises(TypeError, match="labels"):
        class_means(torch.zeros(2, 2, 2), torch.tensor([0.0, 1.0]))


def test_centre_on_the_leading_constituent_is_a_fixed_point_and_checked():
    from physml.jets import jet_coordinates, preprocess, toy_jets

    coords = jet_coordinates(toy_jets(20, 20, seed=3))
    once = preprocess(coords, centre="leading")
    lead = once[..., 2].argmax(-1)
    at_lead = once[torch.arange(len(once)), lead, :2]
    assert (
        float(at_lead.abs().max()) < 1e-12
    )  # the hardest constituent sits at the origin
    assert float((preprocess(once, centre="leading") - once).abs().max()) < 1e-9
    with pytest.raises(ValueError, match="centre must be one of"):
        preprocess(coords, centre="middle")


def test_pearson_map_with_a_network_output_as_y():
    from physml.jets import pearson_map

    g = torch.Generator().manual_seed(0)
    images = torch.rand(200, 4, 4, generator=g)
    y = images[:, 1, 2] * 0.5 + 0.1 * torch.rand(
        200, generator=g
    )  # depends on one pixel
    r = pearson_map(images, y)
    assert r.shape == (4, 4)
    assert (
        float(r[1, 2]) > 0.9
        and float(r.nan_to_num().abs().flatten()[[0, 5]].max()) < 0.3
    )
    np.testing.assert_allclose(
        float(r[1, 2]), np.corrcoef(images[:, 1, 2].numpy(), y.numpy())[0, 1], rtol=1e-5
    )
    with pytest.raises(ValueError, match="y must be finite"):
        pearson_map(images, torch.full((200,), float("nan")))
    with pytest.raises(ValueError, match="y shape"):
        pearson_map(images, torch.rand(3))
    with pytest.raises(TypeError, match="y must be a torch.Tensor"):
        pearson_map(images, [0.0] * 200)


@pytest.mark.parametrize(
    ("function", "name"), [(class_means, "labels"), (pearson_map, "y")]
)
def test_class_means_and_pearson_map_check_images_and_labels_alike(function, name):
    images, labels = torch.zeros(4, 2, 2), torch.tensor([TOP, TOP, QCD, QCD])
    for bad_images, bad_labels, error, message in [
        (images.long(), labels, TypeError, "images must be a floating-point"),
        (
            images[0],
            labels,
            ValueError,
            r"images must have shape \(n_jets, height, width\)",
        ),
        (images, labels[:3], ValueError, rf"{name} shape \(n_jets,\)"),
        (
            images,
            [1, 1, 0, 0],
            TypeError,
            f"{name} must be an? (integer )?torch.Tensor",
        ),
        (images, labels + 1, ValueError, rf"{name} must be 0 \(QCD\) or 1 \(top\)"),
        (images, labels * 0, ValueError, f"{name} must contain both classes"),
    ]:
        with pytest.raises(error, match=message):
            function(bad_images, bad_labels)


def test_a_floating_point_y_is_a_network_output_for_pearson_map_only():
    images, labels = torch.zeros(4, 2, 2), torch.tensor([TOP, TOP, QCD, QCD])
    with pytest.raises(TypeError, match="labels must be an integer torch.Tensor"):
        class_means(images, labels.float())
    with pytest.raises(TypeError, match="images must be a floating-point"):
        pearson_map(images.long(), labels.float())
    with pytest.raises(ValueError, match=r"y shape \(n_jets,\)"):
        pearson_map(images, labels[:3].float())
    with pytest.raises(ValueError, match="y must be finite"):
        pearson_map(images, labels / 0)
