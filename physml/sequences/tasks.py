"""Synthetic sequence tasks of the factorisation curse: retrieval, relationships, path-star.

Kitouni thesis, chapter 7 (Kitouni et al. 2024, arXiv:2406.05183). Every task is generated in
code, as token tensors over a small vocabulary, and returned as a :class:`Task`: the training
sequences (padded with :data:`PAD` on the right), the entity spans of each training sequence
(``chunks``: one id per entity, one per other token, ``-1`` on padding) that the entity-level
reversal keeps intact, and the held-out queries by direction (prompt, answer and, where the
relation is not reciprocal, the answer of the wrong side).

- :func:`retrieval`: key-value pairs of multi-token entities, "k1 k2 : v1 v2", with forward
  queries "[value of] key : value" and backward queries "[key of] value : key" (thesis Sec. 7.3.1,
  adapted from Golovneva et al. 2024).
- :func:`relationships`: chains "A => B => C" with the forward query "B => C" and the backward
  query "B <= A" (thesis Sec. 7.3.1, Table 7.1 bottom).
- :func:`path_star`: the path-star graph of Bachmann and Nagarajan 2024 (thesis Sec. 7.4).

Used by :doc:`/book/learning/the-factorization-curse`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from physml._checks import fraction as check_fraction
from physml._checks import positive_int

#: The padding token (right padding; never predicted, never masked).
PAD = 0
#: The mask token of masked language modelling (the absorbing state of discrete diffusion).
MASK = 1
#: The delimiter that marks an entity-reversed copy (:func:`physml.sequences.objectives.augment`).
REV = 2
#: The names of the three special tokens, at ids ``PAD``, ``MASK``, ``REV`` of every vocabulary.
SPECIALS = ("<pad>", "<mask>", "<rev>")


@dataclass(frozen=True)
class Task:
    """A generated task: training sequences with their entity spans, and the held-out queries.

    Args:
        name: the task's name.
        vocab: the token names, ``vocab[i]`` for id ``i`` (the first three are :data:`SPECIALS`).
        train: int64 ``(n, L)``, the training sequences, right-padded with :data:`PAD`.
        chunks: int64 ``(n, L)``, per position the index of its chunk within the sequence
            (0, 1, ... from the left; the tokens of one entity share a chunk, every other token
            is a chunk of its own), ``-1`` on padding.
        loss_mask: bool ``(n, L)``, the positions a model is trained to predict (every token of
            retrieval and relationships; the path of path-star).
        prompts: direction -> int64 ``(m, P)``, the held-out query prompts.
        answers: direction -> int64 ``(m, A)``, their correct completions.
        wrong: direction -> int64 ``(m, A)``, the completion of a model that swaps the sides of
            a non-reciprocal relation (relationships only; empty otherwise).
        entities: int64 ``(n_entities, e)``, the tokens of every entity (for their
            representations).
        held_out: bool ``(n_entities,)``, entities that appear in a held-out backward query.

    Raises:
        ValueError: if the shapes of ``train``, ``chunks`` and ``loss_mask`` differ, or a
            direction's prompts and answers have different numbers of rows.

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """

    name: str
    vocab: tuple[str, ...]
    train: torch.Tensor
    chunks: torch.Tensor
    loss_mask: torch.Tensor
    prompts: dict[str, torch.Tensor]
    answers: dict[str, torch.Tensor]
    wrong: dict[str, torch.Tensor]
    entities: torch.Tensor
    held_out: torch.Tensor

    def __post_init__(self) -> None:
        if not (self.train.shape == self.chunks.shape == self.loss_mask.shape):
            raise ValueError(
                "train, chunks and loss_mask must have one shape, got "
                f"{tuple(self.train.shape)}, {tuple(self.chunks.shape)}, "
                f"{tuple(self.loss_mask.shape)}"
            )
        for d, p in self.prompts.items():
            if self.answers[d].shape[0] != p.shape[0]:
                raise ValueError(
                    f"prompts[{d!r}] and answers[{d!r}] must have as many rows"
                )


def _entity_tokens(
    n: int, length: int, first: int, generator: torch.Generator | None
) -> torch.Tensor:
    """``n`` entities of ``length`` tokens each, all tokens distinct, ids from ``first``."""
    ids = torch.randperm(n * length, generator=generator) + first
    return ids.reshape(n, length)


def _chunk_ids(pattern: list[int], length: int) -> torch.Tensor:
    """Chunk ids from a list of chunk lengths, padded with -1 to ``length``."""
    ids = [c for c, size in enumerate(pattern) for _ in range(size)]
    return torch.tensor(ids + [-1] * (length - len(ids)))


def _pad(x: torch.Tensor, length: int) -> torch.Tensor:
    return torch.nn.functional.pad(x, (0, length - x.shape[1]), value=PAD)


def _split_queries(
    n_queries: int, query_fraction: float, generator: torch.Generator | None
) -> torch.Tensor:
    """A random bool mask of the training queries (at least one held out)."""
    n_train = min(n_queries - 1, round(query_fraction * n_queries))
    mask = torch.zeros(n_queries, dtype=torch.bool)
    mask[torch.randperm(n_queries, generator=generator)[:n_train]] = True
    return mask


def _held_out_prompts(
    queries: dict[str, torch.Tensor], trained: torch.Tensor, prompt_length: int
) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Prompts (first ``prompt_length`` tokens) and answers (the rest) of the held-out queries.

    ``queries`` maps each direction to its ``(n, length)`` query tokens; ``trained`` is the
    ``(n_directions, n)`` bool mask of the queries trained on, in the dict's order.
    """
    held = {d: q[~trained[i]] for i, (d, q) in enumerate(queries.items())}
    prompts = {d: q[:, :prompt_length] for d, q in held.items()}
    answers = {d: q[:, prompt_length:] for d, q in held.items()}
    return prompts, answers


def retrieval(
    n_pairs: int,
    entity_length: int = 2,
    query_fraction: float = 0.5,
    generator: torch.Generator | None = None,
) -> Task:
    """The key-value retrieval task (thesis Sec. 7.3.1, Table 7.1 top, Table D.2).

    ``n_pairs`` keys and values, each ``entity_length`` tokens, no token shared between two
    entities. Training: every pair "k1 .. ke : v1 .. ve" and a random ``query_fraction`` of the
    ``2 n_pairs`` queries, forward "[value of] k : v" and backward "[key of] v : k". Held out:
    the other queries, prompted with everything up to the colon.

    Args:
        n_pairs: key-value pairs, ``>= 2``.
        entity_length: tokens per key and per value, ``>= 1``.
        query_fraction: share of the queries trained on, in ``(0, 1)``.
        generator: a CPU ``torch.Generator`` for the tokens and the split; None: torch's
            default generator.

    Returns:
        A :class:`Task` with directions ``"forward"`` and ``"backward"``; sequences of length
        ``2 e + 2``, prompts of ``e + 2`` tokens, answers of ``e``; ``entities`` the keys then
        the values (``2 n_pairs`` rows).

    Raises:
        ValueError: naming the argument, on ``n_pairs < 2``, ``entity_length < 1`` or
            ``query_fraction`` outside ``(0, 1)``.

    References:
        Kitouni thesis Sec. 7.3.1; Kitouni et al. 2024; Golovneva et al. 2024.

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    positive_int("n_pairs", n_pairs, minimum=2)
    e = positive_int("entity_length", entity_length)
    check_fraction("query_fraction", query_fraction, allow_one=False)
    words = ["<:>", "<value of>", "<key of>"]
    colon, fwd, bwd = (len(SPECIALS) + i for i in range(3))
    first = len(SPECIALS) + len(words)
    ent = _entity_tokens(2 * n_pairs, e, first, generator)
    keys, values = ent[:n_pairs], ent[n_pairs:]
    vocab = SPECIALS + tuple(words) + tuple(f"t{i}" for i in range(2 * n_pairs * e))
    L = 2 * e + 2
    col = torch.full((n_pairs, 1), colon)
    pairs = _pad(torch.cat([keys, col, values], 1), L)
    queries = {
        "forward": torch.cat([torch.full((n_pairs, 1), fwd), keys, col, values], 1),
        "backward": torch.cat([torch.full((n_pairs, 1), bwd), values, col, keys], 1),
    }
    trained = _split_queries(2 * n_pairs, query_fraction, generator).reshape(2, n_pairs)
    train = torch.cat([pairs] + [q[trained[i]] for i, q in enumerate(queries.values())])
    n_q = int(trained.sum())
    chunks = torch.cat(
        [
            _chunk_ids([e, 1, e], L).expand(n_pairs, L),
            _chunk_ids([1, e, 1, e], L).expand(n_q, L),
        ]
    )
    prompts, answers = _held_out_prompts(queries, trained, e + 2)
    held_out = torch.zeros(2 * n_pairs, dtype=torch.bool)
    held_out[:n_pairs] = ~trained[1]
    held_out[n_pairs:] = ~trained[1]
    return Task(
        name="retrieval",
        vocab=vocab,
        train=train,
        chunks=chunks,
        loss_mask=train != PAD,
        prompts=prompts,
        answers=answers,
        wrong={},
        entities=ent,
        held_out=held_out,
    )


def relationships(
    n_chains: int,
    entity_length: int = 2,
    query_fraction: float = 0.5,
    generator: torch.Generator | None = None,
) -> Task:
    """The non-reciprocal relationship task "A => B => C" (thesis Sec. 7.3.1, Table D.4).

    ``n_chains`` statements "A => B => C" of three distinct entities (``entity_length`` tokens
    each, no token shared). The forward query "B => C" asks for the entity after B, the backward
    query "B <= A" for the one before it; a model that treats the relation as reciprocal cannot
    tell A from C, and answering the other side is an *incorrect inference*. Training: every
    statement and a random ``query_fraction`` of the ``2 n_chains`` queries.

    Args:
        n_chains: statements, ``>= 2``.
        entity_length: tokens per entity, ``>= 1``.
        query_fraction: share of the queries trained on, in ``(0, 1)``.
        generator: a CPU ``torch.Generator``; None: torch's default generator.

    Returns:
        A :class:`Task` with directions ``"forward"`` (answer C, wrong A) and ``"backward"``
        (answer A, wrong C); sequences of length ``3 e + 2``, prompts ``e + 1``, answers ``e``;
        ``entities`` the As, Bs then Cs (``3 n_chains`` rows).

    Raises:
        ValueError: naming the argument, on ``n_chains < 2``, ``entity_length < 1`` or
            ``query_fraction`` outside ``(0, 1)``.

    References:
        Kitouni thesis Sec. 7.3.1 and Table D.4; Kitouni et al. 2024.

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    positive_int("n_chains", n_chains, minimum=2)
    e = positive_int("entity_length", entity_length)
    check_fraction("query_fraction", query_fraction, allow_one=False)
    words = ["<=>>", "<<=>"]
    right, left = len(SPECIALS), len(SPECIALS) + 1
    first = len(SPECIALS) + len(words)
    ent = _entity_tokens(3 * n_chains, e, first, generator)
    a, b, c = ent[:n_chains], ent[n_chains : 2 * n_chains], ent[2 * n_chains :]
    vocab = SPECIALS + tuple(words) + tuple(f"t{i}" for i in range(3 * n_chains * e))
    L = 3 * e + 2
    r = torch.full((n_chains, 1), right)
    lft = torch.full((n_chains, 1), left)
    statements = torch.cat([a, r, b, r, c], 1)
    queries = {
        "forward": torch.cat([b, r, c], 1),
        "backward": torch.cat([b, lft, a], 1),
    }
    trained = _split_queries(2 * n_chains, query_fraction, generator).reshape(
        2, n_chains
    )
    n_q = int(trained.sum())
    train = torch.cat(
        [statements] + [_pad(q[trained[i]], L) for i, q in enumerate(queries.values())]
    )
    chunks = torch.cat(
        [
            _chunk_ids([e, 1, e, 1, e], L).expand(n_chains, L),
            _chunk_ids([e, 1, e], L).expand(n_q, L),
        ]
    )
    prompts, answers = _held_out_prompts(queries, trained, e + 1)
    wrong = {"forward": a[~trained[0]], "backward": c[~trained[1]]}
    held_out = torch.cat([~trained[1], ~trained[1], ~trained[1]])
    return Task(
        name="relationships",
        vocab=vocab,
        train=train,
        chunks=chunks,
        loss_mask=train != PAD,
        prompts=prompts,
        answers=answers,
        wrong=wrong,
        entities=ent,
        held_out=held_out,
    )


def path_star(
    n_train: int,
    n_test: int,
    arm_length: int = 4,
    n_nodes: int = 30,
    degree: int = 2,
    generator: torch.Generator | None = None,
) -> Task:
    """The path-star graph task of Bachmann and Nagarajan 2024 (thesis Sec. 7.4, Fig. 7.5).

    Each graph has a start node with ``degree`` arms of ``arm_length`` further nodes, all node
    labels distinct and drawn from ``n_nodes``. The sequence is the shuffled edge list ("u v"
    pairs), then "/ start goal =", then the path from the start to the goal (the last node of
    one arm), ``arm_length + 1`` nodes. Only the path is predicted. A model that picks an arm at
    random and follows it (the "Clever Hans" cheat of teacher forcing) scores ``1 / degree``.

    Args:
        n_train: training graphs, ``>= 1``.
        n_test: held-out graphs, ``>= 1``.
        arm_length: nodes per arm after the start, ``>= 1``.
        n_nodes: node labels, ``>= 1 + degree * arm_length``.
        degree: arms, ``>= 2``.
        generator: a CPU ``torch.Generator``; None: torch's default generator.

    Returns:
        A :class:`Task` with the one direction ``"path"``, prompts of ``2 degree arm_length + 4``
        tokens, answers of ``arm_length + 1``; ``entities`` the node tokens (one per row),
        ``held_out`` all False.

    Raises:
        ValueError: naming the argument, on a size below its minimum.

    References:
        Bachmann and Nagarajan 2024, Sec. 4; Kitouni thesis Sec. 7.4.

    Used in:
        - :doc:`/book/learning/the-factorization-curse`
    """
    positive_int("n_train", n_train)
    positive_int("n_test", n_test)
    arm = positive_int("arm_length", arm_length)
    d = positive_int("degree", degree, minimum=2)
    positive_int("n_nodes", n_nodes, minimum=1 + d * arm)
    slash, eq = len(SPECIALS), len(SPECIALS) + 1
    first = len(SPECIALS) + 2
    vocab = SPECIALS + ("</>", "<=>") + tuple(f"n{i}" for i in range(n_nodes))
    n = n_train + n_test
    labels = torch.rand(n, n_nodes, generator=generator).argsort(1)[:, : 1 + d * arm]
    labels = labels + first
    start, arms = labels[:, 0], labels[:, 1:].reshape(n, d, arm)
    prev = torch.cat([start[:, None, None].expand(n, d, 1), arms[:, :, :-1]], 2)
    edges = torch.stack([prev, arms], 3).reshape(n, d * arm, 2)
    order = torch.rand(n, d * arm, generator=generator).argsort(1)
    edges = edges.gather(1, order[:, :, None].expand(n, d * arm, 2)).reshape(n, -1)
    goal_arm = torch.randint(d, (n,), generator=generator)
    path_arm = arms[torch.arange(n), goal_arm]
    path = torch.cat([start[:, None], path_arm], 1)
    prompt = torch.cat(
        [
            edges,
            torch.full((n, 1), slash),
            start[:, None],
            path_arm[:, -1:],
            torch.full((n, 1), eq),
        ],
        1,
    )
    seq = torch.cat([prompt, path], 1)
    P = prompt.shape[1]
    chunks = torch.arange(seq.shape[1]).expand(n_train, -1).clone()
    loss_mask = torch.zeros(n_train, seq.shape[1], dtype=torch.bool)
    loss_mask[:, P:] = True
    return Task(
        name="path-star",
        vocab=vocab,
        train=seq[:n_train],
        chunks=chunks,
        loss_mask=loss_mask,
        prompts={"path": prompt[n_train:]},
        answers={"path": path[n_train:]},
        wrong={},
        entities=torch.arange(first, first + n_nodes)[:, None],
        held_out=torch.zeros(n_nodes, dtype=torch.bool),
    )
