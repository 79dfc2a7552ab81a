"""physml.jets.perturbations: permutation, soft emission and collinear splitting of jets."""

import pytest
import torch

from physml.jets import EFN, PFN, JetSample, four_momentum
from physml.jets import perturbations as pert
from tests.unit.jets.toyjets import random_jets


def test_permutation_keeps_each_jets_particles():
    c = random_jets()
    p = pert.permute_constituents(c, torch.Generator().manual_seed(3))
    assert p.shape == c.shape
    assert not torch.equal(p, c)
    torch.testing.assert_close(p.sum(1), c.sum(1))
    s = JetSample(c, torch.zeros(len(c), dtype=torch.int64))
    torch.testing.assert_close(
        pert.permute_constituents(s, torch.Generator().manual_seed(3)), p
    )


def test_soft_particle_and_split_keep_the_jet_and_add_one_slot():
    c = random_jets()
    soft = pert.with_soft_particle(c, 1e-3)
    assert soft.shape == (len(c), c.shape[1] + 1, 4)
    assert torch.equal(soft[:, :-1], c)
    last = soft[:, -1]
    torch.testing.assert_close(
        torch.hypot(last[:, 1], last[:, 2]), torch.full((len(c),), 1e-3, dtype=c.dtype)
    )
    split = pert.collinear_split(c, 0.3)
    assert split.shape == soft.shape
    torch.testing.assert_close(four_momentum(split), four_momentum(c))
    torch.testing.assert_close(split[:, 0] / 0.3, split[:, -1] / 0.7)


@torch.no_grad()
def test_efn_is_irc_safe_and_pfn_is_not():
    torch.manual_seed(0)
    c = random_jets()
    efn, pfn = EFN(8, 16, 1, 16, 1).double(), PFN(8, 16, 1, 16, 1).double()
    out = efn(c)
    assert float((efn(pert.with_soft_particle(c, 1e-9)) - out).abs().max()) < 1e-6
    assert float((efn(pert.collinear_split(c, 0.3)) - out).abs().max()) < 1e-9
    assert float((pfn(pert.collinear_split(c, 0.3)) - pfn(c)).abs().max()) > 1e-4


def test_bad_arguments_are_named():
    c = random_jets()
    with pytest.raises(ValueError, match="soft_pt"):
        pert.with_soft_particle(c, 0.0)
    with pytest.raises(ValueError, match="z must"):
        pert.collinear_split(c, 1.0)
    with pytest.raises(ValueError, match="index"):
        pert.collinear_split(c, 0.5, index=99)
    with pytest.raises(TypeError, match="constituents"):
        pert.permute_constituents(c.numpy())
