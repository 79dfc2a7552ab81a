import numpy as np
import pytest
import torch

from physml.sequences.models import SequenceTransformer
from physml.sequences.objectives import OBJECTIVES
from physml.sequences.tasks import relationships, retrieval
from physml.sequences.training import SequenceSettings, evaluate, train


def test_ar_learns_forward_retrieval_but_not_backward():
    g = torch.Generator().manual_seed(0)
    task = retrieval(8, entity_length=1, query_fraction=0.5, generator=g)
    torch.manual_seed(0)
    model = SequenceTransformer(len(task.vocab), d_model=32, n_heads=2, n_layers=2)
    settings = SequenceSettings(
        steps=120, batch_size=32, lr=1e-2, warmup=10, eval_every=120
    )
    hist = train(model, task, "AR", settings, generator=g)
    assert hist["forward"][-1] == 1.0
    assert hist["backward"][-1] == 0.0
    assert hist.eval_steps.tolist() == [0, 120] and hist.loss.shape == (120,)
    assert evaluate(model, task)["forward"] == 1.0


def test_train_refuses_a_mismatched_model_and_unknown_objective():
    task = retrieval(3, generator=torch.Generator().manual_seed(0))
    causal = SequenceTransformer(len(task.vocab), d_model=8, n_heads=2)
    settings = SequenceSettings(steps=1)
    with pytest.raises(ValueError, match="bidirectional"):
        train(causal, task, "MLM-U", settings)
    with pytest.raises(ValueError, match="objective"):
        train(causal, task, "GPT", settings)
    with pytest.raises(TypeError, match="settings"):
        train(causal, task, "AR", {"steps": 1})


@pytest.mark.parametrize(
    "field, value",
    [
        ("steps", 0),
        ("batch_size", 0),
        ("lr", 0.0),
        ("weight_decay", -1.0),
        ("warmup", -1),
        ("eval_every", 0),
    ],
)
def test_settings_name_the_bad_field(field, value):
    with pytest.raises(ValueError, match=field):
        SequenceSettings(**{"steps": 10, field: value})


@pytest.mark.parametrize("objective", list(OBJECTIVES))
def test_every_objective_trains_on_relationships(objective):
    g = torch.Generator().manual_seed(1)
    task = relationships(4, generator=g)
    causal = OBJECTIVES[objective][0] is None
    model = SequenceTransformer(len(task.vocab), d_model=8, n_heads=2, causal=causal)
    hist = train(model, task, objective, SequenceSettings(steps=3, warmup=1), g)
    assert np.isfinite(hist.loss).all() and hist.loss.shape == (3,)
    assert set(hist.names) == {"forward", "backward", "wrong_forward", "wrong_backward"}
    assert all(0 <= hist[n][-1] <= 1 for n in hist.names)
