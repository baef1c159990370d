"""Generative adversarial networks (生成对抗网络): the training loop of DCGAN and WGAN-GP (torch).

A generator G maps noise z to images; a discriminator D (a *critic* in the
Wasserstein version) scores images as real or generated. They are trained
against each other (the networks are in :mod:`companion.gan.networks`, the
losses in :mod:`companion.gan.losses`):

- DCGAN (Radford et al., 2016) with the non-saturating losses of Goodfellow
  et al. (2014): D minimises the binary cross-entropy of real-vs-fake, G
  minimises −log D(G(z)).
- WGAN-GP (Gulrajani et al., 2017): the critic maximises E[D(real)] − E[D(fake)]
  with a penalty (‖∇D(x̂)‖ − 1)² on points x̂ between real and fake samples;
  G maximises E[D(G(z))].
"""

from dataclasses import dataclass, field

import torch

from companion.gan.losses import discriminator_loss, generator_loss, gradient_penalty
from companion.gan.networks import Discriminator, Generator
from companion.runtime.progress import progress_bar
from companion.training.loop import evaluating

KINDS = ("dcgan", "wgan-gp")


@dataclass
class GANHistory:
    """Per logged step: both losses and D's mean output on real and on generated images."""

    step: list[int] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    d_real: list[float] = field(default_factory=list)
    d_fake: list[float] = field(default_factory=list)
    snapshots: list[tuple[int, torch.Tensor]] = field(default_factory=list)


def train_gan(
    generator: Generator,
    discriminator: Discriminator,
    images: torch.Tensor,
    *,
    kind: str = "dcgan",
    steps: int = 1000,
    batch_size: int = 64,
    device: str = "cpu",
    seed: int = 0,
    log_every: int = 50,
    fixed_noise: torch.Tensor | None = None,
    snapshot_at: tuple[int, ...] = (),
    progress: bool = True,
) -> GANHistory:
    """Train G and D against each other for ``steps`` generator updates.

    Each step trains D on a real and a generated batch, then G on that same
    generated batch (the last one, for WGAN-GP's several critic steps), scored
    by the updated D.

    Args:
        generator: the generator, moved to ``device``.
        discriminator: the discriminator (DCGAN) or critic (WGAN-GP).
        images: real images (n, 1, 28, 28) scaled to [-1, 1], like G's Tanh output.
        kind: ``"dcgan"`` (one D step per G step, Adam 2e-4, β₁ 0.5) or
            ``"wgan-gp"`` (five critic steps per G step, penalty weight 10,
            Adam 1e-4, β = (0, 0.9)), each with its paper's settings.
        steps: generator updates.
        batch_size: images per step.
        device: where to train.
        seed: seeds the batch sampling (the models are seeded by their creator).
        log_every: record the history every this many steps.
        fixed_noise: noise whose images are kept at each of ``snapshot_at``.
        snapshot_at: the steps after which to keep ``generator(fixed_noise)``.
        progress: show a progress bar over the steps.

    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if images.dim() != 4 or images.shape[1:] != (1, 28, 28):
        raise ValueError(f"images must be (n, 1, 28, 28), got {tuple(images.shape)}")
    if images.min() < -1 or images.max() > 1:
        raise ValueError("scale images to [-1, 1] first, the range of the generator's Tanh")
    if steps < 1 or batch_size < 1 or log_every < 1:
        raise ValueError("steps, batch_size and log_every must be >= 1")
    generator.to(device).train()
    discriminator.to(device).train()
    images = images.to(device)
    wgan = kind == "wgan-gp"
    lr, betas, d_steps = (1e-4, (0.0, 0.9), 5) if wgan else (2e-4, (0.5, 0.999), 1)
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=betas)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=betas)
    sampler = torch.Generator(device="cpu").manual_seed(seed)
    history = GANHistory()

    def noise() -> torch.Tensor:
        return torch.randn(batch_size, generator.z_dim, generator=sampler).to(device)

    for step in progress_bar(range(1, steps + 1), desc=kind, enabled=progress):
        for _ in range(d_steps):
            real = images[torch.randint(len(images), (batch_size,), generator=sampler).to(device)]
            fake = generator(noise())  # the last critic step's fakes also train G
            # D has no batch norm, so one pass over both halves scores each image alone.
            real_out, fake_out = discriminator(torch.cat([real, fake.detach()])).split(batch_size)
            if wgan:
                d_loss = fake_out.mean() - real_out.mean()
                d_loss = d_loss + 10.0 * gradient_penalty(discriminator, real, fake.detach())
            else:
                d_loss = discriminator_loss(real_out, fake_out)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
        # G's step scores the same fakes against the updated D; D's weights need no gradient.
        discriminator.requires_grad_(False)
        fake_out = discriminator(fake)
        discriminator.requires_grad_(True)
        g_loss = -fake_out.mean() if wgan else generator_loss(fake_out)
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        if step % log_every == 0:
            squash = (lambda t: t) if wgan else torch.sigmoid  # DCGAN: report probabilities
            history.step.append(step)
            history.d_loss.append(d_loss.item())
            history.g_loss.append(g_loss.item())
            history.d_real.append(squash(real_out.detach()).mean().item())
            history.d_fake.append(squash(fake_out.detach()).mean().item())
        if fixed_noise is not None and step in snapshot_at:
            history.snapshots.append((step, sample_images(generator, fixed_noise)))
    return history


def sample_images(generator: Generator, noise: torch.Tensor) -> torch.Tensor:
    """Images for ``noise`` in eval mode (batch-norm running statistics), on the CPU."""
    device = next(generator.parameters()).device
    with evaluating(generator):
        return generator(noise.to(device)).cpu()
