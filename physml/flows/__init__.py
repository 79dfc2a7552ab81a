"""Normalizing flows for physics.

- :mod:`physml.flows.checkerboard`: checkerboard affine coupling layers for lattice fields with
  tanh CNNs and the Z₂-equivariant ``|s|`` form, and the trivializing flow built from them.
- :mod:`physml.flows.trivializing`: reverse-KL training from the action alone, the flow as an
  independent Metropolis proposal, and flow HMC.
"""

from physml.flows import checkerboard, trivializing
from physml.flows.checkerboard import TrivializingFlow

__all__ = ["checkerboard", "trivializing", "TrivializingFlow"]
