import pytest
import torch
from torch import nn

from companion.bert.model import BertConfig, BertForPretraining
from companion.training.optim import adamw


def test_only_weight_matrices_are_decayed():
    model = BertForPretraining(BertConfig(vocab_size=40, hidden_size=16, num_heads=2))
    decay, no_decay = adamw(model, lr=1e-3, weight_decay=0.01).param_groups
    assert decay["weight_decay"] == 0.01 and no_decay["weight_decay"] == 0.0
    assert all(p.dim() == 2 for p in decay["params"])
    assert any(p is model.embeddings.norm.weight for p in no_decay["params"])
    assert any(p is model.mlm_bias for p in no_decay["params"])
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(model.parameters()))


def test_frozen_parameters_are_left_out_and_bert_eps_is_the_default():
    model = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 2))
    model[0].requires_grad_(False)
    optimizer = adamw(model, lr=1e-3)
    held = [p for group in optimizer.param_groups for p in group["params"]]
    assert len(held) == 4 and all(p.requires_grad for p in held)
    assert optimizer.defaults["eps"] == 1e-6


def test_decay_shrinks_a_matrix_but_not_a_bias():
    layer = nn.Linear(2, 2)
    with torch.no_grad():
        layer.weight.fill_(1.0)
        layer.bias.fill_(1.0)
    optimizer = adamw(layer, lr=0.1, weight_decay=0.5)
    layer.weight.grad, layer.bias.grad = torch.zeros(2, 2), torch.zeros(2)
    optimizer.step()  # zero gradient: only the decay moves anything
    assert torch.allclose(layer.weight, torch.full((2, 2), 1 - 0.1 * 0.5))
    assert torch.equal(layer.bias, torch.ones(2))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0.0}, "lr > 0"),
        ({"lr": 1e-3, "eps": 0.0}, "eps > 0"),
        ({"lr": 1e-3, "weight_decay": -0.1}, "weight_decay >= 0"),
    ],
)
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        adamw(nn.Linear(2, 2), **kwargs)


def test_a_frozen_model_is_refused():
    with pytest.raises(ValueError, match="no trainable parameter"):
        adamw(nn.Linear(2, 2).requires_grad_(False), lr=1e-3)
