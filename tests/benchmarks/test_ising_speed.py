"""Benchmark: checkerboard Metropolis of physml.lattice.ising against a plain vectorised numpy one.

The numpy reference is the straightforward implementation of the same update: the full lattice,
a neighbour sum by np.roll, exp(-ΔE/T) and a uniform number for every site, and a flip where the
colour mask and the Metropolis test allow it. Both run here on the same lattices, one after the
other; the ratio of spin updates per second is printed and must reach 5 on the CPU with one
thread each. Run with `make bench`.
"""

import numpy as np
import pytest
import torch

from physml.lattice import IsingChains

T = 2.3


def numpy_sweep(s: np.ndarray, beta: float, rng: np.random.Generator, masks) -> None:
    for mask in masks:
        h = np.roll(s, 1, 1) + np.roll(s, -1, 1) + np.roll(s, 1, 2) + np.roll(s, -1, 2)
        flip = mask & (rng.random(s.shape) < np.exp(-2.0 * beta * s * h))
        s[flip] *= -1


@pytest.mark.parametrize("L, chains", [(64, 64), (256, 16)])
def test_checkerboard_sweeps_beat_numpy(L, chains, timer):
    threads = torch.get_num_threads()
    sweeps = 10
    rng = np.random.default_rng(0)
    s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(chains, L, L))
    i, j = np.indices((L, L))
    black = (i + j) % 2 == 0
    t_np = timer(
        lambda: [numpy_sweep(s, 1.0 / T, rng, (black, ~black)) for _ in range(sweeps)],
        3,
    )

    results = {}
    for n_threads in sorted({1, threads}):
        torch.set_num_threads(n_threads)
        ising = IsingChains(L, T, chains, seed=0, device="cpu")
        results[n_threads] = timer(lambda: ising.sweep(sweeps), 3)
    torch.set_num_threads(threads)

    updates = chains * L * L * sweeps
    line = f"\n[bench] Ising checkerboard L={L}, {chains} chains: numpy {updates / t_np / 1e6:.0f} Mupd/s"
    for n_threads, t in results.items():
        line += f", torch ({n_threads} thread{'s' * (n_threads > 1)}) {updates / t / 1e6:.0f} Mupd/s = {t_np / t:.1f}x"
    print(line)
    if torch.cuda.is_available():
        gpu = IsingChains(L, T, chains, seed=0, device="cuda")

        def run():
            gpu.sweep(sweeps)
            torch.cuda.synchronize()

        t_gpu = timer(run, 3)
        print(
            f"[bench] same on {torch.cuda.get_device_name()}: {updates / t_gpu / 1e6:.0f} Mupd/s = {t_np / t_gpu:.0f}x numpy"
        )
    assert t_np / results[1] >= 5.0
