"""Jets from a real generator, as images and as point clouds (Pawlowski and Plehn 2025,
Sec. 3.2.3-3.3.5).

- :mod:`physml.jets.kinematics`: four-momenta ``(E, px, py, pz)``: pT, eta, phi, mass,
  Minkowski products with a diagonal metric, Lorentz boosts.
- :mod:`physml.jets.sample`: :class:`JetSample`, labelled jets as constituent four-momenta.
- :mod:`physml.jets.generation`: top and QCD jets from Pythia 8 and FastJet
  (:class:`GeneratorSettings`, :func:`generate`, :func:`top_and_qcd`), in seeded chunks over any
  executor, cached on disk.
"""

from physml.jets import generation, kinematics, sample
from physml.jets.generation import GeneratorSettings, generate, top_and_qcd
from physml.jets.kinematics import (
    MINKOWSKI,
    boost,
    delta_phi,
    delta_r,
    eta,
    four_momentum,
    mass,
    mass_squared,
    minkowski_dot,
    phi,
    pt,
)
from physml.jets.sample import QCD, TOP, JetSample

__all__ = [
    "MINKOWSKI",
    "QCD",
    "TOP",
    "GeneratorSettings",
    "JetSample",
    "boost",
    "delta_phi",
    "delta_r",
    "eta",
    "four_momentum",
    "generate",
    "generation",
    "kinematics",
    "mass",
    "mass_squared",
    "minkowski_dot",
    "phi",
    "pt",
    "sample",
    "top_and_qcd",
]
