"""Names that a sub-package re-exports but imports only when first asked for (PEP 562).

A chapter's package may hold a NumPy half and a torch half (the convolution
from scratch and the CNN, say). Re-exporting the torch names eagerly would make
``import companion.cnn.conv`` import torch too, since Python runs a package's
``__init__`` before any of its modules. A package instead sets::

    __getattr__ = lazy_names(__name__, {"MnistCNN": "mnist_cnn"})

and ``from companion.cnn import MnistCNN`` imports :mod:`companion.cnn.mnist_cnn`
at that moment.
"""

import importlib
from collections.abc import Callable, Mapping


def lazy_names(package: str, modules: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` that imports ``package.<modules[name]>`` to resolve ``name``.

    Args:
        package: the package's ``__name__``.
        modules: each lazily exported name, mapped to the module (relative to
            ``package``) that defines it.

    """

    def __getattr__(name: str) -> object:  # noqa: N807 (the name PEP 562 looks up)
        if name in modules:
            return getattr(importlib.import_module(f"{package}.{modules[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
