"""physml.jets.sample.JetSample: shapes, labels, mask, indexing."""

import pytest
import torch

from physml.jets import QCD, TOP, JetSample


def _sample() -> JetSample:
    c = torch.zeros(4, 3, 4)
    c[:, 0] = torch.tensor([10.0, 6.0, 8.0, 0.0])  # pT 10
    c[0, 1] = torch.tensor([5.0, 3.0, 4.0, 0.0])
    return JetSample(c, torch.tensor([TOP, QCD, QCD, TOP]))


def test_mask_length_and_indexing():
    s = _sample()
    assert len(s) == 4 and s.n_constituents == 3 and s.n_top == 2
    assert s.mask.tolist()[0] == [True, True, False]
    assert s.mask.sum().item() == 5
    sub = s[s.labels == TOP]
    assert len(sub) == 2 and sub.n_top == 2
    assert len(s[1]) == 1


@pytest.mark.parametrize(
    "constituents, labels, error, match",
    [
        (torch.zeros(2, 3, 3), torch.tensor([0, 1]), ValueError, "constituents"),
        (
            torch.zeros(2, 3, 4, dtype=torch.int64),
            torch.tensor([0, 1]),
            TypeError,
            "constituents",
        ),
        (torch.zeros(2, 3, 4), torch.tensor([0.0, 1.0]), TypeError, "labels"),
        (torch.zeros(2, 3, 4), torch.tensor([0, 1, 1]), ValueError, "labels"),
        (torch.zeros(2, 3, 4), torch.tensor([0, 2]), ValueError, "labels"),
    ],
)
def test_bad_inputs_name_the_argument(constituents, labels, error, match):
    with pytest.raises(error, match=match):
        JetSample(constituents, labels)
