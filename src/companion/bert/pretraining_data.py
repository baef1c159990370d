"""BERT's pre-training data: documents, sentence pairs, and masked tokens (NumPy only).

The two self-supervised tasks of BERT (Devlin et al., 2019) need no labels
beyond the text itself:

* **next-sentence prediction** (NSP, 下一句预测): an input is a pair of text
  segments ``[CLS] A [SEP] B [SEP]``; half the time B is the text that follows
  A in the same document (label :data:`IS_NEXT`), half the time B comes from
  another document (:data:`NOT_NEXT`);
* **masked language modelling** (MLM, 掩码语言模型): 15% of the ordinary
  tokens are chosen; of those, 80% become ``[MASK]``, 10% a random token and
  10% stay as they are; the model must recover the chosen tokens, and the
  loss is taken on those positions only (label -100 elsewhere, the value
  PyTorch's cross-entropy ignores).

Here a *document* is a list of lines, each a list of token ids. For Tiny
Shakespeare the documents are scenes, approximated by runs of consecutive
speeches (see :func:`split_speeches` and :func:`scene_documents`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from companion.bert.wordpiece import CLS_ID, MASK_ID, PAD_ID, SEP_ID, SPECIAL_TOKENS
from companion.runtime.checks import check_int, check_probability

#: NSP labels, in the order of Hugging Face's ``BertForPreTraining``.
IS_NEXT, NOT_NEXT = 0, 1
#: The label of positions that carry no MLM loss.
IGNORE_INDEX = -100
#: The first id of an ordinary (non-special) token.
FIRST_REGULAR_ID = len(SPECIAL_TOKENS)

Document = list[list[int]]


@dataclass(frozen=True)
class Speech:
    """One speech of a play: who speaks, and the lines of text they say."""

    speaker: str
    lines: tuple[str, ...]


def split_speeches(text: str) -> list[Speech]:
    """Split a play's text into speeches: blocks of ``SPEAKER:`` and lines, between blank lines.

    Blocks that name a speaker but hold no line (Tiny Shakespeare has a few)
    are dropped.

    Raises:
        ValueError: if ``text`` holds no speech at all.

    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    speeches = []
    for block in text.split("\n\n"):
        lines = [line.strip() for line in block.strip().split("\n") if line.strip()]
        if len(lines) >= 2 and lines[0].endswith(":"):
            speeches.append(Speech(lines[0][:-1], tuple(lines[1:])))
    if not speeches:
        raise ValueError("no speech found: expected blocks of 'SPEAKER:' then lines")
    return speeches


def scene_documents(speeches: list[Speech], speeches_per_scene: int) -> list[list[str]]:
    """Group consecutive speeches into documents for NSP, each a list of text lines.

    Tiny Shakespeare marks no scenes, so a run of ``speeches_per_scene``
    consecutive speeches stands in for one: over such a run the cast and the
    subject stay the same, which is what sets one document apart from
    another. Each speech contributes its speaker's line (``"ROMEO:"``), as in
    the corpus, then its lines.
    """
    check_int("speeches_per_scene", speeches_per_scene)
    return [
        [line for speech in speeches[i : i + speeches_per_scene]
         for line in (f"{speech.speaker}:", *speech.lines)]
        for i in range(0, len(speeches), speeches_per_scene)
    ]  # fmt: skip


class PairSampler:
    """Draws NSP pairs ``(A, B, label)`` from documents, half true continuations, half random.

    A pair is cut at a line boundary of a document. A is the text just
    before the cut, at most half the token budget; B has the rest of the
    budget. For a true pair (label :data:`IS_NEXT`) B is the text that
    follows the cut; for a random pair (:data:`NOT_NEXT`) it is a span of
    the same length from another document, also starting at a line boundary.
    Both kinds of B stop strictly inside their document. Together these make
    the two kinds of pair alike in everything but their content: B's length,
    where it starts and where it stops tell nothing about the label, so NSP
    cannot be solved without comparing A and B.

    Like BERT, a tenth of the pairs are given a shorter random length, so
    that the model also sees padding in pre-training.

    Args:
        documents: each a list of lines, each line a list of token ids.
        max_tokens: the most tokens A and B may hold together (the sequence
            length minus 3 for ``[CLS]``, ``[SEP]``, ``[SEP]``).
        short_prob: the probability of a shorter pair (BERT: 0.1).

    Raises:
        ValueError: if fewer than two documents are long enough to cut (a
            document needs more than ``max_tokens`` tokens and two lines).

    """

    def __init__(self, documents: list[Document], max_tokens: int, short_prob: float = 0.1):
        check_int("max_tokens", max_tokens, minimum=2)
        check_probability("short_prob", short_prob)
        self.max_tokens, self.short_prob = max_tokens, short_prob
        self.texts: list[np.ndarray] = []
        doc_of, offset, remaining = [], [], []
        for doc in documents:
            lengths = [len(line) for line in doc if line]
            if not lengths:
                continue
            d = len(self.texts)
            self.texts.append(np.array([t for line in doc for t in line], dtype=np.int64))
            starts = np.cumsum([0, *lengths[:-1]])  # where each line starts
            doc_of.extend([d] * len(starts))
            offset.extend(starts.tolist())
            remaining.extend((sum(lengths) - starts).tolist())
        # Every line start of every document: a possible cut, or a start of random text.
        self.doc_of, self.offset = np.array(doc_of), np.array(offset)
        self.remaining = np.array(remaining)  # tokens from the line start to the document's end
        self._cut_cache: dict[int, np.ndarray] = {}
        self._start_cache: dict[int, np.ndarray] = {}
        # Random text for B must come from another document: two must be long enough.
        if len(set(self.doc_of[self._cuts(max_tokens)].tolist())) < 2:
            raise ValueError(
                f"need two or more documents long enough to cut a pair of {max_tokens} tokens "
                "(more tokens than that, and two or more lines)"
            )

    def _cuts(self, target: int) -> np.ndarray:
        """Indices of the line starts where a pair of ``target`` tokens can be cut."""
        if target not in self._cut_cache:
            keep_a = np.minimum(self.offset, target // 2)
            # A cut needs text before it, and more text after B than B takes.
            ok = (self.offset > 0) & (self.remaining > target - keep_a)
            self._cut_cache[target] = np.flatnonzero(ok)
        return self._cut_cache[target]

    def _starts(self, length: int) -> np.ndarray:
        """Indices of the line starts followed by more than ``length`` tokens."""
        if length not in self._start_cache:
            self._start_cache[length] = np.flatnonzero(self.remaining > length)
        return self._start_cache[length]

    def sample(
        self, rng: np.random.Generator, label: int | None = None
    ) -> tuple[list[int], list[int], int]:
        """One pair ``(a, b, label)``; ``label`` is :data:`IS_NEXT` or :data:`NOT_NEXT`.

        Args:
            rng: the generator to draw from.
            label: the kind of pair to draw; ``None`` draws either with
                probability 1/2.

        """
        if label not in (None, IS_NEXT, NOT_NEXT):
            raise ValueError(f"label must be None, IS_NEXT or NOT_NEXT, got {label!r}")
        target = self.max_tokens
        if rng.random() < self.short_prob:
            target = int(rng.integers(2, self.max_tokens + 1))
        cuts = self._cuts(target)  # never empty: a shorter pair is easier to cut
        i = cuts[rng.integers(len(cuts))]
        d, cut = self.doc_of[i], self.offset[i]
        keep_a = min(cut, target // 2)
        a = self.texts[d][cut - keep_a : cut]
        length = target - keep_a
        if label is None:
            label = IS_NEXT if rng.random() < 0.5 else NOT_NEXT
        if label == IS_NEXT:
            return a.tolist(), self.texts[d][cut : cut + length].tolist(), IS_NEXT
        # A start in another document: draw among all that are long enough until
        # one is elsewhere (two documents at least qualify; see __init__).
        starts = self._starts(length)
        j = starts[rng.integers(len(starts))]
        while self.doc_of[j] == d:
            j = starts[rng.integers(len(starts))]
        start = self.offset[j]
        return a.tolist(), self.texts[self.doc_of[j]][start : start + length].tolist(), NOT_NEXT


def pack_pair(a: list[int], b: list[int], max_len: int) -> tuple[np.ndarray, ...]:
    """BERT's input for one pair: ``[CLS] a [SEP] b [SEP]`` padded to ``max_len``.

    Returns:
        ``(input_ids, token_type_ids, attention_mask)``, each int64 (max_len,):
        the token ids with ``[PAD]`` after the end; the segment ids, 0 for
        ``[CLS] a [SEP]`` and 1 for ``b [SEP]`` (and 0 on padding, as Hugging
        Face does); 1 on real tokens and 0 on padding.

    Raises:
        ValueError: if the pair does not fit.

    """
    length = len(a) + len(b) + 3
    if length > max_len:
        raise ValueError(f"the pair needs {length} positions, more than max_len={max_len}")
    ids = np.full(max_len, PAD_ID, dtype=np.int64)
    ids[:length] = [CLS_ID, *a, SEP_ID, *b, SEP_ID]
    types = np.zeros(max_len, dtype=np.int64)
    types[len(a) + 2 : length] = 1
    attention = np.zeros(max_len, dtype=np.int64)
    attention[:length] = 1
    return ids, types, attention


def mask_tokens(
    input_ids: np.ndarray,
    rng: np.random.Generator,
    vocab_size: int,
    mask_prob: float = 0.15,
) -> tuple[np.ndarray, np.ndarray]:
    """BERT's masking: choose ``mask_prob`` of the ordinary tokens, then 80/10/10.

    Each ordinary token (id >= :data:`FIRST_REGULAR_ID`: never ``[CLS]``,
    ``[SEP]``, ``[PAD]`` or another special token) is chosen independently
    with probability ``mask_prob``. A chosen token becomes ``[MASK]`` with
    probability 0.8, a random ordinary token with probability 0.1 (which may
    by chance be the token itself, as in BERT), and stays unchanged otherwise.
    The random and unchanged cases keep the model from learning that only
    ``[MASK]`` positions matter, since fine-tuning never shows ``[MASK]``.

    Args:
        input_ids: int array of token ids, any shape.
        rng: the generator to draw from.
        vocab_size: the number of token ids (random tokens are drawn below it).
        mask_prob: the probability that an ordinary token is chosen.

    Returns:
        ``(masked_ids, labels)``: the corrupted ids, and the original id at
        chosen positions, :data:`IGNORE_INDEX` elsewhere.

    Raises:
        ValueError: if ``mask_prob`` is outside (0, 1) or an id is outside the vocabulary.

    """
    input_ids = np.asarray(input_ids)
    if not np.issubdtype(input_ids.dtype, np.integer):
        raise TypeError(f"input_ids must be integers, got {input_ids.dtype}")
    if not 0.0 < mask_prob < 1.0:
        raise ValueError(f"mask_prob must be in (0, 1), got {mask_prob}")
    if vocab_size <= FIRST_REGULAR_ID:
        raise ValueError(f"vocab_size must exceed the {FIRST_REGULAR_ID} special tokens")
    if input_ids.size and (input_ids.min() < 0 or input_ids.max() >= vocab_size):
        raise ValueError(f"token ids must be in [0, {vocab_size}), got a {input_ids.max()}")
    chosen = (input_ids >= FIRST_REGULAR_ID) & (rng.random(input_ids.shape) < mask_prob)
    action = rng.random(input_ids.shape)
    masked = input_ids.copy()
    masked[chosen & (action < 0.8)] = MASK_ID
    to_random = chosen & (action >= 0.8) & (action < 0.9)
    masked[to_random] = rng.integers(FIRST_REGULAR_ID, vocab_size, size=int(to_random.sum()))
    labels = np.where(chosen, input_ids, IGNORE_INDEX)
    return masked, labels


def make_batch(
    sampler: PairSampler,
    rng: np.random.Generator,
    batch_size: int,
    vocab_size: int,
    balanced: bool = False,
) -> dict[str, np.ndarray]:
    """A batch of pre-training examples, as int64 arrays.

    With ``balanced``, true and random pairs alternate, so that an
    evaluation batch has exactly half of each (an odd batch has one more
    true pair) and a model that ignores its input scores 50% on NSP.

    Returns:
        ``input_ids``, ``token_type_ids``, ``attention_mask`` and ``mlm_labels``
        (batch, max_len), with max_len = ``sampler.max_tokens + 3``, and
        ``nsp_labels`` (batch,), named as Hugging Face's ``BertForPreTraining``
        arguments are (its MLM argument is ``labels``).

    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    max_len = sampler.max_tokens + 3
    rows, nsp = [], []
    for i in range(batch_size):
        a, b, label = sampler.sample(rng, (NOT_NEXT if i % 2 else IS_NEXT) if balanced else None)
        rows.append(pack_pair(a, b, max_len))
        nsp.append(label)
    ids, types, attention = (np.stack(column) for column in zip(*rows, strict=True))
    masked, labels = mask_tokens(ids, rng, vocab_size)
    return {
        "input_ids": masked,
        "token_type_ids": types,
        "attention_mask": attention,
        "mlm_labels": labels,
        "nsp_labels": np.array(nsp, dtype=np.int64),
    }
