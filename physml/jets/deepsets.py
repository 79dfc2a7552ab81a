"""Deep sets on jet constituents: the particle and energy flow networks, and Table 1's observables.

A deep set maps a jet to ``F[sum_i Phi(p_i)]`` (the notes' eq. 3.80): a per-particle network
``Phi`` into a latent space, a sum over the real constituents (so the output cannot depend on
their order or on zero padding) and a network ``F`` on the sum. The particle flow network
(:class:`PFN`) feeds ``Phi`` every per-particle feature; the energy flow network (:class:`EFN`)
weights an angular ``Phi(eta_hat_i, phi_hat_i)`` with the pT fraction ``z_i``, which makes it
infrared and collinear safe. Table 1's observables are deep sets with fixed ``Phi`` and ``F``:
:func:`mass_as_deep_set`, :func:`multiplicity_as_deep_set`, :func:`pt_dispersion_as_deep_set`.

References:
    Pawlowski and Plehn, *Physics and Machine Learning* (2025), Sec. 3.3.4, eqs. 3.80-3.82 and
    Table 1; Komiske, Metodiev and Thaler, JHEP 01 (2019) 121.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from physml._checks import positive_int
from physml.jets.inputs import (
    FEATURES,
    angular_coordinates,
    constituent_batch,
    particle_features,
    pt_fraction,
)
from physml.jets.kinematics import MINKOWSKI, pt
from physml.jets.sample import JetSample
from physml.nn import MLP

__all__ = [
    "EFN",
    "PFN",
    "deep_set",
    "mass_as_deep_set",
    "multiplicity_as_deep_set",
    "pt_dispersion_as_deep_set",
]


def deep_set(
    constituents: torch.Tensor | JetSample,
    per_particle: Callable[[torch.Tensor], torch.Tensor],
    function: Callable[[torch.Tensor], torch.Tensor],
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """``F[sum_i Phi(p_i)]`` over each jet's real constituents (eq. 3.80).

    Args:
        constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
        per_particle: ``Phi``, maps ``(n_jets, n_constituents, 4)`` four-momenta to
            ``(n_jets, n_constituents, l)`` latent vectors.
        function: ``F``, maps the summed ``(n_jets, l)`` to the observable ``(n_jets, ...)``.
        mask: ``(n_jets, n_constituents)`` bool, or ``None`` for ``pT > 0``.

    Returns:
        ``function``'s output, one value (or vector) per jet.

    Raises:
        TypeError: if ``per_particle`` or ``function`` is not callable; as
            :func:`physml.jets.inputs.constituent_batch` for the inputs.
        ValueError: if ``per_particle`` does not return ``(n_jets, n_constituents, l)``.

    References:
        Pawlowski and Plehn (2025), eq. 3.80.

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    for name, f in (("per_particle", per_particle), ("function", function)):
        if not callable(f):
            raise TypeError(f"{name} must be callable")
    constituents, mask = constituent_batch(constituents, mask)
    latent = per_particle(constituents)
    if latent.ndim != 3 or latent.shape[:2] != constituents.shape[:2]:
        raise ValueError(
            "per_particle must return (n_jets, n_constituents, l), "
            f"got {tuple(latent.shape)}"
        )
    return function((latent * mask[..., None]).sum(1))


def mass_as_deep_set(
    constituents: torch.Tensor | JetSample, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """The jet mass as Table 1's deep set: ``Phi = p^mu``, ``F(x) = sqrt(x^mu x_mu)``.

    Args:
        constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
        mask: ``(n_jets, n_constituents)`` bool, or ``None`` for ``pT > 0``.

    Returns:
        ``(n_jets,)`` GeV (``x^mu x_mu`` clamped at 0 before the root).

    Raises:
        TypeError, ValueError: as :func:`physml.jets.inputs.constituent_batch`.

    References:
        Pawlowski and Plehn (2025), Table 1 (from Komiske, Metodiev and Thaler 2019).

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`
    """

    def minkowski_norm(x: torch.Tensor) -> torch.Tensor:
        g = torch.tensor(MINKOWSKI, dtype=x.dtype, device=x.device)
        return (x * g * x).sum(-1).clamp_min(0).sqrt()

    return deep_set(constituents, lambda p: p, minkowski_norm, mask)


def multiplicity_as_deep_set(
    constituents: torch.Tensor | JetSample, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """The constituent multiplicity as Table 1's deep set: ``Phi = 1``, ``F(x) = x``.

    Args:
        constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
        mask: ``(n_jets, n_constituents)`` bool, or ``None`` for ``pT > 0``.

    Returns:
        ``(n_jets,)`` in the constituents' dtype, the number of real constituents.

    Raises:
        TypeError, ValueError: as :func:`physml.jets.inputs.constituent_batch`.

    References:
        Pawlowski and Plehn (2025), Table 1.

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`
    """
    return deep_set(
        constituents, lambda p: torch.ones_like(p[..., :1]), lambda x: x[:, 0], mask
    )


def pt_dispersion_as_deep_set(
    constituents: torch.Tensor | JetSample, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """The momentum dispersion ``pT_D`` as Table 1's deep set: ``Phi = (pT, pT^2)``, ``F = sqrt(y)/x``.

    Args:
        constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
        mask: ``(n_jets, n_constituents)`` bool, or ``None`` for ``pT > 0``.

    Returns:
        ``(n_jets,)``, dimensionless, ``sqrt(sum pT_i^2) / sum pT_i`` in ``(0, 1]``.

    Raises:
        TypeError, ValueError: as :func:`physml.jets.inputs.constituent_batch`.

    References:
        Pawlowski and Plehn (2025), Table 1.

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`
    """

    def moments(p: torch.Tensor) -> torch.Tensor:
        t = pt(p)
        return torch.stack([t, t * t], dim=-1)

    return deep_set(constituents, moments, lambda s: s[:, 1].sqrt() / s[:, 0], mask)


def _latent_net(n_in: int, latent: int, hidden: int, depth: int) -> nn.Sequential:
    return nn.Sequential(
        MLP(n_in, latent, hidden=hidden, depth=depth, activation="relu"), nn.ReLU()
    )


class _DeepSetTagger(nn.Module):
    """What :class:`PFN` and :class:`EFN` share: ``F[sum_i w_i Phi(x_i)]`` with one logit out.

    A subclass sets ``_n_inputs`` (the width of ``x_i``) and ``_weighted_inputs`` (the weights
    ``w_i`` and inputs ``x_i`` of each constituent); the size checks, ``Phi`` and ``F`` (built in
    this order, so a seed gives the same parameters), the sum and the logit live here.
    """

    _n_inputs: int

    def __init__(
        self,
        latent: int = 256,
        phi_hidden: int = 100,
        phi_depth: int = 2,
        f_hidden: int = 100,
        f_depth: int = 3,
    ) -> None:
        for name, value in (
            ("latent", latent),
            ("phi_hidden", phi_hidden),
            ("phi_depth", phi_depth),
            ("f_hidden", f_hidden),
            ("f_depth", f_depth),
        ):
            positive_int(name, value)
        super().__init__()
        self.phi = _latent_net(self._n_inputs, latent, phi_hidden, phi_depth)
        self.function = MLP(
            latent, 1, hidden=f_hidden, depth=f_depth, activation="relu"
        )

    def _weighted_inputs(
        self, constituents: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``w_i`` ``(n_jets, n_constituents)`` and ``x_i`` ``(n_jets, n_constituents, n)``."""
        raise NotImplementedError

    def latent(
        self, constituents: torch.Tensor | JetSample, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The weighted latent sum ``sum_i w_i Phi(x_i)`` over the real constituents.

        :class:`PFN`: ``w_i = 1`` and ``x_i`` the per-particle features, the summed latent
        vector ``sum_i Phi(x_i)``; :class:`EFN`: the energy-weighted sum
        ``sum_i z_i Phi(eta_hat_i, phi_hat_i)``.

        Args:
            constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
            mask: ``(n_jets, n_constituents)`` bool, or ``None`` for ``pT > 0``.

        Returns:
            ``(n_jets, latent)``.

        Raises:
            TypeError, ValueError: as :func:`physml.jets.inputs.constituent_batch`.
        """
        constituents, mask = constituent_batch(constituents, mask)
        weight, x = self._weighted_inputs(constituents, mask)
        return (weight[..., None] * self.phi(x)).sum(1)

    def forward(
        self, constituents: torch.Tensor | JetSample, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """One logit per jet, ``(n_jets,)``, top > 0: ``F`` of :meth:`latent`.

        Inputs, shapes and errors are every point-cloud tagger's (:mod:`physml.jets.inputs`).
        """
        return self.function(self.latent(constituents, mask))[:, 0]


class PFN(_DeepSetTagger):
    """Particle flow network: ``F[sum_i Phi(x_i)]`` on every per-particle feature (eq. 3.80).

    ``Phi`` maps the seven features of :func:`physml.jets.inputs.particle_features` through
    ``phi_depth`` hidden layers of width ``phi_hidden`` to a ``latent``-dimensional vector
    (ReLU); the sum runs over the real constituents; ``F`` has ``f_depth`` hidden layers of
    width ``f_hidden`` and returns one logit. The defaults are the energyflow package's
    (Phi 100-100-256, F 100-100-100): 82,757 parameters, the notes' "82k" with a 256-dimensional
    latent space. The output is invariant under permutations of the constituents and under
    extra zero padding, but not collinear safe (``log pT`` enters ``Phi``).

    Args:
        latent: dimension of the latent space, a positive int.
        phi_hidden: width of ``Phi``'s hidden layers.
        phi_depth: number of ``Phi``'s hidden layers.
        f_hidden: width of ``F``'s hidden layers.
        f_depth: number of ``F``'s hidden layers.

    Raises:
        ValueError: naming a size that is not a positive int.

    References:
        Pawlowski and Plehn (2025), Sec. 3.3.4, eq. 3.80 and below Table 1; Komiske, Metodiev and Thaler,
        JHEP 01 (2019) 121.

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`
    """

    _n_inputs = len(FEATURES)

    def _weighted_inputs(
        self, constituents: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return mask, particle_features(constituents, mask)


class EFN(_DeepSetTagger):
    """Energy flow network: ``F[sum_i z_i Phi(eta_hat_i, phi_hat_i)]``, IRC safe (eq. 3.80).

    ``Phi`` sees only the angular coordinates from the jet axis
    (:func:`physml.jets.inputs.angular_coordinates`) and each output is weighted by the pT
    fraction ``z_i`` (:func:`physml.jets.inputs.pt_fraction`): a soft particle (``z -> 0``)
    adds nothing, and a collinear splitting (same angles, ``z`` shared as ``z_a + z_b``) leaves
    the sum unchanged. Sizes as :class:`PFN` (82,257 parameters at the defaults).

    Args:
        latent: number of energy-weighted sums ``sum_i z_i Phi_a``, a positive int.
        phi_hidden: width of the hidden layers of ``Phi``, which reads the two angles; positive int.
        phi_depth: how many hidden layers ``Phi`` has, a positive int.
        f_hidden: width of the hidden layers of ``F``, which reads the sums; a positive int.
        f_depth: how many hidden layers ``F`` has, a positive int.

    Raises:
        ValueError: naming the size (``latent``, ``phi_hidden``, ...) that is not a positive int.

    References:
        Pawlowski and Plehn (2025), Sec. 3.3.4, below eq. 3.80 (``phi(k_i) -> pT_i phi``); Komiske,
        Metodiev and Thaler, JHEP 01 (2019) 121.

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`
    """

    _n_inputs = 2

    def _weighted_inputs(
        self, constituents: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return pt_fraction(constituents, mask), angular_coordinates(constituents, mask)
