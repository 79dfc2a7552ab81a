"""physml.nuclear.data: NUBASE2020 parsing, binding energies, Q values, charge radii, bad lines."""

import numpy as np
import pytest

from physml.nuclear import data


def test_nubase_line_with_nan_mass_excess_names_the_line():
    good = "056 0260   56Fe    -60607.1       0.4"
    with pytest.raises(ValueError, match="line 2 is malformed.*must be finite"):
        data.parse_nubase([good, "057 0260   57Fe    nan            0.4"])
    with pytest.raises(ValueError, match="line 1 is malformed.*uncertainty >= 0"):
        data.parse_nubase(["056 0260   56Fe    -60607.1       -0.4"])


@pytest.fixture(scope="module")
def nubase():
    return data.load_nubase()


def test_nubase2020_counts_and_binding_energies(nubase):
    assert len(nubase) == 3558 and int((~nubase["estimated"]).sum()) == 2550
    assert nubase["Z"].max() == 118 and nubase["N"].max() == 177
    row = lambda z, n: nubase[(nubase.Z == z) & (nubase.N == n)].iloc[0]  # noqa: E731
    assert row(26, 30)["binding_per_a"] == pytest.approx(8790.36, abs=0.05)
    assert row(82, 126)["binding_per_a"] == pytest.approx(7867.45, abs=0.05)
    assert row(1, 0)["binding"] == pytest.approx(0.0, abs=1e-6)
    assert row(0, 1)["binding"] == pytest.approx(0.0, abs=1e-6)


def test_separation_energies_and_q_values(nubase):
    q = data.add_separation_and_q(nubase)
    u238 = q[(q.Z == 92) & (q.N == 146)].iloc[0]
    assert u238["q_alpha"] == pytest.approx(
        4270, abs=5
    )  # keV, the textbook alpha emitter
    assert u238["s_n"] == pytest.approx(6154, abs=5)
    c14 = q[(q.Z == 6) & (q.N == 8)].iloc[0]
    assert c14["q_beta_minus"] == pytest.approx(156.5, abs=0.5)
    assert np.isnan(q[(q.Z == 0) & (q.N == 1)].iloc[0]["s_p"])


def test_charge_radii_join(nubase):
    radii = data.load_charge_radii()
    assert (
        len(radii) > 900 and radii["radius"].between(0.8, 6.0).sum() >= len(radii) - 1
    )
    joined = data.with_charge_radii(nubase)
    pb = joined[(joined.Z == 82) & (joined.N == 126)].iloc[0]
    assert pb["radius"] == pytest.approx(5.50, abs=0.02)
    assert len(joined) == len(nubase)


def test_malformed_and_missing_inputs_are_named():
    good = "056 0260   56Fe    -60607.1       0.4"
    assert len(data.parse_nubase(["# comment", good])) == 1
    with pytest.raises(ValueError, match="line 2 is malformed"):
        data.parse_nubase([good, "05x 0260   56Fe    -60607.1       0.4"])
    with pytest.raises(ValueError, match="line 1: Z = 70"):
        data.parse_nubase(["056 0700   56Fe    -60607.1       0.4"])
    with pytest.raises(FileNotFoundError, match="not installed"):
        data.package_file("x.txt", package="no_such_package_physml")
    with pytest.raises(FileNotFoundError, match="layout changed"):
        data.package_file("data/no/such/file.txt")
