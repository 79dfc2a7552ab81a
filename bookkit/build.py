"""Build machinery of the executable book (not called by chapters; imports physml, never the reverse).

- :func:`fingerprint`: a hash of ``physml``'s source and the profile. The Jupyter Book execution
  cache lives in a folder named by it, so changing the library or the profile re-executes the
  chapters (jupyter-cache itself hashes only the cells' code).
- :func:`chapters`: the chapter notebooks named in ``_toc.yml``.
- :func:`stale_chapters` and :func:`prime_cache`: which chapters the cache lacks, and adding
  notebooks executed elsewhere (by nbmake in ``make test``, by :func:`execute` in ``make book``)
  to the cache, so that the book build renders them without executing them again.
- :func:`execute`: run chapters in parallel, report a failing chapter's cell and traceback.
- :func:`results_dir`: where the chapters of this build record their claims (the build sets
  ``PHYSML_RESULTS_DIR`` to it for every kernel it starts).
- :func:`write_scoreboard`: the scoreboard's tables from the recorded claims.

Command line: ``python -m bookkit {fingerprint,results-dir,link-cache,stage,execute,prime,scoreboard,
colab-cells}`` (``colab-cells``: ``bookkit.launch.sync_colab_cells``);
the full-profile runner: ``python -m bookkit {full,full-bundle,full-merge,full-check,full-script}``
(``bookkit.full``); the share of each page that is code: ``python -m bookkit code-share``
(``bookkit.codeshare``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml


def fingerprint(root: str | Path, profile: str) -> str:
    """Hash of every ``physml/**/*.py`` file under ``root`` (paths and contents) and the profile."""
    root = Path(root)
    h = hashlib.sha256(f"profile={profile}\n".encode())
    for path in sorted((root / "physml").rglob("*.py")):
        h.update(
            str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0"
        )
    return h.hexdigest()[:16]


def results_dir(root: str | Path, profile: str) -> Path:
    """The claims folder of a build: ``<root>/_build/claims/<fingerprint>``."""
    root = Path(root).resolve()
    return root / "_build" / "claims" / fingerprint(root, profile)


def use_results_dir(root: str | Path, profile: str) -> Path:
    """Point ``PHYSML_RESULTS_DIR`` (read by :func:`physml.config.results_dir`) at this build's
    claims folder, for the kernels started from this process; returns the folder."""
    folder = results_dir(root, profile)
    os.environ["PHYSML_RESULTS_DIR"] = str(folder)
    return folder


def _toc_files(entries: list) -> list[str]:
    out: list[str] = []
    for entry in entries or []:
        if "file" in entry:
            out.append(entry["file"])
        for key in ("sections", "chapters"):
            out += _toc_files(entry.get(key, []))
        for part in entry.get("parts", []):
            out += _toc_files(part.get("chapters", []))
    return out


def toc_files(root: str | Path) -> list[Path]:
    """Every page named in ``_toc.yml`` (root, parts, chapters, sections), as ``.md`` paths."""
    root = Path(root)
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    names = (
        [toc["root"]]
        + _toc_files(toc.get("parts", []))
        + _toc_files(toc.get("chapters", []))
    )
    return [root / (n if n.endswith(".md") else n + ".md") for n in names]


def is_notebook(md: Path) -> bool:
    """Whether a MyST Markdown page is a jupytext notebook (it declares a kernelspec)."""
    text = md.read_text()
    if not text.startswith("---"):
        return False
    front = yaml.safe_load(text.split("---", 2)[1]) or {}
    return "kernelspec" in front


def chapters(root: str | Path) -> list[Path]:
    """The notebook pages of the book, in table-of-contents order."""
    return [p for p in toc_files(root) if p.is_file() and is_notebook(p)]


def read_notebook(md: Path):
    """A chapter's ``.md`` read as a notebook, as Jupyter Book reads it."""
    import jupytext

    return jupytext.read(md, fmt="md:myst")


def stale_chapters(root: str | Path, cache_dir: str | Path) -> list[Path]:
    """The chapters whose current code has no executed notebook in the cache."""
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_dir))
    stale = []
    for md in chapters(root):
        try:
            cache.match_cache_notebook(read_notebook(md))
        except KeyError:
            stale.append(md)
    return stale


def with_outputs(md: Path, executed: Path):
    """The chapter as read from its ``.md``, carrying the outputs of an executed copy.

    The cache is keyed by the code cells and their metadata; executors add timing metadata, so
    the outputs are moved onto the notebook read from the source instead of caching the executed
    file as it is. Returns None when the executed copy does not match the source or has no outputs.
    """
    import nbformat

    nb = read_notebook(md)
    run = nbformat.read(str(executed), as_version=4)
    src = [c for c in nb.cells if c.cell_type == "code"]
    ran = [c for c in run.cells if c.cell_type == "code"]
    if len(src) != len(ran) or any(a.source != b.source for a, b in zip(src, ran)):
        return None
    if not any(c.get("outputs") for c in ran):
        return None
    for a, b in zip(src, ran):
        a.outputs, a.execution_count = b.get("outputs", []), b.get("execution_count")
    return nb


def cached_outputs(md: Path, cache_dir: str | Path):
    """The chapter read from its ``.md`` with the outputs of its executed copy in the Jupyter
    cache (what a reader downloads), or None when the cache holds no run of its current code."""
    from jupyter_cache import get_cache

    nb = read_notebook(md)
    try:
        cache = get_cache(str(cache_dir))
        record = cache.match_cache_notebook(nb)
        ran = cache.get_cache_bundle(record.pk).nb
    except (
        Exception
    ):  # no cache folder, no match, an unreadable record: no executed notebook
        return None
    src = [c for c in nb.cells if c.cell_type == "code"]
    done = [c for c in ran.cells if c.cell_type == "code"]
    if len(src) != len(done):
        return None
    for a, b in zip(src, done):
        a.outputs, a.execution_count = b.get("outputs", []), b.get("execution_count")
    return nb


def prime_cache(cache_dir: str | Path, pairs: list[tuple[Path, Path]]) -> int:
    """Add executed chapters, given as (source .md, executed .ipynb) pairs, to the cache."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(cache_dir))
    n = 0
    for md, executed in pairs:
        nb = with_outputs(md, executed) if executed.is_file() else None
        if nb is None:
            continue  # not executed, or executed from other code
        cache.cache_notebook_bundle(
            CacheBundleIn(nb, str(md)), check_validity=False, overwrite=True
        )
        n += 1
    return n


def executed_pairs(root: Path, folder: Path) -> list[tuple[Path, Path]]:
    """(chapter .md, its executed .ipynb under ``folder``) for every chapter of the book."""
    return [
        (md, folder / md.relative_to(root).with_suffix(".ipynb"))
        for md in chapters(root)
    ]


def _execute_one(args: tuple[str, str, int]) -> tuple[str, float, str | None]:
    md, out, timeout = args
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = read_notebook(Path(md))
    t0 = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(Path(md).parent)}},
    )
    error = None
    try:
        client.execute()
    except CellExecutionError as err:
        error = str(err)
    except Exception as err:  # kernel died, timeout, ...
        error = f"{type(err).__name__}: {err}"
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    if error is None:
        nbformat.write(nb, out)
    return md, time.perf_counter() - t0, error


def execute(
    root: str | Path,
    mds: list[Path],
    out_dir: str | Path,
    jobs: int = 2,
    timeout: int = 900,
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Execute chapters (``jobs`` at a time) into ``out_dir``; returns (executed, failures)."""
    root, out_dir = Path(root), Path(out_dir)
    tasks = [
        (str(md), str(out_dir / md.relative_to(root).with_suffix(".ipynb")), timeout)
        for md in mds
    ]
    done, failed = [], []
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        for md, secs, error in pool.map(_execute_one, tasks):
            rel = Path(md).relative_to(root)
            if error is None:
                print(f"  executed {rel} in {secs:.1f} s", flush=True)
                done.append(out_dir / rel.with_suffix(".ipynb"))
            else:
                print(
                    f"\n*** chapter {rel} FAILED after {secs:.1f} s ***\n{error}\n",
                    flush=True,
                )
                failed.append((Path(md), error))
    return done, failed


def stage(root: str | Path, out_dir: Path) -> list[Path]:
    """Write every chapter's ``.md`` as an ``.ipynb`` (no outputs) under ``out_dir``, for nbmake."""
    import jupytext

    root = Path(root)
    written = []
    for md in chapters(root):
        out = out_dir / md.relative_to(root).with_suffix(".ipynb")
        out.parent.mkdir(parents=True, exist_ok=True)
        jupytext.write(read_notebook(md), out, fmt="ipynb")
        written.append(out)
    return written


def write_scoreboard(root: str | Path, claims_dir: str | Path, out: str | Path) -> str:
    """Write the scoreboard tables (MyST Markdown) for the book's scoreboard page."""
    from bookkit.scoreboard import scoreboard_markdown

    text = scoreboard_markdown(root, claims_dir)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists() or out.read_text() != text:
        out.write_text(text)
    return text


def link_cache(build: Path, fp: str) -> Path:
    """Point ``<build>/.jupyter_cache`` at the cache folder of fingerprint ``fp``."""
    target = build / "jupyter_cache" / fp
    target.mkdir(parents=True, exist_ok=True)
    link = build / ".jupyter_cache"
    if link.is_symlink() or link.exists():
        if link.is_symlink() and os.readlink(link) == os.path.relpath(target, build):
            return target
        if link.is_dir() and not link.is_symlink():
            import shutil

            shutil.rmtree(link)
        else:
            link.unlink()
    link.symlink_to(os.path.relpath(target, build))
    return target


#: Subcommands of the full-profile runner (``bookkit.full``).
FULL_COMMANDS = ("full", "full-bundle", "full-merge", "full-check", "full-script")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in FULL_COMMANDS:
        from bookkit.full import main as full_main

        return full_main(argv)
    if argv and argv[0] == "code-share":
        from bookkit.codeshare import main as share_main

        return share_main(argv[1:])
    from physml import config

    parser = argparse.ArgumentParser(
        prog="python -m bookkit", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "command",
        choices=[
            "fingerprint",
            "results-dir",
            "link-cache",
            "stage",
            "execute",
            "prime",
            "scoreboard",
            "colab-cells",
        ],
    )
    parser.add_argument(
        "paths",
        nargs="*",
        help="stage: output folder; execute: chapters to run even if cached; prime: executed folder",
    )
    parser.add_argument("--root", default=".")
    parser.add_argument("--build", default="_build")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    root, build = Path(args.root).resolve(), Path(args.build).resolve()
    fp = fingerprint(root, config.profile())
    claims_dir = use_results_dir(root, config.profile())
    if args.command == "fingerprint":
        print(fp)
    elif args.command == "results-dir":
        print(claims_dir)
    elif args.command == "link-cache":
        print(link_cache(build, fp))
    elif args.command == "execute":
        cache_dir = link_cache(build, fp)
        stale = [Path(p).resolve() for p in args.paths] or stale_chapters(
            root, cache_dir
        )
        print(
            f"{len(stale)} of {len(chapters(root))} chapters to execute "
            f"(profile {config.profile()}, cache {fp})",
            flush=True,
        )
        done, failed = execute(root, stale, build / "executed", jobs=args.jobs)
        prime_cache(
            cache_dir,
            [
                (md, build / "executed" / md.relative_to(root).with_suffix(".ipynb"))
                for md in stale
            ],
        )
        if failed:
            print(
                "Chapters that failed: "
                + ", ".join(str(p.relative_to(root)) for p, _ in failed)
            )
            return 1
    elif args.command == "stage":
        if len(args.paths) != 1:
            parser.error("stage takes one output folder")
        for path in stage(root, Path(args.paths[0])):
            print(f"  staged {path}")
    elif args.command == "prime":
        if len(args.paths) != 1:
            parser.error(
                "prime takes the folder of executed notebooks (as written by stage)"
            )
        cache_dir = link_cache(build, fp)
        n = prime_cache(cache_dir, executed_pairs(root, Path(args.paths[0]).resolve()))
        print(f"cached {n} executed notebook(s) in {cache_dir}")
    elif args.command == "scoreboard":
        write_scoreboard(root, claims_dir, build / "scoreboard.md")
    elif args.command == "colab-cells":
        from bookkit.launch import sync_colab_cells

        for md in sync_colab_cells(root):
            print(
                f"updated the Colab install cell of {md.relative_to(root)} (run jupytext --sync on it)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
