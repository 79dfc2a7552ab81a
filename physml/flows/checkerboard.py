"""Checkerboard affine coupling flows for lattice fields, equivariant under φ → -φ (notes §8.3).

The flow f maps a field φ on an L x L periodic lattice to z = f(φ), which should be a set of
independent standard normals when φ follows e^{-S}/Z. It is a composition of affine layers
(eq. 8.23): the lattice is split into a checkerboard, A = {x₁ + x₂ odd} and B = the rest (eq.
8.22), and a layer keeps φ^A and updates::

    φ^B → φ^B ⊙ e^{|s(φ^A)|} + t(φ^A),      log |det| = Σ_{x ∈ B} |s_x(φ^A)|   (eq. 8.24),

where s and t are single convolutions with a k x k kernel, periodic padding, no bias and a tanh
(eq. 8.25). tanh with no bias makes t odd in φ^A and ``|s|`` even, so f(-φ) = -f(φ), the symmetry of
the action. One *coupling layer* is two affine layers with the roles of A and B swapped; a final
global rescaling z → e^a z makes N_params = 4 k² N_l + 1 (37 for the minimal network, k = 3, N_l = 1).

Convolutions make the flow translation covariant and independent of L: a flow trained on one
lattice acts on any even L (§8.5.2). Used by :doc:`/book/lattice/trivializing-flows`.
"""

from __future__ import annotations

import torch
from torch import nn

from physml._checks import positive_int
from physml.flows.coupling import AffineCoupling
from physml.lattice.chains import check_fields


def checkerboard(
    L: int,
    *,
    odd: bool,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """The ``(L, L)`` mask that is 1 where x₁ + x₂ is odd (``odd``) or even, 0 elsewhere.

    Args:
        L: the lattice size, ``>= 2``.
        odd: mark the odd sites (the partition A of eq. 8.22), else the even ones.
        dtype: the mask's dtype.
        device: the mask's device; None: the default device.

    Returns:
        A tensor ``(L, L)`` of 0s and 1s of ``dtype``.

    Raises:
        ValueError: if ``L`` is not an int ``>= 2``.

    References:
        Pawlowski & Plehn 2025, eq. 8.22.

    Used in:
        - :doc:`/book/lattice/trivializing-flows`
    """
    positive_int("L", L, minimum=2)
    x = torch.arange(L, device=device)
    parity = (x[:, None] + x[None, :]) % 2
    return (parity == (1 if odd else 0)).to(dtype)


class AffineCheckerboard(AffineCoupling):
    """One affine layer of eq. 8.23, the sites of one parity scaled and shifted by CNNs of the others.

    The coupling bookkeeping (update, exact inverse, log-determinant) is
    :class:`physml.flows.coupling.AffineCoupling`'s; this layer supplies the checkerboard masks and
    the CNNs. The kernels start as small random numbers drawn from ``generator`` (exactly zero
    would leave ``|s|`` at a kink where its gradient vanishes).

    Args:
        kernel_size: the convolutions' kernel size k, odd.
        frozen_odd: whether the unchanged partition A is the odd sites (as in eq. 8.22) or the even
            ones.
        init_scale: the standard deviation of the normal initial kernels (float64).
        generator: a CPU ``torch.Generator`` that draws the kernels; None: torch's default
            generator.

    Raises:
        ValueError: if ``kernel_size`` is not a positive odd int.

    References:
        Pawlowski & Plehn 2025, eqs. 8.22-8.25.

    Used in:
        - :doc:`/book/lattice/trivializing-flows`
    """

    def __init__(
        self,
        kernel_size: int = 3,
        *,
        frozen_odd: bool = True,
        init_scale: float = 0.01,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        k = positive_int("kernel_size", kernel_size)
        if k % 2 == 0:
            raise ValueError(f"kernel_size must be odd, got {k}")
        self.kernel_size = k
        self.frozen_odd = bool(frozen_odd)
        # Channel 0 is the kernel of s, channel 1 that of t: one convolution computes both.
        self.weight = nn.Parameter(
            init_scale
            * torch.randn((2, 1, k, k), generator=generator, dtype=torch.float64)
        )
        self._mask_cache: dict = {}

    def masks(self, phi: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        key = (phi.shape[-1], phi.dtype, phi.device)
        if key not in self._mask_cache:
            a = checkerboard(
                phi.shape[-1], odd=self.frozen_odd, dtype=phi.dtype, device=phi.device
            )
            self._mask_cache[key] = (a, 1.0 - a)
        return self._mask_cache[key]

    def scale_shift(self, frozen: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pad = self.kernel_size // 2
        xp = nn.functional.pad(
            frozen.unsqueeze(1), (pad, pad, pad, pad), mode="circular"
        )
        st = torch.tanh(nn.functional.conv2d(xp, self.weight.to(frozen.dtype)))
        return st[:, 0].abs(), st[:, 1]


class TrivializingFlow(nn.Module):
    """f = (global rescaling) ∘ N_l coupling layers, a field φ → z ≈ independent normals (§8.3).

    ``n_layers`` coupling layers (N_l) of two affine layers each, with kernels of size
    ``kernel_size``, then z = e^a · y with one learnable a. :meth:`forward` gives f(φ) and
    ``log|det ∂f/∂φ|``; :meth:`inverse` gives f⁻¹(z) (the generator of the model distribution p_f and
    the map F of eq. 8.16) with ``log|det ∂f/∂φ|`` at the returned φ. Parameters are float64.

    Args:
        kernel_size: the convolutions' kernel size k, odd.
        n_layers: the coupling layers N_l, ``>= 1``.
        init_scale: the standard deviation of the normal initial kernels.
        generator: a CPU ``torch.Generator`` that draws the initial kernels, layer after layer;
            None uses a fresh generator seeded with 0, so an unseeded flow is reproducible.

    Raises:
        ValueError: if ``n_layers`` is not a positive int or ``kernel_size`` not a positive odd
            int.
        TypeError: if ``generator`` is not a ``torch.Generator`` or None.

    References:
        Pawlowski & Plehn 2025, §8.3 and eqs. 8.23-8.34.

    Used in:
        - :doc:`/book/lattice/trivializing-flows`
    """

    def __init__(
        self,
        kernel_size: int = 3,
        n_layers: int = 1,
        *,
        init_scale: float = 0.01,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        positive_int("n_layers", n_layers)
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(
                f"generator must be a torch.Generator or None, got {type(generator).__name__}"
            )
        g = torch.Generator().manual_seed(0) if generator is None else generator
        self.layers = nn.ModuleList(
            AffineCheckerboard(
                kernel_size, frozen_odd=(i % 2 == 0), init_scale=init_scale, generator=g
            )
            for i in range(2 * n_layers)
        )
        self.log_scale = nn.Parameter(torch.zeros((), dtype=torch.float64))

    @property
    def n_parameters(self) -> int:
        """The count of trainable parameters, 4 k² N_l + 1 (eq. 8.34)."""
        return sum(p.numel() for p in self.parameters())

    def forward(self, phi: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """z = f(φ) and ``log|det ∂f/∂φ|`` per configuration."""
        y = check_fields(phi, even=True)
        logdet = torch.zeros(y.shape[0], dtype=y.dtype, device=y.device)
        for layer in self.layers:
            y, ld = layer(y)
            logdet = logdet + ld
        volume = y.shape[-1] * y.shape[-2]
        return torch.exp(self.log_scale) * y, logdet + volume * self.log_scale

    def inverse(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """φ = f⁻¹(z) and ``log|det ∂f/∂φ|`` at that φ, per configuration."""
        y = check_fields(z, "z", even=True) * torch.exp(-self.log_scale)
        volume = y.shape[-1] * y.shape[-2]
        logdet = (
            torch.zeros(y.shape[0], dtype=y.dtype, device=y.device)
            + volume * self.log_scale
        )
        for layer in reversed(self.layers):
            y, ld = layer.inverse(y)
            logdet = logdet + ld
        return y, logdet
