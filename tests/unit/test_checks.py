"""physml._checks: the shared validators (finiteness, real arrays)."""

import numpy as np
import pandas as pd
import pytest
import torch

from physml._checks import finite, positive_number, real_array


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


def test_real_array_converts_and_names_the_argument():
    out = real_array("x", torch.tensor([1, 2, 3]))
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.0, 3.0]
    assert real_array("x", [[1.0, 2.0]], ndim=(1, 2)).shape == (1, 2)
    for bad, error, word in (
        (["a", "b"], TypeError, "real numbers"),
        (np.array([1 + 1j, 2.0]), TypeError, "real"),
        ([[1.0, 2.0]], ValueError, "dimension"),
        ([1.0], ValueError, "at least 2"),
        ([1.0, NAN], ValueError, "NaN"),
    ):
        with pytest.raises(error, match=word) as info:
            real_array("weights", bad)
        assert "weights" in str(info.value)


def test_positive_number_refuses_zero_negative_nan_inf_and_bools():
    assert positive_number("lr", 1) == 1.0
    for bad in (0, -1.0, NAN, INF, True, "1"):
        with pytest.raises(ValueError, match="^lr must be a finite positive number"):
            positive_number("lr", bad)
