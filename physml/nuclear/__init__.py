"""Nuclear data and the physics baselines of the nuclear embeddings chapter (Kitouni thesis,
chapter 5 and appendix B; Nolte et al. 2024).

- :mod:`physml.nuclear.data`: NUBASE2020 ground states and Angeli-Marinova charge radii read
  from the installed ``nucleardatapy`` package; binding and separation energies, Q values.
- :mod:`physml.nuclear.semf`: the semi-empirical mass formula (textbook and fitted) and the
  shell term.
- :mod:`physml.nuclear.embedding`: the tidy multi-task dataset (invertible scaling) and the
  papers' embedding network with its training.
- :mod:`physml.nuclear.interpret`: the penultimate layer against the SEMF terms, PC
  truncation and a symbolic basis search.
"""

from physml.nuclear import data, embedding, interpret, semf
from physml.nuclear.data import load_charge_radii, load_nubase
from physml.nuclear.embedding import (
    EmbeddingSettings,
    MultiTaskData,
    NucleusNet,
    Scaler,
    multitask_data,
    split_nuclei,
)
from physml.nuclear.interpret import SymbolicFit, basis_search

__all__ = [
    "data",
    "embedding",
    "interpret",
    "semf",
    "load_charge_radii",
    "load_nubase",
    "MultiTaskData",
    "NucleusNet",
    "Scaler",
    "EmbeddingSettings",
    "multitask_data",
    "split_nuclei",
    "SymbolicFit",
    "basis_search",
]
