"""LoLa: a combination layer, a Lorentz layer with a trainable diagonal metric, a dense head.

The combination layer (CoLa, the notes' eq. 3.54) maps the leading ``n_constituents``
four-momenta ``k_i`` to ``k~_j = k_i C_ij``: the inputs themselves and ``n_combinations``
trainable linear combinations. The Lorentz layer (LoLa, eq. 3.55) turns every ``k~_j`` into
measurement-motivated features: ``m^2(k~_j)``, ``pT(k~_j)``, ``sum_m w_jm E(k~_m)``, and two
aggregations of the distances ``d^2_jm = (k~_j - k~_m) g (k~_j - k~_m)`` (eq. 3.56): a trainable
weighted sum and the minimum over ``m != j`` (eq. 3.57's aggregations). The metric ``g`` is a
trainable diagonal (initialised at ``diag(1, 1, 1, 1)``, at random, or at Minkowski, or fixed);
the notes find it learns ``diag(0.99, -1.01, -1.01, -0.99)`` (eq. 3.58), read here through
:meth:`LoLa.normalised_metric`. A dense head takes the ``asinh`` of the features to one logit.

References:
    Pawlowski and Plehn, *Physics and Machine Learning* (2025), Sec. 3.3.1, eqs. 3.54-3.58;
    Butter, Kasieczka, Plehn and Russell, SciPost Phys. 5 (2018) 028.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from physml._checks import positive_int, positive_number
from physml.jets.inputs import constituent_batch
from physml.jets.kinematics import MINKOWSKI, pt
from physml.jets.sample import JetSample

__all__ = ["METRIC_INITS", "LoLa"]

METRIC_INITS = ("euclidean", "minkowski", "random")
"""The starting points of LoLa's metric, ``diag(1, 1, 1, 1)``, ``diag(1, -1, -1, -1)``, or
each entry uniform in ``[-1, 1]`` (drawn from torch's global generator, as a weight init)."""

N_LORENTZ_FEATURES = 5


class LoLa(nn.Module):
    """The LoLa top tagger with a trainable diagonal metric (eqs. 3.54-3.58).

    The constituents are ordered by decreasing pT inside the model (so the output does not
    depend on the input order) and the leading ``n_constituents`` kept (zero-padded if fewer),
    divided by ``scale``. CoLa appends ``n_combinations`` trainable combinations, LoLa computes
    five features per combined vector (:meth:`lorentz_features`), and a dense head with hidden
    widths ``hidden`` (ReLU) maps their ``asinh`` to one logit.

    Args:
        n_constituents: leading constituents read, a positive int (the LoLa paper's 40).
        n_combinations: trainable CoLa combinations ``M``, an int >= 0.
        hidden: widths of the dense head's hidden layers, positive ints.
        metric_init: one of :data:`METRIC_INITS`.
        trainable_metric: whether the metric is learned; ``False`` keeps it fixed at its
            initial value (``metric_init="minkowski"`` for exactly Lorentz-invariant features).
        scale: the momentum unit the four-vectors are divided by, GeV, > 0.

    Raises:
        ValueError: naming ``n_constituents``, ``n_combinations``, ``hidden``, ``metric_init`` or
            ``scale`` when out of range.
        TypeError: if ``trainable_metric`` is not a bool.

    References:
        Pawlowski and Plehn (2025), Sec. 3.3.1, eqs. 3.54-3.58, l. 1372 (127k parameters);
        Butter et al., SciPost Phys. 5 (2018) 028.

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`
    """

    def __init__(
        self,
        n_constituents: int = 40,
        n_combinations: int = 15,
        hidden: Sequence[int] = (100, 50),
        metric_init: str = "euclidean",
        trainable_metric: bool = True,
        scale: float = 100.0,
    ) -> None:
        positive_int("n_constituents", n_constituents)
        positive_int("n_combinations", n_combinations, minimum=0)
        hidden = tuple(hidden) if isinstance(hidden, Sequence) else (None,)
        for h in hidden:
            positive_int("hidden", h)
        if metric_init not in METRIC_INITS:
            raise ValueError(
                f"metric_init must be one of {METRIC_INITS}, got {metric_init!r}"
            )
        if not isinstance(trainable_metric, bool):
            raise TypeError(
                f"trainable_metric must be a bool, got {type(trainable_metric).__name__}"
            )
        super().__init__()
        self.n_constituents = n_constituents
        self.scale = positive_number("scale", scale)
        n_out = n_constituents + n_combinations
        self.combinations = nn.Parameter(
            torch.randn(n_constituents, n_combinations) / n_constituents**0.5
        )
        self.energy_weights = nn.Parameter(torch.randn(n_out, n_out) / n_out**0.5)
        self.distance_weights = nn.Parameter(torch.randn(n_out, n_out) / n_out**0.5)
        if metric_init == "euclidean":
            g = torch.ones(4)
        elif metric_init == "minkowski":
            g = torch.tensor(MINKOWSKI)
        else:
            g = torch.rand(4) * 2 - 1
        if trainable_metric:
            self.metric_diagonal = nn.Parameter(g)
        else:
            self.register_buffer("metric_diagonal", g)
        layers: list[nn.Module] = []
        width = N_LORENTZ_FEATURES * n_out
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, 1))
        self.head = nn.Sequential(*layers)

    @property
    def metric(self) -> torch.Tensor:
        """The metric's diagonal ``(g_00, g_11, g_22, g_33)``, shape ``(4,)``, detached."""
        return self.metric_diagonal.detach().clone()

    def normalised_metric(self) -> torch.Tensor:
        """The metric's diagonal divided by ``g_00``, to compare with eq. 3.58.

        Returns:
            Shape ``(4,)``, detached, first entry 1 (``diag(1, -1, -1, -1)`` for Minkowski).

        Raises:
            ValueError: if ``g_00`` is 0 (the normalisation is undefined).

        References:
            Pawlowski and Plehn (2025), eq. 3.58.
        """
        g = self.metric
        if float(g[0]) == 0.0:
            raise ValueError("metric: g_00 is 0, the normalised metric is undefined")
        return g / g[0]

    def combine(self, vectors: torch.Tensor) -> torch.Tensor:
        """CoLa (eq. 3.54): the inputs and their trainable combinations ``k~_j = k_i C_ij``.

        Args:
            vectors: ``(n_jets, n_constituents, 4)`` four-momenta (in units of ``scale``),
                already ordered and truncated.

        Returns:
            ``(n_jets, n_constituents + n_combinations, 4)``.

        Raises:
            ValueError: if ``vectors`` is not ``(n_jets, n_constituents, 4)``.
        """
        if vectors.ndim != 3 or vectors.shape[1:] != (self.n_constituents, 4):
            raise ValueError(
                f"vectors must have shape (n_jets, {self.n_constituents}, 4), "
                f"got {tuple(vectors.shape)}"
            )
        mixed = torch.einsum(
            "bic,im->bmc", vectors, self.combinations.to(vectors.dtype)
        )
        return torch.cat([vectors, mixed], dim=1)

    def lorentz_features(self, vectors: torch.Tensor) -> dict[str, torch.Tensor]:
        """LoLa (eqs. 3.55-3.57) on ordered four-vectors, with the model's metric.

        Args:
            vectors: ``(n_jets, n_constituents, 4)`` four-momenta in units of ``scale``, in the
                order the model reads them (no sorting here, so a boost can be tested).

        Returns:
            ``"m2"`` ``(n_jets, J)`` ``k~_j g k~_j``; ``"pt"`` ``(n_jets, J)``; ``"energy"``
            ``(n_jets, J)`` ``sum_m w_jm E(k~_m)``; ``"d2"`` ``(n_jets, J, J)`` the distances;
            ``"d2_sum"`` ``(n_jets, J)`` ``sum_m w^d_jm d^2_jm``; ``"d2_min"`` ``(n_jets, J)``
            ``min_{m != j} d^2_jm``; ``J = n_constituents + n_combinations``.

        Raises:
            ValueError: as :meth:`combine`.
        """
        k = self.combine(vectors)
        g = self.metric_diagonal.to(k.dtype)
        m2 = (k * g * k).sum(-1)
        diff = k[:, :, None, :] - k[:, None, :, :]
        d2 = (diff * g * diff).sum(-1)
        eye = torch.eye(k.shape[1], dtype=torch.bool, device=k.device)
        return {
            "m2": m2,
            "pt": pt(k),
            "energy": k[..., 0] @ self.energy_weights.to(k.dtype).T,
            "d2": d2,
            "d2_sum": (d2 * self.distance_weights.to(k.dtype)).sum(-1),
            "d2_min": d2.masked_fill(eye, torch.inf).amin(-1),
        }

    def ordered_inputs(
        self, constituents: torch.Tensor | JetSample, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The leading ``n_constituents`` by pT, zero-padded, divided by ``scale``.

        Args:
            constituents: ``(n_jets, n, 4)`` GeV, or a JetSample.
            mask: ``(n_jets, n)`` bool, or ``None`` for ``pT > 0``.

        Returns:
            ``(n_jets, n_constituents, 4)``, in units of ``scale``.

        Raises:
            TypeError, ValueError: as :func:`physml.jets.inputs.constituent_batch`.
        """
        constituents, mask = constituent_batch(constituents, mask)
        key = torch.where(
            mask, pt(constituents), -torch.ones_like(constituents[..., 0])
        )
        order = key.argsort(dim=1, descending=True, stable=True)
        ordered = torch.gather(
            constituents, 1, order[..., None].expand_as(constituents)
        )
        n = ordered.shape[1]
        if n >= self.n_constituents:
            ordered = ordered[:, : self.n_constituents]
        else:
            ordered = nn.functional.pad(ordered, (0, 0, 0, self.n_constituents - n))
        return ordered / self.scale

    def forward(
        self, constituents: torch.Tensor | JetSample, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """One logit per jet, ``(n_jets,)``, top > 0.

        Inputs, shapes and errors are every point-cloud tagger's (:mod:`physml.jets.inputs`),
        with any number of constituents (:meth:`ordered_inputs` reads the leading
        ``n_constituents``).
        """
        f = self.lorentz_features(self.ordered_inputs(constituents, mask))
        names = ("m2", "pt", "energy", "d2_sum", "d2_min")
        x = torch.asinh(torch.stack([f[name] for name in names], dim=-1))
        return self.head(x.flatten(1))[:, 0]
