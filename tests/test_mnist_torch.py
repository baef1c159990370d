import numpy as np
import pytest
import torch

from companion.cnn.mnist_cnn import MnistCNN
from companion.frameworks.torch_models import build_mlp, predict_proba, train
from companion.training.parameters import count_parameters


@pytest.fixture
def digits():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (64, 28, 28), dtype=np.uint8), rng.integers(0, 10, 64)


def test_mlp_shape_and_parameters():
    model = build_mlp()
    assert model(torch.rand(3, 1, 28, 28)).shape == (3, 10)
    assert count_parameters(model).total == (784 * 128 + 128) + (128 * 10 + 10) == 101_770


@pytest.mark.parametrize("make", [build_mlp, MnistCNN], ids=["mlp", "cnn"])
def test_training_is_reproducible_and_predictions_are_probabilities(digits, make):
    def trained():
        torch.manual_seed(0)
        model = make()
        history = train(model, *digits, epochs=1, batch_size=32, learning_rate=1e-3, seed=3)
        return model, history

    (first, h1), (second, h2) = trained(), trained()
    assert h1.train_loss == h2.train_loss and np.isfinite(h1.train_loss).all()
    p1, p2 = predict_proba(first, digits[0]), predict_proba(second, digits[0])
    np.testing.assert_array_equal(p1, p2)
    assert p1.shape == (64, 10) and p1.dtype == np.float32
    np.testing.assert_allclose(p1.sum(axis=1), 1, atol=1e-5)


def test_predict_proba_is_the_softmax_of_the_logits(digits):
    torch.manual_seed(0)
    model = MnistCNN().eval()
    x = torch.from_numpy(digits[0].astype(np.float32) / 255)[:, None]
    with torch.no_grad():
        expected = torch.softmax(model(x), dim=1).numpy()  # the ordinary channels-first layout
    np.testing.assert_allclose(predict_proba(model, digits[0], batch_size=10), expected, atol=1e-6)


def test_train_rejects_bad_arguments(digits):
    with pytest.raises(ValueError, match="learning_rate"):
        train(build_mlp(), *digits, epochs=1, batch_size=8, learning_rate=0)
    with pytest.raises(ValueError, match="epochs >= 1"):
        train(build_mlp(), *digits, epochs=0, batch_size=8, learning_rate=1e-3)
    with pytest.raises(TypeError, match="uint8"):
        train(build_mlp(), digits[0] / 255, digits[1], epochs=1, batch_size=8, learning_rate=1e-3)
