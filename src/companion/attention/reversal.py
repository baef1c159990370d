"""A toy sequence-to-sequence task that needs attention: reversing strings of digits.

Token ids: 0 is padding, 1 begins and 2 ends a target sequence, and 3..12
are the digits 0..9. Lengths vary, so batches need padding masks; the answer
for output position i is input position ``length - 1 - i``, which a decoder
can find only by attending to the right input token.
"""

import numpy as np
import torch

PAD, BOS, EOS = 0, 1, 2
DIGIT0 = 3
VOCAB_SIZE = DIGIT0 + 10


def make_reversal(
    n: int, min_len: int, max_len: int, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``n`` digit strings of random length and their reversals.

    Returns:
        ``src`` int64 ``(n, max_len)``: digits then padding; ``tgt`` int64
        ``(n, max_len + 2)``: BOS, the reversed digits, EOS, then padding.
        The decoder reads ``tgt[:, :-1]`` and is trained to predict ``tgt[:, 1:]``.

    """
    if n < 1 or not 1 <= min_len <= max_len:
        raise ValueError(f"need n >= 1 and 1 <= min_len <= max_len, got {n}, {min_len}, {max_len}")
    lengths = rng.integers(min_len, max_len + 1, size=n)
    src = np.full((n, max_len), PAD, dtype=np.int64)
    tgt = np.full((n, max_len + 2), PAD, dtype=np.int64)
    tgt[:, 0] = BOS
    for row, length in enumerate(lengths):
        digits = rng.integers(0, 10, size=length) + DIGIT0
        src[row, :length] = digits
        tgt[row, 1 : length + 1] = digits[::-1]
        tgt[row, length + 1] = EOS
    return torch.from_numpy(src), torch.from_numpy(tgt)


def to_text(tokens: torch.Tensor) -> str:
    """The digits of a token sequence as a string, up to the first EOS."""
    out = []
    for token in tokens.tolist():
        if token == EOS:
            break
        if token >= DIGIT0:
            out.append(str(token - DIGIT0))
    return "".join(out)


def exact_match(predicted: torch.Tensor, target: torch.Tensor) -> float:
    """Fraction of sequences whose prediction equals the target up to and including EOS.

    Both are ``(n, len)`` without the leading BOS; anything after the
    target's EOS is ignored, so a model is not judged on what it writes once
    it has finished.
    """
    if predicted.shape[0] != target.shape[0]:
        raise ValueError(f"batch sizes differ: {predicted.shape[0]} vs {target.shape[0]}")
    width = min(predicted.shape[1], target.shape[1])
    predicted, target = predicted[:, :width], target[:, :width]
    # Positions up to and including the target's EOS must match.
    after_eos = (target == EOS).long().cumsum(dim=1) - (target == EOS).long() > 0
    ok = (predicted == target) | after_eos
    return ok.all(dim=1).float().mean().item()
