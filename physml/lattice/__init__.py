"""Lattice models sampled by Monte Carlo: 2-D Ising, lattice φ⁴, HMC, ensemble observables.

- :mod:`physml.lattice.ising`: checkerboard Metropolis and Wolff cluster updates of many chains.
- :mod:`physml.lattice.kaufman`: the exact partition function of the finite periodic Ising
  model (Kaufman 1949) and Onsager's thermodynamic limit.
- :mod:`physml.lattice.van`: variational autoregressive networks (masked autoregressive models of
  the spins, REINFORCE training of the variational free energy, importance weights).
- :mod:`physml.lattice.phi4`: the φ⁴ action in the (κ, λ) parametrisation, its HMC sampler and
  the exact free propagator.
- :mod:`physml.lattice.hmc`: the leapfrog HMC step, for any action.
- :mod:`physml.lattice.observables`: susceptibility, specific heat and Binder cumulant with
  jackknife errors; peaks and crossings of sampled curves.
- :mod:`physml.lattice.correlators`: heat-kernel smoothing, the zero-momentum correlator, ξ.
- :mod:`physml.lattice.measure`: time series of φ⁴ observables from any sampler, their
  averages and autocorrelation times, and the dynamic exponent fit.
- :mod:`physml.lattice.reference`: Tables 3-6 of the notes' chapter 8.
- :mod:`physml.lattice.chains`: per-chain couplings, seeded generators and the
  thermalise-then-sample loop shared by the samplers.
"""

from physml.lattice import (
    chains,
    correlators,
    hmc,
    ising,
    kaufman,
    measure,
    observables,
    phi4,
    reference,
    van,
)
from physml.lattice.correlators import (
    correlation_length,
    heat_kernel_smooth,
    zero_momentum_correlator,
)
from physml.lattice.hmc import HMCStep, hmc_step, leapfrog
from physml.lattice.ising import T_C, IsingChains, wolff_cluster
from physml.lattice.measure import ExponentFit, Series, dynamic_exponent
from physml.lattice.observables import autocorrelation_time, estimates
from physml.lattice.phi4 import Phi4Chains, kappa_from_beta
from physml.lattice.van import VAN, VANEstimate, VANSettings

__all__ = [
    "chains",
    "correlators",
    "hmc",
    "ising",
    "kaufman",
    "measure",
    "observables",
    "phi4",
    "reference",
    "van",
    "correlation_length",
    "heat_kernel_smooth",
    "zero_momentum_correlator",
    "HMCStep",
    "hmc_step",
    "leapfrog",
    "T_C",
    "IsingChains",
    "wolff_cluster",
    "ExponentFit",
    "Series",
    "dynamic_exponent",
    "autocorrelation_time",
    "estimates",
    "Phi4Chains",
    "kappa_from_beta",
    "VAN",
    "VANEstimate",
    "VANSettings",
]
