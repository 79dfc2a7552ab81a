"""physml.lattice.reference: the published tables."""

import pytest

from physml.lattice import reference
from physml.stats import Measurement


def test_reference_tables():
    assert tuple(reference.parse("11.439(94)")) == (11.439, pytest.approx(0.094))
    assert tuple(reference.parse("570(21)")) == (570.0, 21.0)
    assert tuple(reference.parse("0.91")) == (0.91, 0.0)
    row = reference.hmc(8)
    assert tuple(row["abs_m"]) == (0.26282, pytest.approx(0.00015))
    assert row["steps"].value == 6
    assert tuple(reference.flow_hmc(80)["tau_m"]) == (1965.0, 165.0)
    # the paper's numbers are the library's one value-with-error type
    assert all(isinstance(m, Measurement) for m in row.values())
    assert isinstance(reference.Z_HMC, Measurement)
    assert isinstance(reference.Z_FHMC_GROWING_K, Measurement)
    assert reference.sizes() == [6, 8, 10, 12, 14, 16, 18, 20, 40, 80]
    with pytest.raises(ValueError, match="L=7"):
        reference.hmc(7)
    with pytest.raises(ValueError, match="text"):
        reference.parse("1.2(3")
