"""physml.learning.curves: first crossings."""

import numpy as np
import pytest


def test_first_crossing():
    from physml.learning.curves import first_crossing
    steps = np.array([0, 10, 20, 30])
    values = np.array([[0.1, 0.0], [0.5, 0.0], [0.95, 0.2], [0.99, 0.3]])
    assert first_crossing(steps, values, 0.9).tolist() == [20.0, float("inf")]
    with pytest.raises(ValueError, match="values must have 4 rows"):
        first_crossing(steps, values[:3], 0.9)
