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


def report_speedup(what: str, steps: int, t_batched: float, t_loop: float) -> float:
    """Print one batched-against-loop line (ms per step and the ratio) and return the ratio."""
    ratio = t_loop / t_batched
    print(
        f"\n[bench] {what}: batched {1e3 * t_batched / steps:.2f} ms, "
        f"loop {1e3 * t_loop / steps:.2f} ms, speed-up {ratio:.1f}x"
    )
    return ratio


@pytest.fixture
def speedup():
    """The :func:`report_speedup` function, for the batched-against-loop benchmarks."""
    return report_speedup
