"""physml.jets.taggers: the CNN's shapes and one training step through physml.train.fit, the
BDT on (m, tau_3/tau_2) separating toy tops from QCD."""

import numpy as np
import pytest
import torch

from physml.jets import (
    JetCNN,
    bdt_features,
    bdt_scores,
    fit_bdt,
    jet_image,
    rejection_text,
    tagger_loss,
    tagger_scores,
    toy_jets,
    train_tagger,
)
from physml.stats import auc


def test_cnn_shapes_and_width_knob():
    torch.manual_seed(0)
    small, wide = JetCNN(), JetCNN(channels=16)
    x = torch.rand(3, 40, 40)
    assert small(x).shape == (3,) and small(x[:, None]).shape == (3,)
    count = lambda m: sum(p.numel() for p in m.parameters())
    assert count(wide) > count(small)
    # the competitive CNN of the notes (64 feature maps): 610k parameters
    assert count(JetCNN(channels=64)) == pytest.approx(610_000, rel=0.01)
    assert JetCNN(n_pixels=32)(torch.rand(2, 32, 32)).shape == (2,)


def test_one_training_step_lowers_the_loss():
    jets = toy_jets(32, 32, seed=0)
    images, labels = jet_image(jets), jets.labels
    torch.manual_seed(0)
    model = JetCNN()
    with torch.no_grad():
        before = float(tagger_loss(model, images, labels))
    hist = train_tagger(
        model,
        images,
        labels,
        steps=1,
        batch_size=64,
        lr=1e-3,
        device="cpu",
        progress=False,
    )
    assert hist.steps == 1 and hist.loss.shape == (1,)
    with torch.no_grad():
        after = float(tagger_loss(model.eval(), images, labels))
    assert after < before
    scores = tagger_scores(model, images, batch_size=10)
    assert scores.shape == (64,) and torch.isfinite(scores).all()


def test_bdt_separates_toy_tops_from_qcd():
    train, test = toy_jets(200, 200, seed=1), toy_jets(200, 200, seed=2)
    x_train, x_test = bdt_features(train), bdt_features(test)
    assert x_train.shape == (400, 2) and x_train.dtype == np.float64
    bdt = fit_bdt(x_train, train.labels, seed=0, max_iter=50)
    scores = bdt_scores(bdt, x_test)
    assert scores.shape == (400,)
    assert auc(test.labels.numpy(), scores) > 0.8
    again = bdt_scores(fit_bdt(x_train, train.labels, seed=0, max_iter=50), x_test)
    np.testing.assert_array_equal(scores, again)


def test_bad_arguments_raise_naming_them():
    with pytest.raises(ValueError, match="n_pixels"):
        JetCNN(n_pixels=30)
    with pytest.raises(ValueError, match="channels"):
        JetCNN(channels=0)
    with pytest.raises(ValueError, match="images"):
        JetCNN()(torch.zeros(2, 32, 32))
    with pytest.raises(TypeError, match="inputs"):
        train_tagger(
            JetCNN(),
            torch.zeros(2, 40, 40, dtype=torch.int64),
            torch.tensor([0, 1]),
            steps=1,
        )
    with pytest.raises(ValueError, match="labels"):
        train_tagger(JetCNN(), torch.zeros(2, 40, 40), torch.tensor([0, 2]), steps=1)
    with pytest.raises(TypeError, match="seed"):
        fit_bdt(np.zeros((4, 2)), np.array([0, 1, 0, 1]), seed="0")
    with pytest.raises(ValueError, match="labels"):
        fit_bdt(np.zeros((4, 2)), np.array([1, 1, 1, 1]))
    with pytest.raises(ValueError, match="features"):
        bdt_scores(None, np.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        tagger_scores(JetCNN(), torch.zeros(2, 40, 40), batch_size=0)


def test_train_tagger_trains_a_point_cloud_tagger():
    from physml.jets import PFN
    from tests.unit.jets.toyjets import separable_sample

    s = separable_sample(64)
    torch.manual_seed(0)
    model = PFN(8, 16, 1, 16, 1)
    hist = train_tagger(
        model,
        s.constituents,
        s.labels,
        steps=40,
        batch_size=64,
        lr=1e-2,
        generator=torch.Generator().manual_seed(0),
        device="cpu",
        progress=False,
    )
    assert float(hist.loss[-5:].mean()) < float(hist.loss[:5].mean())
    scores = tagger_scores(model, s.constituents, batch_size=7)
    assert scores.shape == (128,) and torch.isfinite(scores).all()
    with pytest.raises(TypeError, match="inputs"):
        train_tagger(model, s.constituents.long(), s.labels, steps=1)
    with pytest.raises(ValueError, match="labels"):
        train_tagger(model, s.constituents, s.labels[:3], steps=1)


def test_rejection_text_rounds_or_bounds():
    assert rejection_text(87.4, 400) == "87"
    assert rejection_text(float("inf"), 400) == "> 400"


@pytest.mark.parametrize(
    ("rejection", "n_background", "name"),
    [
        (float("nan"), 400, "rejection"),
        (0.0, 400, "rejection"),
        (5.0, 0, "n_background"),
        (5.0, True, "n_background"),
    ],
)
def test_rejection_text_rejects_bad_input(rejection, n_background, name):
    with pytest.raises(ValueError, match=name):
        rejection_text(rejection, n_background)
