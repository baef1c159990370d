"""The Keras models in this process's backend, and in both backends via subprocesses."""

import json

import keras
import numpy as np
import pytest

from companion.cnn.mnist_cnn import MnistCNN
from companion.frameworks import keras_backends, keras_models
from companion.frameworks.torch_models import build_mlp as torch_mlp
from companion.training.parameters import count_parameters


@pytest.fixture
def digits():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (64, 28, 28), dtype=np.uint8), rng.integers(0, 10, 64)


def test_models_have_the_torch_twins_parameter_counts():
    assert (
        keras_models.count_parameters(keras_models.build_mlp())
        == count_parameters(torch_mlp()).total
    )
    assert (
        keras_models.count_parameters(keras_models.build_cnn())
        == count_parameters(MnistCNN()).total
    )
    assert keras_models.build("cnn").name == "cnn"
    with pytest.raises(ValueError, match="model must be one of"):
        keras_models.build("rnn")


def test_to_inputs_scales_and_shapes_for_each_model(digits):
    images = digits[0]
    mlp_x = keras_models.to_inputs(keras_models.build_mlp(), images)
    cnn_x = keras_models.to_inputs(keras_models.build_cnn(), images)
    assert mlp_x.shape == (64, 28, 28) and cnn_x.shape == (64, 28, 28, 1)
    assert mlp_x.dtype == np.float32
    np.testing.assert_allclose(mlp_x, images / 255, atol=1e-7)
    with pytest.raises(TypeError, match="uint8"):
        keras_models.to_inputs(keras_models.build_mlp(), images / 255)
    with pytest.raises(TypeError, match=r"\(N, 28, 28\)"):
        keras_models.to_inputs(keras_models.build_mlp(), images[0])


def test_training_is_reproducible_and_predictions_are_probabilities(digits):
    def trained():
        keras.utils.set_random_seed(0)
        model = keras_models.build_mlp()
        done = keras_models.train(model, *digits, epochs=2, batch_size=16, learning_rate=1e-3)
        return model, done

    (first, d1), (second, d2) = trained(), trained()
    assert len(d1.train_loss) == 2 and d1.train_loss == d2.train_loss
    assert d1.seconds > 0
    p1 = keras_models.predict_proba(first, digits[0])
    np.testing.assert_array_equal(p1, keras_models.predict_proba(second, digits[0]))
    assert p1.shape == (64, 10)
    np.testing.assert_allclose(p1.sum(axis=1), 1, atol=1e-5)


def test_train_rejects_bad_arguments(digits):
    model = keras_models.build_mlp()
    with pytest.raises(ValueError, match="epochs must be an int >= 1, got 0"):
        keras_models.train(model, *digits, epochs=0, batch_size=8, learning_rate=1e-3)
    with pytest.raises(ValueError, match="learning_rate must be a number > 0"):
        keras_models.train(model, *digits, epochs=1, batch_size=8, learning_rate=-1.0)
    with pytest.raises(ValueError, match="64 images but 10 labels"):
        keras_models.train(model, digits[0], digits[1][:10], epochs=1, batch_size=8,
                          learning_rate=1e-3)  # fmt: skip


def test_main_trains_and_prints_a_record_in_this_backend(capsys):
    record = keras_backends.main(["--train-size", "300", "--test-size", "100", "--epochs", "1"])
    assert json.loads(capsys.readouterr().out.strip()) == record
    assert record["backend"] == keras.backend.backend()
    assert (record["train_size"], record["test_size"], record["parameters"]) == (300, 100, 101_770)
    assert 0 <= record["test_accuracy"] <= 1


def test_the_same_code_runs_on_both_backends():
    # Both processes at once: each spends most of its time importing its framework.
    started = {
        backend: keras_backends.start_in_backend(
            backend, model="mlp", subset="small", epochs=2, train_size=1000, test_size=500
        )  # fmt: skip
        for backend in ("tensorflow", "torch")
    }
    for backend, process in started.items():
        record = process.result(timeout=300)
        assert record["backend"] == backend
        assert record["parameters"] == 101_770
        assert record["train_size"] == 1000
        assert record["test_accuracy"] > 0.7, record  # chance is 0.1


def test_a_failing_backend_process_raises_with_its_error():
    # JAX is not installed for the book, so Keras cannot start on it.
    with pytest.raises(RuntimeError, match="jax backend failed"):
        keras_backends.run_in_backend("jax", model="mlp", train_size=10, timeout=300)


def test_backend_and_options_are_checked_before_starting_a_process():
    with pytest.raises(ValueError, match="backend must be one of"):
        keras_backends.start_in_backend("theano")
    with pytest.raises(TypeError, match="unknown options"):
        keras_backends.start_in_backend("torch", modle="mlp")
