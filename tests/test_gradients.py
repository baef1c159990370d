import pytest
import torch
from torch import nn

from companion.foundations.gradients import deep_mlp, layer_gradient_norms, linear_layers


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    return torch.rand(128, 30, generator=g), torch.randint(0, 4, (128,), generator=g)


def norms(batch, **kwargs):
    torch.manual_seed(0)
    model = deep_mlp(depth=15, width=32, in_features=30, out_features=4, **kwargs)
    return layer_gradient_norms(model, nn.CrossEntropyLoss(), *batch)


def test_structure():
    model = deep_mlp(depth=3, width=8, in_features=5, out_features=2, batch_norm=True)
    assert len(linear_layers(model)) == 4
    assert sum(isinstance(m, nn.BatchNorm1d) for m in model.modules()) == 3
    assert model(torch.zeros(4, 5)).shape == (4, 2)


def test_sigmoid_stack_vanishes_and_he_relu_does_not(batch):
    sigmoid = norms(batch, activation="sigmoid")
    he = norms(batch, activation="relu", init="he")
    assert len(sigmoid) == 16
    assert sigmoid[0] / sigmoid[-1] < 1e-6
    assert 0.1 < he[0] / he[-1] < 10


def test_large_initialisation_explodes(batch):
    assert (
        norms(batch, activation="relu", init=0.5)[0]
        > 1e3 * norms(batch, activation="relu", init="he")[0]
    )


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="activation"):
        deep_mlp(2, 4, 3, 2, activation="gelu")
    with pytest.raises(ValueError, match="init"):
        deep_mlp(2, 4, 3, 2, init="xavier")
    with pytest.raises(ValueError, match="depth"):
        deep_mlp(0, 4, 3, 2)
    with pytest.raises(ValueError, match="no nn.Linear"):
        layer_gradient_norms(
            nn.Sequential(nn.ReLU()), nn.MSELoss(), torch.zeros(1, 2), torch.zeros(1, 2)
        )
