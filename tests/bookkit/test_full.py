"""The full-profile runner (bookkit.full) on a tiny fake book: a chapter of two code cells."""

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from bookkit import full
from tests.bookkit.conftest import NOTEBOOK_FRONT

FRONT = (
    NOTEBOOK_FRONT
    + """
# {title}

Some text.
"""
)

CELLS = """
```{{code-cell}} ipython3
import physml
from physml.claims import Abs

claims, gen = physml.start_chapter("{slug}", title="{title}", seed=0)
x = len(open("data.txt").read().split())  # a path relative to the chapter's folder
x
```

More text.

```{{code-cell}} ipython3
import matplotlib.pyplot as plt

plt.plot([0, 1], [0, x]); plt.show()
{extra}
for n in (1, 2):
    claims.claim(f"loop_{{n}}", n, reference=n, tolerance=Abs(0.5), source="arithmetic", kind="exact")
claims.claim("two", x, reference=2, tolerance=Abs(0.5), source="counting words", kind="exact")
claims.finish()
```
"""


def chapter_md(folder: Path, slug: str, extra: str = "") -> Path:
    md = folder / f"{slug}.md"
    md.write_text(
        FRONT.format(title=slug.title())
        + CELLS.format(slug=slug, title=slug.title(), extra=extra)
    )
    return md


@pytest.fixture
def book(tmp_path, monkeypatch):
    """A book with chapters ``demo`` (passes) and ``broken`` (raises after its first claim)."""
    root = tmp_path / "book-root"
    part = root / "book" / "part"
    part.mkdir(parents=True)
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n"
        "  - file: book/part/demo\n  - file: book/part/broken\n"
    )
    (root / "book" / "intro.md").write_text("# Intro\n")
    (part / "data.txt").write_text("two words\n")
    chapter_md(part, "demo")
    chapter_md(part, "broken", extra='raise RuntimeError("this chapter is broken")')
    monkeypatch.setenv("PHYSML_COMMIT", "c0ffee")
    monkeypatch.setenv("PHYSML_DEVICE", "cpu")
    monkeypatch.setenv("PHYSML_THREADS", "1")
    return root


def run(book, tmp_path, **kw):
    kw.setdefault("estimates", {})
    kw.setdefault("workers", [None])
    kw.setdefault("estimates_file", tmp_path / "estimates.json")
    chapters = kw.pop("chapters", [book / "book/part/demo.md"])
    return full.run(
        chapters,
        kw.pop("budget", None),
        kw.pop("out", book / "records/full"),
        kw.pop("redo", False),
        root=book,
        scripts_dir=tmp_path / "scripts",
        log_dir=tmp_path / "logs",
        log=lambda s: None,
        **kw,
    )


def test_script_runs_under_plain_python(book, tmp_path):
    md = book / "book/part/demo.md"
    text = full.script(md)
    assert (
        "_physml_display(x)" in text and "plt.plot([0, 1], [0, x]); plt.show()" in text
    )
    assert "# Some text." in text  # markdown kept as comments
    path = tmp_path / "demo.py"
    path.write_text(text)
    env = {
        **os.environ,
        "PHYSML_PROFILE": "quick",
        "PHYSML_RESULTS_DIR": str(tmp_path / "claims"),
        "MPLBACKEND": "module://not-a-backend",
    }  # the script sets Agg itself
    proc = subprocess.run(
        [sys.executable, str(path)],
        cwd=md.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "\n2\n" in proc.stdout  # the first cell's last expression, displayed
    assert (
        "counting words" in proc.stdout and "full: not run" in proc.stdout
    )  # the claims table
    recs = [
        json.loads(line)
        for line in (tmp_path / "claims/demo.jsonl").read_text().splitlines()
    ]
    assert [r.get("key") for r in recs] == ["loop_1", "loop_2", "two", None]


def test_magics_are_refused_and_matplotlib_magic_dropped(tmp_path):
    md = chapter_md(tmp_path, "magic", extra="!ls")
    with pytest.raises(full.ScriptError, match="magic or shell command"):
        full.script(md)
    md = chapter_md(tmp_path, "mpl", extra="%matplotlib inline")
    assert "pass  # %matplotlib inline" in full.script(md)


def test_runner_writes_records_with_run_facts(book, tmp_path):
    res = run(book, tmp_path)
    assert [r["status"] for r in res["ran"]] == ["ok"]
    recs = full.read_jsonl(book / "records/full/demo.jsonl")
    claims, run_rec = recs[:-1], recs[-1]
    assert [c["key"] for c in claims] == ["loop_1", "loop_2", "two"]
    assert all(
        c["commit"] == "c0ffee" and c["date"] and c["profile"] == "full" for c in claims
    )
    assert (
        run_rec["record"] == "chapter"
        and run_rec["status"] == "ok"
        and run_rec["profile"] == "full"
    )
    assert run_rec["device_name"] == "cpu" and run_rec["peak_gpu_mem_bytes"] == 0
    assert run_rec["torch"] and "cuda" in run_rec and run_rec["wall_s"] > 0
    assert (
        run_rec["commit"] == "c0ffee"
        and run_rec["date"].endswith("Z")
        and run_rec["n_claims"] == 3
    )
    assert (tmp_path / "logs/demo.log").is_file()
    # the estimates table learns the chapter's wall time
    assert json.loads((tmp_path / "estimates.json").read_text())["demo"]["seconds"] >= 0
    assert full.check_records(book) == []


def test_failed_chapter_is_recorded_cleanly(book, tmp_path):
    res = run(
        book, tmp_path, chapters=[book / "book/part/broken.md"], out=tmp_path / "out"
    )
    (rec,) = res["ran"]
    assert (
        rec["status"] == "failed"
        and "RuntimeError: this chapter is broken" in rec["error"]
    )
    recs = full.read_jsonl(tmp_path / "out/broken.jsonl")
    assert recs[-1]["status"] == "failed" and "Traceback" not in json.dumps(recs)
    assert "Traceback" in (tmp_path / "logs/broken.log").read_text()
    # merging ignores failed runs unless asked
    assert (
        full.merge(
            tmp_path / "out",
            book,
            estimates_file=tmp_path / "e.json",
            log=lambda s: None,
        )
        == []
    )
    assert not (book / "records/full/broken.jsonl").exists()


def test_recorded_chapters_are_skipped_unless_redo(book, tmp_path, monkeypatch):
    run(book, tmp_path)
    path = book / "records/full/demo.jsonl"
    first = path.read_text()
    res = run(book, tmp_path)
    assert (
        res["skipped_recorded"] == ["demo"]
        and res["ran"] == []
        and path.read_text() == first
    )
    res = run(book, tmp_path, redo=True)
    assert [r["chapter"] for r in res["ran"]] == ["demo"]
    monkeypatch.setenv("PHYSML_COMMIT", "another")
    res = run(book, tmp_path)
    assert [r["chapter"] for r in res["ran"]] == ["demo"]


def run_over_budget(book, tmp_path, **kw):
    """:func:`run` of both chapters, estimated at 30 s (demo) and 1000 s (broken), in 60 s."""
    chapters = [book / "book/part/demo.md", book / "book/part/broken.md"]
    estimates = {"demo": 30, "broken": 1000}
    return run(book, tmp_path, chapters=chapters, budget=60, estimates=estimates, **kw)


def test_budget_skips_chapters_that_do_not_fit(book, tmp_path):
    res = run_over_budget(book, tmp_path)
    assert res["skipped_budget"] == ["broken"] and [
        r["chapter"] for r in res["ran"]
    ] == ["demo"]
    assert not (book / "records/full/broken.jsonl").exists()


def test_start_all_ignores_guessed_estimates_and_logs_cells(book, tmp_path):
    res = run_over_budget(book, tmp_path, skip_by_estimate=False, out=tmp_path / "out")
    assert res["skipped_budget"] == [] and sorted(r["chapter"] for r in res["ran"]) == [
        "broken",
        "demo",
    ]
    log = (tmp_path / "logs/demo.log").read_text()
    assert (
        "[physml-full] cell 1 ended at" in log
        and "[physml-full] cell 2 ended at" in log
    )


def test_several_workers_share_a_device(monkeypatch):
    monkeypatch.setenv("PHYSML_DEVICE", "cpu")
    assert full.cuda_workers(per_device=3) == [None, None, None]
    with pytest.raises(ValueError, match="per_device"):
        full.cuda_workers(per_device=0)


def test_commit_from_environment_wins_over_git(tmp_path, monkeypatch):
    """On the device the tree travels with an older .git: the bundle's commit is the truth."""
    monkeypatch.setenv("PHYSML_COMMIT", "abc123")
    monkeypatch.setenv("PHYSML_TREE_DIRTY", "0")
    assert full.commit_info(Path(__file__).parents[2]) == {
        "commit": "abc123",
        "tree_dirty": False,
    }


def test_quick_dry_run_never_writes_records_full(book, tmp_path):
    with pytest.raises(ValueError, match="must not write"):
        run(book, tmp_path, profile="quick")


def test_merge_from_tar_and_check_records(book, tmp_path):
    run(book, tmp_path, out=tmp_path / "device/records")
    tar = tmp_path / "full-records.tar.gz"
    with tarfile.open(tar, "w:gz") as tf:
        tf.add(tmp_path / "device", arcname=".")
    assert full.merge(
        tar, book, estimates_file=tmp_path / "e.json", log=lambda s: None
    ) == ["demo"]
    assert full.check_records(book) == []
    # a key the chapter no longer makes, a record without commit, a file of no chapter
    path = book / "records/full/demo.jsonl"
    recs = full.read_jsonl(path)
    recs[0]["key"] = "gone"
    del recs[1]["commit"]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    (book / "records/full/nochapter.jsonl").write_text("")
    problems = "\n".join(full.check_records(book))
    assert "gone: the chapter demo.md makes no claim" in problems
    assert (
        "loop_2: no commit" in problems and "'nochapter' is not a chapter" in problems
    )
    assert "loop_1" not in problems  # f-string keys are matched by pattern


def test_one_worker_per_gpu_pins_the_device(book, tmp_path):
    chapters = [book / "book/part/demo.md", book / "book/part/broken.md"]
    res = run(
        book, tmp_path, chapters=chapters, workers=["0", "1"], out=tmp_path / "out"
    )
    assert sorted(r["chapter"] for r in res["ran"]) == ["broken", "demo"]
    heads = {
        (tmp_path / f"logs/{s}.log").read_text().split("\n", 1)[0]
        for s in ("demo", "broken")
    }
    assert {h.split("| GPU ")[1].split(" ")[0] for h in heads} == {"0", "1"}


def test_cli_dispatch_from_bookkit_main(book, capsys):
    from bookkit.build import main

    assert main(["full-check", "--root", str(book)]) == 0
    assert "no problems" in capsys.readouterr().out
