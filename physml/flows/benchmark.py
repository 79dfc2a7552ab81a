"""Flows side by side: a production spline flow on a box, and one table of likelihood, distance and speed.

- :class:`ZukoOnBox`: ``zuko``'s neural spline flow (Durkan et al. 2019) on the same fixed logit
  map of a box as :class:`physml.flows.coupling.CouplingFlow` with ``bounds``, so the two are
  judged on the same density.
- :func:`compare`: trains several flows on the same points by the negative log-likelihood
  (eq. 5.46 of Pawlowski and Plehn) and tabulates the held-out NLL, the Wasserstein-1 distance of
  the generated first coordinate to the held-out points, the parameter count and the time per
  training step and per sample.

Used by :doc:`/book/generative/invertible-networks`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

import pandas as pd
import torch
import zuko
from torch import nn

from physml import stats
from physml._checks import positive_int, positive_number
from physml.flows import coupling


class ZukoOnBox(nn.Module):
    """zuko's NSF on a logit-mapped box, its inputs divided by ``scale``, both Jacobians in the density.

    zuko's rational-quadratic splines act on ``[-5, 5]`` and are the identity outside; the logit
    of points near the box edges runs far beyond that, so the logit values are divided by
    ``scale`` first (``log_prob`` adds ``-dim log scale`` for it).

    Args:
        dim: the number of coordinates (features), a positive int.
        low: lower edge of the box (every coordinate).
        high: upper edge of the box, > ``low``.
        scale: the divisor of the logit values, > 0 (1: unscaled).
        transforms: spline transforms of the NSF, a positive int.
        hidden: widths of the hidden layers of each transform's network.

    Raises:
        ValueError: if ``dim`` or ``transforms`` is not a positive int, ``scale <= 0`` or
            ``high <= low``.

    References:
        C. Durkan et al., *Neural spline flows*, NeurIPS 2019; F. Rozet et al., zuko (2022).

    Used in:
        - :doc:`/book/generative/invertible-networks`
    """

    def __init__(
        self,
        dim: int = 2,
        low: float = 0.0,
        high: float = 1.0,
        *,
        scale: float = 4.0,
        transforms: int = 3,
        hidden: tuple[int, ...] = (64, 64),
    ) -> None:
        super().__init__()
        positive_int("dim", dim)
        positive_int("transforms", transforms)
        positive_number("scale", scale)
        self.dim, self.scale = dim, float(scale)
        self.box = coupling.BoxLogit(low, high)
        self.nsf = zuko.flows.NSF(
            features=dim, transforms=transforms, hidden_features=tuple(hidden)
        )

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Log density of points ``x``, shape ``(n, dim)`` inside the box; returns shape ``(n,)``.

        Args:
            x: points, shape ``(n, dim)``.

        Returns:
            ``log p(x)``, shape ``(n,)``.
        """
        u, logdet = self.box(x)
        log_q = self.nsf().log_prob(u / self.scale)
        return log_q + logdet - self.dim * math.log(self.scale)

    def sample(self, n: int) -> torch.Tensor:
        """``n`` points drawn from the flow (torch's global random stream), shape ``(n, dim)``.

        Args:
            n: the number of points, a positive int.

        Returns:
            The points, shape ``(n, dim)``, inside the box.
        """
        return self.box.inverse(self.scale * self.nsf().sample((n,)))[0]


def compare(
    flows: Mapping[str, nn.Module],
    train: torch.Tensor,
    test: torch.Tensor,
    *,
    steps: int,
    batch_size: int,
    lr: float = 3e-3,
    generator: torch.Generator | None = None,
) -> pd.DataFrame:
    """Train each flow on ``train`` in turn and tabulate how well and how fast it learned.

    Each flow is trained with :func:`physml.flows.coupling.train` (``steps`` Adam steps on the
    negative log-likelihood), then judged on ``test``: the held-out NLL ``-<log p(x)>`` in nats,
    the Wasserstein-1 distance between ``len(test)`` generated first coordinates and those of
    ``test`` (:func:`physml.stats.wasserstein_1d`), the number of parameters, and the wall time
    per training step (ms) and per generated point (µs) on this machine. The flows are trained in
    the order of ``flows``; each draws its samples from torch's global random stream.

    Args:
        flows: name to a model with ``log_prob(x)`` and ``sample(n)``.
        train: training points, shape ``(n, dim)``.
        test: held-out points, shape ``(m, dim)``.
        steps: training steps per flow, a positive int.
        batch_size: points per step, a positive int.
        lr: Adam learning rate.
        generator: CPU ``torch.Generator`` for the minibatch indices.

    Returns:
        A DataFrame indexed by flow name with columns ``test NLL``, ``W1(x)``, ``params``,
        ``ms/step`` and ``µs/sample``.

    Raises:
        ValueError: if ``flows`` is empty, or ``steps`` or ``batch_size`` is not a positive int.

    References:
        Pawlowski and Plehn 2025, eq. 5.46 (the NLL).

    Used in:
        - :doc:`/book/generative/invertible-networks`
    """
    if not flows:
        raise ValueError("flows must name at least one flow")
    positive_int("steps", steps)
    positive_int("batch_size", batch_size)
    rows = {}
    for name, flow in flows.items():
        start = time.perf_counter()
        coupling.train(
            flow,
            train,
            steps=steps,
            batch_size=batch_size,
            lr=lr,
            generator=generator,
            desc=name,
        )
        train_ms = 1000 * (time.perf_counter() - start) / steps
        with torch.no_grad():
            nll = float(-flow.log_prob(test).mean())
            start = time.perf_counter()
            sample = flow.sample(len(test))
            sample_us = 1e6 * (time.perf_counter() - start) / len(test)
        rows[name] = {
            "test NLL": nll,
            "W1(x)": stats.wasserstein_1d(
                sample[:, 0].cpu().numpy(), test[:, 0].cpu().numpy()
            ),
            "params": sum(p.numel() for p in flow.parameters()),
            "ms/step": train_ms,
            "µs/sample": sample_us,
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("flow")
