"""Shared timing for the benchmarks: the best of a few repeats after one warm-up call."""

import time

import pytest


def best_time(fn, repeats: int = 5) -> float:
    """Seconds of the fastest of ``repeats`` calls of ``fn`` (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


@pytest.fixture
def timer():
    """The :func:`best_time` function, for a benchmark to time its contenders with."""
    return best_time
