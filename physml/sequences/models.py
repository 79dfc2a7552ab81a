"""A small transformer with rotary positions, left-to-right decoding and exact-match scoring.

One architecture for every objective of the factorisation-curse chapter: pre-norm blocks of
multi-head self-attention with rotary position embeddings (RoPE, Su et al. 2021, written out in
:func:`rotate`) and a GELU MLP, built from ``torch.nn`` layers. ``causal=True`` gives the
GPT-like left-to-right model trained by AR; ``causal=False`` the bidirectional encoder trained
by masked modelling (fixed-rate MLM and MLM-U), which sees ``MASK`` tokens in its input and
attends to every position, padding included (so a query is decoded in the padded format of the
training sequences, ``length`` of :func:`decode`). (The
thesis trains MLM-U with an XLNet-like encoder-decoder, App. D.7; this is the simpler
BERT-like alternative.)

Inference is always left to right (:func:`decode`), as in the thesis: the AR model predicts the
next token; the masked model gets the prompt and one ``MASK`` per answer token and fills the
leftmost mask, then the next.

Used by :doc:`/book/learning/the-factorization-curse`.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from physml._checks import positive_int
from physml.sequences.tasks import MASK, PAD


def rotate(x: torch.Tensor, base: float = 10000.0) -> torch.Tensor:
    """Rotary position embedding: rotate each pair of features by an angle linear in position.

    Feature pairs ``(x[..., i], x[..., i + d/2])`` at position ``t`` are rotated by
    ``t * base ** (-2 i / d)``, so that the dot product of a rotated query and key depends on
    their positions only through ``t_q - t_k``.

    Args:
        x: float ``(..., L, d)`` with ``d`` even; the second-to-last axis is the position.
        base: the wavelength base, ``> 1``.

    Returns:
        The rotated tensor, same shape and dtype.

    Raises:
        ValueError: if the last dimension is odd.

    References:
        Su et al. 2021 (RoFormer), eq. 34.

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    L, d = x.shape[-2], x.shape[-1]
    if d % 2:
        raise ValueError(f"the feature dimension of x must be even, got {d}")
    freq = base ** (-torch.arange(0, d // 2, device=x.device, dtype=x.dtype) * 2 / d)
    angle = torch.arange(L, device=x.device, dtype=x.dtype)[:, None] * freq
    cos, sin = angle.cos(), angle.sin()
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1)


class _Block(nn.Module):
    """Pre-norm block: rotary self-attention, then a GELU MLP, each with a residual."""

    def __init__(self, d_model: int, n_heads: int, d_mlp: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, d_mlp), nn.GELU(), nn.Linear(d_mlp, d_model)
        )

    def forward(self, h: torch.Tensor, causal: bool) -> torch.Tensor:
        n, L, d = h.shape
        q, k, v = (
            self.qkv(self.norm1(h))
            .reshape(n, L, 3, self.n_heads, d // self.n_heads)
            .permute(2, 0, 3, 1, 4)
        )
        a = F.scaled_dot_product_attention(rotate(q), rotate(k), v, is_causal=causal)
        h = h + self.out(a.transpose(1, 2).reshape(n, L, d))
        return h + self.mlp(self.norm2(h))


class SequenceTransformer(nn.Module):
    """A small transformer over token sequences, causal (AR) or bidirectional (masked modelling).

    Token embedding ``(vocab_size, d_model)``, ``n_layers`` pre-norm blocks of rotary
    multi-head self-attention and a GELU MLP of width ``d_mlp``, a final layer norm and a linear
    read-out to the vocabulary. No absolute positions: RoPE makes attention depend on relative
    positions, so sequences of any length are accepted. ``forward(tokens (n, L))`` returns
    logits ``(n, L, vocab_size)``; for ``causal=True`` position ``t`` predicts token ``t + 1``,
    for ``causal=False`` each position predicts its own (masked) token.

    Args:
        vocab_size: tokens in the vocabulary, ``>= 2``.
        d_model: width of the residual stream, a multiple of ``2 n_heads``.
        n_heads: attention heads per block.
        n_layers: blocks, ``>= 1``.
        d_mlp: width of each block's MLP; None: ``4 d_model``.
        causal: left-to-right attention (AR) if True, bidirectional (MLM, MLM-U) if False.

    Raises:
        ValueError: naming the argument, on a non-positive size or ``d_model`` not a multiple
            of ``2 n_heads``.
        TypeError: if ``causal`` is not a bool.

    References:
        Kitouni thesis Sec. 7.3 and App. D.7; Vaswani et al. 2017; Su et al. 2021.

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """

    def __init__(
        self,
        vocab_size: int,
        d_model: int = 64,
        n_heads: int = 4,
        n_layers: int = 2,
        d_mlp: int | None = None,
        causal: bool = True,
    ) -> None:
        positive_int("vocab_size", vocab_size, minimum=2)
        positive_int("d_model", d_model)
        positive_int("n_heads", n_heads)
        positive_int("n_layers", n_layers)
        if d_model % (2 * n_heads):
            raise ValueError(
                f"d_model ({d_model}) must be a multiple of 2 n_heads ({2 * n_heads})"
            )
        d_mlp = 4 * d_model if d_mlp is None else positive_int("d_mlp", d_mlp)
        if not isinstance(causal, bool):
            raise TypeError(f"causal must be a bool, got {type(causal).__name__}")
        super().__init__()
        self.causal = causal
        self.vocab_size = vocab_size
        self.embed = nn.Embedding(vocab_size, d_model)
        nn.init.normal_(self.embed.weight, std=0.02)
        self.blocks = nn.ModuleList(
            _Block(d_model, n_heads, d_mlp) for _ in range(n_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def hidden(self, tokens: torch.Tensor) -> torch.Tensor:
        """The final (normalised) hidden states, float ``(n, L, d_model)``.

        Args:
            tokens: int64 ``(n, L)``.

        Returns:
            float ``(n, L, d_model)``.

        Raises:
            ValueError: if ``tokens`` is not 2-D.
        """
        if tokens.ndim != 2:
            raise ValueError(
                f"tokens must have shape (n, L), got {tuple(tokens.shape)}"
            )
        h = self.embed(tokens)
        for block in self.blocks:
            h = block(h, self.causal)
        return self.norm(h)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.hidden(tokens))


@torch.no_grad()
def decode(
    model: SequenceTransformer,
    prompts: torch.Tensor,
    n_answer: int,
    length: int | None = None,
) -> torch.Tensor:
    """Greedy left-to-right completion of ``prompts`` by ``n_answer`` tokens.

    A causal model predicts each next token from the prompt and its own previous predictions.
    A bidirectional (masked) model gets the prompt followed by ``n_answer`` ``MASK`` tokens and
    fills them one at a time from the left, each prediction conditioning the next (the thesis's
    left-to-right inference for every objective). With ``length``, ``PAD`` tokens follow the
    answer slots up to that length, the format of the padded training sequences (a causal model
    never sees them).

    Args:
        model: a :class:`SequenceTransformer` (put in evaluation mode here).
        prompts: int64 ``(m, P)``, ``P >= 1``.
        n_answer: tokens to generate, ``>= 1``.
        length: the length of the decoded sequences, ``>= P + n_answer``; None: ``P + n_answer``.

    Returns:
        int64 ``(m, n_answer)`` on the prompts' device.

    Raises:
        TypeError: if ``model`` is not a :class:`SequenceTransformer`.
        ValueError: if ``prompts`` is not 2-D with at least one column, ``n_answer < 1`` or
            ``length`` shorter than prompt and answer.

    References:
        Kitouni thesis App. D.7 ("All inference is performed in left to right AR fashion").

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    if not isinstance(model, SequenceTransformer):
        raise TypeError(
            f"model must be a SequenceTransformer, got {type(model).__name__}"
        )
    if prompts.ndim != 2 or prompts.shape[1] < 1:
        raise ValueError(
            f"prompts must have shape (m, P >= 1), got {tuple(prompts.shape)}"
        )
    positive_int("n_answer", n_answer)
    model.eval()
    m, P = prompts.shape
    length = P + n_answer if length is None else length
    if length < P + n_answer:
        raise ValueError(
            f"length must be >= prompt + answer ({P + n_answer}), got {length}"
        )
    seq = torch.cat(
        [
            prompts,
            torch.full((m, n_answer), MASK, device=prompts.device),
            torch.full((m, length - P - n_answer), PAD, device=prompts.device),
        ],
        1,
    )
    for j in range(n_answer):
        if model.causal:
            logits = model(seq[:, : P + j])[:, -1]
        else:
            logits = model(seq)[:, P + j]
        seq[:, P + j] = logits.argmax(-1)
    return seq[:, P : P + n_answer]


def exact_match(predicted: torch.Tensor, answers: torch.Tensor) -> torch.Tensor:
    """Whether each predicted completion equals its answer in every token.

    Args:
        predicted: int ``(m, A)``.
        answers: int ``(m, A)``.

    Returns:
        bool ``(m,)``.

    Raises:
        ValueError: if the shapes differ or are not 2-D.

    References:
        Kitouni thesis Sec. 7.3.1 (exact-match accuracy).

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    if predicted.shape != answers.shape or predicted.ndim != 2:
        raise ValueError(
            "predicted and answers must have one shape (m, A), got "
            f"{tuple(predicted.shape)} and {tuple(answers.shape)}"
        )
    return (predicted == answers.to(predicted.device)).all(1)
