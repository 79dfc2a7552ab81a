"""physml.nuclear: NUBASE2020 parsing, binding energies, Q values, charge radii, the SEMF."""

import numpy as np
import pytest
import sympy

from physml.nuclear import data, semf


@pytest.fixture(scope="module")
def nubase():
    return data.load_nubase()


def test_nubase2020_counts_and_binding_energies(nubase):
    assert len(nubase) == 3558 and int((~nubase["estimated"]).sum()) == 2550
    assert nubase["Z"].max() == 118 and nubase["N"].max() == 177
    row = lambda z, n: nubase[(nubase.Z == z) & (nubase.N == n)].iloc[0]  # noqa: E731
    assert row(26, 30)["binding_per_a"] == pytest.approx(8790.36, abs=0.05)
    assert row(82, 126)["binding_per_a"] == pytest.approx(7867.45, abs=0.05)
    assert row(1, 0)["binding"] == pytest.approx(0.0, abs=1e-6)
    assert row(0, 1)["binding"] == pytest.approx(0.0, abs=1e-6)


def test_separation_energies_and_q_values(nubase):
    q = data.add_separation_and_q(nubase)
    u238 = q[(q.Z == 92) & (q.N == 146)].iloc[0]
    assert u238["q_alpha"] == pytest.approx(4270, abs=5)  # keV, the textbook alpha emitter
    assert u238["s_n"] == pytest.approx(6154, abs=5)
    c14 = q[(q.Z == 6) & (q.N == 8)].iloc[0]
    assert c14["q_beta_minus"] == pytest.approx(156.5, abs=0.5)
    assert np.isnan(q[(q.Z == 0) & (q.N == 1)].iloc[0]["s_p"])


def test_charge_radii_join(nubase):
    radii = data.load_charge_radii()
    assert len(radii) > 900 and radii["radius"].between(0.8, 6.0).sum() >= len(radii) - 1
    joined = data.with_charge_radii(nubase)
    pb = joined[(joined.Z == 82) & (joined.N == 126)].iloc[0]
    assert pb["radius"] == pytest.approx(5.50, abs=0.02)
    assert len(joined) == len(nubase)


def test_malformed_and_missing_inputs_are_named():
    good = "056 0260   56Fe    -60607.1       0.4"
    assert len(data.parse_nubase(["# comment", good])) == 1
    with pytest.raises(ValueError, match="line 2 is malformed"):
        data.parse_nubase([good, "05x 0260   56Fe    -60607.1       0.4"])
    with pytest.raises(ValueError, match="line 1: Z = 70"):
        data.parse_nubase(["056 0700   56Fe    -60607.1       0.4"])
    with pytest.raises(FileNotFoundError, match="not installed"):
        data.package_file("x.txt", package="no_such_package_physml")
    with pytest.raises(FileNotFoundError, match="layout changed"):
        data.package_file("data/no/such/file.txt")


def test_semf_textbook_and_fit_rms(nubase):
    m = nubase[~nubase["estimated"] & (nubase["Z"] >= 1)]
    b = m["binding"].to_numpy() / 1000
    assert semf.rms(semf.binding(m["Z"], m["N"]) - b) == pytest.approx(7.74, abs=0.05)
    s = m[(m["Z"] >= 8) & (m["N"] >= 8)]
    coef = semf.fit(s["Z"], s["N"], s["binding"] / 1000)
    assert len(s) == 2457
    assert semf.rms(semf.binding(s["Z"], s["N"], coef) - s["binding"] / 1000) == pytest.approx(3.08, abs=0.05)
    assert coef[0] == pytest.approx(15.6, abs=0.3)  # the volume coefficient, MeV


def test_shell_term_and_bad_input():
    assert semf.magic_distance(np.array([2, 27, 126, 140])).tolist() == [0, 1, 0, 14]
    assert semf.shell_p(np.array([82]), np.array([126])).tolist() == [0.0]
    assert semf.shell_p(np.array([86]), np.array([130])).tolist() == [2.0]  # 4 * 4 / 8
    with pytest.raises(ValueError, match="same shape"):
        semf.terms(np.array([1, 2]), np.array([1]))
    with pytest.raises(ValueError, match="coefficients"):
        semf.binding(np.array([8]), np.array([8]), np.ones(3))
    with pytest.raises(ValueError, match=">= 0"):
        semf.terms(np.array([-1]), np.array([3]))


def test_shell_fit_eq5_and_pseudo_data(nubase):
    s = nubase[~nubase["estimated"] & (nubase["Z"] >= 8) & (nubase["N"] >= 8)]
    z, n, b = s["Z"].to_numpy(), s["N"].to_numpy(), s["binding"].to_numpy()
    coef = semf.fit(z, n, b / 1000, shell=True)
    assert coef.shape == (7,)
    assert semf.rms(semf.binding(z, n, coef) - b / 1000) == pytest.approx(2.48, abs=0.05)
    eq5 = semf.eq5_features(z, n) @ np.array(semf.EQ5_COEFFICIENTS)
    assert semf.rms(eq5 - b) == pytest.approx(5465, abs=20)  # keV, not the paper's ~4600
    assert semf.pseudo_data(np.array([26]), np.array([30]))[0] == pytest.approx(
        1000 * semf.binding(np.array([26]), np.array([30]))[0])


def test_multitask_dataset_scaling_and_split(nubase):
    from physml.nuclear import embedding

    mt = embedding.multitask_data(nubase, ("binding", "s_n", "radius"))
    rows = mt.rows
    assert set(rows["task"]) == {0, 1, 2} and (rows["Z"] >= 8).all() and (rows["N"] >= 8).all()
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

    table = nubase.assign(semf=semf.pseudo_data(nubase.Z.to_numpy(), nubase.N.to_numpy()))
    mt = embedding.multitask_data(table[(table.Z < 30) & (table.N < 30)], ("semf",), measured_only=False)
    mask = np.ones(len(mt.rows), bool)
    torch.set_num_threads(1)
    result = embedding.train(mt, mask, embed_dim=8, hidden=32, depth=1, steps=300, lr=3e-3,
                             weight_decay=0.0, seed=0, cosine=True)
    assert result.loss[-1] < 0.1 * result.loss[0]
    rows_mask, h, pca = interpret.penultimate(result.model, mt, "semf")
    values = mt.rows["value"].to_numpy()[rows_mask]
    full = interpret.truncation_rms(result.model, mt, pca, h, values, [0, pca.components.shape[0]], "semf")
    model_rms = embedding.rms_by_task(result.model, mt, mask)["semf"]
    assert full[pca.components.shape[0]] == pytest.approx(model_rms, rel=1e-3)
    assert full[0] > model_rms
    contributions = interpret.pc_contributions(result.model, mt, pca, pca.components.shape[0], "semf")
    # the readout is linear: the contributions add up to the prediction minus the mean's
    prediction = embedding.predict(result.model, mt, rows_mask)
    assert np.allclose(contributions.sum(1) - contributions.sum(1).mean(),
                       prediction - prediction.mean(), atol=1e-2 * values.std())
    z, n = mt.rows["Z"].to_numpy()[rows_mask], mt.rows["N"].to_numpy()[rows_mask]
    sim = interpret.term_similarity(contributions[:, :3], interpret.term_vectors(z, n))
    assert set(sim) == set(semf.TERMS) | {"shell"} and all(v.shape == (3,) for v in sim.values())
    with pytest.raises(ValueError, match="task"):
        interpret.penultimate(result.model, mt, "binding")
    with pytest.raises(ValueError, match="steps"):
        embedding.train(mt, mask, 8, 32, 1, 0, 3e-3, 0.0, 0)


def test_basis_search_recovers_a_formula():
    from physml.nuclear import interpret

    z, n = np.meshgrid(np.arange(8, 60), np.arange(8, 80))
    z, n = z.ravel().astype(float), n.ravel().astype(float)
    a = z + n
    target = 15.0 * a - 17.0 * a ** (2 / 3) + 4.0
    found = interpret.basis_search(z, n, target, max_terms=2)
    assert set(found.terms) == {"A", "A^(2/3)"} and found.rms_path[-1] < 1e-6
    assert np.allclose(found.coefficients, [15.0, -17.0, 4.0] if found.terms[0] == "A"
                       else [-17.0, 15.0, 4.0], atol=1e-6)
    with pytest.raises(ValueError, match="same length"):
        interpret.basis_search(z, n[:-1], target)


def test_orthogonalised_terms_tell_collinear_terms_apart():
    from physml.nuclear import interpret

    z, n = np.meshgrid(np.arange(8, 90), np.arange(8, 140))
    z, n = z.ravel().astype(float), n.ravel().astype(float)
    terms = interpret.term_vectors(z, n)
    raw = interpret.term_similarity(terms["volume"][:, None], terms)
    assert raw["surface"][0] > 0.95  # the raw terms cannot be told apart by the cosine
    basis = interpret.orthogonalised_terms(terms, ("volume", "surface", "coulomb"))
    q = np.stack(list(basis.values()), axis=1)
    assert np.allclose(q.T @ q, np.eye(3), atol=1e-9) and np.allclose(q.mean(0), 0, atol=1e-12)
    # a pure volume signal matches the first direction only; a pure surface signal has a part
    # the volume does not explain, which the second direction catches
    sim = interpret.term_similarity(np.stack([terms["volume"], terms["surface"]], 1), basis)
    assert sim["volume"][0] == pytest.approx(1.0) and sim["surface"][0] < 1e-9
    assert sim["surface"][1] > 0.01 and sim["coulomb"][0] < 1e-9
    with pytest.raises(ValueError, match="nothing left"):
        interpret.orthogonalised_terms({"a": terms["volume"], "b": 2 * terms["volume"]}, ("a", "b"))
    with pytest.raises(ValueError, match="distinct"):
        interpret.orthogonalised_terms(terms, ("volume", "volume"))
    with pytest.raises(TypeError, match="order"):
        interpret.orthogonalised_terms(terms, ["volume"])


def test_random_basis_is_orthonormal_and_keeps_the_full_reconstruction():
    import torch

    from physml.nuclear import interpret
    from physml.representations import principal_components

    h = torch.randn(200, 12, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    pca = principal_components(h)
    control = interpret.random_basis(pca, h, seed=3)
    c = control.components
    assert torch.allclose(c @ c.T, torch.eye(12, dtype=c.dtype), atol=1e-10)
    assert torch.allclose(control.mean + control.projected @ c, h, atol=1e-10)
    assert not torch.allclose(c.abs(), pca.components.abs(), atol=1e-2)
    with pytest.raises(ValueError, match="h must be"):
        interpret.random_basis(pca, h[:, :5], seed=0)
    with pytest.raises(ValueError, match="seed"):
        interpret.random_basis(pca, h, seed=-1)


def test_symbolic_fit_typesets_in_broken_lines():
    from physml.nuclear import interpret

    z = np.arange(8.0, 60.0)
    n = z + 4
    a = z + n
    target = 15.0 * a - 0.7 * z * (z - 1) / a ** (1 / 3) + 3.0 * np.sqrt(a) + 2.0
    found = interpret.basis_search(z, n, target, max_terms=3)
    tex = found.latex(r"B", "keV", per_line=2, digits=3)
    assert tex.startswith("\\begin{aligned}&B\\\\\n&= ") and tex.endswith(r"\ \mathrm{keV}\end{aligned}")
    n_terms = len(sympy.Add.make_args(found.expression))  # A = N + Z expands: 5 terms
    assert tex.count(r"\\") == 1 + (n_terms - 1) // 2  # the left side, then two terms a line
    assert "15.0" in tex and "*" not in tex
    assert "0.015" in found.latex("B", "MeV", digits=3, scale=1e-3)  # keV to MeV
    with pytest.raises(ValueError, match="per_line"):
        found.latex("B", per_line=0)
    with pytest.raises(ValueError, match="scale"):
        found.latex("B", scale=0.0)
