"""Chapter "BERT pre-training".

A WordPiece tokenizer, MLM and NSP data, the encoder, pre-training, the swap test
of what NSP learns, and the bridge to Hugging Face's ``BertForPreTraining``.
"""

from .hf_bridge import from_hf, hf_config, to_hf
from .model import BertConfig, BertEmbeddings, BertForPretraining, BertLayer, pretraining_loss
from .pretrain import PretrainHistory, evaluate_pretraining, pretrain, to_tensors
from .pretraining_data import (
    FIRST_REGULAR_ID,
    IGNORE_INDEX,
    PairSampler,
    Speech,
    make_batch,
    mask_tokens,
    pack_pair,
    scene_documents,
    split_speeches,
)
from .probes import share_interval, swap_verdict
from .wordpiece import SPECIAL_TOKENS, encode_lines, train_wordpiece

__all__ = [
    "BertConfig",
    "BertEmbeddings",
    "BertForPretraining",
    "BertLayer",
    "FIRST_REGULAR_ID",
    "IGNORE_INDEX",
    "PairSampler",
    "PretrainHistory",
    "SPECIAL_TOKENS",
    "Speech",
    "encode_lines",
    "evaluate_pretraining",
    "from_hf",
    "hf_config",
    "make_batch",
    "mask_tokens",
    "pack_pair",
    "pretrain",
    "pretraining_loss",
    "scene_documents",
    "share_interval",
    "split_speeches",
    "swap_verdict",
    "to_hf",
    "to_tensors",
    "train_wordpiece",
]
