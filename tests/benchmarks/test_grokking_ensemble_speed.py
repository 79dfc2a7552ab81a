"""Benchmark: a phase diagram of toy models as one batched program against a loop over models.

Run with `make bench`. 36 grokking toys (p = 10, decoder 1-100-100-30, one decoder learning rate
and weight decay per model) train for the same number of full-batch steps, either as
``physml.learning.toy.AdditionToys`` with ``MemberAdamW`` (one step for all) or as 36 separate
single-model toys, each with its own ``torch.optim.Adam``/``AdamW`` pair. Prints the ratio.
"""

import numpy as np
import torch

from physml import config
from physml.learning import toy
from physml.learning.ensemble import MemberAdamW
from physml.learning.parallelograms import AdditionTask


def test_batched_toys_beat_loop_over_models(timer, speedup):
    dev = config.device()
    task = AdditionTask(10)
    n, steps = 36, 50
    gen = torch.Generator().manual_seed(0)
    mask = task.random_masks(1, 45 / 55, gen)[0]
    lrs = torch.tensor(np.logspace(-4, -2, n), dtype=torch.float32)
    wds = torch.tensor(np.linspace(0, 10, n), dtype=torch.float32)
    batched = toy.AdditionToys(n, task, hidden=100, generator=gen).to(dev)
    masks = mask.expand(n, -1).to(dev)
    opt_e = MemberAdamW([batched.embeddings], n, lr=1e-3)
    opt_d = MemberAdamW(batched.decoder.parameters(), n, lr=lrs, weight_decay=wds)
    singles = [
        toy.AdditionToys(1, task, hidden=100, generator=gen).to(dev) for _ in range(n)
    ]
    opts = [
        (
            torch.optim.Adam([m.embeddings], lr=1e-3),
            torch.optim.AdamW(
                m.decoder.parameters(), lr=float(lrs[k]), weight_decay=float(wds[k])
            ),
        )
        for k, m in enumerate(singles)
    ]

    def run_batched():
        for _ in range(steps):
            loss = batched.losses(batched(), masks).sum()
            opt_e.zero_grad()
            opt_d.zero_grad()
            loss.backward()
            opt_e.step()
            opt_d.step()

    def run_loop():
        for _ in range(steps):
            for m, (oe, od) in zip(singles, opts):
                loss = m.losses(m(), masks[:1]).sum()
                oe.zero_grad()
                od.zero_grad()
                loss.backward()
                oe.step()
                od.step()

    t_batched, t_loop = timer(run_batched), timer(run_loop)
    ratio = speedup(
        f"{n} grokking toys, one training step on {dev}", steps, t_batched, t_loop
    )
    assert ratio > 1.0
