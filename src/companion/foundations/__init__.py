"""Chapter "Losses and gradient descent".

Neurons, activations, losses, linear regression, optimisers (NumPy, from their
equations) and vanishing gradients (torch).

Importing this package imports no framework: the torch part (:mod:`.gradients`)
is loaded the first time one of its names is asked for.
"""

from companion.runtime.lazy import lazy_names

from .activations import ACTIVATIONS, relu, relu_grad, sigmoid, sigmoid_grad, tanh, tanh_grad
from .linear_regression import (
    GDResult,
    add_bias_column,
    gradient_descent,
    least_squares,
    make_regression,
    max_stable_learning_rate,
    mse_gradient,
    mse_loss,
)
from .losses import cross_entropy, logsumexp, mse, softmax
from .neuron import LOSSES, neuron_gradients
from .optimizers import (
    SGD,
    Adam,
    Momentum,
    Optimizer,
    RMSprop,
    descend,
    elongated_bowl,
    elongated_bowl_grad,
)

__all__ = [
    "ACTIVATIONS",
    "Adam",
    "GDResult",
    "LOSSES",
    "Momentum",
    "Optimizer",
    "RMSprop",
    "SGD",
    "add_bias_column",
    "cross_entropy",
    "deep_mlp",
    "descend",
    "elongated_bowl",
    "elongated_bowl_grad",
    "gradient_descent",
    "layer_gradient_norms",
    "least_squares",
    "linear_layers",
    "logsumexp",
    "make_regression",
    "max_stable_learning_rate",
    "mse",
    "mse_gradient",
    "mse_loss",
    "neuron_gradients",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "tanh",
    "tanh_grad",
]

# The torch names, imported on first use so that the NumPy half runs without torch.
__getattr__ = lazy_names(
    __name__,
    {"deep_mlp": "gradients", "layer_gradient_norms": "gradients", "linear_layers": "gradients"},
)
