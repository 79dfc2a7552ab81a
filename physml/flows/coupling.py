"""Affine coupling layers and the coupling flow (RealNVP style) trained on the likelihood (notes §5.4).

An affine coupling layer splits the variables with a mask into a frozen part x_A and an updated
part x_B (eqs. 5.44, 5.57)::

    y_A = x_A,      y_B = x_B ⊙ e^{s(x_A)} + t(x_A),      log |det ∂y/∂x| = Σ_B s(x_A)   (eq. 5.59),

and is inverted exactly by x_B = (y_B - t(y_A)) ⊙ e^{-s(y_A)}, whatever the networks s and t are.
:class:`AffineCoupling` holds this bookkeeping once; a subclass only says how to split (the
masks) and how to compute s and t. Two subclasses use it: :class:`DenseCoupling` (s, t from an MLP,
for event-like vectors; Bayesian when built with ``linear=physml.bayesian.bayes_linear()``) and
:class:`physml.flows.checkerboard.AffineCheckerboard` (a checkerboard of lattice sites, s, t from
CNNs, for the trivializing flows of Chapter 8).

:class:`CouplingFlow` stacks dense couplings with alternating masks, maps data x to a latent
z ~ N(0, 1) and gives the density by the change of variables (eq. 5.43),
``log p(x) = log N(z; 0, 1) + log|det ∂z/∂x|``. :func:`train` minimises the negative log-likelihood
(eq. 5.46), plus the KL term of the ELBO (eq. 5.48) for a Bayesian flow (one whose networks come
from the layer factory :func:`physml.bayesian.bayes_linear`).

Used by "Invertible networks" (and, through the checkerboard subclass, "Trivializing flows and flow
HMC").
"""

from __future__ import annotations

import math

import torch
from torch import nn

from physml import bayesian
from physml._checks import positive_int, positive_number
from physml.nn import MLP, LinearFactory, zero_output_
from physml.train import History


class AffineCoupling(nn.Module):
    """x_B → x_B ⊙ e^{s(x_A)} + t(x_A) with x_A unchanged, with exact inverse and log-determinant.

    Subclasses implement ``masks(x)`` (0/1 tensors of x's event shape: A is frozen, B updated)
    and ``scale_shift(frozen)`` (s and t with x's shape, from the frozen part x ⊙ mask_A only).
    The first axis of x is the batch; the log-determinant sums over all others.

    References:
        Pawlowski & Plehn 2025, §5.4, eqs. 5.57-5.59 (affine coupling).

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/lattice/trivializing-flows`
    """

    def masks(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def scale_shift(self, frozen: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def _parts(
        self, x: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        mask_a, mask_b = self.masks(x)
        frozen = x * mask_a
        s, t = self.scale_shift(frozen)
        return frozen, mask_b, s * mask_b, t * mask_b

    @staticmethod
    def _sum_event(s: torch.Tensor) -> torch.Tensor:
        return s.sum(dim=tuple(range(1, s.ndim)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x → (y, ``log|det ∂y/∂x|``) per batch entry."""
        frozen, mask_b, s, t = self._parts(x)
        return frozen + mask_b * x * torch.exp(s) + t, self._sum_event(s)

    def inverse(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """y → (x, ``log|det ∂y/∂x|`` at that x): the forward layer's log-determinant."""
        frozen, mask_b, s, t = self._parts(y)
        return frozen + mask_b * (y - t) * torch.exp(-s), self._sum_event(s)


class DenseCoupling(AffineCoupling):
    """An affine coupling of a vector whose s and t come from one MLP of the frozen components.

    s is soft-clamped, s = c·tanh(s_raw / c) with c = ``clamp``, so a single layer never scales by
    more than e^c. The MLP's last layer starts at zero (:func:`physml.nn.zero_output_`; for a
    Bayesian layer its means), so the block starts as the identity. Inputs are ``(batch, dim)``.

    Args:
        mask: 0/1 tensor of length ``dim`` marking the frozen components (at least one of each).
        hidden: width of the MLP's hidden layers, a positive int.
        depth: number of hidden layers, a positive int.
        clamp: the soft clamp c of s, > 0.
        linear: layer factory of the MLP (:data:`physml.nn.LinearFactory`); ``torch.nn.Linear``
            (default) or :func:`physml.bayesian.bayes_linear` for a Bayesian block.

    Raises:
        ValueError: if ``mask`` is not a 1-D 0/1 tensor with frozen and updated components, or
            naming ``clamp``, ``hidden`` or ``depth`` when out of range.
        TypeError: naming ``linear`` if it is not a layer factory.

    References:
        Pawlowski & Plehn 2025, §5.4, eqs. 5.57-5.59 (affine coupling).

    Used in:
        - :doc:`/book/generative/invertible-networks`
    """

    def __init__(
        self,
        mask: torch.Tensor,
        hidden: int = 32,
        depth: int = 2,
        *,
        clamp: float = 2.0,
        linear: LinearFactory = nn.Linear,
    ) -> None:
        super().__init__()
        mask = torch.as_tensor(mask, dtype=torch.float32)
        if (
            mask.ndim != 1
            or not ((mask == 0) | (mask == 1)).all()
            or mask.sum() in (0, len(mask))
        ):
            raise ValueError(
                "mask must be a 1-D 0/1 tensor with frozen and updated components"
            )
        self.register_buffer("mask", mask)
        self.clamp = positive_number("clamp", clamp)
        dim = len(mask)
        self.net = MLP(dim, 2 * dim, hidden=hidden, depth=depth, linear=linear)
        zero_output_(self.net[-1])

    def masks(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mask = self.mask.to(x.dtype)
        return mask, 1.0 - mask

    def scale_shift(self, frozen: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s, t = self.net(frozen).chunk(2, dim=-1)
        return self.clamp * torch.tanh(s / self.clamp), t


class BoxLogit(nn.Module):
    """The fixed bijection from the box (low, high)^dim to R^dim, u = logit((x - low)/(high - low)).

    Data with hard edges (the ramp) become unbounded, so a flow or diffusion model with a Gaussian
    latent never puts probability outside the box. :meth:`forward` gives u and
    ``log|det ∂u/∂x|``; :meth:`inverse` gives x and the same log-determinant at that x, so
    log p_x(x) = log p_u(u) + ``log|det ∂u/∂x|``.

    Args:
        low: the box's lower edge (every dimension), in the data's units.
        high: the box's upper edge, ``> low``.

    Raises:
        ValueError: if ``high`` is not greater than ``low``.

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`
    """

    def __init__(self, low: float = 0.0, high: float = 1.0) -> None:
        super().__init__()
        low, high = float(low), float(high)
        if not high > low:
            raise ValueError(f"high must be > low, got low={low!r}, high={high!r}")
        self.low, self.high = low, high

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x → (u, ``log|det ∂u/∂x|``) per point.

        Resolution: the map is one-to-one, and :meth:`inverse` returns x to within about
        1 + abs(u) units in the last place of x (logit and sigmoid amplify rounding by abs(u): up to
        ~50 ulp, 10⁻¹⁴ relative, in float64 and ~16 ulp in float32 near the lower edge; 1 ulp
        near the upper edge), for every scaled coordinate s = (x - low)/(high - low) in
        [ε/2, 1 - ε/2], with ε = ``torch.finfo(x.dtype).eps`` (ε/2 is the spacing of floats just
        below 1, the finest a point can sit at the upper edge): float64 10⁻¹² from either edge
        round-trips, float32 down to 6·10⁻⁸. Only points closer than ε/2 to an edge (the closed
        box's edges themselves included: the edges of the data) are clamped to s = ε/2 or
        1 - ε/2, u = ∓logit(ε/2) (±36.7 in float64, ±16.6 in float32). A point outside the box
        (or NaN) has no image: its log-determinant is -inf, so every density built on this map is
        0 (log density -inf) outside its support, never the clamped edge's value.
        """
        scaled = (x - self.low) / (self.high - self.low)
        inside = ((scaled >= 0) & (scaled <= 1)).all(dim=1)
        half_eps = torch.finfo(scaled.dtype).eps / 2
        u = scaled.clamp(half_eps, 1 - half_eps)
        logdet = -(math.log(self.high - self.low) + torch.log(u) + torch.log1p(-u)).sum(
            dim=1
        )
        logdet = torch.where(inside, logdet, torch.full_like(logdet, -math.inf))
        return torch.log(u) - torch.log1p(-u), logdet

    def inverse(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """u → (x, ``log|det ∂u/∂x|`` at that x) per point."""
        logdet = -(
            math.log(self.high - self.low)
            + nn.functional.logsigmoid(u)
            + nn.functional.logsigmoid(-u)
        ).sum(dim=1)
        return self.low + (self.high - self.low) * torch.sigmoid(u), logdet


def _check_points(x: torch.Tensor, dim: int, name: str = "x") -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"{name} must have shape (n, {dim}), got {tuple(x.shape)}")
    return x


class CouplingFlow(nn.Module):
    """A normalizing flow of ``n_blocks`` dense couplings with alternating masks (an INN).

    ``forward(x)`` gives the latent z and ``log|det ∂z/∂x|``; :meth:`log_prob` the density,
    :meth:`sample` draws x = f⁻¹(z) with z ~ N(0, 1). With ``bounds = (low, high)`` the data live
    in a box and first pass through the fixed :class:`BoxLogit` map, so the flow never puts
    probability outside the box; its log-determinant is part of the density. Points are
    ``(n, dim)`` tensors of the parameters' dtype. ``linear=physml.bayesian.bayes_linear()`` makes
    it the Bayesian INN of eq. 5.48 (every coupling network Bayesian); built with the same seed it
    has the plain flow's architecture and initial means.

    Args:
        dim: dimension of the data, an int ≥ 2.
        n_blocks: number of coupling blocks, a positive int.
        hidden: width of each coupling network's hidden layers, a positive int.
        depth: hidden layers per coupling network, a positive int.
        bounds: ``(low, high)`` of the data's box, or None for data on the whole plane.
        clamp: soft clamp of each block's log-scale, > 0.
        linear: layer factory of the coupling networks (:data:`physml.nn.LinearFactory`).

    Raises:
        ValueError: naming ``dim``, ``n_blocks``, ``hidden``, ``depth`` or ``clamp`` when out of
            range, or if ``high <= low``.
        TypeError: naming ``linear`` if it is not a layer factory.

    References:
        Pawlowski & Plehn 2025, §5.4, eqs. 5.43-5.48; Bellagente et al. 2022 (Bayesian INNs).

    Used in:
        - :doc:`/book/generative/invertible-networks`
    """

    def __init__(
        self,
        dim: int = 2,
        n_blocks: int = 6,
        hidden: int = 32,
        depth: int = 2,
        *,
        bounds: tuple[float, float] | None = None,
        clamp: float = 2.0,
        linear: LinearFactory = nn.Linear,
    ) -> None:
        super().__init__()
        self.dim = positive_int("dim", dim, minimum=2)
        positive_int("n_blocks", n_blocks)
        half = torch.arange(dim) < dim // 2
        self.blocks = nn.ModuleList(
            DenseCoupling(
                (half if i % 2 == 0 else ~half).float(),
                hidden,
                depth,
                clamp=clamp,
                linear=linear,
            )
            for i in range(n_blocks)
        )
        self.box = BoxLogit(*bounds) if bounds is not None else None

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """z = f(x) and ``log|det ∂z/∂x|`` per point."""
        x = _check_points(x, self.dim)
        y, logdet = (
            self.box(x) if self.box is not None else (x, x.new_zeros(x.shape[0]))
        )
        for block in self.blocks:
            y, ld = block(y)
            logdet = logdet + ld
        return y, logdet

    def inverse(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x = f⁻¹(z) and ``log|det ∂z/∂x|`` at that x, per point."""
        y = _check_points(z, self.dim, "z")
        logdet = y.new_zeros(y.shape[0])
        for block in reversed(self.blocks):
            y, ld = block.inverse(y)
            logdet = logdet + ld
        if self.box is None:
            return y, logdet
        x, ld = self.box.inverse(y)
        return x, logdet + ld

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) = log N(f(x); 0, 1) + ``log|det ∂f/∂x|`` (eq. 5.43).

        A tensor op: NaN or inf in ``x`` propagate to NaN (as torch does; no check, so no device
        sync per call); with ``bounds``, finite points outside the box give -inf.
        """
        z, logdet = self(x)
        return standard_normal_log_prob(z) + logdet

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` points x = f⁻¹(z), z ~ N(0, 1) drawn from ``generator``."""
        positive_int("n", n)
        ref = next(self.parameters())
        z = torch.randn((n, self.dim), generator=generator, dtype=ref.dtype).to(
            ref.device
        )
        return self.inverse(z)[0]


def standard_normal_log_prob(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, 1) summed over all but the first axis.

    Args:
        z: float ``(batch, ...)``.

    Returns:
        A tensor ``(batch,)`` of ``z``'s dtype, in nats.

    Used in:
        - :doc:`/book/generative/invertible-networks`
        - :doc:`/book/generative/diffusion-and-flow-matching`
    """
    return -0.5 * (z**2).sum(dim=tuple(range(1, z.ndim))) - 0.5 * z[
        0
    ].numel() * math.log(2 * math.pi)


def train(
    flow: nn.Module,
    data: torch.Tensor,
    *,
    steps: int,
    batch_size: int,
    lr: float = 1e-3,
    generator: torch.Generator | None = None,
    desc: str = "flow",
    progress: bool | None = None,
) -> History:
    """Fit ``flow`` (anything with ``log_prob``) to ``data`` by the negative log-likelihood (eq. 5.46).

    For a Bayesian flow (built with :func:`physml.bayesian.bayes_linear`) the loss is the ELBO of
    eq. 5.48: the NLL of one weight draw per step plus the KL to the prior divided by the number of
    training points (:func:`physml.bayesian.fit_elbo`).

    Args:
        flow: a model with ``log_prob(x)`` returning one log density per point.
        data: training points, shape (n, dim), on the flow's device.
        steps: optimiser steps, a positive int.
        batch_size: points per step, a positive int.
        lr: Adam learning rate.
        generator: CPU ``torch.Generator`` for the minibatch indices.
        desc: label of the progress bar.
        progress: show the progress bar (None: the ``PHYSML_PROGRESS`` setting).

    Returns:
        The :class:`physml.train.History` of the loss.

    Raises:
        TypeError: if ``flow`` has no ``log_prob`` method.
        ValueError: if ``data`` is empty or holds NaN or inf.

    References:
        Pawlowski & Plehn 2025, §5.4, eqs. 5.46 and 5.48.

    Used in:
        - :doc:`/book/generative/invertible-networks`
    """
    if not hasattr(flow, "log_prob"):
        raise TypeError(f"flow must have a log_prob method, got {type(flow).__name__}")
    return bayesian.fit_elbo(
        flow,
        lambda model, x: -model.log_prob(x).mean(),
        data,
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        generator=generator,
        desc=desc,
        progress=progress,
    )
