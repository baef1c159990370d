"""Chapter "CNN, RNN and LSTM", the recurrent half.

RNN and LSTM cells from their equations, gradients through time on a delayed-recall
task, and a character LSTM.
"""

from .cells import LSTMFromScratch, RNNFromScratch
from .char_lm import (
    CharLSTM,
    CharVocab,
    SequenceCrossEntropy,
    make_windows,
    sample,
    split_text,
    unigram_entropy,
)
from .sequence_tasks import SequenceClassifier, delayed_recall, input_gradient_norms

__all__ = [
    "CharLSTM",
    "CharVocab",
    "LSTMFromScratch",
    "RNNFromScratch",
    "SequenceClassifier",
    "SequenceCrossEntropy",
    "delayed_recall",
    "input_gradient_norms",
    "make_windows",
    "sample",
    "split_text",
    "unigram_entropy",
]
