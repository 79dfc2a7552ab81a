"""The Colab install cell (bookkit.launch): one repository setting, the same cell in every chapter."""

import subprocess
import sys
from pathlib import Path

import pytest

from bookkit import launch
from bookkit.build import chapters

ROOT = Path(__file__).resolve().parents[2]


def test_cell_reads_the_one_repository_setting(tmp_path):
    (tmp_path / "_config.yml").write_text(
        "repository:\n  url: https://example.org/me/book/\n  branch: dev\n"
    )
    src = launch.colab_cell_source(tmp_path)
    assert '"physml @ git+https://example.org/me/book@dev"' in src
    assert max(len(line) for line in src.splitlines()) <= 88
    (tmp_path / "_config.yml").write_text("title: x\n")
    with pytest.raises(ValueError, match="repository.url"):
        launch.colab_cell_source(tmp_path)


def test_cell_does_nothing_off_colab(monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(launch.colab_cell_source(ROOT), {})
    assert calls == []
    monkeypatch.setitem(sys.modules, "google.colab", object())
    exec(launch.colab_cell_source(ROOT), {})
    assert len(calls) == 1 and calls[0][0][-1].startswith("physml @ git+")


def test_insert_then_replace_is_idempotent():
    text = "# T\n\nIntro.\n\n```{code-cell} ipython3\nimport physml\n```\n"
    once = launch.with_colab_cell(text, launch.colab_cell(ROOT))
    assert once.index(launch.TAG) < once.index("import physml")
    assert launch.with_colab_cell(once, launch.colab_cell(ROOT)) == once
    other = launch.colab_cell(ROOT).replace("physml/physml", "someone/else")
    assert "someone/else" in launch.with_colab_cell(once, other)
    assert launch.with_colab_cell(once, other).count(launch.TAG) == 1
    with pytest.raises(ValueError, match="no code cell"):
        launch.with_colab_cell("# T\n", launch.colab_cell(ROOT))


def test_every_chapter_carries_the_generated_cell_first():
    cell = launch.colab_cell(ROOT)
    for md in chapters(ROOT):
        text = md.read_text()
        first = text.index("```{code-cell}")
        assert text[first : first + len(cell)] == cell, (
            f"{md.name}: the first code cell is not the Colab install cell generated from _config.yml "
            "(run: python -m bookkit colab-cells, then jupytext --sync)"
        )


def test_download_carries_the_cached_outputs(tmp_path, notebook_front):
    """The executed notebook a reader downloads: the source with the outputs of the cache."""
    import nbformat

    from bookkit.build import cached_outputs, prime_cache, read_notebook

    md = tmp_path / "demo.md"
    md.write_text(
        notebook_front + "\n# Demo\n\n```{code-cell} ipython3\nprint(6 * 7)\n```\n"
    )
    cache = tmp_path / "cache"
    assert cached_outputs(md, cache) is None  # nothing cached yet: no executed notebook
    ran = read_notebook(md)
    ran.cells[-1].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="42\n")
    ]
    executed = tmp_path / "demo.ipynb"
    nbformat.write(ran, str(executed))
    assert prime_cache(cache, [(md, executed)]) == 1
    nb = cached_outputs(md, cache)
    assert nb is not None and nb.cells[-1].outputs[0]["text"] == "42\n"
    md.write_text(
        md.read_text().replace("6 * 7", "6 * 8")
    )  # the code changed: the cache is stale
    assert cached_outputs(md, cache) is None


def test_each_notebook_colab_runs_installs_from_the_one_setting(monkeypatch):
    """The first code cell of every chapter's .ipynb (the file the Colab button opens), executed
    with pip mocked: off Colab it runs nothing; with ``google.colab`` imported it runs one
    ``pip install`` of the package this repository builds, from ``_config.yml``'s repository."""
    import tomllib

    import nbformat

    url, branch = launch.repository(ROOT)
    name = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]
    for md in chapters(ROOT):
        nb = nbformat.read(str(md.with_suffix(".ipynb")), as_version=4)
        cell = next(c for c in nb.cells if c.cell_type == "code")
        assert launch.TAG in cell.metadata.get("tags", []), (
            f"{md.with_suffix('.ipynb').name}: the first code cell is not the install cell"
        )
        calls = []
        monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append((a, k)))
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
        exec(cell.source, {})
        assert calls == [], f"{md.name}: the install cell ran a command off Colab"
        monkeypatch.setitem(sys.modules, "google.colab", object())
        exec(cell.source, {})
        assert len(calls) == 1, f"{md.name}: {len(calls)} commands on Colab"
        (args,), kwargs = calls[0]
        assert args == [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            f"{name} @ git+{url}@{branch}",
        ], f"{md.name}: the install cell runs {args}"
        assert kwargs.get("check") is True, (
            f"{md.name}: a failed install would pass silently"
        )
