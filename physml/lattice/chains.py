"""What every batch of independent Markov chains in ``physml.lattice`` needs.

- :func:`per_chain`: a coupling given as one number or one value per chain, checked.
- :func:`check_fields`: a batch of lattice fields, shape ``(n, L1, L2)``, checked.
- :func:`seeded_generator`: the device the chains live on and a generator there, seeded.
- :func:`collect`: thermalise, then keep a snapshot every few updates, with a progress bar.

Used by :mod:`physml.lattice.ising`, :mod:`physml.lattice.phi4`, :mod:`physml.lattice.correlators`
and ``physml.flows``, and so by :doc:`/book/phases/neural-network-phase-transition`, :doc:`/book/phases/order-parameter-without-labels`, :doc:`/book/lattice/hmc-critical-slowing-down` and
:doc:`/book/lattice/trivializing-flows`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from physml._checks import positive_int


def per_chain(name: str, value, n: int, device: torch.device, *, strictly_positive: bool,
              dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """``value`` (a number, or one entry per chain) as a ``dtype`` tensor of shape ``(n,)``.

    Every entry must be finite and > 0 (``strictly_positive``) or >= 0; errors name ``name``.
    """
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number or a 1-D tensor of numbers, got a bool")
    if isinstance(value, torch.Tensor) and value.is_complex():
        raise TypeError(f"{name} must be real, got dtype {value.dtype}")
    t = torch.as_tensor(value, dtype=dtype, device=device)
    if t.ndim == 0:
        t = t.expand(n)
    if t.ndim != 1 or t.numel() != n:
        raise ValueError(f"{name} must be a number or have one entry per chain ({n}), "
                         f"got shape {tuple(t.shape)}")
    ok = t > 0 if strictly_positive else t >= 0
    if not torch.all(torch.isfinite(t) & ok):
        raise ValueError(f"{name} must be finite and {'> 0' if strictly_positive else '>= 0'} for every chain")
    return t.contiguous()


def check_fields(phi, name: str = "phi", *, square: bool = False, even: bool = False) -> torch.Tensor:
    """``phi`` if it is a floating-point tensor of fields ``(n, L1, L2)`` with L1, L2 >= 2.

    ``square`` also asks for L1 = L2, ``even`` for an even L (a checkerboard). Errors name
    ``name``. The values are not scanned: the field functions are tensor operations inside the
    HMC and flow loops, and like torch's own they propagate NaN and infinity (a diverging
    trajectory shows as a NaN action and is rejected by the Metropolis step; the observables'
    estimators in :mod:`physml.stats` refuse NaN).
    """
    if not isinstance(phi, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(phi).__name__}")
    if not phi.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {phi.dtype}")
    shape = "(n, L, L) with L >= 2" if square or even else "(n, L1, L2) with L1, L2 >= 2"
    if phi.ndim != 3 or min(phi.shape[-2:]) < 2 or ((square or even) and phi.shape[-1] != phi.shape[-2]):
        raise ValueError(f"{name} must have shape {shape}, got {tuple(phi.shape)}")
    if even and phi.shape[-1] % 2:
        raise ValueError(f"the checkerboard needs an even L >= 2, got L={phi.shape[-1]}")
    return phi


def seeded_generator(seed: int, device: torch.device | str | None) -> tuple[torch.device, torch.Generator]:
    """The chains' device (default :func:`physml.config.device`) and a generator on it seeded by ``seed``."""
    from physml import config

    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    dev = torch.device(device) if device is not None else config.device()
    generator = torch.Generator(device=dev)
    generator.manual_seed(seed)
    return dev, generator


def collect(update: Callable[[], object], snapshot: Callable[[], torch.Tensor], *, thermalization: int,
            samples_per_chain: int, spacing: int, desc: str, progress: bool | None = None) -> torch.Tensor:
    """Run ``thermalization`` updates, then keep ``snapshot()`` after every ``spacing``-th update.

    ``snapshot()`` returns ``(n_couplings, chains, ...)``; the result stacks the kept snapshots as
    dimension 2: ``(n_couplings, chains, samples_per_chain, ...)``. The progress bar follows
    :func:`physml.train.progress_enabled` unless ``progress`` is given.
    """
    from tqdm import tqdm

    from physml.train import progress_enabled

    for name, value in (("thermalization", thermalization), ("samples_per_chain", samples_per_chain),
                        ("spacing", spacing)):
        positive_int(name, value)
    show = progress_enabled() if progress is None else progress
    kept = []
    for step in tqdm(range(1, thermalization + samples_per_chain * spacing + 1), desc=desc,
                     disable=not show, leave=False):
        update()
        if step > thermalization and (step - thermalization) % spacing == 0:
            kept.append(snapshot())
    return torch.stack(kept, dim=2)
