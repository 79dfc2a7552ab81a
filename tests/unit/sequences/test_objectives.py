import pytest
import torch

from physml.sequences.models import SequenceTransformer
from physml.sequences.objectives import (
    ar_loss,
    augment,
    entity_reverse,
    mask_tokens,
    masking_rates,
    mlm_loss,
    token_reverse,
)
from physml.sequences.tasks import MASK, PAD, REV, relationships, retrieval


def _g(seed=0):
    return torch.Generator().manual_seed(seed)


def test_entity_reversal_keeps_entities_and_is_an_involution():
    tokens = torch.tensor([[10, 11, 5, 20, 21, PAD], [4, 10, 11, 5, 20, 21]])
    chunks = torch.tensor([[0, 0, 1, 2, 2, -1], [0, 1, 1, 2, 3, 3]])
    rev, rc = entity_reverse(tokens, chunks)
    assert rev.tolist() == [[20, 21, 5, 10, 11, PAD], [20, 21, 5, 10, 11, 4]]
    assert rc.tolist() == [[0, 0, 1, 2, 2, -1], [0, 0, 1, 2, 2, 3]]
    back, bc = entity_reverse(rev, rc)
    assert torch.equal(back, tokens) and torch.equal(bc, chunks)


def test_entity_reversal_on_a_task_keeps_every_entity_intact():
    t = relationships(6, entity_length=3, generator=_g())
    rev, rc = entity_reverse(t.train, t.chunks)
    ents = {tuple(e) for e in t.entities.tolist()}
    for row, ch in zip(rev.tolist(), rc.tolist()):
        spans = {}
        for tok, c in zip(row, ch):
            spans.setdefault(c, []).append(tok)
        found = [tuple(s) for c, s in spans.items() if c >= 0 and len(s) == 3]
        assert found and all(s in ents for s in found)
    assert torch.equal(entity_reverse(rev, rc)[0], t.train)


def test_token_reversal_breaks_entities_and_is_an_involution():
    tokens = torch.tensor([[10, 11, 5, 20, 21, PAD]])
    assert token_reverse(tokens).tolist() == [[21, 20, 5, 11, 10, PAD]]
    t = retrieval(5, generator=_g())
    assert torch.equal(token_reverse(token_reverse(t.train)), t.train)


def test_bad_chunks_are_refused():
    tokens = torch.tensor([[10, 11, 5]])
    with pytest.raises(ValueError, match="chunks"):
        entity_reverse(tokens, torch.tensor([[0, 2, 3]]))
    with pytest.raises(ValueError, match="chunks"):
        entity_reverse(tokens, torch.tensor([[0, 0, -1]]))


def test_augment_adds_a_reversed_copy_and_the_delimiter():
    t = retrieval(4, generator=_g())
    n, L = t.train.shape
    x, m = augment(t.train, t.chunks, t.loss_mask, None)
    assert x is t.train
    x, m = augment(t.train, t.chunks, t.loss_mask, "token")
    assert x.shape == (2 * n, L) and torch.equal(x[n:], token_reverse(t.train))
    assert torch.equal(m, x != PAD)
    x, m = augment(t.train, t.chunks, t.loss_mask, "entity-delimited")
    assert x.shape == (2 * n, L + 1) and (x[n:, 0] == REV).all()
    assert torch.equal(x[n:, 1:], entity_reverse(t.train, t.chunks)[0])
    assert torch.equal(m, x != PAD)
    with pytest.raises(ValueError, match="reversal"):
        augment(t.train, t.chunks, t.loss_mask, "sideways")


def test_fixed_masking_rate_is_the_masked_fraction():
    tokens = torch.randint(3, 50, (4000, 10), generator=_g())
    maskable = torch.ones_like(tokens, dtype=torch.bool)
    maskable[:, 0] = False
    for rate in (0.15, 0.4, 0.85):
        rates = masking_rates(4000, rate)
        inputs, masked = mask_tokens(tokens, rates, maskable, generator=_g(1))
        frac = masked[:, 1:].float().mean().item()
        assert abs(frac - rate) < 0.01
        assert not masked[:, 0].any()
        assert (inputs[masked] == MASK).all()
        assert torch.equal(inputs[~masked], tokens[~masked])


def test_uniform_masking_rates_are_uniform():
    r = masking_rates(20000, "uniform", generator=_g(2))
    assert r.min() >= 0 and r.max() <= 1
    hist = torch.histc(r, bins=10, min=0, max=1) / 20000
    assert (hist - 0.1).abs().max() < 0.01
    tokens = torch.randint(3, 50, (20000, 20), generator=_g())
    _, masked = mask_tokens(tokens, r, torch.ones_like(tokens, dtype=torch.bool), _g(3))
    per_seq = masked.float().mean(1)
    # the masked fraction follows the sequence's own rate
    assert torch.corrcoef(torch.stack([per_seq, r]))[0, 1] > 0.95


@pytest.mark.parametrize("rate", [0.0, 1.5, "half", True])
def test_bad_rates_are_named(rate):
    with pytest.raises(ValueError, match="rate"):
        masking_rates(3, rate)


def test_losses_use_only_their_targets():
    torch.manual_seed(0)
    model = SequenceTransformer(30, d_model=16, n_heads=2, n_layers=1)
    tokens = torch.randint(3, 30, (5, 6), generator=_g())
    none = torch.zeros_like(tokens, dtype=torch.bool)
    assert ar_loss(model, tokens, none).item() == 0.0
    assert mlm_loss(model, tokens, tokens, none).item() == 0.0
    full = torch.ones_like(tokens, dtype=torch.bool)
    logits = model(tokens)
    expected = torch.nn.functional.cross_entropy(
        logits[:, :-1].reshape(-1, 30), tokens[:, 1:].reshape(-1)
    )
    assert torch.allclose(ar_loss(model, tokens, full), expected, atol=1e-6)
    with pytest.raises(ValueError, match="loss_mask"):
        ar_loss(model, tokens, full[:, :-1])
    with pytest.raises(ValueError, match="masked"):
        mlm_loss(model, tokens, tokens, full[:, :-1])
