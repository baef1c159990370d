import pytest
import torch

from companion.gan.losses import discriminator_loss, generator_loss, gradient_penalty
from companion.gan.networks import Discriminator, Generator
from companion.gan.training import sample_images, train_gan
from companion.training.loop import load_weights, save_weights


def test_shapes_and_range():
    torch.manual_seed(0)
    g, d = Generator(z_dim=8, width=4), Discriminator(width=4)
    images = g(torch.randn(5, 8))
    assert images.shape == (5, 1, 28, 28) and images.abs().max() <= 1
    assert d(images).shape == (5,)
    assert not any(
        isinstance(m, torch.nn.BatchNorm1d) for m in Generator(8, 4, batch_norm=False).modules()
    )


def test_non_saturating_loss_keeps_its_gradient_where_minimax_vanishes():
    logit = torch.tensor([-8.0], requires_grad=True)  # D is sure the fake is fake
    (g_ns,) = torch.autograd.grad(generator_loss(logit, non_saturating=True), logit)
    (g_mm,) = torch.autograd.grad(generator_loss(logit, non_saturating=False), logit)
    assert abs(g_mm.item()) < 1e-3 < 0.99 < abs(g_ns.item())
    # The minimax form is log(1 - D(G(z))), as the formula says.
    assert generator_loss(logit, non_saturating=False).item() == pytest.approx(
        torch.log(1 - torch.sigmoid(logit)).item(),
        rel=1e-2,  # float32 rounding near 1
    )


def test_discriminator_loss_is_low_for_a_confident_correct_discriminator():
    good = discriminator_loss(torch.full((4,), 6.0), torch.full((4,), -6.0))
    bad = discriminator_loss(torch.full((4,), -6.0), torch.full((4,), 6.0))
    assert good < 0.01 < 5 < bad


def test_gradient_penalty_is_zero_for_a_unit_slope_critic():
    weight = torch.zeros(1, 28, 28)
    weight[0, 0, 0] = 1.0  # D(x) = x[0, 0, 0]: gradient norm exactly 1 everywhere

    def critic(x):
        return (x * weight).flatten(1).sum(1)

    real, fake = torch.randn(6, 1, 28, 28), torch.randn(6, 1, 28, 28)
    assert gradient_penalty(critic, real, fake).item() == pytest.approx(0.0, abs=1e-10)
    assert gradient_penalty(lambda x: 3 * critic(x), real, fake).item() == pytest.approx(4.0)
    with pytest.raises(ValueError, match="differ in shape"):
        gradient_penalty(critic, real, fake[:3])


@pytest.mark.parametrize("kind", ["dcgan", "wgan-gp"])
def test_training_runs_logs_and_snapshots(kind):
    torch.manual_seed(0)
    images = torch.rand(64, 1, 28, 28) * 2 - 1
    g, d = Generator(8, 4), Discriminator(4)
    noise = torch.randn(4, 8)
    history = train_gan(
        g,
        d,
        images,
        kind=kind,
        steps=6,
        batch_size=8,
        log_every=2,
        fixed_noise=noise,
        snapshot_at=(3, 6),
        progress=False,
    )
    assert history.step == [2, 4, 6] and len(history.d_loss) == 3
    assert [s for s, _ in history.snapshots] == [3, 6] and history.snapshots[0][1].shape == (
        4,
        1,
        28,
        28,
    )


def test_bad_input_is_refused():
    g, d = Generator(8, 4), Discriminator(4)
    with pytest.raises(ValueError, match="kind"):
        train_gan(g, d, torch.zeros(4, 1, 28, 28), kind="vae")
    with pytest.raises(ValueError, match=r"\(n, 1, 28, 28\)"):
        train_gan(g, d, torch.zeros(4, 28, 28))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        train_gan(g, d, torch.full((4, 1, 28, 28), 255.0))
    with pytest.raises(ValueError, match="z_dim"):
        Generator(0)


def test_weights_round_trip_reproduces_samples(tmp_path):
    torch.manual_seed(0)
    g = Generator(8, 4)
    path = save_weights(g, tmp_path / "sub" / "g.pt")
    fresh = load_weights(Generator(8, 4), path)
    noise = torch.randn(3, 8)
    assert torch.equal(sample_images(g, noise), sample_images(fresh, noise))
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_weights(Generator(8, 4), tmp_path / "missing.pt")


def test_batch_norm_adds_no_random_weights():
    # The ablation's claim: from one seed, both generators start from the same weights.
    torch.manual_seed(3)
    with_bn = Generator(8, 4)
    torch.manual_seed(3)
    without = Generator(8, 4, batch_norm=False)
    ours, theirs = without.state_dict(), with_bn.state_dict()
    assert len(ours) == 6 and all(torch.equal(ours[k], theirs[k]) for k in ours)


def test_discriminator_scores_each_image_alone():
    # train_gan scores real and fake images in one pass: no batch statistics in D.
    torch.manual_seed(0)
    d = Discriminator(4)
    a, b = torch.randn(3, 1, 28, 28), torch.randn(5, 1, 28, 28)
    assert torch.allclose(d(torch.cat([a, b])), torch.cat([d(a), d(b)]), atol=1e-6)


def test_a_snapshot_is_the_shorter_run():
    # The chapter judges the DCGAN's snapshot at k steps as the k-step run of its seed.
    images = torch.rand(64, 1, 28, 28) * 2 - 1
    noise = torch.randn(4, 8)
    runs = []
    for steps in (6, 3):
        torch.manual_seed(1)
        g = Generator(8, 4)
        history = train_gan(
            g, Discriminator(4), images, steps=steps, batch_size=8, seed=2,
            fixed_noise=noise, snapshot_at=(3,), progress=False,
        )  # fmt: skip
        runs.append(history.snapshots[0][1] if steps == 6 else sample_images(g, noise))
    assert torch.equal(*runs)
