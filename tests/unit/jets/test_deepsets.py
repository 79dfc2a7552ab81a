"""physml.jets.deepsets: Table 1 as deep sets, PFN and EFN invariances, IRC safety of the EFN."""

import pytest
import torch

from physml.jets import deepsets as ds
from physml.jets import kinematics as kin
from physml.jets.inputs import n_parameters
from tests.unit.jets.toyjets import (
    collinear_split,
    loss_drops,
    padded,
    permuted,
    random_jets,
    with_soft_particle,
)


def _models():
    torch.manual_seed(0)
    return [
        ds.PFN().double().requires_grad_(False),
        ds.EFN().double().requires_grad_(False),
    ]


def test_table_1_observables_equal_the_direct_computation():
    c = random_jets(n_jets=20, n_slots=15)
    mask = kin.pt(c) > 0
    # masses well away from 0, so a relative comparison is meaningful
    torch.testing.assert_close(
        ds.mass_as_deep_set(c), kin.mass(kin.four_momentum(c)), rtol=1e-6, atol=0
    )
    torch.testing.assert_close(
        ds.multiplicity_as_deep_set(c), mask.sum(-1).to(c.dtype), rtol=1e-6, atol=0
    )
    direct = torch.tensor(
        [
            sum(float(kin.pt(p)) ** 2 for p in jet if float(kin.pt(p)) > 0) ** 0.5
            / sum(float(kin.pt(p)) for p in jet)
            for jet in c
        ],
        dtype=c.dtype,
    )
    torch.testing.assert_close(
        ds.pt_dispersion_as_deep_set(c), direct, rtol=1e-6, atol=0
    )


def test_notes_sizes_give_82k_parameters():
    assert n_parameters(ds.PFN()) == 82_757
    assert n_parameters(ds.EFN()) == 82_257


def test_permutation_and_padding_invariance():
    c = random_jets()
    for model in _models():
        out = model(c)
        assert out.shape == (len(c),)
        assert float((model(permuted(c)) - out).abs().max()) < 1e-6
        assert float((model(padded(c)) - out).abs().max()) < 1e-10


def test_efn_is_irc_safe_and_the_pfn_is_not():
    c = random_jets()
    pfn, efn = _models()
    out = efn(c)
    assert float((efn(with_soft_particle(c, 1e-9)) - out).abs().max()) < 1e-6
    assert float((efn(collinear_split(c, 0.3)) - out).abs().max()) < 1e-5
    # the same splitting moves the PFN: the test above is not vacuous
    assert float((pfn(collinear_split(c, 0.3)) - pfn(c)).abs().max()) > 1e-3


def test_a_few_steps_lower_the_loss():
    torch.manual_seed(0)
    for cls in (ds.PFN, ds.EFN):
        first, last = loss_drops(cls(latent=32, phi_hidden=32, f_hidden=32))
        assert last < 0.8 * first, (cls.__name__, first, last)


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="latent"):
        ds.PFN(latent=0)
    with pytest.raises(ValueError, match="f_depth"):
        ds.EFN(f_depth=-1)
    with pytest.raises(TypeError, match="per_particle"):
        ds.deep_set(random_jets(), "phi", lambda x: x)
    with pytest.raises(ValueError, match="per_particle"):
        ds.deep_set(random_jets(), lambda p: p[..., 0], lambda x: x)
