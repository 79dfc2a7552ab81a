"""Launch and download: the Colab install cell of every chapter, generated from ``_config.yml``.

The repository address is one setting, ``repository.url`` (and ``repository.branch``) in
``_config.yml``: sphinx-book-theme builds the launch buttons from it, and :func:`sync_colab_cells`
writes it into the first code cell of every chapter, which installs ``physml`` from that repository
when the notebook runs on Google Colab and does nothing anywhere else. The cell is collapsed
(``hide-input``) and tagged ``physml-colab-install``; a structure test fails when a chapter's cell
differs from the one this module generates, so changing the address means editing ``_config.yml``
and running ``python -m bookkit colab-cells``.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bookkit.build import chapters

TAG = "physml-colab-install"
_CELL = re.compile(
    r"```\{code-cell\}[^\n]*\n:tags: \[[^\]]*" + TAG + r"[^\]]*\]\n.*?\n```\n\n?", re.S
)
_FIRST_CODE = re.compile(r"^```\{code-cell\}", re.M)


def repository(root: str | Path) -> tuple[str, str]:
    """``(url, branch)`` of ``repository`` in ``_config.yml``.

    Raises:
        ValueError: if ``_config.yml`` has no ``repository.url``.
    """
    cfg = yaml.safe_load((Path(root) / "_config.yml").read_text()) or {}
    repo = cfg.get("repository") or {}
    url = str(repo.get("url") or "").rstrip("/")
    if not url:
        raise ValueError(
            "_config.yml: repository.url is not set (the launch buttons and the "
            "Colab cell need it)"
        )
    return url, str(repo.get("branch") or "main")


def colab_cell_source(root: str | Path) -> str:
    """The code of the install cell: a pip install from the repository, only on Colab."""
    url, branch = repository(root)
    return (
        "# On Google Colab, install physml from the book's repository; elsewhere: nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        f'    spec = "physml @ git+{url}@{branch}"\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", spec], check=True)'
    )


def colab_cell(root: str | Path) -> str:
    """The install cell as a MyST code cell (collapsed, tagged)."""
    return f"```{{code-cell}} ipython3\n:tags: [hide-input, {TAG}]\n\n{colab_cell_source(root)}\n```\n\n"


def with_colab_cell(text: str, cell: str) -> str:
    """A chapter's MyST text with its install cell replaced, or inserted before its first code cell.

    Raises:
        ValueError: if the chapter has no code cell.
    """
    if _CELL.search(text):
        return _CELL.sub(lambda _: cell, text, count=1)
    first = _FIRST_CODE.search(text)
    if first is None:
        raise ValueError(
            "the chapter has no code cell to put the Colab install cell before"
        )
    return text[: first.start()] + cell + text[first.start() :]


def sync_colab_cells(root: str | Path) -> list[Path]:
    """Write the install cell into every chapter's ``.md``; returns the files that changed.

    The paired ``.ipynb`` files are not touched: run ``jupytext --sync`` on the changed files.
    """
    root = Path(root)
    cell, changed = colab_cell(root), []
    for md in chapters(root):
        text = md.read_text()
        new = with_colab_cell(text, cell)
        if new != text:
            md.write_text(new)
            changed.append(md)
    return changed
