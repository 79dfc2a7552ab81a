"""Helpers shared by the test packages (import them as ``from tests.helpers import ...``)."""

import subprocess
import sys
from pathlib import Path

#: The repository root (the folder holding ``physml/`` and ``bookkit/``).
ROOT = Path(__file__).resolve().parents[1]


def fresh_python(code: str) -> str:
    """Run ``code`` in a new Python interpreter at the repository root; return its stdout.

    For what a test cannot see in its own process, where earlier tests have already imported
    modules: which modules an import loads. A failing run raises ``CalledProcessError``.
    """
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout


def physml_modules() -> dict[str, Path]:
    """Every module of physml (package faces included) by dotted name, in the order of their paths.

    ``physml/lattice/__init__.py`` is ``physml.lattice``, ``physml/lattice/chains.py`` is
    ``physml.lattice.chains``; for the tests that walk the imports of each module (layers, cycles).
    """
    modules = {}
    for path in sorted((ROOT / "physml").rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        modules[".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)] = (
            path
        )
    return modules
