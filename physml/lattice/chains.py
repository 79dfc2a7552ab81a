"""What every batch of independent Markov chains in ``physml.lattice`` needs.

- :func:`per_chain`: a coupling given as one number or one value per chain, checked.
- :func:`seeded_generator`: the device the chains live on and a generator there, seeded.
- :func:`collect`: thermalise, then keep a snapshot every few updates, with a progress bar.

Used by :mod:`physml.lattice.ising` and :mod:`physml.lattice.phi4`, and so by "A neural network
sees a phase transition" and "Finding the order parameter without labels".
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
