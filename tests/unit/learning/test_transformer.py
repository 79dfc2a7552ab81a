"""physml.learning.transformer: the modular-addition transformer learns and checks its input."""

import numpy as np
import pytest
import torch


def test_modular_addition_transformer_learns_and_checks_input():
    from physml.learning import transformer

    gen = torch.Generator().manual_seed(0)
    pairs, labels, mask = transformer.modular_addition(7, 0.6, gen)
    assert pairs.shape == (49, 2) and int(mask.sum()) == 29
    assert torch.equal(labels, (pairs[:, 0] + pairs[:, 1]) % 7)
    torch.manual_seed(0)
    model = transformer.ModularAdditionTransformer(7, d_model=16, n_heads=2, d_mlp=32)
    assert model(pairs).shape == (49, 7)
    decoder = {id(q) for q in model.decoder_parameters()}
    assert id(model.embed.weight) not in decoder
    assert len(decoder) == len(list(model.parameters())) - 1
    curves = transformer.train(
        model,
        pairs,
        labels,
        mask,
        transformer.TransformerSettings(
            200, lr_embed=1e-2, lr_decoder=1e-2, eval_every=50
        ),
    )
    assert curves["train_acc"][-1] == 1.0 and curves.eval_steps[-1] == 200
    assert curves["effective_dim"].shape == curves.eval_steps.shape
    assert "embeddings" not in curves
    kept = transformer.train(
        model,
        pairs,
        labels,
        mask,
        transformer.TransformerSettings(20, eval_every=10, keep_embeddings=True),
    )
    assert kept["embeddings"].shape == (3, 7, 16)
    np.testing.assert_allclose(
        kept["embeddings"][-1], model.embed.weight.detach().numpy()
    )
    assert not np.allclose(kept["embeddings"][0], kept["embeddings"][-1])
    with pytest.raises(ValueError, match="fraction"):
        transformer.modular_addition(7, 1.0, gen)
    with pytest.raises(ValueError, match="divisible by n_heads"):
        transformer.ModularAdditionTransformer(7, d_model=10, n_heads=4)
    with pytest.raises(ValueError, match="pairs must have shape"):
        model(pairs[:, :1])
    with pytest.raises(ValueError, match="wd_decoder"):
        transformer.TransformerSettings(1, wd_decoder=-1.0)
    with pytest.raises(TypeError, match="keep_embeddings"):
        transformer.TransformerSettings(1, keep_embeddings=1)
