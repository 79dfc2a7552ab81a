"""physml.jets.toy: the toy shower's jets have the gross physics the substructure tests need."""

import pytest
import torch

from physml.jets import TOP, eta, four_momentum, jet_mass, pt, toy_jets


def test_toy_top_mass_peak_and_qcd_below():
    jets = toy_jets(400, 400, seed=0)
    top = jets.labels == TOP
    m = jet_mass(jets)
    assert 150 <= float(m[top].median()) <= 200
    assert float(m[~top].median()) < 100
    jet = four_momentum(jets.constituents)
    assert 500 < float(pt(jet).min()) and float(pt(jet).max()) < 700
    assert float(eta(jet).abs().max()) < 2.0


def test_toy_jets_are_seeded_sorted_and_padded():
    a, b = toy_jets(5, 7, seed=1), toy_jets(5, 7, seed=1)
    assert torch.equal(a.constituents, b.constituents) and torch.equal(
        a.labels, b.labels
    )
    assert not torch.equal(a.constituents, toy_jets(5, 7, seed=2).constituents)
    assert len(a) == 12 and a.n_top == 5 and a.n_constituents == 32
    p = pt(a.constituents)
    assert bool((p[:, 1:] <= p[:, :-1]).all())
    assert a.mask.sum(1).tolist() == [18 if y == TOP else 24 for y in a.labels.tolist()]
    assert toy_jets(2, 2, seed=0, n_constituents=10).n_constituents == 10
    assert (
        toy_jets(2, 2, seed=0, dtype=torch.float64).constituents.dtype == torch.float64
    )


def test_bad_arguments_raise_naming_them():
    with pytest.raises(ValueError, match="n_top"):
        toy_jets(-1, 2, seed=0)
    with pytest.raises(ValueError, match="n_qcd"):
        toy_jets(1, 2.5, seed=0)
    with pytest.raises(ValueError, match="n_top \\+ n_qcd"):
        toy_jets(0, 0, seed=0)
    with pytest.raises(ValueError, match="n_constituents"):
        toy_jets(1, 1, seed=0, n_constituents=0)
    with pytest.raises(TypeError, match="seed"):
        toy_jets(1, 1, seed=None)
