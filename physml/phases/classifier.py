"""A CNN that tells the ordered from the disordered phase, and pooling as a block-spin step.

:class:`PhaseCNN` follows Pawlowski and Plehn, Sec. 3.2.2: 3x3 convolutions with circular
padding (the lattice is periodic), two layers of 8 feature maps and no pooling, a third
convolution to a single map, flattened to L² numbers and mapped to two logits (disordered,
ordered). With circular padding every convolution commutes with lattice translations.
:class:`PhaseCNNReplicas` holds several independent copies of it in one module (grouped
convolutions), so that a classifier trained on independent samples with independent
initialisations, the seed-to-seed spread of a result, costs one training loop. Used by
:doc:`/book/phases/neural-network-phase-transition`.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from physml import train
from physml._checks import finite, positive_int
from physml.nn import forward_in_batches


class PhaseCNN(nn.Module):
    """The notes' phase classifier for ``(n, L, L)`` configurations; returns ``(n, 2)`` logits.

    Circular 3x3 convolutions with ReLU, a last one-channel convolution and a linear map of the
    L² features to the logits (disordered, ordered).

    Args:
        L: the lattice side (>= 2).
        channels: channels of the hidden convolutions.
        n_conv: the number of hidden convolutions.

    Raises:
        ValueError: if a size is not a positive int.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`

    Examples:
        >>> tuple(PhaseCNN(4)(torch.zeros(3, 4, 4)).shape)
        (3, 2)
    """

    def __init__(self, L: int, channels: int = 8, n_conv: int = 2) -> None:
        super().__init__()
        positive_int("L", L, minimum=2)
        positive_int("channels", channels)
        positive_int("n_conv", n_conv)
        layers: list[nn.Module] = []
        c_in = 1
        for _ in range(n_conv):
            layers += [
                nn.Conv2d(c_in, channels, 3, padding=1, padding_mode="circular"),
                nn.ReLU(),
            ]
            c_in = channels
        layers += [
            nn.Conv2d(c_in, 1, 3, padding=1, padding_mode="circular"),
            nn.Flatten(),
        ]
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(L * L, 2)
        self.L = L

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3 or tuple(x.shape[-2:]) != (self.L, self.L):
            raise ValueError(
                f"x must have shape (n, {self.L}, {self.L}), got {tuple(x.shape)}"
            )
        return self.head(self.features(x.unsqueeze(1)))


class PhaseCNNReplicas(nn.Module):
    """``replicas`` independent :class:`PhaseCNN` networks evaluated in one batched pass.

    Each convolution is a grouped convolution with one group per replica, and the final linear
    map a batched product, so replica ``r`` sees only its own input channel ``r`` and its own
    weights; every replica is initialised like a :class:`PhaseCNN`. Input ``(n, replicas, L, L)``
    (each replica its own configurations), output ``(n, replicas, 2)`` logits.

    Args:
        L: the lattice side (>= 2).
        replicas: the number of independent networks.
        channels: channels of each replica's hidden convolutions.
        n_conv: the number of hidden convolutions.

    Raises:
        ValueError: if a size is not a positive int.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`

    Examples:
        >>> tuple(PhaseCNNReplicas(4, replicas=3)(torch.zeros(5, 3, 4, 4)).shape)
        (5, 3, 2)
    """

    def __init__(
        self, L: int, replicas: int, channels: int = 8, n_conv: int = 2
    ) -> None:
        super().__init__()
        positive_int("L", L, minimum=2)
        positive_int("replicas", replicas)
        positive_int("channels", channels)
        positive_int("n_conv", n_conv)
        k = replicas
        layers: list[nn.Module] = []
        c_in = 1
        for _ in range(n_conv):
            layers += [
                nn.Conv2d(
                    k * c_in,
                    k * channels,
                    3,
                    padding=1,
                    padding_mode="circular",
                    groups=k,
                ),
                nn.ReLU(),
            ]
            c_in = channels
        layers += [
            nn.Conv2d(k * c_in, k, 3, padding=1, padding_mode="circular", groups=k)
        ]
        self.features = nn.Sequential(*layers)
        bound = 1.0 / L  # nn.Linear's initialisation for L² inputs
        self.weight = nn.Parameter(torch.empty(k, L * L, 2).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(k, 2).uniform_(-bound, bound))
        self.L, self.replicas = L, k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or tuple(x.shape[1:]) != (self.replicas, self.L, self.L):
            raise ValueError(
                f"x must have shape (n, {self.replicas}, {self.L}, {self.L}), got {tuple(x.shape)}"
            )
        f = self.features(x).flatten(2)  # (n, replicas, L²)
        return torch.einsum("nkp,kpc->nkc", f, self.weight) + self.bias


def split_replicas(spins: torch.Tensor, replicas: int) -> torch.Tensor:
    """Group independent chains into replicas, one training set per replica.

    Replica ``r`` holds chains ``r * chains, ..., (r + 1) * chains - 1`` of every temperature (the
    layout of :func:`physml.lattice.ising.sample` with ``replicas * chains`` chains per
    temperature).

    Args:
        spins: shape ``(n_T, replicas * chains, samples, L, L)``.
        replicas: the number of replicas.

    Returns:
        The configurations, shape ``(n_T, chains * samples, replicas, L, L)``.

    Raises:
        ValueError: on a wrong shape or chains that do not split into ``replicas``.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
    """
    positive_int("replicas", replicas)
    if spins.ndim != 5:
        raise ValueError(
            f"spins must have shape (n_T, chains, samples, L, L), got {tuple(spins.shape)}"
        )
    n_T, n_chains, n_s, L, L2 = spins.shape
    if n_chains % replicas:
        raise ValueError(
            f"the {n_chains} chains per temperature do not split into {replicas} replicas"
        )
    c = n_chains // replicas
    return (
        spins.reshape(n_T, replicas, c, n_s, L, L2)
        .permute(0, 2, 3, 1, 4, 5)
        .reshape(n_T, c * n_s, replicas, L, L2)
    )


def augment_z2(
    configs: torch.Tensor, labels: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Add the image φ → -φ of every configuration (the action is Z₂ symmetric), labels repeated.

    Args:
        configs: configurations, shape ``(n, ...)``.
        labels: their labels, shape ``(n, ...)``.

    Returns:
        ``(configs, labels)`` of length 2n, the images after the originals.

    Raises:
        ValueError: if the lengths differ.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
    """
    if configs.shape[0] != labels.shape[0]:
        raise ValueError(
            f"configs and labels differ in length: {configs.shape[0]} vs {labels.shape[0]}"
        )
    return torch.cat([configs, -configs]), torch.cat([labels, labels])


def train_classifier(
    model: PhaseCNN | PhaseCNNReplicas,
    configs: torch.Tensor,
    labels: torch.Tensor,
    *,
    steps: int,
    batch_size: int,
    lr: float = 3e-3,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
) -> train.History:
    """Train with the cross-entropy (BCE over the two classes) on Z₂-augmented data.

    For a :class:`PhaseCNN`, ``configs`` is ``(n, L, L)`` and ``labels`` ``(n,)``; for
    :class:`PhaseCNNReplicas`, ``(n, replicas, L, L)`` and ``(n, replicas)``: row ``i`` holds one
    configuration of each replica's own training set. The replicas' losses are summed, so each
    replica's weights get exactly the gradient of its own mean cross-entropy (Adam acts element by
    element): training them together is training them separately.

    Args:
        model: a :class:`PhaseCNN` or :class:`PhaseCNNReplicas`.
        configs: ``(n, L, L)`` (or ``(n, replicas, L, L)``), finite.
        labels: long, 0 (disordered) or 1 (ordered), shape ``(n,)`` (or ``(n, replicas)``).
        steps: optimiser steps (:func:`physml.train.fit`).
        batch_size: configurations per minibatch.
        lr: Adam's learning rate.
        generator: a CPU ``torch.Generator`` for the minibatch order.
        device: where to train; ``None`` as in :func:`physml.train.fit`.

    Returns:
        The :class:`physml.train.History` of the training.

    Raises:
        TypeError: if ``model`` is not a phase CNN, or ``labels`` not a long tensor.
        ValueError: on NaN or inf in ``configs``, a label other than 0 and 1, or mismatched
            shapes.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
    """
    if not isinstance(model, (PhaseCNN, PhaseCNNReplicas)):
        raise TypeError(
            f"model must be a PhaseCNN or PhaseCNNReplicas, got {type(model).__name__}"
        )
    if labels.dtype != torch.long:
        raise TypeError(
            f"labels must be a long tensor of 0 and 1, got dtype {labels.dtype}"
        )
    if not bool(((labels == 0) | (labels == 1)).all()):
        raise ValueError("labels must be 0 (disordered) or 1 (ordered)")
    finite("configs", configs)
    if tuple(labels.shape) != tuple(configs.shape[: configs.ndim - 2]):
        raise ValueError(
            f"labels must have shape {tuple(configs.shape[: configs.ndim - 2])} for configs of "
            f"shape {tuple(configs.shape)}, got {tuple(labels.shape)}"
        )
    x, y = augment_z2(configs.float(), labels)
    k = getattr(model, "replicas", 1)

    def loss(m, xb, yb):
        return F.cross_entropy(m(xb).reshape(-1, 2), yb.reshape(-1)) * k

    return train.fit(
        model,
        loss,
        (x, y),
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        generator=generator,
        device=device,
        desc="phase CNN",
    )


@torch.no_grad()
def ordered_probability(
    model: nn.Module, configs: torch.Tensor, batch: int = 4096
) -> torch.Tensor:
    """The network's probability of the ordered phase for each configuration (on the CPU).

    Args:
        model: a trained :class:`PhaseCNN` or :class:`PhaseCNNReplicas`.
        configs: ``(n, L, L)`` (or ``(n, replicas, L, L)``), finite.
        batch: configurations per forward pass.

    Returns:
        P(ordered), shape ``(n,)`` for a :class:`PhaseCNN`, ``(n, replicas)`` for
        :class:`PhaseCNNReplicas`.

    Raises:
        ValueError: on NaN or inf in ``configs``.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`
    """
    finite("configs", configs)
    logits = forward_in_batches(model, configs.float(), batch_size=batch)
    return torch.softmax(logits, dim=-1)[..., 1]


def _check_blockable(x: torch.Tensor) -> None:
    """Raise a ValueError unless ``x`` has shape ``(n, L, L)`` with an even L (a block-spin input)."""
    if x.ndim != 3 or x.shape[-1] % 2 or x.shape[-2] % 2:
        raise ValueError(
            f"x must have shape (n, L, L) with even L, got {tuple(x.shape)}"
        )


def block_spin(x: torch.Tensor) -> torch.Tensor:
    """Kadanoff block-spin step: the average over 2x2 plaquettes, ``(n, L, L) -> (n, L/2, L/2)``.

    A tensor op: it propagates NaN as torch does.

    Args:
        x: shape ``(n, L, L)`` with an even L.

    Returns:
        The blocked configurations, shape ``(n, L/2, L/2)``.

    Raises:
        ValueError: on a wrong shape or an odd L.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`

    Examples:
        >>> block_spin(torch.arange(16.0).view(1, 4, 4)).tolist()
        [[[2.5, 4.5], [10.5, 12.5]]]
    """
    _check_blockable(x)
    return F.avg_pool2d(x.unsqueeze(1), 2).squeeze(1)


def block_spin_as_convolution(x: torch.Tensor) -> torch.Tensor:
    """The same step as a stride-2 convolution with a fixed 2x2 filter of weights 1/4 (eq. 3.36).

    Args:
        x: shape ``(n, L, L)`` with an even L.

    Returns:
        The blocked configurations, shape ``(n, L/2, L/2)``.

    Raises:
        ValueError: on a wrong shape or an odd L.

    Used in:
        - :doc:`/book/phases/neural-network-phase-transition`

    References:
        Pawlowski & Plehn 2025, eq. 3.36.
    """
    _check_blockable(x)
    weight = torch.full((1, 1, 2, 2), 0.25, dtype=x.dtype, device=x.device)
    return F.conv2d(x.unsqueeze(1), weight, stride=2).squeeze(1)
