"""Argument checks shared by physml's public functions: clear errors that name the argument."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np


def positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` if it is an int (not a bool) >= ``minimum``, else a ValueError naming ``name``.

    Args:
        name: the argument's name, for the message.
        value: the value to check.
        minimum: the smallest allowed value.

    Returns:
        ``value`` unchanged.

    Raises:
        ValueError: if ``value`` is not an int >= ``minimum`` (a bool is not an int here).

    Examples:
        >>> positive_int("steps", 3)
        3
        >>> positive_int("steps", 0)
        Traceback (most recent call last):
        ...
        ValueError: steps must be a positive int, got 0
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        what = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return value


def _is_real(value: Any) -> bool:
    """Whether ``value`` is a real Python number: an int or a float, not a bool."""
    return not isinstance(value, bool) and isinstance(value, (int, float))


def positive_number(name: str, value: Any) -> float:
    """``value`` as a float if it is a finite real number (not a bool) > 0, else a ValueError.

    Args:
        name: the argument's name, for the message.
        value: the value to check.

    Returns:
        ``float(value)``.

    Raises:
        ValueError: naming ``name``, if ``value`` is not a real number > 0, or is infinite or NaN.

    Examples:
        >>> positive_number("lr", 1)
        1.0
    """
    if not (_is_real(value) and 0 < value < float("inf")):
        raise ValueError(f"{name} must be a finite positive number, got {value!r}")
    return float(value)


def non_negative_number(name: str, value: Any) -> float:
    """``value`` as a float if it is a real number (not a bool) >= 0, else a ValueError naming ``name``.

    Args:
        name: the argument's name, for the message.
        value: the value to check.

    Returns:
        ``float(value)``.

    Raises:
        ValueError: if ``value`` is not a real number >= 0.

    Examples:
        >>> non_negative_number("weight_decay", 0)
        0.0
    """
    if not (_is_real(value) and value >= 0):
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return float(value)


def fraction(name: str, value: Any, allow_one: bool = True) -> float:
    """``value`` as a float if it is a real number (not a bool) in ``(0, 1]``, else a ValueError.

    Args:
        name: the argument's name, for the message.
        value: the value to check.
        allow_one: whether 1 is allowed; ``False`` checks ``(0, 1)``.

    Returns:
        ``float(value)``.

    Raises:
        ValueError: if ``value`` is not a real number in the interval, naming ``name``.

    Examples:
        >>> fraction("train_fraction", 0.5)
        0.5
        >>> fraction("train_fraction", 1, allow_one=False)
        Traceback (most recent call last):
        ...
        ValueError: train_fraction must be a number in (0, 1), got 1
    """
    if not (_is_real(value) and 0 < value and (value <= 1 if allow_one else value < 1)):
        interval = "(0, 1]" if allow_one else "(0, 1)"
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")
    return float(value)


def finite(name: str, x: Any) -> Any:
    """``x`` unchanged if every entry is finite, else a ValueError naming ``name``.

    Accepts torch tensors (on any device: one ``isfinite(...).all()`` reduction, so one host sync;
    call it once at a public entry point, never per training step), numpy arrays, pandas objects
    and numbers or nested sequences of numbers. Integer and boolean data are finite by type.

    Args:
        name: the argument's name, for the message.
        x: a tensor, array, pandas object, number or nested sequence of numbers.

    Returns:
        ``x`` unchanged.

    Raises:
        TypeError: if ``x`` does not hold real or complex numbers.
        ValueError: if ``x`` holds NaN or an infinity.

    Examples:
        >>> finite("x", [1.0, 2.0])
        [1.0, 2.0]
        >>> finite("x", np.array([1.0, np.nan]))
        Traceback (most recent call last):
        ...
        ValueError: x contains NaN or infinite values
    """
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        if not (x.is_floating_point() or x.is_complex()):
            return x
        ok = bool(torch.isfinite(x).all())
    else:
        try:
            arr = np.asarray(x)
        except Exception as err:  # pragma: no cover - numpy raises many types
            raise TypeError(
                f"{name} must hold numbers, got {type(x).__name__}"
            ) from err
        if arr.dtype.kind in "biu":
            return x
        if arr.dtype.kind not in "fc":
            raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
        ok = bool(np.isfinite(arr).all())
    if not ok:
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def real_array(
    name: str, x: Any, ndim: tuple[int, ...] = (1,), min_len: int = 2
) -> np.ndarray:
    """``x`` as a float64 numpy array of real, finite numbers, else an error naming ``name``.

    The one conversion of the numpy-side estimators (:mod:`physml.stats`, the lattice summaries,
    the flows' importance weights): a tensor is detached and moved to the CPU first.

    Args:
        name: the argument's name, for the message.
        x: an array-like or a torch tensor (on any device), real numbers or booleans.
        ndim: the allowed numbers of dimensions.
        min_len: the fewest entries allowed along the last axis.

    Returns:
        A float64 numpy array (a new one where ``x`` was not float64 already).

    Raises:
        TypeError: if ``x`` is not array-like, does not hold real numbers, or is complex.
        ValueError: on a number of dimensions not in ``ndim``, fewer than ``min_len`` entries
            along the last axis, or NaN/infinite entries.

    Examples:
        >>> real_array("x", [1, 2, 3])
        array([1., 2., 3.])
        >>> real_array("x", [1.0])
        Traceback (most recent call last):
        ...
        ValueError: x needs at least 2 entries along its last axis, got 1
    """
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x)
    except Exception as err:  # pragma: no cover - numpy raises many types
        raise TypeError(f"{name} must be array-like") from err
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got a complex array")
    if arr.ndim not in ndim:
        raise ValueError(
            f"{name} must have {' or '.join(map(str, ndim))} dimension(s), got shape {arr.shape}"
        )
    if arr.shape[-1] < min_len:
        raise ValueError(
            f"{name} needs at least {min_len} entries along its last axis, got {arr.shape[-1]}"
        )
    return finite(name, arr).astype(np.float64)
