"""Measuring vanishing and exploding gradients (梯度消失 / 梯度爆炸) through deep stacks (torch)."""

import torch
from torch import nn

from companion.runtime.checks import check_choice, check_int

_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}


def deep_mlp(
    depth: int,
    width: int,
    in_features: int,
    out_features: int,
    activation: str = "relu",
    batch_norm: bool = False,
    init: str | float = "default",
) -> nn.Sequential:
    """A stack of ``depth`` hidden Linear layers (+ optional BatchNorm) + activation, then a head.

    Args:
        depth: number of hidden layers, >= 1.
        width: units per hidden layer.
        in_features: size of each input.
        out_features: number of outputs (classes).
        activation: ``"sigmoid"``, ``"tanh"`` or ``"relu"``.
        batch_norm: put ``BatchNorm1d`` between each Linear and its activation.
        init: ``"default"`` keeps PyTorch's initialisation (uniform, variance
            1/(3 fan_in)); ``"he"`` draws weights from N(0, 2/fan_in), the scale
            that keeps a ReLU stack's activations from shrinking or growing
            (He et al., 2015); a number draws every weight from N(0, init²), to
            show what a too small or too large scale does. Biases start at 0
            except with ``"default"``.

    """
    check_choice("activation", activation, sorted(_ACTIVATIONS))
    check_int("depth", depth), check_int("width", width)
    if not (init in ("default", "he") or isinstance(init, float | int) and init > 0):
        raise ValueError(f"init must be 'default', 'he' or a positive std, got {init!r}")
    layers: list[nn.Module] = []
    for i in range(depth):
        layers.append(nn.Linear(in_features if i == 0 else width, width))
        if batch_norm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(_ACTIVATIONS[activation]())
    layers.append(nn.Linear(width, out_features))
    model = nn.Sequential(*layers)
    if init != "default":
        for layer in linear_layers(model):
            if init == "he":
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            else:
                nn.init.normal_(layer.weight, std=init)
            nn.init.zeros_(layer.bias)
    return model


def linear_layers(model: nn.Module) -> list[nn.Linear]:
    """The model's ``nn.Linear`` layers, from input to output."""
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def layer_gradient_norms(
    model: nn.Module, loss_fn: nn.Module, x: torch.Tensor, y: torch.Tensor
) -> list[float]:
    """‖∂L/∂W‖ of each Linear layer's weight after one backward pass.

    The list starts at the layer next to the input.
    """
    layers = linear_layers(model)
    if not layers:
        raise ValueError("the model has no nn.Linear layer to measure")
    model.zero_grad(set_to_none=True)
    loss_fn(model(x), y).backward()
    return [layer.weight.grad.norm().item() for layer in layers]
