"""Sentence classification with a pre-trained encoder: token ids, mean pooling, a head.

A BERT-style encoder turns a sentence of T tokens into T vectors. A sentence
classifier needs one vector: :func:`mean_pool` averages the vectors of the
real tokens (the attention mask says which), the pooling that
``all-MiniLM-L6-v2`` was trained with. :class:`SentenceClassifier` puts a
linear head on top.

Sentences are tokenized once (:func:`tokenize`); batches are padded only to
their own longest sentence (:func:`pad_batch`) and drawn from sentences of
similar length (:func:`length_batches`), which on a CPU makes fine-tuning
several times faster than padding every sentence to 64 tokens.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from companion.runtime.checks import check_int
from companion.training.loop import evaluating, mixed_precision

TokenIds = Sequence[Sequence[int]]


def tokenize(tokenizer: Any, sentences: Sequence[str], max_len: int = 64) -> list[list[int]]:
    """Token ids of each sentence, with ``[CLS]`` and ``[SEP]``, cut to ``max_len`` tokens.

    Args:
        tokenizer: a Hugging Face tokenizer (see :func:`companion.transfer.load_encoder`).
        sentences: the texts.
        max_len: the longest sequence kept, special tokens included.

    """
    if isinstance(sentences, str) or not all(isinstance(s, str) for s in sentences):
        raise TypeError("sentences must be a sequence of strings")
    check_int("max_len", max_len, minimum=2)  # room for [CLS] and [SEP]
    return tokenizer(list(sentences), truncation=True, max_length=max_len)["input_ids"]


def pad_batch(ids: TokenIds, pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad token-id lists to the longest one: ``(input_ids, attention_mask)``, both (B, T) int64."""
    if len(ids) == 0 or any(len(s) == 0 for s in ids):
        raise ValueError("pad_batch needs at least one non-empty sequence")
    width = max(len(s) for s in ids)
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for row, seq in enumerate(ids):
        input_ids[row, : len(seq)] = torch.as_tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return input_ids, mask


def length_batches(
    lengths: Sequence[int], batch_size: int, seed: int | None = None, pool: int = 8
) -> list[np.ndarray]:
    """Split indices into batches of sentences of similar length.

    Without ``seed`` (evaluation) the indices are sorted by length and cut into
    consecutive batches. With ``seed`` (training) they are shuffled, sorted by
    length within pools of ``pool`` batches, cut, and the batches shuffled: the
    batches stay random from epoch to epoch, yet carry little padding.
    """
    lengths = np.asarray(lengths)
    check_int("batch_size", batch_size)
    if lengths.ndim != 1 or len(lengths) == 0:
        raise ValueError("lengths must be a non-empty 1-D sequence")
    if seed is None:
        order = np.argsort(lengths, kind="stable")
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(lengths))
    size = batch_size * pool
    batches = []
    for start in range(0, len(order), size):
        chunk = order[start : start + size]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average ``hidden`` (B, T, H) over the real tokens: where ``attention_mask`` (B, T) is 1.

    Padding positions carry vectors too; leaving them out makes a sentence's
    vector independent of how much padding its batch needed.
    """
    if hidden.ndim != 3 or attention_mask.shape != hidden.shape[:2]:
        raise ValueError(
            f"need hidden (B, T, H) and attention_mask (B, T), got {tuple(hidden.shape)} "
            f"and {tuple(attention_mask.shape)}"
        )
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
    # clamp: an all-padding row gives a zero vector instead of 0/0.
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)


class SentenceClassifier(nn.Module):
    """A pre-trained encoder, mean pooling, dropout and a linear head.

    Args:
        encoder: a Hugging Face encoder whose output has ``last_hidden_state``
            (B, T, hidden_size), optionally wrapped by ``peft``.
        num_classes: outputs of the head.
        dropout: dropout on the pooled vector during training.

    Attributes:
        encoder: the pre-trained part; ``head``: the new ``nn.Linear``.

    BERT-style encoders carry a *pooler* (a dense layer on the ``[CLS]`` token)
    that mean pooling does not use. It is removed from ``encoder`` (set to
    ``None``), so that it is neither counted nor handed to the optimiser.

    """

    def __init__(self, encoder: nn.Module, num_classes: int = 2, dropout: float = 0.1) -> None:
        super().__init__()
        hidden = getattr(getattr(encoder, "config", None), "hidden_size", None)
        if not isinstance(hidden, int):
            raise TypeError("encoder must be a Hugging Face model with config.hidden_size")
        check_int("num_classes", num_classes, minimum=2)
        if getattr(encoder, "pooler", None) is not None:
            encoder.pooler = None
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, num_classes)

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Sentence vectors (B, hidden_size): the encoder's output, mean-pooled."""
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        return mean_pool(out.last_hidden_state, attention_mask)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits (B, num_classes) for token ids and attention mask, both (B, T)."""
        return self.head(self.dropout(self.pooled(input_ids, attention_mask)))


@torch.no_grad()
def _batched(
    fn: Any, model: nn.Module, ids: TokenIds, pad_id: int, batch_size: int, device: str
) -> torch.Tensor:
    """Apply ``fn(input_ids, mask)`` to length-sorted batches; rows come back in input order."""
    if len(ids) == 0:
        raise ValueError("no sentences given")
    device = torch.device(device)
    model.to(device)
    outputs: list[torch.Tensor | None] = [None] * len(ids)
    with evaluating(model), mixed_precision(device):
        for batch in length_batches([len(s) for s in ids], batch_size):
            input_ids, mask = pad_batch([ids[i] for i in batch], pad_id)
            result = fn(input_ids.to(device), mask.to(device)).float().cpu()
            for row, i in enumerate(batch):
                outputs[i] = result[row]
    return torch.stack(outputs)


def embed(
    encoder: nn.Module, ids: TokenIds, pad_id: int, batch_size: int = 128, device: str = "cpu"
) -> np.ndarray:
    """Frozen sentence embeddings: the encoder's mean-pooled output, float32 (N, hidden_size)."""

    def pooled(input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return mean_pool(encoder(input_ids=input_ids, attention_mask=mask).last_hidden_state, mask)

    return _batched(pooled, encoder, ids, pad_id, batch_size, device).numpy()


def predict(
    model: nn.Module, ids: TokenIds, pad_id: int, batch_size: int = 128, device: str = "cpu"
) -> np.ndarray:
    """Predicted classes (N,) of a :class:`SentenceClassifier` for tokenized sentences."""
    return _batched(model, model, ids, pad_id, batch_size, device).argmax(dim=1).numpy()
