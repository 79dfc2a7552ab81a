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


def per_chain(
    name: str,
    value,
    n: int,
    device: torch.device,
    *,
    strictly_positive: bool,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """``value`` (a number, or one entry per chain) as a ``dtype`` tensor of shape ``(n,)``.

    Args:
        name: the argument's name, for the messages.
        value: a real number, or a 1-D sequence or tensor of n numbers.
        n: the number of chains.
        device: where the tensor goes.
        strictly_positive: every entry must be > 0 (else >= 0).
        dtype: the tensor's dtype.

    Returns:
        A contiguous ``(n,)`` tensor on ``device``.

    Raises:
        TypeError: on a bool or a complex value.
        ValueError: on a wrong length, or an entry that is not finite or not > 0 (>= 0).

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`

    Examples:
        >>> per_chain("temperature", 2.0, 3, torch.device("cpu"), strictly_positive=True).tolist()
        [2.0, 2.0, 2.0]
    """
    if isinstance(value, bool):
        raise TypeError(
            f"{name} must be a number or a 1-D tensor of numbers, got a bool"
        )
    if isinstance(value, torch.Tensor) and value.is_complex():
        raise TypeError(f"{name} must be real, got dtype {value.dtype}")
    t = torch.as_tensor(value, dtype=dtype, device=device)
    if t.ndim == 0:
        t = t.expand(n)
    if t.ndim != 1 or t.numel() != n:
        raise ValueError(
            f"{name} must be a number or have one entry per chain ({n}), "
            f"got shape {tuple(t.shape)}"
        )
    ok = t > 0 if strictly_positive else t >= 0
    if not torch.all(torch.isfinite(t) & ok):
        raise ValueError(
            f"{name} must be finite and {'> 0' if strictly_positive else '>= 0'} for every chain"
        )
    return t.contiguous()


def check_fields(
    phi, name: str = "phi", *, square: bool = False, even: bool = False
) -> torch.Tensor:
    """``phi`` if it is a floating-point tensor of fields ``(n, L1, L2)`` with L1, L2 >= 2.

    The values are not scanned: the field functions are tensor operations inside the HMC and
    flow loops, and like torch's own they propagate NaN and infinity (a diverging trajectory
    shows as a NaN action and is rejected by the Metropolis step; the observables' estimators in
    :mod:`physml.stats` refuse NaN).

    Args:
        phi: the fields, shape ``(n, L1, L2)``, floating point.
        name: the argument's name, for the messages.
        square: also ask for L1 = L2.
        even: also ask for an even L = L1 = L2 (a checkerboard).

    Returns:
        ``phi`` unchanged.

    Raises:
        TypeError: if ``phi`` is not a floating-point tensor.
        ValueError: on a wrong shape.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
    """
    if not isinstance(phi, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(phi).__name__}")
    if not phi.is_floating_point():
        raise TypeError(
            f"{name} must be a floating-point tensor, got dtype {phi.dtype}"
        )
    shape = (
        "(n, L, L) with L >= 2" if square or even else "(n, L1, L2) with L1, L2 >= 2"
    )
    if (
        phi.ndim != 3
        or min(phi.shape[-2:]) < 2
        or ((square or even) and phi.shape[-1] != phi.shape[-2])
    ):
        raise ValueError(f"{name} must have shape {shape}, got {tuple(phi.shape)}")
    if even and phi.shape[-1] % 2:
        raise ValueError(
            f"the checkerboard needs an even L >= 2, got L={phi.shape[-1]}"
        )
    return phi


def seeded_generator(
    seed: int, device: torch.device | str | None
) -> tuple[torch.device, torch.Generator]:
    """The chains' device and a generator on it seeded by ``seed``.

    Args:
        seed: an int.
        device: the device; ``None`` for :func:`physml.config.device`.

    Returns:
        ``(device, generator)``.

    Raises:
        TypeError: if ``seed`` is not an int.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`
        - :doc:`/book/lattice/hmc-critical-slowing-down`
        - :doc:`/book/lattice/trivializing-flows`
    """
    from physml import config

    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    dev = torch.device(device) if device is not None else config.device()
    generator = torch.Generator(device=dev)
    generator.manual_seed(seed)
    return dev, generator


def collect(
    update: Callable[[], object],
    snapshot: Callable[[], torch.Tensor],
    *,
    thermalization: int,
    samples_per_chain: int,
    spacing: int,
    desc: str,
    progress: bool | None = None,
) -> torch.Tensor:
    """Run ``thermalization`` updates, then keep ``snapshot()`` after every ``spacing``-th update.

    Args:
        update: advances every chain by one update (a sweep, a trajectory).
        snapshot: returns the chains' state, shape ``(n_couplings, chains, ...)``.
        thermalization: updates discarded first (>= 1).
        samples_per_chain: snapshots kept (>= 1).
        spacing: updates between kept snapshots (>= 1).
        desc: the progress bar's label.
        progress: show a progress bar; ``None`` for :func:`physml.train.progress_enabled`.

    Returns:
        The kept snapshots stacked as dimension 2, ``(n_couplings, chains, samples_per_chain,
        ...)``.

    Raises:
        ValueError: if a count is not a positive int.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
        - :doc:`/book/phases/order-parameter-without-labels`
    """
    from tqdm import tqdm

    from physml.train import progress_enabled

    for name, value in (
        ("thermalization", thermalization),
        ("samples_per_chain", samples_per_chain),
        ("spacing", spacing),
    ):
        positive_int(name, value)
    show = progress_enabled() if progress is None else progress
    kept = []
    for step in tqdm(
        range(1, thermalization + samples_per_chain * spacing + 1),
        desc=desc,
        disable=not show,
        leave=False,
    ):
        update()
        if step > thermalization and (step - thermalization) % spacing == 0:
            kept.append(snapshot())
    return torch.stack(kept, dim=2)
