import pytest
import torch

from companion.runtime.tensorflow_beside_torch import load_triton_first

# Test modules import Keras on TensorFlow; Triton must be loaded before it.
load_triton_first()


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Run each test's torch work on one thread.

    The tests' tensors are tiny, so intra-op threads only add synchronisation,
    which on a shared 2-core runner with busy cores made some steps ~30x slower.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
