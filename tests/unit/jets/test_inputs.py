"""physml.jets.inputs: the batch check, the features from the jet axis, parameter counts, the loss."""

import pytest
import torch

from physml.jets import JetSample
from physml.jets import inputs as inp
from tests.unit.jets.toyjets import permuted, random_jets


def test_features_are_zero_at_padding_and_fractions_sum_to_one():
    c = random_jets()
    mask = inp.constituent_batch(c)[1]
    x = inp.particle_features(c)
    assert x.shape == (*c.shape[:2], len(inp.FEATURES))
    assert torch.equal(x[~mask], torch.zeros_like(x[~mask]))
    assert torch.isfinite(x).all()
    torch.testing.assert_close(
        inp.pt_fraction(c).sum(-1), torch.ones(len(c), dtype=c.dtype)
    )
    # the jet axis is the direction of the summed four-momentum: pT-weighted angles ~ 0
    angles = inp.angular_coordinates(c)
    assert float((inp.pt_fraction(c)[..., None] * angles).sum(1).abs().max()) < 0.05


def test_features_are_permutation_equivariant_and_accept_a_sample():
    c = random_jets()
    x = inp.particle_features(c)
    xs = inp.particle_features(JetSample(c, torch.zeros(len(c), dtype=torch.int64)))
    assert torch.equal(x, xs)
    xp = inp.particle_features(permuted(c))
    torch.testing.assert_close(xp.sum(1), x.sum(1))


def test_bad_inputs_name_the_argument():
    c = random_jets()
    with pytest.raises(TypeError, match="constituents"):
        inp.particle_features(c.numpy())
    with pytest.raises(ValueError, match="constituents"):
        inp.particle_features(c[0])
    with pytest.raises(TypeError, match="mask"):
        inp.particle_features(c, torch.ones(c.shape[:2]))
    with pytest.raises(ValueError, match="mask"):
        inp.particle_features(c, torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="real constituent"):
        inp.particle_features(torch.zeros(2, 3, 4))
    with pytest.raises(TypeError, match="model"):
        inp.n_parameters("a network")
    with pytest.raises(ValueError, match="one logit per jet"):
        inp.tagger_loss(lambda x: x.sum(-1), c, torch.zeros(len(c)))
