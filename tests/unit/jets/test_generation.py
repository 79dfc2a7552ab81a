"""physml.jets.generation: settings validation, and small real generations (Pythia 8, FastJet).

One module-level generation of a few top and QCD jets is shared by the physics checks; the
determinism, executor, Dask and cache tests generate a handful more. About 30 s of CPU.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from unittest import mock

import pytest
import torch

from physml.jets import generation
from physml.jets.generation import GeneratorSettings, generate, top_and_qcd
from physml.jets.kinematics import eta, mass, phi, pt
from physml.jets.sample import QCD, TOP

N = 20


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return top_and_qcd(N, 7, chunk_size=10, cache_dir=tmp_path_factory.mktemp("jets"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"process": "ttbar"}, "process"),
        ({"process": "top", "pt_window": (650.0, 550.0)}, "pt_window"),
        ({"process": "top", "pt_window": (600.0, 600.0)}, "pt_window"),
        ({"process": "top", "pt_window": (-1.0, 600.0)}, "pt_window"),
        ({"process": "top", "jet_radius": 0.0}, "jet_radius"),
        ({"process": "qcd", "jet_radius": -0.4}, "jet_radius"),
        ({"process": "qcd", "eta_max": 0}, "eta_max"),
        ({"process": "top", "match_radius": float("nan")}, "match_radius"),
        ({"process": "top", "sqrt_s": 0.0}, "sqrt_s"),
        ({"process": "top", "pt_hat_min": -5.0}, "pt_hat_min"),
        ({"process": "top", "n_constituents": 0}, "n_constituents"),
        ({"process": "top", "jets_per_event": 1.5}, "jets_per_event"),
        ({"process": "top", "sqrt_s": 1000.0}, "pt_window"),
    ],
)
def test_bad_settings_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        GeneratorSettings(**kwargs)


def test_settings_defaults_follow_the_notes():
    s = GeneratorSettings("top")
    assert (s.sqrt_s, s.jet_radius, s.pt_window, s.eta_max) == (
        14_000.0,
        0.8,
        (550.0, 650.0),
        2.0,
    )
    assert (s.match_radius, s.n_constituents, s.mpi) == (0.8, 200, False)
    lines = s.pythia_strings(17)
    assert "PartonLevel:MPI = off" in lines and "Random:seed = 17" in lines
    assert "HardQCD:all = on" in GeneratorSettings("qcd").pythia_strings(1)
    with pytest.raises(TypeError, match="mpi"):
        GeneratorSettings("top", mpi=1)


def test_bad_arguments(tmp_path):
    s = GeneratorSettings("qcd")
    with pytest.raises(TypeError, match="settings"):
        generate("qcd", 5, 0, cache_dir=tmp_path)
    with pytest.raises(ValueError, match="n_jets"):
        generate(s, 0, 0, cache_dir=tmp_path)
    with pytest.raises(ValueError, match="chunk_size"):
        generate(s, 5, 0, chunk_size=0, cache_dir=tmp_path)
    with pytest.raises(ValueError, match="seed"):
        generate(s, 5, -1, cache_dir=tmp_path)
    with pytest.raises(TypeError, match="seed"):
        generate(s, 5, 1.0, cache_dir=tmp_path)


def test_chunk_seeds_are_valid_and_distinct():
    seeds = {
        generation._chunk_seed(GeneratorSettings(p), s, k)
        for p in ("top", "qcd")
        for s in range(5)
        for k in range(20)
    }
    assert len(seeds) == 200
    assert all(1 <= s <= 900_000_000 for s in seeds)


def test_jets_pass_the_selection(sample):
    c, y = sample.constituents, sample.labels
    assert c.shape == (2 * N, 200, 4) and c.dtype == torch.float32
    assert int((y == TOP).sum()) == N and int((y == QCD).sum()) == N
    jet = c.sum(dim=1)
    assert bool(((pt(jet) > 550) & (pt(jet) < 650)).all())
    assert bool((eta(jet).abs() < 2).all())
    # constituents pT-descending, zero padding only at the end, physical four-momenta
    p = pt(c)
    assert bool((p[:, 1:] <= p[:, :-1]).all())
    m = sample.mask
    assert bool((m[:, 1:] <= m[:, :-1]).all())
    assert bool((c[~m] == 0).all())
    real = c[m].double()
    p3 = real[:, 1:].norm(dim=-1)
    assert bool(
        (real[:, 0] >= p3 * (1 - 1e-4) - 1e-3).all()
    )  # E >= |p| (massless to ~1 MeV)

    # every constituent lies within the jet's reach: anti-kT clusters in rapidity y, not eta
    # (soft hadrons differ), so Delta R in (y, phi) to the axis stays near R = 0.8
    def rapidity(p):
        return 0.5 * torch.log((p[..., 0] + p[..., 3]) / (p[..., 0] - p[..., 3]))

    real_jets = c.double()
    dy = rapidity(real_jets) - rapidity(jet.double())[:, None]
    dphi = (phi(c) - phi(jet)[:, None] + torch.pi) % (2 * torch.pi) - torch.pi
    assert bool((torch.hypot(dy, dphi)[m] < 1.0).all())


def test_top_jets_peak_near_the_top_mass(sample):
    jet = sample.constituents.sum(dim=1)
    m_top = mass(jet[sample.labels == TOP]).median()
    m_qcd = mass(jet[sample.labels == QCD]).median()
    assert 120 < float(m_top) < 220
    assert float(m_qcd) < float(m_top)


def test_same_seed_same_jets_whatever_the_executor(tmp_path):
    s = GeneratorSettings("qcd")
    with mock.patch.object(generation, "_available_cores", return_value=1):
        inline = generate(s, 6, 3, chunk_size=3, cache_dir=tmp_path / "a")
    with ProcessPoolExecutor(1) as pool:  # one worker, where the default pool has two
        pooled = generate(
            s, 6, 3, chunk_size=3, executor=pool, cache_dir=tmp_path / "b"
        )
    assert torch.equal(inline.constituents, pooled.constituents)
    other = generate(s, 6, 4, chunk_size=3, cache_dir=tmp_path / "c")
    assert not torch.equal(inline.constituents, other.constituents)


def test_dask_cluster_gives_the_same_jets(tmp_path):
    import distributed

    s = GeneratorSettings("top")
    local = generate(s, 4, 11, chunk_size=2, cache_dir=tmp_path / "local")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=50,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = generate(
            s,
            4,
            11,
            chunk_size=2,
            executor=client.get_executor(),
            cache_dir=tmp_path / "dask",
        )
    assert torch.equal(local.constituents, remote.constituents)
    assert torch.equal(local.labels, remote.labels)


def test_second_call_reads_the_cache(tmp_path):
    s = GeneratorSettings("qcd")
    first = generate(s, 3, 5, chunk_size=3, cache_dir=tmp_path)
    files = list((tmp_path / "jets").glob("*.npz"))
    assert len(files) == 1 and not list((tmp_path / "jets").glob("*.tmp*"))
    with mock.patch.object(generation, "_generate_chunk", side_effect=AssertionError):
        second = generate(s, 3, 5, chunk_size=3, cache_dir=tmp_path)
        with pytest.raises(AssertionError):  # another seed is not in the cache
            generate(s, 3, 6, chunk_size=3, cache_dir=tmp_path)
    assert torch.equal(first.constituents, second.constituents)


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    from physml import config

    monkeypatch.setenv("PHYSML_CACHE_DIR", str(tmp_path))
    assert config.cache_dir() == tmp_path
