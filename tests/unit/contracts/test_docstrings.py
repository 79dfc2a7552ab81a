"""Every public function and class of physml follows the docstring template (Google style).

The template (Google style, rendered by napoleon on the API page, book/api.md):

- a one-line summary, then a blank line;
- ``Args:`` naming every argument (besides ``self``), with shape, dtype and units;
- ``Returns:`` (or ``Yields:``) for a function that returns something;
- ``Raises:`` when the function (a class: its ``__init__``) raises;
- ``References:`` where a paper or an equation is the source;
- ``Used in:``, a list of ``:doc:`` references to the chapters that call it, e.g.
  ``- :doc:`/book/foundations/fits-likelihoods-uncertainties```; the strict book build
  (``-W -n``) fails when a referenced chapter is renamed, and this test when its file is gone;
- ``Examples:`` (doctests, run by tests/unit/contracts/test_doctests.py) in the core modules.

Public: the names in a module's ``__all__`` (the package faces), else its module-level names
without a leading underscore, that are functions or classes defined in that module; private
modules (``physml._checks``) are left out.

It lives in contracts/ because it walks every module of physml.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import physml

ROOT = Path(__file__).resolve().parents[3]

# Public, but no chapter calls them (directly or through physml): they have no "Used in:".
NO_CHAPTER: set[str] = {
    "physml.stats.mean_with_error",
    "physml.stats.roc_curve",
    "physml.stats.rejection_at",
    "physml.stats.mmd",
    "physml.lattice.observables.autocorrelation_time",
    "physml.lattice.correlators.heat_kernel_smooth",
    "physml.lattice.ising.magnetization",
    "physml.lattice.ising.energy",
    "physml.lattice.ising.exact_moments",
    "physml.lattice.phi4.free_propagator",
    "physml.phases.autoencoders.Autoencoder",  # the chapter uses AutoencoderReplicas
    "physml.phases.autoencoders.VariationalAutoencoder",
    "physml.learning.effective_theory.losses",
    "physml.lipschitz.layers.slope_bounds",
    "physml.generative.gan.discriminator_loss_at_optimum",
    "physml.jets.substructure.w_candidate_mass",
    "physml.jets.toy.toy_jets",  # the unit tests' jets with known substructure
}

SECTION = re.compile(r"^(\w[\w ]*):\s*$")
DOC_REF = re.compile(r"^- :doc:`(/book/[\w/-]+)`")
OPTIONAL_PARAMS = {"self", "cls"}


def public_modules() -> list[str]:
    names = ["physml"] + [
        m.name for m in pkgutil.walk_packages(physml.__path__, "physml.")
    ]
    return sorted(
        n for n in names if not any(part.startswith("_") for part in n.split("."))
    )


def public_objects() -> dict[str, object]:
    found = {}
    for modname in public_modules():
        module = importlib.import_module(modname)
        names = getattr(module, "__all__", None)
        if names is None:
            names = [n for n in vars(module) if not n.startswith("_")]
        for name in names:
            obj = getattr(module, name)
            if (
                inspect.isfunction(obj) or inspect.isclass(obj)
            ) and obj.__module__ == modname:
                found[f"{modname}.{name}"] = obj
    return found


def sections(doc: str) -> dict[str, list[str]]:
    """The docstring's Google sections (at the base indent) and their dedented lines."""
    out: dict[str, list[str]] = {}
    current = None
    for line in doc.splitlines():
        match = SECTION.match(line)
        if match and not line.startswith(" "):
            current = match.group(1)
            out[current] = []
        elif current is not None:
            if line and not line.startswith(" "):
                current = None  # back to free text at the base indent
            else:
                out[current].append(line.strip())
    return {k: [x for x in v if x] for k, v in out.items()}


def parameters(obj) -> list[str]:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return []
    return [
        p.name
        for p in sig.parameters.values()
        if p.name not in OPTIONAL_PARAMS
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def raises(obj) -> bool:
    """Whether the function's own body (a class: its ``__init__``/``__post_init__``) raises."""
    targets = (
        [obj]
        if inspect.isfunction(obj)
        else [vars(obj)[n] for n in ("__init__", "__post_init__") if n in vars(obj)]
    )
    for target in targets:
        try:
            source = inspect.getsource(target)
        except (OSError, TypeError):  # pragma: no cover
            continue
        if re.search(r"^\s+raise \w", source, re.MULTILINE):
            return True
    return False


def problems(qualname: str, obj) -> list[str]:
    doc = inspect.getdoc(obj) or ""
    if inspect.isclass(obj) and doc == inspect.getdoc(obj.__mro__[1]):
        doc = ""  # inherited, not its own
    if not doc.strip():
        return ["no docstring"]
    found = []
    lines = doc.splitlines()
    if len(lines) > 1 and lines[1].strip():
        found.append("the summary is not one line followed by a blank line")
    secs = sections(doc)
    params = parameters(obj)
    if params:
        if "Args" not in secs:
            found.append(f"no Args: section (arguments {params})")
        else:
            documented = {
                m.group(1)
                for x in secs["Args"]
                if (m := re.match(r"^\*{0,2}(\w+)(?: \([^)]*\))?:", x))
            }
            missing = [p for p in params if p not in documented]
            if missing:
                found.append(f"Args: does not name {missing}")
    if inspect.isfunction(obj):
        ret = inspect.signature(obj).return_annotation
        if ret not in (None, "None") and "Returns" not in secs and "Yields" not in secs:
            found.append("no Returns: section")
    for name in ("Returns", "Yields"):
        first = secs.get(name, [""])[0] if secs.get(name) else ""
        if ":" in re.sub(r"``.*?``|:\w+:`[^`]*`|`[^`]*`", "", first):
            # napoleon reads the text before a colon as the return type (a broken reference)
            found.append(
                f"the first line of {name}: has a colon outside code: {first!r}"
            )
    if re.search(
        r"(?<![\w`|])\|[^\s|`][^|`]*\|(?![\w`|])",
        re.sub(r"``.*?``", "", doc, flags=re.DOTALL),
    ):
        found.append(
            "|...| outside code is a reST substitution (an error in the book build)"
        )
    if raises(obj) and "Raises" not in secs:
        found.append("raises but has no Raises: section")
    if qualname not in NO_CHAPTER:
        entries = secs.get("Used in", [])
        if not entries:
            found.append('no "Used in:" section')
        for entry in entries:
            match = DOC_REF.match(entry)
            if not match:
                found.append(f"Used in entry is not '- :doc:`/book/...`': {entry!r}")
            elif not (ROOT / (match.group(1).lstrip("/") + ".md")).is_file():
                found.append(
                    f"Used in names a chapter that does not exist: {match.group(1)}"
                )
    elif "Used in" in secs:
        found.append("listed in NO_CHAPTER but has a Used in: section")
    return found


OBJECTS = public_objects()


@pytest.mark.parametrize("qualname", sorted(OBJECTS))
def test_docstring_follows_the_template(qualname):
    found = problems(qualname, OBJECTS[qualname])
    assert not found, f"{qualname}: " + "; ".join(found)


def test_no_chapter_list_is_current():
    stale = sorted(NO_CHAPTER - set(OBJECTS))
    assert not stale, f"NO_CHAPTER entries that name no public object: {stale}"


def test_used_in_references_resolve_in_module_docstrings():
    # Module docstrings may name chapters in a sentence; those :doc: references must exist too.
    for modname in public_modules():
        doc = importlib.import_module(modname).__doc__ or ""
        for ref in re.findall(r":doc:`(/book/[\w/-]+)`", doc):
            assert (ROOT / (ref.lstrip("/") + ".md")).is_file(), (
                f"{modname}: {ref} does not exist"
            )
