"""Chapter "CNN, RNN and LSTM", the convolutional half.

Convolution and pooling from scratch (NumPy) and the book's MNIST CNN (torch).
Importing this package imports no framework: the CNN's module is loaded the first
time one of its names is asked for.
"""

from companion.runtime.lazy import lazy_names

from .conv import conv2d, conv_output_size, max_pool2d

# The torch names, imported on first use so that the NumPy half runs without torch.
_CNN_NAMES = ("MnistCNN", "feature_maps", "penultimate_features", "to_image_tensor")
__getattr__ = lazy_names(
    __name__, dict.fromkeys((*_CNN_NAMES, "train_mnist_classifier"), "mnist_cnn")
)

__all__ = [
    "MnistCNN",
    "conv2d",
    "conv_output_size",
    "feature_maps",
    "max_pool2d",
    "penultimate_features",
    "to_image_tensor",
    "train_mnist_classifier",
]
