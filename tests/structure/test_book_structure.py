"""Structure of the book: pairing, table of contents, claims, metadata agreement."""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest
import tomllib
import yaml

from bookkit import build as book

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = book.chapters(ROOT)
IDS = [str(p.relative_to(ROOT)) for p in CHAPTERS]


def test_there_are_chapters():
    assert CHAPTERS, "no chapter notebooks found in _toc.yml"


def test_toc_names_only_existing_files_and_every_page_is_listed():
    listed = {p.resolve() for p in book.toc_files(ROOT)}
    missing = [str(p) for p in listed if not p.is_file()]
    assert not missing, f"_toc.yml names missing files: {missing}"
    pages = {p.resolve() for p in (ROOT / "book").rglob("*.md")}
    unlisted = sorted(str(p.relative_to(ROOT)) for p in pages - listed)
    assert not unlisted, f"pages missing from _toc.yml: {unlisted}"


def _cells(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_paired_ipynb_exists_matches_and_has_no_outputs(md):
    ipynb = md.with_suffix(".ipynb")
    assert ipynb.is_file(), (
        f"{ipynb.relative_to(ROOT)} is missing: run `jupytext --sync {md.relative_to(ROOT)}`"
    )
    paired = nbformat.read(str(ipynb), as_version=4)
    assert _cells(jupytext.read(md, fmt="md:myst")) == _cells(paired), (
        f"{ipynb.name} differs from its .md: run `jupytext --sync {md.relative_to(ROOT)}`"
    )
    for i, cell in enumerate(paired.cells):
        if cell.cell_type == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None, (
                f"{ipynb.name} cell {i} carries outputs: strip them before committing"
            )


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_chapter_makes_claims_and_declares_sizes(md):
    nb = jupytext.read(md, fmt="md:myst")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert re.search(r"\bclaims\.claim\(", code), f"{md.name} makes no claim"
    assert "claims.finish()" in code, (
        f"{md.name} does not finish its claims (no results table)"
    )
    assert "start_chapter(" in code, f"{md.name} does not call physml.start_chapter"
    assert "Sizes(" in code, f"{md.name} declares no Sizes for the two profiles"


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_chapter_imports_physml_through_the_package_faces(md):
    """Chapters import from a subpackage's face (``from physml.learning import AdditionTask``),
    never from the module behind it (issue 19); the shared blocks are modules of physml itself."""
    nb = jupytext.read(md, fmt="md:myst")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    deep = re.findall(r"^\s*(?:from|import) (physml\.\w+\.\w+)", code, flags=re.M)
    assert not deep, (
        f"{md.name} imports past the package faces: {deep}; import the name from the "
        "subpackage (add it to the face's __all__ if it is missing)"
    )


def _req_name(req: str) -> str:
    return re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_agrees_with_pyproject():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(meta["dependencies"]) + [
        r for extra in meta["optional-dependencies"].values() for r in extra
    ]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(
        d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d
    )
    assert "-e ." in pip, "environment.yml must install physml itself with pip (-e .)"
    listed = [r for r in pip if r != "-e ."]
    pins = [r for r in listed if "==" in r]
    ranges = [r for r in listed if "==" not in r]
    assert sorted(ranges) == sorted(wanted), (
        "environment.yml and pyproject.toml list different requirements"
    )
    assert [_req_name(p) for p in pins] == ["torch"], (
        "only torch is pinned exactly, as in the Makefile"
    )
    makefile = (ROOT / "Makefile").read_text()
    assert f"TORCH_PIN := {pins[0]}" in makefile, (
        "the torch pin differs between environment.yml and Makefile"
    )


def test_config_excludes_paired_notebooks_and_sets_timeout():
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert "**.ipynb" in cfg["exclude_patterns"]
    assert (
        cfg["execute"]["timeout"] > 0 and cfg["execute"]["execute_notebooks"] == "cache"
    )
    exts = cfg["parse"]["myst_enable_extensions"]
    assert {"dollarmath", "amsmath", "colon_fence"} <= set(exts)
