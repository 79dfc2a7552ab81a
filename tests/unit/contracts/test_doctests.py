"""The ``Examples:`` sections of the core modules' docstrings run as doctests (part of ``make test``).

Every example is seeded and prints rounded or exact values, so its output is the same on any
machine, thread count and run order. The examples run with the module's globals and
``ELLIPSIS`` (a ``...`` in an expected line or exception message matches anything).

It lives in contracts/ because it runs the examples of many modules.
"""

from __future__ import annotations

import doctest
import importlib

import pytest
import torch

# The modules whose docstrings carry runnable examples; add a module when it gains some.
MODULES = [
    "physml._checks",
    "physml.config",
    "physml.claims",
    "physml.stats",
    "physml.train",
    "physml.bayesian",
    "physml.plotting",
    "physml.uncertainty",
    "physml.representations",
    "physml.fits.regression",
    "physml.integration.primitive",
    "physml.integration.one_loop",
    "physml.integration.reference",
    "physml.amplitudes.phase_space",
    "physml.amplitudes.gluons",
    "physml.amplitudes.regression",
    "physml.fieldtheory.kernels",
    "physml.fieldtheory.pixels",
    "physml.fieldtheory.gp",
    "physml.lattice.chains",
    "physml.lattice.hmc",
    "physml.lattice.observables",
    "physml.lattice.correlators",
    "physml.lattice.measure",
    "physml.lattice.ising",
    "physml.lattice.phi4",
    "physml.lattice.reference",
    "physml.phases.classifier",
    "physml.phases.autoencoders",
    "physml.flows.box_muller",
    "physml.generative.toys",
    "physml.learning.effective_theory",
    "physml.lipschitz.toys",
    "physml.lipschitz.trigger",
    "physml.lipschitz.layers",
    "physml.unfolding.binned",
    "physml.unfolding.toys",
    "physml.nn",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name, tmp_path, monkeypatch):
    # claims examples record into a temporary results folder, never into the book's.
    monkeypatch.setenv("PHYSML_RESULTS_DIR", str(tmp_path))
    monkeypatch.delenv("PHYSML_PROFILE", raising=False)
    monkeypatch.setenv("CI", "1")  # the profile is "quick", as in make test
    module = importlib.import_module(name)
    rng_state = torch.get_rng_state()
    try:
        finder = doctest.DocTestFinder(exclude_empty=True)
        runner = doctest.DocTestRunner(
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        )
        tests = [t for t in finder.find(module, name) if t.examples]
        assert tests, f"{name} has no examples; remove it from MODULES or add some"
        for test in tests:
            runner.run(test)
        result = runner.summarize(verbose=False)
    finally:
        torch.set_rng_state(rng_state)
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} examples of {name} failed"
    )
