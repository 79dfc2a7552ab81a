"""physml.jets.lola: CoLa, LoLa's Lorentz-invariant features, the trainable metric."""

import pytest
import torch

from physml.jets import boost, lola
from physml.jets.inputs import n_parameters
from tests.unit.jets.toyjets import (
    loss_drops,
    padded,
    permuted,
    random_boost,
    random_jets,
)


def _model(**kw) -> lola.LoLa:
    torch.manual_seed(0)
    kw = {"n_constituents": 10, "n_combinations": 5, "hidden": (16,)} | kw
    return lola.LoLa(**kw).double()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_minkowski_features_are_lorentz_invariant(seed):
    model = _model(metric_init="minkowski", trainable_metric=False).requires_grad_(
        False
    )
    k = model.ordered_inputs(random_jets(seed=seed))
    k_boosted = boost(k, random_boost(seed))
    before, after = model.lorentz_features(k), model.lorentz_features(k_boosted)
    for name in ("m2", "d2", "d2_sum", "d2_min"):
        scale = before[name].abs().max()
        assert float((after[name] - before[name]).abs().max() / scale) < 1e-6, name
    # pT and energies are not invariants, and the boost really moved them
    assert float((after["pt"] - before["pt"]).abs().max()) > 1e-2


def test_a_euclidean_metric_is_not_invariant():
    model = _model(metric_init="euclidean", trainable_metric=False).requires_grad_(
        False
    )
    k = model.ordered_inputs(random_jets())
    before = model.lorentz_features(k)
    after = model.lorentz_features(boost(k, random_boost()))
    for name in ("m2", "d2"):
        change = (after[name] - before[name]).abs().max() / before[name].abs().max()
        assert float(change) > 1e-2, name


def test_metric_initialisation_normalisation_and_training():
    assert torch.equal(_model().metric, torch.ones(4, dtype=torch.float64))
    fixed = _model(metric_init="minkowski", trainable_metric=False)
    assert fixed.normalised_metric().tolist() == [1.0, -1.0, -1.0, -1.0]
    assert "metric_diagonal" not in dict(fixed.named_parameters())
    random = _model(metric_init="random")
    assert float(random.normalised_metric()[0]) == 1.0
    m = _model()
    m.metric_diagonal.data = torch.tensor([2.0, -2.0, -2.2, -1.8], dtype=torch.float64)
    torch.testing.assert_close(
        m.normalised_metric(),
        torch.tensor([1.0, -1.0, -1.1, -0.9], dtype=torch.float64),
    )
    m.metric_diagonal.data[0] = 0.0
    with pytest.raises(ValueError, match="g_00"):
        m.normalised_metric()


def test_permutation_and_padding_invariance():
    c = random_jets(n_slots=14)
    model = _model().requires_grad_(False)
    out = model(c)
    assert out.shape == (len(c),)
    assert float((model(permuted(c)) - out).abs().max()) < 1e-10
    assert float((model(padded(c)) - out).abs().max()) < 1e-10


def test_training_lowers_the_loss_and_moves_the_metric():
    torch.manual_seed(0)
    model = lola.LoLa(n_constituents=12, n_combinations=4, hidden=(32,))
    start = model.metric
    first, last = loss_drops(model)
    assert last < 0.8 * first, (first, last)
    assert not torch.equal(model.metric, start)


def test_sizes():
    assert n_parameters(lola.LoLa()) == 39_355


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="metric_init"):
        lola.LoLa(metric_init="lorentz")
    with pytest.raises(ValueError, match="n_constituents"):
        lola.LoLa(n_constituents=0)
    with pytest.raises(ValueError, match="n_combinations"):
        lola.LoLa(n_combinations=-1)
    with pytest.raises(ValueError, match="hidden"):
        lola.LoLa(hidden=(10, 0))
    with pytest.raises(ValueError, match="scale"):
        lola.LoLa(scale=0.0)
    with pytest.raises(TypeError, match="trainable_metric"):
        lola.LoLa(trainable_metric="yes")
    with pytest.raises(ValueError, match="vectors"):
        _model().combine(torch.zeros(2, 3, 4, dtype=torch.float64))
