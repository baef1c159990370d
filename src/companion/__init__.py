"""The tested code behind the deep-learning companion book.

Importing :mod:`companion` is cheap on purpose: it pulls in neither torch nor
TensorFlow, so that ``import companion`` works on any machine and in any
kernel. Framework code lives in submodules that a chapter imports when it
needs them (:mod:`companion.training.loop` for torch, for example).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("companion")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
