"""Chapter "Attention and the Transformer".

Attention scores, masks, multi-head attention, positional encodings, an encoder-decoder
Transformer and its reversal task.
"""

from .masks import causal_mask, padding_mask
from .multihead import MultiHeadAttention
from .positional import PositionalEncoding, shift_matrix, sinusoidal_encoding
from .reversal import DIGIT0, VOCAB_SIZE, exact_match, make_reversal, to_text
from .scores import (
    AdditiveScores,
    attention,
    attention_entropy,
    dot_product_scores,
    masked_softmax,
    scaled_dot_product_scores,
)
from .transformer import DecoderLayer, EncoderLayer, Seq2SeqTransformer

__all__ = [
    "AdditiveScores",
    "DIGIT0",
    "DecoderLayer",
    "EncoderLayer",
    "MultiHeadAttention",
    "PositionalEncoding",
    "Seq2SeqTransformer",
    "VOCAB_SIZE",
    "attention",
    "attention_entropy",
    "causal_mask",
    "dot_product_scores",
    "exact_match",
    "make_reversal",
    "masked_softmax",
    "padding_mask",
    "scaled_dot_product_scores",
    "shift_matrix",
    "sinusoidal_encoding",
    "to_text",
]
