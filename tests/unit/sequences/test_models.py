import pytest
import torch

from physml.sequences.models import SequenceTransformer, decode, exact_match, rotate
from physml.sequences.tasks import MASK


def test_rotary_scores_depend_only_on_relative_position():
    torch.manual_seed(0)
    q, k = torch.randn(1, 8), torch.randn(1, 8)
    qs, ks = rotate(q.expand(10, 8)), rotate(k.expand(10, 8))
    s = qs @ ks.T  # s[i, j] depends on i - j only
    assert torch.allclose(s[3, 1], s[7, 5], atol=1e-5)
    assert torch.allclose(s[2, 6], s[4, 8], atol=1e-5)
    assert torch.allclose(rotate(q.expand(10, 8)).norm(dim=1), q.norm(), atol=1e-5)
    with pytest.raises(ValueError, match="even"):
        rotate(torch.randn(4, 5))


def test_causal_model_ignores_the_future():
    torch.manual_seed(0)
    model = SequenceTransformer(20, d_model=16, n_heads=2, causal=True).eval()
    x = torch.randint(3, 20, (2, 6))
    y = x.clone()
    y[:, 4:] = 5
    assert torch.allclose(model(x)[:, :4], model(y)[:, :4], atol=1e-5)
    bi = SequenceTransformer(20, d_model=16, n_heads=2, causal=False).eval()
    assert not torch.allclose(bi(x)[:, :4], bi(y)[:, :4], atol=1e-5)


class _Copy(SequenceTransformer):
    """A fake bidirectional model that predicts token ``t + 1`` at each masked position."""

    def forward(self, tokens):
        logits = torch.full((*tokens.shape, self.vocab_size), -1.0)
        nxt = torch.roll(tokens, 1, dims=1) + 1
        nxt = torch.where(tokens == MASK, nxt, tokens).clamp(max=self.vocab_size - 1)
        return logits.scatter(2, nxt[..., None], 1.0)


def test_decoding_fills_masks_left_to_right():
    model = _Copy(30, d_model=16, n_heads=2, causal=False)
    out = decode(model, torch.tensor([[4, 7], [3, 10]]), 3)
    # each filled token conditions the next: 7 -> 8 -> 9 -> 10
    assert out.tolist() == [[8, 9, 10], [11, 12, 13]]
    # with a length, padding follows the answer slots and is not predicted
    assert decode(model, torch.tensor([[4, 7]]), 2, length=6).tolist() == [[8, 9]]
    with pytest.raises(ValueError, match="length"):
        decode(model, torch.tensor([[4, 7]]), 2, length=3)


def test_exact_match_needs_every_token():
    a = torch.tensor([[1, 2], [3, 4], [5, 6]])
    b = torch.tensor([[1, 2], [3, 0], [0, 6]])
    assert exact_match(a, b).tolist() == [True, False, False]
    with pytest.raises(ValueError, match="predicted and answers"):
        exact_match(a, b[:, :1])


@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(vocab_size=1), "vocab_size"),
        (dict(vocab_size=10, d_model=10, n_heads=4), "d_model"),
        (dict(vocab_size=10, n_layers=0), "n_layers"),
    ],
)
def test_bad_sizes_are_named(kwargs, word):
    with pytest.raises(ValueError, match=word):
        SequenceTransformer(**kwargs)


def test_decode_checks_its_arguments():
    model = SequenceTransformer(10, d_model=8, n_heads=2)
    with pytest.raises(ValueError, match="n_answer"):
        decode(model, torch.tensor([[3]]), 0)
    with pytest.raises(TypeError, match="model"):
        decode(torch.nn.Linear(2, 2), torch.tensor([[3]]), 1)
