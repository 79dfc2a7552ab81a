"""Benchmark: a deep ensemble as one batched network against a Python loop over member MLPs.

Run with `make bench`. Prints the speed ratio measured in this run (same sizes, same device).
"""

import torch

from physml import config
from physml.fits import likelihood
from physml.nn import MLP, EnsembleMLP


def test_batched_ensemble_beats_loop_over_members(timer, speedup):
    dev = config.device()
    members, batch, steps = 8, 256, 20
    x = torch.randn(members, batch, 1, device=dev)
    y = torch.randn(members, batch, 1, device=dev)
    ens = EnsembleMLP(members, 1, 2, hidden=64, depth=2).to(dev)
    loop = [MLP(1, 2, hidden=64, depth=2).to(dev) for _ in range(members)]
    opt_e = torch.optim.Adam(ens.parameters())
    opt_l = torch.optim.Adam([p for m in loop for p in m.parameters()])

    def batched():
        for _ in range(steps):
            mean, log_sigma = ens(x).unbind(-1)
            loss = likelihood.gaussian_nll(mean, log_sigma, y.squeeze(-1)) * members
            opt_e.zero_grad()
            loss.backward()
            opt_e.step()

    def looped():
        for _ in range(steps):
            loss = 0
            for e, m in enumerate(loop):
                mean, log_sigma = m(x[e]).unbind(-1)
                loss = loss + likelihood.gaussian_nll(mean, log_sigma, y[e].squeeze(-1))
            opt_l.zero_grad()
            loss.backward()
            opt_l.step()

    t_batched, t_loop = timer(batched), timer(looped)
    ratio = speedup(
        f"{members}-member ensemble training step on {dev}", steps, t_batched, t_loop
    )
    assert ratio > 1.0
