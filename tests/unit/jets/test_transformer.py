"""physml.jets.transformer: masked multi-head attention and the IR-safe attention of eq. 3.79."""

import pytest
import torch

from physml.jets import transformer as tr
from physml.jets.inputs import constituent_batch
from tests.unit.jets.toyjets import (
    loss_drops,
    padded,
    permuted,
    random_jets,
    with_soft_particle,
)


def _model(ir_safe: bool) -> tr.JetTransformer:
    torch.manual_seed(0)
    return tr.JetTransformer(ir_safe=ir_safe).double().requires_grad_(False)


def test_encoder_is_equivariant_and_output_invariant_under_permutations():
    c = random_jets()
    g = torch.Generator().manual_seed(3)
    order = torch.randperm(c.shape[1], generator=g)
    for ir_safe in (True, False):
        model = _model(ir_safe)
        encoded = model.encode(c)
        torch.testing.assert_close(model.encode(c[:, order]), encoded[:, order])
        assert float((model(permuted(c)) - model(c)).abs().max()) < 1e-5


def test_padding_changes_nothing():
    c = random_jets()
    for ir_safe in (True, False):
        model = _model(ir_safe)
        assert float((model(padded(c)) - model(c)).abs().max()) < 1e-10


def test_ir_safe_attention_ignores_a_soft_particle():
    c = random_jets()
    soft = with_soft_particle(c, 1e-8)
    assert bool(constituent_batch(soft)[1][:, -1].all())  # a real particle, not padding
    safe, plain = _model(True), _model(False)
    assert float((safe(soft) - safe(c)).abs().max()) < 1e-4
    # without eq. 3.79 the soft particle is just another particle: the test is not vacuous
    assert float((plain(soft) - plain(c)).abs().max()) > 1e-3


def test_a_few_steps_lower_the_loss():
    for ir_safe in (True, False):
        torch.manual_seed(0)
        first, last = loss_drops(
            tr.JetTransformer(dim=16, n_heads=2, n_layers=1, ir_safe=ir_safe)
        )
        assert last < 0.8 * first, (ir_safe, first, last)


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="divisible"):
        tr.JetTransformer(dim=30, n_heads=4)
    with pytest.raises(ValueError, match="n_layers"):
        tr.JetTransformer(n_layers=0)
    with pytest.raises(ValueError, match="beta"):
        tr.JetTransformer(beta=-1.0)
    with pytest.raises(TypeError, match="ir_safe"):
        tr.JetTransformer(ir_safe=1)
