"""Training objectives of the factorisation curse: AR, reversal, fixed-rate MLM and MLM-U.

Kitouni thesis Sec. 7.2 (Kitouni et al. 2024, arXiv:2406.05183):

- left-to-right autoregression (AR, eq. 7.1), :func:`ar_loss`, on the sequences as given or on
  the sequences plus a reversed copy (:func:`augment`): token-level reversal
  (:func:`token_reverse`, Golovneva et al. 2024) or entity-level reversal that keeps each
  entity's tokens in order (:func:`entity_reverse`), with or without a delimiter token that
  marks the reversed copy;
- masked language modelling (:func:`mask_tokens`, :func:`mlm_loss`) at a fixed masking rate
  (BERT's 15%, 40%, 85%) or at a rate drawn per sequence from U(0, 1), MLM-U, the
  absorbing-state discrete diffusion objective of eq. 7.5 (:func:`masking_rates`).

Used by :doc:`/book/learning/the-factorization-curse`.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from physml.sequences.tasks import MASK, PAD, REV

#: The objectives :func:`physml.sequences.training.train` knows, with their masking rate
#: (None: autoregressive) and the reversal they add (None, "token", "entity",
#: "entity-delimited").
OBJECTIVES: dict[str, tuple[float | str | None, str | None]] = {
    "AR": (None, None),
    "AR w/reverse": (None, "token"),
    "AR w/reverse (entity)": (None, "entity-delimited"),
    "AR w/reverse (entity)*": (None, "entity"),
    "MLM 15%": (0.15, None),
    "MLM 40%": (0.4, None),
    "MLM 85%": (0.85, None),
    "MLM-U": ("uniform", None),
}


def _check_tokens(name: str, tokens: torch.Tensor) -> None:
    if not isinstance(tokens, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(tokens).__name__}")
    if tokens.ndim != 2 or tokens.dtype != torch.int64:
        raise ValueError(
            f"{name} must be int64 of shape (n, L), got {tokens.dtype} "
            f"{tuple(tokens.shape)}"
        )


def _check_chunks(tokens: torch.Tensor, chunks: torch.Tensor) -> None:
    _check_tokens("chunks", chunks)
    if chunks.shape != tokens.shape:
        raise ValueError(
            f"chunks must have the shape of tokens {tuple(tokens.shape)}, got "
            f"{tuple(chunks.shape)}"
        )
    if not torch.equal(chunks < 0, tokens == PAD):
        raise ValueError("chunks must be -1 exactly where tokens are PAD")
    valid = chunks >= 0
    if (valid[:, 1:] & ~valid[:, :-1]).any():
        raise ValueError("padding must come after every token (right padding)")
    step = chunks[:, 1:] - chunks[:, :-1]
    ok = (step == 0) | (step == 1) | ~valid[:, 1:]
    if not ok.all() or (valid[:, 0] & (chunks[:, 0] != 0)).any():
        raise ValueError(
            "chunks must count 0, 1, 2, ... from the left, each contiguous"
        )


def entity_reverse(
    tokens: torch.Tensor, chunks: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Reverse the order of the chunks (entities) of each sequence, keeping each chunk intact.

    "k1 k2 : v1 v2" with chunks (k1 k2)(:)(v1 v2) becomes "v1 v2 : k1 k2". Padding stays on the
    right. The map is an involution: applied to its own output it gives back its input.

    Args:
        tokens: int64 ``(n, L)``, right-padded with ``PAD``.
        chunks: int64 ``(n, L)``, the chunk index of each position (0, 1, ... from the left,
            contiguous), ``-1`` exactly on padding (the ``chunks`` of a :class:`physml.sequences.tasks.Task`).

    Returns:
        ``(tokens, chunks)`` of the reversed sequences, same shapes; the chunk indices count
        from the left of the reversed sequence.

    Raises:
        TypeError: if either is not a tensor.
        ValueError: on shapes or dtypes other than int64 ``(n, L)``, or chunks that are not
            contiguous counts from the left with ``-1`` exactly on padding.

    References:
        Golovneva et al. 2024 (entity-preserving reverse training); Kitouni thesis Sec. 7.2.1
        and Fig. D.1.

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    _check_tokens("tokens", tokens)
    _check_chunks(tokens, chunks)
    new_pos = _positions(chunks)
    valid = chunks >= 0
    n_chunks = chunks.max(1, keepdim=True).values + 1
    out = torch.empty_like(tokens).scatter(1, new_pos, tokens)
    new_chunks = torch.where(valid, n_chunks - 1 - chunks, chunks)
    return out, torch.empty_like(chunks).scatter(1, new_pos, new_chunks)


def token_chunks(tokens: torch.Tensor) -> torch.Tensor:
    """One chunk per token: ``0, 1, ..., -1`` on padding (so reversal reverses every token).

    Args:
        tokens: int64 ``(n, L)``, right-padded with ``PAD``.

    Returns:
        int64 ``(n, L)``, the position of each token, ``-1`` on padding.

    Raises:
        TypeError: if ``tokens`` is not a tensor.
        ValueError: if it is not int64 ``(n, L)``.

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    _check_tokens("tokens", tokens)
    pos = torch.arange(tokens.shape[1]).expand_as(tokens)
    return torch.where(tokens == PAD, -1, pos)


def token_reverse(tokens: torch.Tensor) -> torch.Tensor:
    """Reverse the tokens of each sequence, padding staying on the right.

    "k1 k2 : v1 v2" becomes "v2 v1 : k2 k1": a multi-token entity is broken (thesis Sec. 7.2.1).

    Args:
        tokens: int64 ``(n, L)``, right-padded with ``PAD``.

    Returns:
        int64 ``(n, L)``, the reversed sequences.

    Raises:
        TypeError: if ``tokens`` is not a tensor.
        ValueError: if it is not int64 ``(n, L)`` or padding is not on the right.

    References:
        Golovneva et al. 2024; Kitouni thesis Sec. 7.3 ("AR w/reverse").

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    return entity_reverse(tokens, token_chunks(tokens))[0]


def augment(
    tokens: torch.Tensor,
    chunks: torch.Tensor,
    loss_mask: torch.Tensor,
    reversal: str | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The training set of an AR-with-reversal objective: the sequences and a reversed copy.

    ``"token"``: :func:`token_reverse`; ``"entity"``: :func:`entity_reverse` (the thesis's
    "AR w/reverse (entity)*", no delimiter); ``"entity-delimited"``: the entity-reversed copy
    starts with the delimiter token ``REV`` (one column is added to every sequence; one reading
    of the thesis's "delimiter tokens around entity reversed sequences"); None: the sequences
    as they are.

    Args:
        tokens: int64 ``(n, L)``, right-padded with ``PAD``.
        chunks: int64 ``(n, L)``, the entity spans (the ``chunks`` of a :class:`physml.sequences.tasks.Task`).
        loss_mask: bool ``(n, L)``, the positions trained on; reversed with the tokens.
        reversal: None, ``"token"``, ``"entity"`` or ``"entity-delimited"``.

    Returns:
        ``(tokens, loss_mask)``, ``(2 n, L')`` with ``L' = L`` (``L + 1`` with the delimiter);
        the first ``n`` rows are the input sequences.

    Raises:
        TypeError: if a tensor argument is not a tensor.
        ValueError: on an unknown ``reversal``, shapes that differ or bad chunks.

    References:
        Kitouni thesis Sec. 7.3.1 and Table D.4; Golovneva et al. 2024.

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    if reversal not in (None, "token", "entity", "entity-delimited"):
        raise ValueError(
            "reversal must be None, 'token', 'entity' or 'entity-delimited', "
            f"got {reversal!r}"
        )
    _check_tokens("tokens", tokens)
    if not isinstance(loss_mask, torch.Tensor) or loss_mask.shape != tokens.shape:
        raise ValueError(
            f"loss_mask must be a bool tensor of shape {tuple(tokens.shape)}"
        )
    if reversal is None:
        return tokens, loss_mask
    use = chunks if reversal.startswith("entity") else token_chunks(tokens)
    rev, _ = entity_reverse(tokens, use)
    rev_mask = torch.empty_like(loss_mask).scatter(1, _positions(use), loss_mask)
    if reversal == "entity-delimited":
        n = tokens.shape[0]
        tokens = F.pad(tokens, (0, 1), value=PAD)
        loss_mask = F.pad(loss_mask, (0, 1), value=False)
        rev = torch.cat([torch.full((n, 1), REV), rev], 1)
        rev_mask = torch.cat([torch.ones(n, 1, dtype=torch.bool), rev_mask], 1)
    return torch.cat([tokens, rev]), torch.cat([loss_mask, rev_mask])


def _positions(chunks: torch.Tensor) -> torch.Tensor:
    """Where each position goes when the chunks are reversed (padding stays)."""
    n, L = chunks.shape
    pos = torch.arange(L).expand(n, L)
    idx = chunks % (L + 1)
    start = torch.full((n, L + 1), L).scatter_reduce(1, idx, pos, "amin")
    end = torch.full((n, L + 1), -1).scatter_reduce(1, idx, pos, "amax") + 1
    s, e = start.gather(1, idx), end.gather(1, idx)
    n_valid = (chunks >= 0).sum(1, keepdim=True)
    return torch.where(chunks >= 0, n_valid - e + (pos - s), pos)


def masking_rates(
    n: int, rate: float | str, generator: torch.Generator | None = None
) -> torch.Tensor:
    """The masking rate of each of ``n`` sequences: fixed (MLM) or drawn from U(0, 1) (MLM-U).

    Args:
        n: sequences, ``>= 1``.
        rate: a number in ``(0, 1]`` (every sequence at that rate), or ``"uniform"`` (each
            sequence its own rate from U(0, 1), eq. 7.5).
        generator: a CPU ``torch.Generator`` for the uniform draw; None: torch's default.

    Returns:
        float32 ``(n,)``.

    Raises:
        ValueError: naming ``rate`` if it is neither ``"uniform"`` nor a number in ``(0, 1]``,
            or ``n`` if it is below 1.

    References:
        Kitouni thesis Sec. 7.2.2 and eq. 7.5; Austin et al. 2021 (absorbing-state diffusion).

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    if rate == "uniform":
        return torch.rand(n, generator=generator)
    if (
        isinstance(rate, bool)
        or not isinstance(rate, (int, float))
        or not 0 < rate <= 1
    ):
        raise ValueError(f"rate must be 'uniform' or a number in (0, 1], got {rate!r}")
    return torch.full((n,), float(rate))


def mask_tokens(
    tokens: torch.Tensor,
    rates: torch.Tensor,
    maskable: torch.Tensor,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Replace each maskable token by ``MASK`` with its sequence's probability.

    Args:
        tokens: int64 ``(n, L)``.
        rates: float ``(n,)``, the masking probability of each sequence.
        maskable: bool ``(n, L)``, the positions that may be masked (not padding).
        generator: a CPU ``torch.Generator``; None: torch's default generator.

    Returns:
        The pair ``(inputs, masked)``, int64 ``(n, L)`` with ``MASK`` at the masked positions,
        and the bool ``(n, L)`` mask.

    Raises:
        TypeError: if ``tokens`` is not a tensor.
        ValueError: on shapes that do not match.

    References:
        Devlin et al. 2019 (BERT); Kitouni thesis Sec. 7.2.2 (MLM-U).

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    _check_tokens("tokens", tokens)
    if rates.shape != tokens.shape[:1]:
        raise ValueError(
            f"rates must have shape ({tokens.shape[0]},), got {tuple(rates.shape)}"
        )
    if maskable.shape != tokens.shape or maskable.dtype != torch.bool:
        raise ValueError(f"maskable must be bool of shape {tuple(tokens.shape)}")
    u = torch.rand(tokens.shape, generator=generator).to(tokens.device)
    masked = (u < rates.to(tokens.device)[:, None]) & maskable
    return torch.where(masked, MASK, tokens), masked


def ar_loss(
    model: torch.nn.Module, tokens: torch.Tensor, loss_mask: torch.Tensor
) -> torch.Tensor:
    """Next-token cross-entropy (eq. 7.1) on the positions of ``loss_mask`` after the first.

    The read-out runs on the target positions only (the vocabulary is the largest layer).

    Args:
        model: a causal model with ``hidden(tokens) -> (n, L, d)`` and a read-out ``head``
            (:class:`physml.sequences.models.SequenceTransformer`).
        tokens: int64 ``(n, L)``.
        loss_mask: bool ``(n, L)``, the target positions (position 0 is never a target).

    Returns:
        The mean cross-entropy, a scalar tensor (0 when no position is a target).

    Raises:
        ValueError: if the shapes do not match.

    References:
        Kitouni thesis eq. 7.1.

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    _check_tokens("tokens", tokens)
    if loss_mask.shape != tokens.shape:
        raise ValueError(
            f"loss_mask must have the shape of tokens {tuple(tokens.shape)}, got "
            f"{tuple(loss_mask.shape)}"
        )
    target = loss_mask[:, 1:]
    h = model.hidden(tokens)[:, :-1][target]
    if not target.any():
        return model.head(h).sum() * 0.0
    return F.cross_entropy(model.head(h), tokens[:, 1:][target])


def mlm_loss(
    model: torch.nn.Module,
    inputs: torch.Tensor,
    tokens: torch.Tensor,
    masked: torch.Tensor,
) -> torch.Tensor:
    """Cross-entropy of the masked tokens given the rest (the masked-modelling loss).

    Averaged over the masked tokens of the batch, without the ``1 / r`` weight of the
    diffusion bound (as "MLM with a random rate"); 0 when nothing is masked. The read-out runs
    on the masked positions only.

    Args:
        model: a bidirectional model with ``hidden`` and ``head``
            (:class:`physml.sequences.models.SequenceTransformer`).
        inputs: int64 ``(n, L)``, the sequences with ``MASK`` at the masked positions.
        tokens: int64 ``(n, L)``, the clean sequences.
        masked: bool ``(n, L)``, the masked positions (:func:`mask_tokens`).

    Returns:
        A scalar tensor.

    Raises:
        ValueError: if the shapes do not match.

    References:
        Kitouni thesis Sec. 7.2.2 and eq. 7.5.

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    _check_tokens("tokens", tokens)
    if inputs.shape != tokens.shape or masked.shape != tokens.shape:
        raise ValueError(
            f"inputs, tokens and masked must have one shape (n, L), got "
            f"{tuple(inputs.shape)}, {tuple(tokens.shape)}, {tuple(masked.shape)}"
        )
    h = model.hidden(inputs)[masked]
    if not masked.any():
        return model.head(h).sum() * 0.0
    return F.cross_entropy(model.head(h), tokens[masked])
