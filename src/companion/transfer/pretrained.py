"""The book's pre-trained model (预训练模型): a pinned sentence encoder from the Hugging Face Hub.

The transfer chapter uses ``sentence-transformers/all-MiniLM-L6-v2``
(Reimers & Gurevych's Sentence-BERT training on top of Wang et al.'s MiniLM):
a 6-layer, 384-wide BERT-style encoder of 22.7 million parameters. It is
loaded at a pinned revision, so that every reader fine-tunes the same weights.
On a reader's machine ``transformers`` downloads it once (about 90 MB) into the
Hugging Face cache; offline machines point ``HF_HOME`` at a pre-filled cache.

``transformers`` is imported inside :func:`load_encoder`, so importing this
module stays cheap.
"""

import os
from typing import Any

#: The model the chapter fine-tunes.
MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
#: The commit of :data:`MODEL_ID` on the Hub that the book's numbers come from.
MODEL_REVISION = "c9745ed1d9f207416be6d2e6f8de32d1f16199bf"


class ModelUnavailableError(RuntimeError):
    """A pre-trained model is neither in the local cache nor downloadable."""


def load_encoder(
    model_id: str = MODEL_ID,
    revision: str = MODEL_REVISION,
    *,
    cache_dir: str | os.PathLike | None = None,
    local_files_only: bool = False,
) -> tuple[Any, Any]:
    """Load a pre-trained encoder and its tokenizer, from the cache or the Hub.

    Args:
        model_id: a Hugging Face model id.
        revision: the commit (or tag) to load; pin a commit for reproducible results.
        cache_dir: the cache to use; by default the Hugging Face one
            (``$HF_HOME/hub``, else ``~/.cache/huggingface/hub``).
        local_files_only: never try the network, as ``HF_HUB_OFFLINE=1`` does.

    Returns:
        ``(tokenizer, model)``: a fast tokenizer and the bare encoder (for
        MiniLM a ``transformers.BertModel``), in float32 and eval mode.

    Raises:
        ModelUnavailableError: if the files are neither cached nor downloadable;
            the message says how to get them.

    """
    for name, value in (("model_id", model_id), ("revision", revision)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    if os.environ.get("TQDM_DISABLE", "").lower() in ("1", "true", "yes"):
        hf_logging.disable_progress_bar()  # its "Loading weights" bar would clutter stored outputs
    options = dict(revision=revision, cache_dir=cache_dir, local_files_only=local_files_only)
    try:
        tokenizer = AutoTokenizer.from_pretrained(model_id, **options)
        model = AutoModel.from_pretrained(model_id, **options)
    except OSError as error:  # transformers turns "not cached, no network" into an OSError
        where = cache_dir or os.path.join(
            os.environ.get("HF_HOME", os.path.join("~", ".cache", "huggingface")), "hub"
        )
        raise ModelUnavailableError(
            f"The pre-trained model {model_id!r} (revision {revision}) is not in the Hugging "
            f"Face cache at {where} and could not be downloaded. Connect to the internet once "
            "and run the chapter again (unset HF_HUB_OFFLINE if it is set): transformers "
            "downloads the model (about 90 MB) and caches it. On an offline machine, set "
            f"HF_HOME to a folder whose hub/ holds the model.\nThe loader said: {error}"
        ) from error
    # float32 whatever the checkpoint holds: transformers 5 keeps a checkpoint's
    # dtype by default, and the GPU check carries a float16 copy (tools/gpu).
    return tokenizer, model.float().eval()
