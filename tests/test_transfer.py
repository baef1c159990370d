import numpy as np
import pytest
import torch
from torch import nn

from companion.cnn.mnist_cnn import MnistCNN
from companion.training.parameters import ParameterCount, count_parameters
from companion.transfer.selection import sample_per_class, select_digits, split_validation
from companion.transfer.strategies import (
    STRATEGIES,
    backbone_features,
    set_trainable,
    train_for_steps,
    trainable_parameters,
    transfer_cnn,
)


def tiny_cnn(num_classes=5):
    torch.manual_seed(0)
    return MnistCNN(channels=(2, 3), hidden=4, num_classes=num_classes)


def test_count_parameters_counts_trainable_and_total():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))  # 16 + 10 parameters
    assert count_parameters(model) == ParameterCount(trainable=26, total=26)
    set_trainable(model[0], False)
    count = count_parameters(model)
    assert (count.trainable, count.total) == (10, 26)
    assert count.fraction == pytest.approx(10 / 26)


def test_count_parameters_counts_a_shared_weight_once():
    layer = nn.Linear(3, 3, bias=False)
    assert count_parameters(nn.Sequential(layer, layer)).total == 9


def test_set_trainable_takes_one_module_or_several_and_refuses_the_rest():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    set_trainable([a, b], False)
    assert not any(p.requires_grad for p in [*a.parameters(), *b.parameters()])
    set_trainable(a, True)
    assert all(p.requires_grad for p in a.parameters())
    with pytest.raises(TypeError):
        set_trainable(a, 1)
    with pytest.raises(TypeError):
        set_trainable([a, "b"], True)
    with pytest.raises(TypeError):
        count_parameters("model")


def test_trainable_parameters_refuses_a_fully_frozen_model():
    model = nn.Linear(2, 2)
    assert len(trainable_parameters(model)) == 2
    set_trainable(model, False)
    with pytest.raises(ValueError, match="frozen"):
        trainable_parameters(model)


def test_transfer_cnn_strategies():
    pretrained = tiny_cnn()
    before = {k: v.clone() for k, v in pretrained.state_dict().items()}
    models = {s: transfer_cnn(pretrained, s, num_classes=3) for s in STRATEGIES}
    for key, value in pretrained.state_dict().items():  # the original is untouched
        assert torch.equal(value, before[key])
    for model in models.values():
        assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 3)
    full, partial, scratch = models["full"], models["partial"], models["scratch"]
    # Fine-tuning starts from the pre-trained backbone; from scratch does not.
    assert torch.equal(full.features[0].weight, pretrained.features[0].weight)
    assert not torch.equal(scratch.features[0].weight, pretrained.features[0].weight)
    assert count_parameters(full).fraction == 1.0
    assert count_parameters(scratch).fraction == 1.0
    assert not any(p.requires_grad for p in partial.features[:3].parameters())
    assert all(p.requires_grad for p in partial.features[3:].parameters())
    assert all(p.requires_grad for p in partial.classifier.parameters())


def test_transfer_cnn_refuses_bad_input():
    with pytest.raises(ValueError, match="strategy"):
        transfer_cnn(tiny_cnn(), "frozen-ish", 3)
    with pytest.raises(TypeError):
        transfer_cnn(nn.Linear(2, 2), "full", 3)
    with pytest.raises(ValueError):
        transfer_cnn(tiny_cnn(), "full", 0)


def test_backbone_features_are_the_flattened_convolutional_output():
    model = tiny_cnn()
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    features = backbone_features(model, images, batch_size=2)
    assert features.shape == (5, model.flat_features) and features.dtype == np.float32
    x = torch.from_numpy(images.astype(np.float32) / 255).unsqueeze(1)
    with torch.no_grad():
        expected = model.features(x).flatten(1).numpy()
    np.testing.assert_allclose(features, expected, rtol=1e-6, atol=1e-6)
    assert model.training  # its mode is restored
    with pytest.raises(TypeError):
        backbone_features(nn.Linear(2, 2), images)


def test_select_digits_keeps_and_relabels():
    labels = np.array([5, 0, 9, 5, 7, 1], dtype=np.uint8)
    images = np.arange(6)
    kept, new = select_digits(images, labels, [5, 7, 9])
    assert kept.tolist() == [0, 2, 3, 4]
    assert new.tolist() == [0, 2, 0, 1] and new.dtype == np.int64


def test_select_digits_refuses_bad_input():
    labels = np.array([0, 1, 2])
    with pytest.raises(ValueError, match="labels"):
        select_digits(np.arange(2), labels, [0])
    with pytest.raises(ValueError, match="distinct"):
        select_digits(np.arange(3), labels, [0, 0])
    with pytest.raises(ValueError, match="no image"):
        select_digits(np.arange(3), labels, [0, 7])


def test_sample_per_class_draws_the_same_number_of_each_class():
    labels = np.repeat(np.arange(4), 10)
    chosen = sample_per_class(labels, 3, seed=1)
    assert np.bincount(labels[chosen]).tolist() == [3, 3, 3, 3]
    assert len(set(chosen)) == 12 and np.all(np.diff(chosen) > 0)
    assert np.array_equal(chosen, sample_per_class(labels, 3, seed=1))
    assert not np.array_equal(chosen, sample_per_class(labels, 3, seed=2))


def test_sample_per_class_refuses_impossible_requests():
    labels = np.array([0, 0, 1])
    with pytest.raises(ValueError, match="class 1 has 1"):
        sample_per_class(labels, 2)
    with pytest.raises(ValueError):
        sample_per_class(labels, 0)


def test_split_validation_is_a_seeded_partition():
    train, val = split_validation(20, 5, seed=3)
    assert len(val) == 5 and len(train) == 15
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(20))
    again = split_validation(20, 5, seed=3)
    assert np.array_equal(train, again[0]) and np.array_equal(val, again[1])
    for n, size in ((5, 0), (5, 5), (5, 6)):
        with pytest.raises(ValueError):
            split_validation(n, size)
    with pytest.raises(TypeError):
        split_validation(5.0, 2)


def test_train_for_steps_picks_epochs_and_updates_only_trainable_weights():
    model = transfer_cnn(tiny_cnn(), "partial", num_classes=2)
    frozen = model.features[0].weight.clone()
    head = model.classifier[-1].weight.clone()
    images = np.random.default_rng(0).integers(0, 256, (10, 28, 28), dtype=np.uint8)
    labels = np.array([0, 1] * 5)
    history = train_for_steps(model, images, labels, steps=6, batch_size=4)  # 3 steps an epoch
    assert len(history.train_loss) == 2
    assert torch.equal(model.features[0].weight, frozen)
    assert not torch.equal(model.classifier[-1].weight, head)
    with pytest.raises(ValueError):
        train_for_steps(model, images, labels, steps=0)
