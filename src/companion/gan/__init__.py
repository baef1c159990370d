"""Chapter "Generative adversarial networks".

The networks, the losses, the training loop of DCGAN and WGAN-GP, and the Fréchet
distance that measures them.
"""

from .frechet import frechet_distance, gaussian_stats
from .losses import discriminator_loss, generator_loss, gradient_penalty
from .networks import Discriminator, Generator
from .training import KINDS, GANHistory, sample_images, train_gan

__all__ = [
    "Discriminator",
    "GANHistory",
    "Generator",
    "KINDS",
    "discriminator_loss",
    "frechet_distance",
    "gaussian_stats",
    "generator_loss",
    "gradient_penalty",
    "sample_images",
    "train_gan",
]
