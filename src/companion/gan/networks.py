"""The DCGAN generator and discriminator for 28×28 images (torch).

The generator G maps noise z to images through transposed convolutions; the
discriminator D (a *critic* in the Wasserstein version) maps images to one
score each. Radford et al. (2016) give the architecture's rules: strided
convolutions instead of pooling, batch normalisation, ReLU in G and Leaky
ReLU in D.
"""

import torch
from torch import nn


class Generator(nn.Module):
    """Noise (batch, z_dim) → images (batch, 1, 28, 28) in [-1, 1], by transposed convolutions."""

    def __init__(self, z_dim: int = 64, width: int = 64, batch_norm: bool = True):
        super().__init__()
        if z_dim < 1 or width < 1:
            raise ValueError(f"need z_dim >= 1 and width >= 1, got {z_dim}, {width}")
        self.z_dim = z_dim

        def norm(channels: int, dims: int) -> nn.Module:
            if not batch_norm:
                return nn.Identity()
            return nn.BatchNorm1d(channels) if dims == 1 else nn.BatchNorm2d(channels)

        self.net = nn.Sequential(
            nn.Linear(z_dim, 2 * width * 7 * 7), norm(2 * width * 7 * 7, 1), nn.ReLU(),
            nn.Unflatten(1, (2 * width, 7, 7)),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),  # 7 → 14
            norm(width, 2), nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1),  # 14 → 28
            nn.Tanh(),
        )  # fmt: skip

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Images for noise ``z`` (batch, z_dim)."""
        return self.net(z)


class Discriminator(nn.Module):
    """Images (batch, 1, 28, 28) → one real-vs-fake score (a logit, or a critic value) each."""

    def __init__(self, width: int = 64):
        super().__init__()
        if width < 1:
            raise ValueError(f"need width >= 1, got {width}")
        # No batch norm: WGAN-GP's penalty is per example, which batch statistics would break.
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),  # 28 → 14
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),  # 14 → 7
            nn.Flatten(), nn.Linear(2 * width * 7 * 7, 1),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scores (batch,)."""
        return self.net(x).squeeze(1)
