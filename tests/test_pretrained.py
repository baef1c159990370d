import re

import pytest

from companion.transfer.pretrained import (
    MODEL_ID,
    MODEL_REVISION,
    ModelUnavailableError,
    load_encoder,
)


def test_the_model_is_pinned_to_a_commit():
    assert MODEL_ID == "sentence-transformers/all-MiniLM-L6-v2"
    assert re.fullmatch(r"[0-9a-f]{40}", MODEL_REVISION)


def test_a_model_neither_cached_nor_downloadable_gives_a_clear_error(tmp_path):
    # An empty cache and no network: what an offline reader without the model sees.
    with pytest.raises(ModelUnavailableError) as caught:
        load_encoder(cache_dir=tmp_path, local_files_only=True)
    message = str(caught.value)
    assert MODEL_ID in message and MODEL_REVISION in message
    assert "HF_HOME" in message and "internet" in message


def test_load_encoder_refuses_empty_names():
    with pytest.raises(ValueError):
        load_encoder("")
    with pytest.raises(ValueError):
        load_encoder(MODEL_ID, revision="")
