import numpy as np
import pytest
import torch

from physml import config
from physml.config import Sizes


@pytest.fixture
def clean_env(monkeypatch):
    for var in ("PHYSML_PROFILE", "CI", "PHYSML_DEVICE", "PHYSML_THREADS"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def test_profile_explicit_wins_over_ci(clean_env):
    clean_env.setenv("CI", "true")
    clean_env.setenv("PHYSML_PROFILE", "full")
    assert config.profile() == "full"


def test_profile_ci_forces_quick(clean_env):
    clean_env.setenv("CI", "true")
    clean_env.setattr(torch.cuda, "is_available", lambda: True)
    assert config.profile() == "quick"


def test_profile_default_follows_cuda(clean_env):
    clean_env.setattr(torch.cuda, "is_available", lambda: True)
    assert config.profile() == "full"
    clean_env.setattr(torch.cuda, "is_available", lambda: False)
    assert config.profile() == "quick"


def test_profile_bad_value_names_allowed(clean_env):
    clean_env.setenv("PHYSML_PROFILE", "huge")
    with pytest.raises(ValueError, match="quick, full"):
        config.profile()


def test_device_override(clean_env):
    clean_env.setenv("PHYSML_DEVICE", "cpu")
    assert config.device() == torch.device("cpu")
    clean_env.setenv("PHYSML_DEVICE", "not-a-device")
    with pytest.raises(ValueError, match="PHYSML_DEVICE"):
        config.device()


def test_seed_everything_is_deterministic():
    g1 = config.seed_everything(7)
    a = (torch.rand(3), np.random.rand(3), torch.rand(3, generator=g1))
    g2 = config.seed_everything(7)
    b = (torch.rand(3), np.random.rand(3), torch.rand(3, generator=g2))
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and torch.equal(a[2], b[2])


@pytest.mark.parametrize("bad, err", [("1", TypeError), (1.5, TypeError), (-1, ValueError), (True, TypeError)])
def test_seed_everything_bad_input(bad, err):
    with pytest.raises(err, match="seed"):
        config.seed_everything(bad)


def test_threads(clean_env):
    before = torch.get_num_threads()
    clean_env.setenv("PHYSML_THREADS", "1")
    assert config.configure_threads() == 1
    torch.set_num_threads(before)
    clean_env.setenv("PHYSML_THREADS", "zero")
    with pytest.raises(ValueError, match="PHYSML_THREADS"):
        config.configure_threads()


def test_sizes_pick_profile():
    s = Sizes(quick=dict(n=10, steps=5), full=dict(n=1000, steps=500), profile="quick")
    assert (s.n, s.steps, s["n"], len(s)) == (10, 5, 10, 2)
    f = Sizes(quick=dict(n=10), full=dict(n=1000), profile="full")
    assert f.n == 1000 and f.for_profile("quick") == {"n": 10}


def test_sizes_follow_env(clean_env):
    clean_env.setenv("PHYSML_PROFILE", "full")
    assert Sizes(quick=dict(n=1), full=dict(n=2)).n == 2


def test_sizes_must_match_and_be_known():
    with pytest.raises(ValueError, match="only in quick: \\['steps'\\]"):
        Sizes(quick=dict(n=1, steps=2), full=dict(n=1), profile="quick")
    with pytest.raises(ValueError, match="profile"):
        Sizes(quick=dict(n=1), full=dict(n=1), profile="medium")
    with pytest.raises(TypeError, match="quick"):
        Sizes(quick=[("n", 1)], full=dict(n=1))
    with pytest.raises(AttributeError, match="no size knob 'm'"):
        Sizes(quick=dict(n=1), full=dict(n=1), profile="quick").m
