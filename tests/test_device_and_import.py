import subprocess
import sys

import pytest
import torch

from companion.runtime.device import resolve_device


def test_auto_and_cpu():
    expected = (
        "cuda"
        if torch.cuda.is_available()
        else "mps"
        if torch.backends.mps.is_available()
        else "cpu"
    )
    assert resolve_device("auto") == expected
    assert resolve_device("cpu") == "cpu"


def test_bad_or_unavailable_devices_are_refused():
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device("tpu")
    with pytest.raises(TypeError, match="string"):
        resolve_device(0)
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="DEVICE = 'auto'"):
            resolve_device("cuda")


def test_import_companion_is_cheap():
    code = (
        "import sys, companion, companion.book, companion.book.pipeline, companion.data\n"
        "import companion.runtime, companion.foundations.losses, companion.foundations\n"
        "heavy = ('torch', 'tensorflow', 'keras', 'pandas', 'mlxtend', 'papermill')\n"
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
