import pytest
import torch

from companion.bert.hf_bridge import from_hf, to_hf
from companion.bert.model import BertConfig, BertForPretraining, pretraining_loss
from companion.bert.pretraining_data import IGNORE_INDEX

CFG = BertConfig(
    vocab_size=120, hidden_size=32, num_layers=2, num_heads=4, intermediate_size=64, max_len=20
)


def _inputs(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, CFG.vocab_size, (3, 20), generator=g)
    ids[:, 0], ids[:, 8] = 2, 3  # [CLS] A [SEP] B ...
    types = torch.zeros_like(ids)
    types[:, 9:] = 1
    attention = torch.ones_like(ids)
    attention[1, 14:] = 0  # two padded rows of different lengths
    attention[2, 11:] = 0
    ids[attention == 0], types[attention == 0] = 0, 0
    return ids, types, attention


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = BertForPretraining(CFG).eval()
    # Move every weight away from its initial value, so that no mix-up of two
    # parameters that start equal (LayerNorm gains, zero biases) goes unseen.
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return m


def test_same_logits_as_transformers(model):
    hf = to_hf(model).eval()
    ids, types, attention = _inputs()
    with torch.no_grad():
        mlm, nsp = model(ids, types, attention)
        out = hf(input_ids=ids, token_type_ids=types, attention_mask=attention)
    assert mlm.shape == (3, 20, CFG.vocab_size) and nsp.shape == (3, 2)
    assert (mlm - out.prediction_logits).abs().max() < 1e-4
    assert (nsp - out.seq_relationship_logits).abs().max() < 1e-4
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in hf.parameters())


def test_from_hf_round_trip(model):
    back = from_hf(to_hf(model)).eval()
    ids, types, attention = _inputs(1)
    with torch.no_grad():
        for ours, theirs in zip(
            model(ids, types, attention), back(ids, types, attention), strict=True
        ):
            assert torch.equal(ours, theirs)
    assert back.cfg == model.cfg


def test_mlm_head_is_tied_to_the_token_embeddings(model):
    ids, types, attention = _inputs()
    m = BertForPretraining(CFG)
    mlm, _ = m(ids, types, attention)
    mlm[0, 1, 7].backward()
    # The output score of token 7 reaches the embedding row of token 7 directly.
    assert m.embeddings.token.weight.grad[7].abs().sum() > 0
    names = [n for n, _ in m.named_parameters()]
    assert not any("decoder" in n for n in names)  # no separate output matrix


def test_mlm_positions_select_rows(model):
    ids, types, attention = _inputs()
    positions = torch.zeros_like(ids, dtype=torch.bool)
    positions[0, 3], positions[2, 5] = True, True
    with torch.no_grad():
        full, nsp = model(ids, types, attention)
        some, nsp_again = model(ids, types, attention, mlm_positions=positions)
    assert torch.allclose(some, full[positions], atol=1e-6) and torch.equal(nsp, nsp_again)


def test_pretraining_loss_ignores_unchosen_positions(model):
    ids, types, attention = _inputs()
    labels = torch.full_like(ids, IGNORE_INDEX)
    labels[0, 3], labels[1, 10] = 17, 42
    batch = {
        "input_ids": ids,
        "token_type_ids": types,
        "attention_mask": attention,
        "mlm_labels": labels,
        "nsp_labels": torch.tensor([0, 1, 0]),
    }
    with torch.no_grad():
        loss, parts = pretraining_loss(model, batch)
        mlm, nsp = model(ids, types, attention)
    expected_mlm = torch.nn.functional.cross_entropy(mlm[[0, 1], [3, 10]], torch.tensor([17, 42]))
    expected_nsp = torch.nn.functional.cross_entropy(nsp, batch["nsp_labels"])
    assert torch.allclose(parts["mlm_loss"], expected_mlm, atol=1e-6)
    assert torch.allclose(loss, expected_mlm + expected_nsp, atol=1e-6)
    assert int(parts["mlm_count"]) == 2


def test_bad_configs_and_inputs(model):
    with pytest.raises(ValueError, match="divisible"):
        BertConfig(vocab_size=100, hidden_size=30, num_heads=4)
    with pytest.raises(ValueError, match="vocab_size must be an int >= 1"):
        BertConfig(vocab_size=0)
    with pytest.raises(TypeError, match="num_layers must be an int"):
        BertConfig(vocab_size=100, num_layers=2.0)
    with pytest.raises(ValueError, match="dropout"):
        BertConfig(vocab_size=100, dropout=1.0)
    ids, types, attention = _inputs()
    with pytest.raises(ValueError, match="len <= 20"):
        model(
            torch.cat([ids, ids], dim=1),
            torch.cat([types, types], 1),
            torch.cat([attention] * 2, 1),
        )
    with pytest.raises(ValueError, match="shaped like"):
        model(ids, types[:, :5], attention)
    with pytest.raises(TypeError, match="BertForPretraining"):
        to_hf(torch.nn.Linear(2, 2))
    with pytest.raises(TypeError, match="BertForPreTraining"):
        from_hf(model)
