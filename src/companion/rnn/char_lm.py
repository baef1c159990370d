"""A character-level language model (字符级语言模型) on a plain text (torch).

The text becomes a sequence of character ids; the model reads characters
and predicts the next one. Its loss, the cross-entropy in nats per
character, compares directly with the entropy of the character frequencies
(the best a model that ignores context can do).
"""

import math
from collections import Counter

import numpy as np
import torch
from torch import nn


class CharVocab:
    """The sorted set of characters of a text, with encoding to and from integer ids."""

    def __init__(self, text: str):
        if not isinstance(text, str) or not text:
            raise ValueError("the vocabulary needs a non-empty string")
        self.chars = sorted(set(text))
        self._ids = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """Ids of ``text``'s characters, int64; a character outside the vocabulary is an error."""
        unknown = set(text) - self._ids.keys()
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {sorted(unknown)!r}")
        return np.array([self._ids[c] for c in text], dtype=np.int64)

    def decode(self, ids: np.ndarray | list[int]) -> str:
        """The text for a sequence of ids."""
        return "".join(self.chars[int(i)] for i in ids)


def unigram_entropy(text: str) -> float:
    """Entropy of the character frequencies, in nats: -Σ p(c) log p(c).

    A model that predicted every character from these frequencies alone,
    ignoring all context, would have exactly this cross-entropy on the text.
    """
    if not text:
        raise ValueError("the entropy of an empty text is undefined")
    n = len(text)
    return -sum(k / n * math.log(k / n) for k in Counter(text).values())


def split_text(text: str, val_fraction: float = 0.1) -> tuple[str, str]:
    """Split into training text and the final ``val_fraction`` as validation text.

    A contiguous tail, not random windows: windows drawn from one text overlap,
    and a random split would put the same passages in both halves.
    """
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    cut = int(len(text) * (1 - val_fraction))
    return text[:cut], text[cut:]


def make_windows(ids: np.ndarray, seq_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Cut ids into non-overlapping windows: inputs ``(N, seq_len)`` and next-character targets."""
    if seq_len < 1:
        raise ValueError(f"seq_len must be >= 1, got {seq_len}")
    n = (len(ids) - 1) // seq_len
    if n < 1:
        raise ValueError(f"{len(ids)} ids are too few for one window of {seq_len} + 1")
    x = ids[: n * seq_len].reshape(n, seq_len)
    y = ids[1 : n * seq_len + 1].reshape(n, seq_len)  # the same windows, shifted by one
    return torch.from_numpy(x.copy()), torch.from_numpy(y.copy())


class SequenceCrossEntropy(nn.Module):
    """Mean cross-entropy over the positions of ``(batch, time, vocab)`` logits, in nats.

    Args:
        ignore_index: a target id (padding, say) whose positions are left out
            of the mean; the default, -100, ignores nothing real.

    """

    def __init__(self, ignore_index: int = -100):
        super().__init__()
        self.ignore_index = ignore_index

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Flatten batch and time, then average the per-position cross-entropy."""
        return nn.functional.cross_entropy(
            logits.flatten(0, 1), targets.flatten(), ignore_index=self.ignore_index
        )


class CharLSTM(nn.Module):
    """Embedding → stacked LSTM → dropout → a linear layer onto the vocabulary."""

    def __init__(
        self, vocab_size: int, hidden_size: int, num_layers: int = 1, dropout: float = 0.0
    ):
        super().__init__()
        if vocab_size < 2 or hidden_size < 1 or num_layers < 1 or not 0 <= dropout < 1:
            raise ValueError(
                "need vocab_size >= 2, hidden_size >= 1, num_layers >= 1, 0 <= dropout < 1"
            )
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.lstm = nn.LSTM(
            hidden_size, hidden_size, num_layers, batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )  # fmt: skip
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, vocab_size)

    def step(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Logits ``(batch, time, vocab)`` for ids ``(batch, time)``, and the LSTM's final state."""
        out, state = self.lstm(self.embedding(x), state)  # (batch, time, hidden)
        return self.head(self.dropout(out)), state

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, time, vocab)`` for ids ``(batch, time)``, from a zero state."""
        return self.step(x)[0]


@torch.no_grad()
def sample(
    model: CharLSTM,
    vocab: CharVocab,
    prompt: str,
    length: int,
    temperature: float = 1.0,
    seed: int = 0,
) -> str:
    """Generate ``length`` characters after ``prompt``, drawing from softmax(logits / temperature).

    A temperature below 1 sharpens the distribution towards the likeliest
    characters (safer, more repetitive text); above 1 it flattens it (more
    varied, more misspelt).
    """
    if temperature <= 0 or length < 0 or not prompt:
        raise ValueError("need temperature > 0, length >= 0 and a non-empty prompt")
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    model.eval()
    ids = torch.from_numpy(vocab.encode(prompt))[None].to(device)  # (1, len(prompt))
    logits, state = model.step(ids)
    out = []
    for _ in range(length):
        probs = torch.softmax(logits[0, -1].float() / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=generator)  # (1,)
        out.append(int(nxt))
        logits, state = model.step(nxt[None], state)
    return prompt + vocab.decode(out)
