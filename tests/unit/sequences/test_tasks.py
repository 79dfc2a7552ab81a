import pytest
import torch

from physml.sequences import tasks
from physml.sequences.tasks import PAD, path_star, relationships, retrieval


def _g(seed=0):
    return torch.Generator().manual_seed(seed)


def test_retrieval_pairs_queries_and_split():
    t = retrieval(20, entity_length=3, query_fraction=0.5, generator=_g())
    e = 3
    assert t.train.shape[1] == 2 * e + 2
    assert t.entities.shape == (40, e)
    # every entity token is distinct (no token shared between entities)
    assert t.entities.unique().numel() == 40 * e
    n_held = sum(p.shape[0] for p in t.prompts.values())
    assert t.train.shape[0] == 20 + (40 - n_held)
    assert n_held == 20
    for d in ("forward", "backward"):
        assert t.prompts[d].shape[1] == e + 2
        assert t.answers[d].shape[1] == e
    # a forward answer is the value of its key
    keys, values = t.entities[:20], t.entities[20:]
    k = t.prompts["forward"][0, 1 : 1 + e]
    i = (keys == k).all(1).nonzero().item()
    assert torch.equal(t.answers["forward"][0], values[i])
    # held-out queries of either direction never appear among the training sequences, and
    # no held-out prompt is the start of a training sequence
    for d in ("forward", "backward"):
        q = torch.cat([t.prompts[d], t.answers[d]], 1)
        assert not (t.train[:, None, :] == q[None]).all(2).any()
        p = t.prompts[d]
        assert not (t.train[:, None, : p.shape[1]] == p[None]).all(2).any()
    # every key-value pair is trained on
    pairs = torch.cat([keys, torch.full((20, 1), 3), values], 1)
    assert (t.train[:, None, : 2 * e + 1] == pairs[None]).all(2).any(0).all()
    assert torch.equal(t.loss_mask, t.train != PAD)
    assert torch.equal(t.chunks < 0, t.train == PAD)


def test_relationships_answers_and_wrong_sides():
    t = relationships(10, entity_length=2, generator=_g(1))
    a, b, c = t.entities[:10], t.entities[10:20], t.entities[20:]
    for d, right, wrong in (("forward", c, a), ("backward", a, c)):
        bq = t.prompts[d][:, :2]
        idx = (b[None] == bq[:, None]).all(2).float().argmax(1)
        assert torch.equal(t.answers[d], right[idx])
        assert torch.equal(t.wrong[d], wrong[idx])
    assert t.train.shape[1] == 3 * 2 + 2


def test_path_star_paths_follow_the_edges():
    t = path_star(5, 7, arm_length=3, n_nodes=20, generator=_g(2))
    p, a = t.prompts["path"], t.answers["path"]
    assert p.shape == (7, 2 * 2 * 3 + 4) and a.shape == (7, 4)
    edges = p[:, : 2 * 2 * 3].reshape(7, -1, 2)
    assert torch.equal(a[:, 0], p[:, -3])  # starts at the start node
    assert torch.equal(a[:, -1], p[:, -2])  # ends at the goal
    for j in range(3):  # each step is an edge of the graph
        step = torch.stack([a[:, j], a[:, j + 1]], 1)
        assert (edges == step[:, None]).all(2).any(1).all()
    assert t.loss_mask[:, -4:].all() and not t.loss_mask[:, :-4].any()


def test_tasks_are_reproducible_with_a_generator():
    assert torch.equal(
        retrieval(5, generator=_g(3)).train, retrieval(5, generator=_g(3)).train
    )


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: retrieval(1), "n_pairs"),
        (lambda: retrieval(5, entity_length=0), "entity_length"),
        (lambda: retrieval(5, query_fraction=1.0), "query_fraction"),
        (lambda: relationships(1), "n_chains"),
        (lambda: path_star(2, 2, arm_length=3, n_nodes=5), "n_nodes"),
        (lambda: path_star(2, 2, degree=1), "degree"),
    ],
)
def test_bad_arguments_are_named(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_task_checks_shapes():
    t = retrieval(3, generator=_g())
    with pytest.raises(ValueError, match="train, chunks"):
        tasks.Task(
            "x",
            t.vocab,
            t.train,
            t.chunks[:, :-1],
            t.loss_mask,
            {},
            {},
            {},
            t.entities,
            t.held_out,
        )
