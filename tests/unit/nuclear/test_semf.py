"""physml.nuclear.semf: the SEMF, the shell term, the shell fit and pseudo-data."""

import math

import numpy as np
import pytest

from physml.nuclear import data, semf


@pytest.fixture(scope="module")
def nubase():
    return data.load_nubase()


def test_semf_textbook_and_fit_rms(nubase):
    m = nubase[~nubase["estimated"] & (nubase["Z"] >= 1)]
    b = m["binding"].to_numpy() / 1000
    assert semf.rms(semf.binding(m["Z"], m["N"]) - b) == pytest.approx(7.74, abs=0.05)
    s = m[(m["Z"] >= 8) & (m["N"] >= 8)]
    coef = semf.fit(s["Z"], s["N"], s["binding"] / 1000)
    assert len(s) == 2457
    assert semf.rms(
        semf.binding(s["Z"], s["N"], coef) - s["binding"] / 1000
    ) == pytest.approx(3.08, abs=0.05)
    assert coef[0] == pytest.approx(15.6, abs=0.3)  # the volume coefficient, MeV


def test_shell_term_and_bad_input():
    assert semf.magic_distance(np.array([2, 27, 126, 140])).tolist() == [0, 1, 0, 14]
    assert semf.shell_p(np.array([82]), np.array([126])).tolist() == [0.0]
    assert semf.shell_p(np.array([86]), np.array([130])).tolist() == [2.0]  # 4 * 4 / 8
    with pytest.raises(ValueError, match="same shape"):
        semf.terms(np.array([1, 2]), np.array([1]))
    with pytest.raises(ValueError, match="coefficients"):
        semf.binding(np.array([8]), np.array([8]), np.ones(3))
    with pytest.raises(ValueError, match=">= 0"):
        semf.terms(np.array([-1]), np.array([3]))


def test_shell_fit_eq5_and_pseudo_data(nubase):
    s = nubase[~nubase["estimated"] & (nubase["Z"] >= 8) & (nubase["N"] >= 8)]
    z, n, b = s["Z"].to_numpy(), s["N"].to_numpy(), s["binding"].to_numpy()
    coef = semf.fit(z, n, b / 1000, shell=True)
    assert coef.shape == (7,)
    assert semf.rms(semf.binding(z, n, coef) - b / 1000) == pytest.approx(
        2.48, abs=0.05
    )
    eq5 = semf.eq5_features(z, n) @ np.array(semf.EQ5_COEFFICIENTS)
    assert semf.rms(eq5 - b) == pytest.approx(
        5465, abs=20
    )  # keV, not the paper's ~4600
    assert semf.pseudo_data(np.array([26]), np.array([30]))[0] == pytest.approx(
        1000 * semf.binding(np.array([26]), np.array([30]))[0]
    )


def test_whole_nucleon_numbers_as_floats_still_pass():
    # the SEMF chapter passes np.round(...) grids: whole numbers in a float array are in the domain
    assert semf.binding(np.array([26.0]), np.array([30.0]))[0] == pytest.approx(
        semf.binding([26], [30])[0]
    )
    assert semf.rms(np.array([3.0, -4.0])) == pytest.approx(math.sqrt(12.5))
