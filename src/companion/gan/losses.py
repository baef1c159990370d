"""The losses that train a GAN: minimax, non-saturating, and the WGAN-GP penalty.

- DCGAN with the losses of Goodfellow et al. (2014): D minimises the binary
  cross-entropy of real-vs-fake; G minimises −log D(G(z)) (non-saturating) or
  log(1 − D(G(z))) (the original minimax form, whose gradient vanishes when D
  wins).
- WGAN-GP (Gulrajani et al., 2017): the critic maximises E[D(real)] − E[D(fake)]
  with a penalty (‖∇D(x̂)‖ − 1)² on points x̂ between real and fake samples.
"""

import torch
from torch import nn
from torch.nn import functional as F


def generator_loss(fake_logits: torch.Tensor, non_saturating: bool = True) -> torch.Tensor:
    """The generator's loss given D's logits on generated images.

    The minimax game asks G to minimise log(1 − D(G(z))), whose gradient
    vanishes when D confidently rejects the fakes, which is exactly the
    situation early in training. The non-saturating version minimises
    −log D(G(z)) instead: the same fixed point, but a strong gradient there.
    """
    if non_saturating:
        return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    return -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy for "real is 1, fake is 0", averaged over both halves."""
    real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return (real + fake) / 2


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Mean (‖∇ₓ D(x̂)‖ − 1)² at random points x̂ on lines between real and fake images."""
    if real.shape != fake.shape:
        raise ValueError(f"real and fake batches differ in shape: {real.shape} vs {fake.shape}")
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
