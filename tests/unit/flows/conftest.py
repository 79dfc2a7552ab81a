"""What the flow tests share."""

import torch

from physml.flows import TrivializingFlow


def random_flow(k=3, n_layers=1, seed=0):
    """A seeded trivializing flow far from the identity (random kernels, log-scale 0.2)."""
    flow = TrivializingFlow(
        k, n_layers, init_scale=0.3, generator=torch.Generator().manual_seed(seed)
    )
    with torch.no_grad():
        flow.log_scale.fill_(0.2)
    return flow
