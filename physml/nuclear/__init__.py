"""Nuclear data and the physics baselines of the nuclear embeddings chapter (Kitouni thesis,
chapter 5 and appendix B; Nolte et al. 2024).

- :mod:`physml.nuclear.data`: NUBASE2020 ground states and Angeli-Marinova charge radii read
  from the installed ``nucleardatapy`` package; binding and separation energies, Q values.
- :mod:`physml.nuclear.semf`: the semi-empirical mass formula (textbook and fitted) and the
  shell term.
"""

from physml.nuclear import data, semf

__all__ = ["data", "semf"]
