"""A transformer on jet constituents, with the IR-safe attention of the notes' eq. 3.79.

Each constituent is embedded, passes ``n_layers`` encoder layers of multi-head self-attention
(eq. 3.78) with a key padding mask, and the encoded particles are pooled over the real ones to
one logit. With ``ir_safe=True`` the attention weights get the bias ``beta log z_j`` (``z_j``
the pT fraction; the constant ``log pT_jet`` drops out of the softmax, so this is eq. 3.79's
``beta log pT_j``), the pooling weights each particle's output by ``z_j`` (eq. 3.79's
``z_j -> pT_j z_j``), and the embedding sees only the angular coordinates from the jet axis,
so that a soft particle's own features stay bounded: its weight in every attention row and in
the pooling vanishes with its pT.

References:
    Pawlowski and Plehn, *Physics and Machine Learning* (2025), Sec. 3.3.3, eqs. 3.68-3.79;
    Mikuni and Canelli, Eur. Phys. J. Plus 135 (2020) 463 (PCT/SPCT).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from physml._checks import non_negative_number, positive_int
from physml.jets.inputs import (
    FEATURES,
    angular_coordinates,
    constituent_batch,
    particle_features,
    pt_fraction,
)
from physml.jets.sample import JetSample

__all__ = ["JetTransformer", "MaskedSelfAttention"]


class MaskedSelfAttention(nn.Module):
    """Multi-head self-attention with a key padding mask and an optional additive key bias.

    ``a_ij = softmax_j[(q_i . k_j) / sqrt(d_head) + bias_j]`` over the real keys ``j``, then
    ``z_i = sum_j a_ij v_j`` per head, heads concatenated and mixed by a linear layer.

    Args:
        dim: model width, a positive int divisible by ``n_heads``.
        n_heads: attention heads, a positive int.

    Raises:
        ValueError: naming ``dim`` or ``n_heads`` when not positive ints or not divisible.

    References:
        Pawlowski and Plehn (2025), eqs. 3.78-3.79; Vaswani et al., NeurIPS 2017.

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`
    """

    def __init__(self, dim: int, n_heads: int) -> None:
        positive_int("dim", dim)
        positive_int("n_heads", n_heads)
        if dim % n_heads:
            raise ValueError(f"dim ({dim}) must be divisible by n_heads ({n_heads})")
        super().__init__()
        self.n_heads = n_heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor, bias: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Attend every particle to the real ones.

        Args:
            x: ``(n_jets, n, dim)``.
            mask: ``(n_jets, n)`` bool, True for a real particle (at least one per jet).
            bias: ``(n_jets, n)`` added to every row's logits for key ``j``; ``None`` for none.

        Returns:
            ``(n_jets, n, dim)``.
        """
        b, n, dim = x.shape
        h = self.n_heads
        q, k, v = self.qkv(x).view(b, n, 3, h, dim // h).permute(2, 0, 3, 1, 4)
        logits = q @ k.transpose(-1, -2) / math.sqrt(dim // h)
        if bias is not None:
            logits = logits + bias[:, None, None, :]
        logits = logits.masked_fill(~mask[:, None, None, :], -torch.inf)
        z = torch.softmax(logits, dim=-1) @ v
        return self.out(z.transpose(1, 2).reshape(b, n, dim))


class _EncoderLayer(nn.Module):
    def __init__(self, dim: int, n_heads: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attention = MaskedSelfAttention(dim, n_heads)
        self.norm2 = nn.LayerNorm(dim)
        self.feed = nn.Sequential(
            nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim)
        )

    def forward(self, x, mask, bias):
        x = x + self.attention(self.norm1(x), mask, bias)
        return x + self.feed(self.norm2(x))


class JetTransformer(nn.Module):
    """A permutation-invariant transformer tagger; ``ir_safe=True`` for eq. 3.79's attention.

    Embedding (linear) -> ``n_layers`` pre-norm encoder layers (multi-head
    :class:`MaskedSelfAttention`, feed-forward of width ``2 dim``, residuals) -> pooling over
    the real particles -> dense layer -> one logit. Without IR safety the embedding reads the
    seven :func:`physml.jets.inputs.particle_features` and the pooling is the mean; with it the
    embedding reads the angular coordinates, attention gets ``beta log z_j`` and the pooling is
    ``sum_j z_j x_j``. The defaults (2 layers, 4 heads, width 32) are the card's quick size.

    Args:
        dim: model width, a positive int divisible by ``n_heads``.
        n_heads: attention heads.
        n_layers: encoder layers.
        ir_safe: use eq. 3.79's IR-safe attention and pT-weighted outputs.
        beta: the strength of the ``beta log pT_j`` attention bias, >= 0 (``ir_safe`` only; 1
            suppresses a particle's attention weight in proportion to its pT).

    Raises:
        ValueError: naming ``dim``, ``n_heads``, ``n_layers`` or ``beta`` when out of range.
        TypeError: if ``ir_safe`` is not a bool.

    References:
        Pawlowski and Plehn (2025), Sec. 3.3.3, eqs. 3.78-3.79.

    Used in:
        - :doc:`/book/particles/jets-as-point-clouds`
    """

    def __init__(
        self,
        dim: int = 32,
        n_heads: int = 4,
        n_layers: int = 2,
        ir_safe: bool = True,
        beta: float = 1.0,
    ) -> None:
        positive_int("dim", dim)
        positive_int("n_heads", n_heads)
        positive_int("n_layers", n_layers)
        if dim % n_heads:
            raise ValueError(f"dim ({dim}) must be divisible by n_heads ({n_heads})")
        if not isinstance(ir_safe, bool):
            raise TypeError(f"ir_safe must be a bool, got {type(ir_safe).__name__}")
        self.beta = non_negative_number("beta", beta)
        super().__init__()
        self.ir_safe = ir_safe
        self.embed = nn.Linear(2 if ir_safe else len(FEATURES), dim)
        self.layers = nn.ModuleList(
            [_EncoderLayer(dim, n_heads) for _ in range(n_layers)]
        )
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, 1))

    def encode(
        self, constituents: torch.Tensor | JetSample, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The encoded particles, before pooling (permutation equivariant).

        Args:
            constituents: ``(n_jets, n_constituents, 4)`` GeV, or a JetSample.
            mask: ``(n_jets, n_constituents)`` bool, or ``None`` for ``pT > 0``.

        Returns:
            ``(n_jets, n_constituents, dim)``, 0 at padding.

        Raises:
            TypeError, ValueError: as :func:`physml.jets.inputs.constituent_batch`.
        """
        constituents, mask = constituent_batch(constituents, mask)
        if self.ir_safe:
            x = self.embed(angular_coordinates(constituents, mask))
            z = pt_fraction(constituents, mask)
            bias = self.beta * torch.where(mask, z, torch.ones_like(z)).log()
        else:
            x = self.embed(particle_features(constituents, mask))
            bias = None
        for layer in self.layers:
            x = layer(x, mask, bias)
        return self.norm(x) * mask[..., None]

    def forward(
        self, constituents: torch.Tensor | JetSample, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """One logit per jet, ``(n_jets,)``, top > 0.

        Inputs, shapes and errors are every point-cloud tagger's (:mod:`physml.jets.inputs`).
        """
        constituents, mask = constituent_batch(constituents, mask)
        x = self.encode(constituents, mask)
        if self.ir_safe:
            weight = pt_fraction(constituents, mask)[..., None]
        else:
            weight = mask.to(x.dtype)[..., None] / mask.sum(-1, keepdim=True)[..., None]
        return self.head((x * weight).sum(1))[:, 0]
