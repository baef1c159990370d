"""TensorFlow and a CUDA build of PyTorch in one process: load Triton first.

TensorFlow's wheels from 2.20 on load their copy of LLVM into the process's
global symbol table. Triton 3.7 and later, which CUDA builds of PyTorch
import lazily (at the first ``torch.optim`` optimizer, for instance), carries
its own LLVM; loaded after TensorFlow, it binds to TensorFlow's copy and the
process dies with a segmentation fault (tensorflow/tensorflow#124205; the
reproducer is ``import tensorflow; import triton``). Loaded first, it works.
CPU builds of PyTorch ship no Triton, which is why CI never sees the crash.
"""

import importlib
import importlib.util
import sys


def load_triton_first() -> None:
    """Import Triton now if it and TensorFlow are both installed; call before TensorFlow.

    Does nothing where Triton is missing or already loaded, or TensorFlow is
    not installed.

    Raises:
        RuntimeError: if TensorFlow is already loaded and Triton is not: the
            first later import of Triton would crash the process.

    """
    if "triton" in sys.modules or importlib.util.find_spec("triton") is None:
        return
    if importlib.util.find_spec("tensorflow") is None:
        return
    if "tensorflow" in sys.modules:
        raise RuntimeError(
            "TensorFlow was imported before Triton, and loading Triton now (as CUDA builds of "
            "PyTorch do at their first optimiser) would crash the process with a segmentation "
            "fault (tensorflow/tensorflow#124205). Restart the kernel and call "
            "companion.runtime.load_triton_first() before importing "
            "TensorFlow or Keras."
        )
    importlib.import_module("triton")
