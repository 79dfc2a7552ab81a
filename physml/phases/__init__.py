"""Networks that learn phases of matter from lattice configurations.

- :mod:`physml.phases.classifier`: the lecture notes' CNN phase classifier, Z₂ augmentation, and
  average pooling as a block-spin step.
- :mod:`physml.phases.autoencoders`: the notes' autoencoder and variational autoencoder with a
  one-dimensional latent space, for finding the order parameter without labels.
"""

from physml.phases import autoencoders, classifier
from physml.phases.autoencoders import (
    Autoencoder,
    AutoencoderReplicas,
    VariationalAutoencoder,
    VariationalAutoencoderReplicas,
)
from physml.phases.classifier import (
    PhaseCNN,
    PhaseCNNReplicas,
    augment_z2,
    block_spin,
    ordered_probability,
    train_classifier,
)

__all__ = [
    "autoencoders",
    "classifier",
    "Autoencoder",
    "AutoencoderReplicas",
    "VariationalAutoencoder",
    "VariationalAutoencoderReplicas",
    "PhaseCNN",
    "PhaseCNNReplicas",
    "augment_z2",
    "block_spin",
    "ordered_probability",
    "train_classifier",
]
