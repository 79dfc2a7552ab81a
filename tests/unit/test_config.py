import re
from pathlib import Path

import numpy as np
import pytest
import torch

from physml import config
from physml.config import Sizes


@pytest.fixture
def clean_env(monkeypatch):
    for var in config.ENV_VARS:
        monkeypatch.delenv(var.name, raising=False)
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
    assert (
        torch.equal(a[0], b[0])
        and np.array_equal(a[1], b[1])
        and torch.equal(a[2], b[2])
    )


@pytest.mark.parametrize(
    "bad, err",
    [("1", TypeError), (1.5, TypeError), (-1, ValueError), (True, TypeError)],
)
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


# --------------------------------------------------------------------------------------------
# The environment registry

ROOT = Path(__file__).resolve().parents[2]


def test_env_reads_declared_variables_only(clean_env):
    with pytest.raises(KeyError, match="_NOPE. is not a declared"):
        config.env("PHYSML_" + "NOPE")
    assert config.env("PHYSML_DEVICE") is None
    clean_env.setenv("PHYSML_DEVICE", "  ")
    assert config.env("PHYSML_DEVICE") is None  # blank counts as unset


@pytest.mark.parametrize(
    "name, raw, value",
    [
        ("PHYSML_PROFILE", " Full ", "full"),
        ("CI", "false", True),  # any non-empty value marks a CI run
        ("PHYSML_THREADS", "3", 3),
        ("PHYSML_PROGRESS", "off", False),
        ("PHYSML_PROGRESS", "yes", True),
        ("PHYSML_RESULTS_DIR", "/tmp/x", Path("/tmp/x")),
        ("PHYSML_TREE_DIRTY", "1", True),
        ("PHYSML_TREE_DIRTY", "maybe", None),
        ("PHYSML_COMMIT", " abc ", "abc"),
    ],
)
def test_env_parses(clean_env, name, raw, value):
    clean_env.setenv(name, raw)
    assert config.env(name) == value


@pytest.mark.parametrize(
    "name, raw",
    [
        ("PHYSML_PROFILE", "huge"),
        ("PHYSML_THREADS", "0"),
        ("PHYSML_THREADS", "two"),
        ("PHYSML_DEVICE", "gpu0"),
    ],
)
def test_env_bad_value_names_the_variable(clean_env, name, raw):
    clean_env.setenv(name, raw)
    with pytest.raises(ValueError, match=f"^{name}='{raw}'"):
        config.env(name)


def test_readme_table_is_the_registry():
    readme = (ROOT / "README.md").read_text()
    assert config.env_table() in readme, (
        "README.md's table of environment variables differs from physml.config.ENV_VARS; paste "
        "the output of `python -c 'from physml import config; print(config.env_table())'`"
    )


def test_every_variable_mentioned_is_declared():
    declared = {v.name for v in config.ENV_VARS}
    assert len(declared) == len(config.ENV_VARS), "a variable is declared twice"
    files = [
        ROOT / "Makefile",
        ROOT / "README.md",
        ROOT / "CONTRIBUTING.md",
        *(ROOT / "bookkit").glob("*.sh"),
    ]
    for folder in ("physml", "bookkit", "tests", "book"):
        files += (ROOT / folder).rglob("*.py")
    files += (ROOT / "book").rglob("*.md")
    used = {}
    for path in files:
        for name in re.findall(r"\bPHYSML_[A-Z_]+\b", path.read_text()):
            used.setdefault(name, path.relative_to(ROOT))
    undeclared = {n: str(p) for n, p in used.items() if n not in declared}
    assert not undeclared, (
        f"environment variables not declared in physml.config.ENV_VARS: {undeclared}"
    )


def test_only_config_reads_the_environment():
    offenders = []
    for path in sorted((ROOT / "physml").rglob("*.py")):
        if path == ROOT / "physml" / "config.py":
            continue
        text = path.read_text()
        if re.search(r"\bos\.environ\b|\bgetenv\b|\benviron\[|from os import", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, (
        f"read the environment through physml.config.env, not directly: {offenders}"
    )


def test_bookkit_and_tests_read_physml_variables_through_config():
    # os.environ or a copy of it named env (bookkit.full builds a child's environment so);
    # writing a variable (for a child process) is allowed.
    pattern = re.compile(
        r"""\b(environ|env)(\.get\(|\[)\s*["'](PHYSML_\w+|CI)["']\s*[,)\]](?!\s*=[^=])"""
    )
    offenders = []
    here = Path(__file__).resolve()
    for path in sorted(
        [*(ROOT / "bookkit").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]
    ):
        if path == here:
            continue
        offenders += [
            f"{path.relative_to(ROOT)}: {m.group(0)}"
            for m in pattern.finditer(path.read_text())
        ]
    assert not offenders, f"read these through physml.config.env: {offenders}"


def test_book_root(tmp_path, monkeypatch):
    (tmp_path / "_toc.yml").write_text("root: intro\n")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert config.book_root(tmp_path / "a" / "b") == tmp_path.resolve()
    monkeypatch.chdir(tmp_path / "a")
    assert config.book_root() == tmp_path.resolve()
    assert config.book_root(tmp_path.parent) != tmp_path.resolve()


def test_results_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("PHYSML_RESULTS_DIR", str(tmp_path / "x"))
    assert config.results_dir() == tmp_path / "x"
    monkeypatch.delenv("PHYSML_RESULTS_DIR")
    (tmp_path / "_toc.yml").write_text("root: intro\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    monkeypatch.setenv("PHYSML_PROFILE", "quick")
    assert (
        config.results_dir()
        == tmp_path.resolve() / "_build" / "claims" / "by-hand" / "quick"
    )
    monkeypatch.setenv("PHYSML_PROFILE", "full")  # another profile, another folder
    assert (
        config.results_dir()
        == tmp_path.resolve() / "_build" / "claims" / "by-hand" / "full"
    )


def test_sizes_summary_is_one_readable_line():
    s = Sizes(
        quick=dict(n=20_000, widths=(2, 4), runs={6: (1, 2)}, lr=3e-3, on=False),
        full=dict(n=1, widths=(8,), runs={}, lr=1e-3, on=True),
        profile="quick",
    )
    line = s.summary()
    assert line == "quick sizes: n 20,000, widths 2/4, runs 6: 1/2, lr 0.003, on false"
    assert "{" not in line and "(" not in line


def test_sizes_display_a_table_of_both_profiles_not_a_repr():
    s = Sizes(
        quick=dict(n=20_000, lr=3e-3, widths=(2, 4), tag="<a&b>"),
        full=dict(n=10**6, lr=1e-3, widths=(8,), tag="x"),
        profile="full",
    )
    # the text repr is one short line naming the profile and the knobs, never the values
    assert repr(s) == "Sizes[full](4 knobs: n, lr, widths, tag)"
    many = Sizes(
        quick={f"k{i}": i for i in range(9)}, full={f"k{i}": i for i in range(9)}
    )
    assert repr(many).endswith("(9 knobs: k0, k1, k2, k3, k4, k5, ...)")
    html = s._repr_html_()
    assert html.startswith("<details><summary>") and "the full profile (4 knobs" in html
    assert "<th>knob</th><th>quick</th>" in html
    assert '<th class="physml-sizes-active">full (this run)</th>' in html
    # one row per knob: the quick value, then the active full value
    assert "<tr><th>n</th><td>20,000</td>" in html
    assert '<td class="physml-sizes-active">1,000,000</td>' in html
    # lists break after each "/" on a narrow screen
    assert "<td>0.003</td>" in html and "<td>2/<wbr>4</td>" in html
    assert html.count("<tr>") == 1 + 4
    # values are escaped, so a knob cannot inject markup
    assert "&lt;a&amp;b&gt;" in html and "<a&b>" not in html
