"""Jets from a real generator, as images and as point clouds (Pawlowski and Plehn 2025,
Sec. 3.2.3-3.3.5).

- :mod:`physml.jets.kinematics`: four-momenta ``(E, px, py, pz)``: pT, eta, phi, mass,
  Minkowski products with a diagonal metric, Lorentz boosts.
- :mod:`physml.jets.sample`: :class:`JetSample`, labelled jets as constituent four-momenta.
"""

from physml.jets import kinematics, sample
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
    "JetSample",
    "boost",
    "delta_phi",
    "delta_r",
    "eta",
    "four_momentum",
    "kinematics",
    "mass",
    "mass_squared",
    "minkowski_dot",
    "phi",
    "pt",
    "sample",
]
