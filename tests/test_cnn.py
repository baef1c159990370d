import numpy as np
import pytest
import torch
from torch import nn

from companion.cnn.mnist_cnn import MnistCNN, feature_maps, to_image_tensor


@pytest.fixture
def model():
    torch.manual_seed(0)
    return MnistCNN()


def test_output_shape_and_flat_features(model):
    assert model.flat_features == 64 * 7 * 7 == 3136
    assert model(torch.rand(5, 1, 28, 28)).shape == (5, 10)
    assert model.features[0].weight.shape == (32, 1, 3, 3)


def test_flat_features_follow_the_arguments():
    # 32 -> 32 -> 16 -> 16 -> 8; 30 -> 15 -> 7 (pooling rounds down).
    assert MnistCNN(channels=(4, 8), image_size=32).flat_features == 8 * 8 * 8
    small = MnistCNN(channels=(4, 6), hidden=16, image_size=30, num_classes=3)
    assert small.flat_features == 6 * 7 * 7
    assert small(torch.rand(2, 1, 30, 30)).shape == (2, 3)


def test_parameter_count_by_hand(model):
    conv1 = 32 * 1 * 3 * 3 + 32
    conv2 = 64 * 32 * 3 * 3 + 64
    fc1 = 3136 * 128 + 128
    fc2 = 128 * 10 + 10
    assert conv1 + conv2 + fc1 + fc2 == 421_642
    assert sum(p.numel() for p in model.parameters()) == 421_642


def test_feature_maps_shapes_and_mode(model):
    model.train()
    maps = feature_maps(model, torch.rand(3, 1, 28, 28))
    assert len(maps) == len(model.features)
    assert [tuple(m.shape) for m in maps] == [
        (3, 32, 28, 28),
        (3, 32, 28, 28),
        (3, 32, 14, 14),
        (3, 64, 14, 14),
        (3, 64, 14, 14),
        (3, 64, 7, 7),
    ]
    assert not any(m.requires_grad for m in maps)
    assert (maps[1] >= 0).all()  # after ReLU
    assert model.training  # the mode it had before


def test_feature_maps_rejects_bad_input(model):
    with pytest.raises(TypeError, match="MnistCNN"):
        feature_maps(nn.Sequential(), torch.rand(1, 1, 28, 28))
    with pytest.raises(ValueError, match=r"x must be \(N, 1, 28, 28\)"):
        feature_maps(model, torch.rand(1, 28, 28))


def synthetic_digits(n=20):
    """Faint noise plus a bright bar whose place on a 2x5 grid gives the class."""
    generator = torch.Generator().manual_seed(1)
    y = torch.arange(n) % 10
    x = 0.2 * torch.rand(n, 1, 28, 28, generator=generator)
    for i, k in enumerate(y.tolist()):
        row, col = divmod(k, 5)
        x[i, 0, 2 + 12 * row : 10 + 12 * row, 1 + 5 * col : 5 + 5 * col] += 0.8
    return x, y


def test_training_steps_reduce_the_loss(model):
    x, y = synthetic_digits()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    first = loss_fn(model(x), y).item()
    for _ in range(10):
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        final = loss_fn(model(x), y).item()
    assert first == pytest.approx(np.log(10), abs=0.1)  # about uniform before training
    assert final < 0.6 * first


def test_forward_rejects_wrong_image_size(model):
    with pytest.raises(ValueError, match=r"x must be \(N, 1, 28, 28\), got \(2, 1, 32, 32\)"):
        model(torch.rand(2, 1, 32, 32))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"channels": (32,)}, ValueError, "channels must be a pair"),
        ({"channels": (32, 0)}, ValueError, r"channels\[1\] must be an int >= 1"),
        ({"channels": (32.0, 64)}, TypeError, r"channels\[0\] must be an int"),
        ({"hidden": 0}, ValueError, "hidden must be an int >= 1"),
        ({"hidden": 12.5}, TypeError, "hidden must be an int"),
        ({"num_classes": True}, TypeError, "num_classes must be an int"),
        ({"dropout": 1.0}, ValueError, "dropout must be a number >= 0.0 and < 1.0"),
        ({"dropout": -0.1}, ValueError, "dropout must be a number >= 0.0 and < 1.0"),
        ({"dropout": "0.5"}, TypeError, "dropout must be a number"),
        ({"image_size": 3}, ValueError, "image_size 3 is too small"),
    ],
)
def test_bad_constructor_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        MnistCNN(**kwargs)


def test_to_image_tensor():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)  # (1, 2, 2)
    x = to_image_tensor(images)
    assert x.dtype == torch.float32
    assert x.shape == (1, 1, 2, 2)
    assert torch.allclose(x[0, 0], torch.tensor([[0.0, 1.0], [0.2, 0.4]]))
    digits = np.random.default_rng(0).integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    assert to_image_tensor(digits).shape == (4, 1, 28, 28)


def test_to_image_tensor_rejects_bad_input():
    with pytest.raises(TypeError, match="uint8"):
        to_image_tensor(np.zeros((2, 28, 28), dtype=np.float32))
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        to_image_tensor(np.zeros((28, 28), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        to_image_tensor(np.zeros((2, 1, 28, 28), dtype=np.uint8))
    with pytest.raises(TypeError, match="NumPy array"):
        to_image_tensor(torch.zeros(2, 28, 28, dtype=torch.uint8))


def test_penultimate_features_and_the_shared_classifier_recipe():
    from companion.cnn.mnist_cnn import penultimate_features, train_mnist_classifier

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(32, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=32)
    first = train_mnist_classifier(images, labels, epochs=1, seed=3)
    second = train_mnist_classifier(images, labels, epochs=1, seed=3)
    x = to_image_tensor(images[:5])
    features = penultimate_features(first, x, batch_size=2)
    assert features.shape == (5, 128) and (features >= 0).all()  # after the ReLU
    assert not first.training
    assert torch.equal(features, penultimate_features(second, x, batch_size=2))  # same seed
    assert torch.allclose(features, penultimate_features(first, x), atol=1e-5)  # batching
    with pytest.raises(ValueError, match=r"\(N, 1, S, S\)"):
        penultimate_features(first, torch.zeros(5, 28, 28))
