"""Text data sets: Tiny Shakespeare and SST-2 (GLUE)."""

from __future__ import annotations

import numpy as np

from companion.runtime.checks import check_choice

from .download import fetch

__all__ = ["SST2_SPLITS", "load_sst2", "load_tinyshakespeare"]

#: The values ``load_sst2`` accepts for ``split``.
SST2_SPLITS = ("train", "dev")

_SST2_HEADER = "sentence\tlabel"


def load_tinyshakespeare() -> str:
    """Return Karpathy's Tiny Shakespeare corpus (1,115,394 characters) as one string.

    Raises:
        DataUnavailableError: If the file is neither cached nor downloadable.

    """
    return fetch("tinyshakespeare/input.txt").read_text(encoding="utf-8")


def load_sst2(split: str = "train") -> tuple[list[str], np.ndarray]:
    """Load a split of SST-2 (GLUE) as ``(sentences, labels)``.

    Sentences are returned exactly as in the GLUE file (lower-cased, tokenised,
    often with a trailing space). Labels are int64, 1 for positive, 0 for negative.

    Args:
        split: ``"train"`` (67,349 rows) or ``"dev"`` (872 rows); GLUE's test split
            has no labels and is not offered.

    Raises:
        ValueError: If ``split`` is not one of :data:`SST2_SPLITS`.
        DataUnavailableError: If the file is neither cached nor downloadable.

    """
    check_choice("split", split, SST2_SPLITS)
    return _parse_sst2(fetch(f"sst2/{split}.tsv").read_text(encoding="utf-8"))


def _parse_sst2(text: str) -> tuple[list[str], np.ndarray]:
    # Split on "\n" only: str.splitlines would also break at the rare Unicode separators.
    lines = text.split("\n")
    if lines[0] != _SST2_HEADER:
        raise ValueError(f"SST-2 TSV must start with the header {_SST2_HEADER!r}, got {lines[0]!r}")
    if lines[-1] == "":
        lines.pop()
    sentences: list[str] = []
    labels: list[int] = []
    for number, line in enumerate(lines[1:], start=2):
        sentence, tab, label = line.rpartition("\t")
        if not tab or label not in ("0", "1"):
            raise ValueError(f"SST-2 TSV line {number} is not '<sentence>\\t<0 or 1>': {line!r}")
        sentences.append(sentence)
        labels.append(int(label))
    return sentences, np.array(labels, dtype=np.int64)
