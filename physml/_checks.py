"""Argument checks shared by physml's public functions: clear errors that name the argument."""

from __future__ import annotations

from typing import Any


def positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` if it is an int (not a bool) >= ``minimum``, else a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        what = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return value


def positive_number(name: str, value: Any) -> float:
    """``value`` as a float if it is a real number (not a bool) > 0, else a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def non_negative_number(name: str, value: Any) -> float:
    """``value`` as a float if it is a real number (not a bool) >= 0, else a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return float(value)


def fraction(name: str, value: Any, allow_one: bool = True) -> float:
    """``value`` as a float if it is a real number (not a bool) in ``(0, 1]`` (``(0, 1)`` when
    ``allow_one`` is false), else a ValueError naming ``name``."""
    number = not isinstance(value, bool) and isinstance(value, (int, float))
    if not (number and 0 < value and (value <= 1 if allow_one else value < 1)):
        interval = "(0, 1]" if allow_one else "(0, 1)"
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")
    return float(value)
