"""tests/unit mirrors the package (issue 19, "One clear house"): one test module per library module.

- ``physml/<sub>/<mod>.py`` is tested in ``tests/unit/<sub>/test_<mod>.py``;
- ``physml/<mod>.py`` is tested in ``tests/unit/test_<mod>.py`` (a private module ``physml/_<mod>.py``
  in ``tests/unit/test_<mod>.py``, without the underscore);
- the ``__init__`` faces are exempt: they define nothing and are checked, all at once, by
  ``tests/unit/contracts/test_package_faces.py``;
- a test parametrised over many modules (a contract every invertible map keeps, the NaN/inf sweep,
  the faces, this layout) lives in ``tests/unit/contracts/``, whose modules say why in their docstring;
- the build tools' tests live apart, in ``tests/bookkit/``; the book's structure tests in ``tests/structure/``.

``UNTESTED`` lists the modules without a test module of their own yet; it may only shrink (a
listed module that gains a test module fails here until it leaves the list).

It lives in tests/unit/contracts/ because it is a check over every module, not a test of one.
"""

from __future__ import annotations

import ast
import importlib
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "physml"
UNIT = ROOT / "tests" / "unit"
CONTRACTS = "contracts"

#: Modules with no test module of their own yet, and what exercises them meanwhile.
UNTESTED = {
    "generative.fitting": "its train() runs in generative/test_cfm.py and test_vae.py",
    "generative.networks": "the DDPM/CFM/VAE/GAN networks run in the generative tests",
    "lattice.chains": "the chain batches run in lattice/test_ising.py and test_phi4.py",
}


def _modules() -> list[str]:
    """Dotted names (without ``physml.``) of every library module, the ``__init__`` faces left out."""
    return sorted(
        ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
        for p in PACKAGE.rglob("*.py")
        if p.name != "__init__.py"
    )


def _test_path(module: str) -> Path:
    *sub, name = module.split(".")
    return UNIT.joinpath(*sub, f"test_{name.lstrip('_')}.py")


def _module_of(test_file: Path) -> str | None:
    """The library module a test file under tests/unit names, or None."""
    rel = test_file.relative_to(UNIT)
    name = rel.stem.removeprefix("test_")
    sub = rel.parts[:-1]
    for candidate in (name, "_" + name) if not sub else (name,):
        if PACKAGE.joinpath(*sub, candidate + ".py").is_file():
            return ".".join((*sub, candidate))
    return None


def _imported_modules(test_file: Path) -> list[str]:
    """The physml modules a test file imports (names from a face resolved to their defining module)."""
    found = set()
    for node in ast.walk(ast.parse(test_file.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("physml.")}
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] == "physml"
        ):
            for alias in node.names:
                try:
                    obj = importlib.import_module(f"{node.module}.{alias.name}")
                except ImportError:
                    try:
                        obj = getattr(importlib.import_module(node.module), alias.name)
                    except (ImportError, AttributeError):
                        found.add(node.module)
                        continue
                found.add(
                    obj.__name__
                    if isinstance(obj, types.ModuleType)
                    else getattr(obj, "__module__", None) or node.module
                )
    return sorted(
        m.removeprefix("physml.")
        for m in found
        if m.startswith("physml.") and not m.endswith("__init__")
    )


def _where(test_file: Path) -> str:
    imported = [m for m in _imported_modules(test_file) if m in _modules()]
    rel = (
        test_file.relative_to(ROOT)
        if test_file.is_relative_to(ROOT)
        else test_file.name
    )
    if not imported:
        return (
            f"{rel} names no physml module and imports none of its modules: a test of the build tools belongs in "
            f"tests/bookkit/, a test over many modules in tests/unit/{CONTRACTS}/ (say why in its docstring)"
        )
    homes = ", ".join(
        f"physml.{m} -> {_test_path(m).relative_to(ROOT)}" for m in imported
    )
    return (
        f"{rel} names no physml module. Move each of its tests to the test module of the module it "
        f"tests ({homes}), or, for a test parametrised over many modules, to tests/unit/{CONTRACTS}/"
    )


def test_every_module_has_its_test_module():
    missing = [
        f"physml.{m} -> {_test_path(m).relative_to(ROOT)}"
        for m in _modules()
        if m not in UNTESTED and not _test_path(m).is_file()
    ]
    assert not missing, "library modules without a test module:\n" + "\n".join(missing)


def test_untested_list_only_shrinks():
    stale = [m for m in UNTESTED if m not in _modules() or _test_path(m).is_file()]
    assert not stale, f"remove from UNTESTED (gone, or tested now): {stale}"


def test_every_test_module_names_a_library_module():
    strays = []
    for path in sorted(UNIT.rglob("test_*.py")):
        if path.relative_to(UNIT).parts[0] == CONTRACTS:
            continue
        if _module_of(path) is None:
            strays.append(_where(path))
    assert not strays, "\n".join(strays)


def test_folders_are_subpackages_and_packages():
    """Each folder is a physml subpackage (or contracts/) and has an __init__.py, so that
    tests/unit/generative/test_toys.py and tests/unit/lipschitz/test_toys.py do not clash."""
    for folder in [
        UNIT,
        *sorted(p for p in UNIT.rglob("*") if p.is_dir() and p.name != "__pycache__"),
    ]:
        assert (folder / "__init__.py").is_file(), (
            f"{folder.relative_to(ROOT)} has no __init__.py"
        )
        rel = folder.relative_to(UNIT)
        if rel.parts and rel.parts[0] != CONTRACTS:
            assert (PACKAGE.joinpath(*rel.parts) / "__init__.py").is_file(), (
                f"{folder.relative_to(ROOT)} is not a physml subpackage: move its tests (or into {CONTRACTS}/)"
            )


@pytest.mark.parametrize(
    "path", sorted((UNIT / CONTRACTS).glob("test_*.py")), ids=lambda p: p.name
)
def test_contracts_say_why_they_are_apart(path):
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert "contracts/" in doc, (
        f"{path.relative_to(ROOT)}: its docstring must say why it lives in contracts/"
    )


def test_a_stray_file_is_told_where_its_tests_belong(tmp_path):
    stray = tmp_path / "test_bayesian_composition.py"
    stray.write_text(
        "from physml import bayesian\nfrom physml.flows import CouplingFlow\n"
    )
    message = _where(stray)
    assert "physml.bayesian -> tests/unit/test_bayesian.py" in message
    assert "physml.flows.coupling -> tests/unit/flows/test_coupling.py" in message
