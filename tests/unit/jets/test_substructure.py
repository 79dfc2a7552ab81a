"""physml.jets.substructure: N-subjettiness against exact values and a brute-force loop, the
FastJet axes against FastJet's per-jet interface, jet and subjet-pair masses on toy jets."""

import math

import numpy as np
import pytest
import torch

from physml.jets import (
    TOP,
    exclusive_kt_axes,
    jet_mass,
    mass,
    n_subjettiness,
    subjet_pair_masses,
    tau_ratio,
    toy_jets,
    w_candidate_mass,
)
from tests.unit.jets.toyjets import massless_from_values


@pytest.fixture(scope="module")
def jets():
    return toy_jets(150, 150, seed=7, dtype=torch.float64)


def test_tau_n_decreases_with_n(jets):
    taus = torch.stack([n_subjettiness(jets, n) for n in (1, 2, 3, 4)])
    assert bool((taus >= 0).all())
    medians = taus.median(dim=1).values
    assert bool((medians[1:] < medians[:-1]).all())
    assert float((taus[1:] <= taus[:-1] + 1e-12).float().mean()) > 0.99


@pytest.mark.parametrize("n", [1, 2, 3])
def test_tau_n_vanishes_with_n_constituents(n):
    p = massless_from_values(
        [300.0, 200.0, 100.0][:n], [0.1, -0.2, 0.3][:n], [0.0, 0.3, -0.2][:n]
    )
    c = torch.cat([p, torch.zeros(4, 4, dtype=torch.float64)])[None]  # zero padding too
    assert float(n_subjettiness(c, n)[0]) == pytest.approx(0.0, abs=1e-12)
    if n > 1:
        assert float(n_subjettiness(c, n - 1)[0]) > 0.01


@pytest.mark.parametrize("d", [0.1, 0.4, 0.7])
def test_tau_1_of_two_symmetric_prongs(d):
    """Equal pT at phi = +-d/2, eta = 0: the axis bisects them, tau_1 = d / (2 R0)."""
    c = massless_from_values([250.0, 250.0], [0.0, 0.0], [d / 2, -d / 2])[None]
    assert float(n_subjettiness(c, 1)[0]) == pytest.approx(d / (2 * 0.8), rel=1e-10)
    assert float(n_subjettiness(c, 1, r0=0.4)[0]) == pytest.approx(d / 0.8, rel=1e-10)


def test_axes_match_fastjet_jet_by_jet(jets):
    """The batched awkward call against FastJet's PseudoJet interface, one jet at a time."""
    import fastjet

    axes = exclusive_kt_axes(jets[:20], 3)
    definition = fastjet.JetDefinition(
        fastjet.kt_algorithm, fastjet.JetDefinition.max_allowable_R
    )
    for k in range(20):
        c = jets.constituents[k][jets.mask[k]].numpy()
        seq = fastjet.ClusterSequence(
            [fastjet.PseudoJet(*map(float, (p[1], p[2], p[3], p[0]))) for p in c],
            definition,
        )
        subs = sorted(seq.exclusive_jets(3), key=lambda j: -j.pt())
        ref = np.array([[j.E(), j.px(), j.py(), j.pz()] for j in subs])
        np.testing.assert_allclose(axes[k].numpy(), ref, rtol=1e-9, atol=1e-9)
    # E-scheme subjets partition the jet: they add up to its four-momentum
    total = jets.constituents[:20].sum(1)
    assert torch.allclose(axes.sum(1), total, rtol=1e-9, atol=1e-6)


def test_tau_matches_a_brute_force_loop(jets):
    axes = exclusive_kt_axes(jets[:10], 2)
    taus = n_subjettiness(jets[:10], 2, axes=axes)
    for k in range(10):
        c = jets.constituents[k][jets.mask[k]].numpy()
        total = 0.0
        for p in c:
            pt = math.hypot(p[1], p[2])
            y = 0.5 * math.log((p[0] + p[3]) / (p[0] - p[3]))
            dists = []
            for a in axes[k].numpy():
                ya = 0.5 * math.log((a[0] + a[3]) / (a[0] - a[3]))
                dphi = (math.atan2(p[2], p[1]) - math.atan2(a[2], a[1]) + math.pi) % (
                    2 * math.pi
                ) - math.pi
                dists.append(math.hypot(y - ya, dphi))
            total += pt * min(dists)
        ref = total / (np.hypot(c[:, 1], c[:, 2]).sum() * 0.8)
        assert float(taus[k]) == pytest.approx(ref, rel=1e-9)


def test_toy_tops_have_a_mass_peak_a_w_and_three_prongs(jets):
    top = jets.labels == TOP
    m = jet_mass(jets)
    assert torch.allclose(m, mass(jets.constituents.sum(1)))
    assert 160 < float(m[top].median()) < 185
    pairs = subjet_pair_masses(jets)
    assert pairs.shape == (300, 3)
    w = w_candidate_mass(jets)
    assert float(((w[top] - 80.4).abs() < 10).float().mean()) > 0.7
    assert float(((w[~top] - 80.4).abs() < 10).float().mean()) < 0.3
    ratio = tau_ratio(jets, 3, 2)
    assert torch.equal(ratio, n_subjettiness(jets, 3) / n_subjettiness(jets, 2))
    assert float(ratio[~top].median()) > float(ratio[top].median()) + 0.2


def test_bad_arguments_raise_naming_them(jets):
    with pytest.raises(ValueError, match="n must"):
        n_subjettiness(jets, 0)
    with pytest.raises(ValueError, match="r0"):
        n_subjettiness(jets, 1, r0=0.0)
    with pytest.raises(ValueError, match="axes"):
        n_subjettiness(jets, 1, axes=torch.zeros(3, 1, 4))
    with pytest.raises(ValueError, match="differ"):
        tau_ratio(jets, 2, 2)
    with pytest.raises(ValueError, match="n_axes"):
        exclusive_kt_axes(jets, 0)
    with pytest.raises(ValueError, match="without constituents"):
        exclusive_kt_axes(torch.zeros(1, 3, 4), 2)
    with pytest.raises(TypeError, match="sample_or_constituents"):
        jet_mass(np.zeros((1, 3, 4)))
    with pytest.raises(ValueError, match="target"):
        w_candidate_mass(jets, target=-1.0)
