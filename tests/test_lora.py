import pytest
import torch
from sentence_support import tiny_bert
from torch import nn

from companion.training.parameters import count_parameters
from companion.transfer.lora import BERT_TARGETS, LoRALinear, add_lora, lora_parameter_count
from companion.transfer.sentence import SentenceClassifier


def test_lora_linear_starts_as_the_base_layer_and_trains_only_a_and_b():
    torch.manual_seed(0)
    base = nn.Linear(6, 5)
    layer = LoRALinear(base, rank=2, alpha=4)
    x = torch.randn(3, 6)
    assert torch.equal(layer(x), base(x))  # B = 0 at the start
    assert [n for n, p in layer.named_parameters() if p.requires_grad] == ["lora_a", "lora_b"]
    assert count_parameters(layer).trainable == lora_parameter_count(6, 5, 2) == 2 * (6 + 5)
    assert layer.scaling == 2.0


def test_lora_linear_merged_weight_computes_the_same_layer():
    torch.manual_seed(0)
    layer = LoRALinear(nn.Linear(6, 5), rank=3, alpha=6)
    with torch.no_grad():
        layer.lora_b.normal_()
    x = torch.randn(4, 2, 6)
    merged = x @ layer.merged_weight().T + layer.base.bias
    assert torch.allclose(layer(x), merged, atol=1e-6)


def test_lora_linear_matches_peft():
    torch.manual_seed(0)
    model = add_lora(SentenceClassifier(tiny_bert()), rank=2, alpha=8, dropout=0.0)
    peft_layer = model.encoder.base_model.model.encoder.layer[0].attention.self.value
    with torch.no_grad():
        peft_layer.lora_B["default"].weight.normal_()  # a trained-looking, non-zero B
    ours = LoRALinear(peft_layer.base_layer, rank=2, alpha=8)
    with torch.no_grad():
        ours.lora_a.copy_(peft_layer.lora_A["default"].weight)
        ours.lora_b.copy_(peft_layer.lora_B["default"].weight)
        x = torch.randn(2, 3, 8)
        assert torch.allclose(ours(x), peft_layer(x), atol=1e-6)


def test_add_lora_freezes_the_encoder_but_not_the_head():
    torch.manual_seed(0)
    model = add_lora(SentenceClassifier(tiny_bert()), rank=2, alpha=4)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert {"head.weight", "head.bias"} <= set(trainable)
    assert all(n.startswith("head.") or "lora_" in n for n in trainable)
    # One layer, query and value, each 8 -> 8 at rank 2, plus the 8 -> 2 head.
    expected = len(BERT_TARGETS) * lora_parameter_count(8, 8, 2) + 8 * 2 + 2
    assert count_parameters(model).trainable == expected


def test_lora_refuses_bad_input():
    with pytest.raises(TypeError):
        LoRALinear(nn.Conv1d(2, 2, 1), rank=1, alpha=1)
    for rank, alpha, error in ((0, 1, ValueError), (True, 1, TypeError), (2, 0, ValueError),
                               (2, -1.0, ValueError), (2, "1", TypeError)):  # fmt: skip
        with pytest.raises(error, match="rank must|alpha must"):
            LoRALinear(nn.Linear(2, 2), rank=rank, alpha=alpha)
    with pytest.raises(ValueError):
        lora_parameter_count(0, 4, 2)
    with pytest.raises(ValueError, match="not in the encoder"):
        add_lora(SentenceClassifier(tiny_bert()), target_modules=("q_proj",))
    with pytest.raises(TypeError):
        add_lora(nn.Linear(2, 2))
