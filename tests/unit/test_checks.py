"""physml._checks: the shared finiteness validator."""

import numpy as np
import pandas as pd
import pytest
import torch

from physml._checks import finite


NAN = float("nan")
INF = float("inf")


def test_finite_accepts_every_container_and_names_the_argument():
    for ok in (
        np.ones(3),
        torch.ones(2, 2),
        [1.0, 2.0],
        3.5,
        np.arange(4),
        torch.arange(3),
        torch.ones(2, dtype=torch.bool),
        pd.Series([1.0, 2.0]),
    ):
        assert finite("x", ok) is ok
    for bad in (
        np.array([1.0, NAN]),
        torch.tensor([INF]),
        [1.0, -INF],
        NAN,
        torch.tensor([1 + 0j, NAN]),
    ):
        with pytest.raises(ValueError, match="^my_arg contains NaN or infinite values"):
            finite("my_arg", bad)
    with pytest.raises(TypeError, match="my_arg must hold numbers"):
        finite("my_arg", np.array(["a", "b"]))
