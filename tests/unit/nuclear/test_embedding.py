"""physml.nuclear.embedding: the multitask data set, the split, the nucleus network."""

import numpy as np
import pandas as pd
import pytest

from physml.nuclear import data, embedding, semf


def test_split_nuclei_depends_on_the_rows_not_their_order():
    z, n = np.meshgrid(np.arange(8, 20), np.arange(8, 20), indexing="ij")
    table = pd.DataFrame({"Z": z.ravel(), "N": n.ravel(), "estimated": False})
    table["binding"] = 8000.0 * (table.Z + table.N) + table.Z
    shuffled = table.sample(frac=1.0, random_state=3)
    picked = []
    for t in (table, shuffled):
        mt = embedding.multitask_data(t, ("binding",))
        mask = embedding.split_nuclei(mt, 0.5, seed=0)
        picked.append(
            set(map(tuple, mt.rows.loc[mask, ["Z", "N"]].to_numpy().tolist()))
        )
    assert picked[0] == picked[1] and 0 < len(picked[0]) < len(table)


@pytest.fixture(scope="module")
def nubase():
    return data.load_nubase()


def test_multitask_dataset_scaling_and_split(nubase):
    from physml.nuclear import embedding

    mt = embedding.multitask_data(nubase, ("binding", "s_n", "radius"))
    rows = mt.rows
    assert (
        set(rows["task"]) == {0, 1, 2}
        and (rows["Z"] >= 8).all()
        and (rows["N"] >= 8).all()
    )
    assert (rows["scaled"].between(0, 1)).all()
    back = mt.scaler.unscale(rows["scaled"].to_numpy(), rows["task"].to_numpy())
    assert np.allclose(back, rows["value"].to_numpy(), rtol=0, atol=1e-6)
    assert int((rows["task"] == 0).sum()) == 2457  # measured, Z, N >= 8
    train = embedding.split_nuclei(mt, 0.5, seed=0)
    key = rows["Z"] * 1000 + rows["N"]
    assert not set(key[train]) & set(key[~train])  # a nucleus is never on both sides
    assert 0.4 < train.mean() < 0.6
    with pytest.raises(ValueError, match="tasks"):
        embedding.multitask_data(nubase, ("mass",))
    with pytest.raises(TypeError, match="tasks"):
        embedding.multitask_data(nubase, "binding")
    with pytest.raises(ValueError, match="train_fraction"):
        embedding.split_nuclei(mt, 1.5, seed=0)


def test_nucleus_net_trains_and_interpret_tools(nubase):
    import torch

    from physml.nuclear import embedding, interpret

    table = nubase.assign(
        semf=semf.pseudo_data(nubase.Z.to_numpy(), nubase.N.to_numpy())
    )
    mt = embedding.multitask_data(
        table[(table.Z < 30) & (table.N < 30)], ("semf",), measured_only=False
    )
    mask = np.ones(len(mt.rows), bool)
    torch.set_num_threads(1)
    net, hist = embedding.train(
        mt,
        mask,
        embedding.EmbeddingSettings(
            embed_dim=8,
            hidden=32,
            depth=1,
            steps=300,
            lr=3e-3,
            weight_decay=0.0,
            cosine=True,
        ),
        generator=torch.Generator().manual_seed(0),
    )
    assert hist.loss[-1] < 0.1 * hist.loss[0]
    rows_mask, h, pca = interpret.penultimate(net, mt, "semf")
    values = mt.rows["value"].to_numpy()[rows_mask]
    full = interpret.truncation_rms(
        net, mt, pca, h, values, [0, pca.components.shape[0]], "semf"
    )
    model_rms = embedding.rms_by_task(net, mt, mask)["semf"]
    assert full[pca.components.shape[0]] == pytest.approx(model_rms, rel=1e-3)
    assert full[0] > model_rms
    contributions = interpret.pc_contributions(
        net, mt, pca, pca.components.shape[0], "semf"
    )
    # the readout is linear: the contributions add up to the prediction minus the mean's
    prediction = embedding.predict(net, mt, rows_mask)
    assert np.allclose(
        contributions.sum(1) - contributions.sum(1).mean(),
        prediction - prediction.mean(),
        atol=1e-2 * values.std(),
    )
    z, n = mt.rows["Z"].to_numpy()[rows_mask], mt.rows["N"].to_numpy()[rows_mask]
    sim = interpret.term_similarity(contributions[:, :3], interpret.term_vectors(z, n))
    assert set(sim) == set(semf.TERMS) | {"shell"} and all(
        v.shape == (3,) for v in sim.values()
    )
    with pytest.raises(ValueError, match="task"):
        interpret.penultimate(net, mt, "binding")
    with pytest.raises(ValueError, match="steps"):
        embedding.EmbeddingSettings(8, 32, 1, 0, 3e-3, 0.0)


def test_nucleus_net_generator_draws_the_default_initialisation():
    # Built under a generator, the network has the numbers torch's default initialisation draws
    # after seeding the global generator with the same seed (what train did before it took one).
    import torch

    from physml.nuclear import embedding

    torch.manual_seed(3)
    seeded = embedding.NucleusNet(2, 4, 8, depth=1, embed_std=0.5).state_dict()
    torch.manual_seed(11)
    drawn = embedding.NucleusNet(
        2, 4, 8, depth=1, embed_std=0.5, generator=torch.Generator().manual_seed(3)
    ).state_dict()
    assert all(torch.equal(seeded[k], drawn[k]) for k in seeded)
    with pytest.raises(TypeError, match="generator"):
        embedding.NucleusNet(2, 4, 8, generator=3)
