"""Chapter "Fine-tuning and transfer learning".

Freezing and unfreezing, few-label data selection, LoRA, a pre-trained sentence encoder
and its fine-tuning.
"""

from .finetune import FinetuneHistory, finetune
from .lora import BERT_TARGETS, LoRALinear, add_lora, lora_parameter_count
from .pretrained import MODEL_ID, MODEL_REVISION, ModelUnavailableError, load_encoder
from .selection import sample_per_class, select_digits, split_validation
from .sentence import (
    SentenceClassifier,
    embed,
    length_batches,
    mean_pool,
    pad_batch,
    predict,
    tokenize,
)
from .strategies import (
    STRATEGIES,
    backbone_features,
    set_trainable,
    train_for_steps,
    trainable_parameters,
    transfer_cnn,
)

__all__ = [
    "BERT_TARGETS",
    "FinetuneHistory",
    "LoRALinear",
    "MODEL_ID",
    "MODEL_REVISION",
    "ModelUnavailableError",
    "STRATEGIES",
    "SentenceClassifier",
    "add_lora",
    "backbone_features",
    "embed",
    "finetune",
    "length_batches",
    "load_encoder",
    "lora_parameter_count",
    "mean_pool",
    "pad_batch",
    "predict",
    "sample_per_class",
    "select_digits",
    "set_trainable",
    "split_validation",
    "tokenize",
    "train_for_steps",
    "trainable_parameters",
    "transfer_cnn",
]
