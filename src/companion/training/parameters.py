"""Counting a model's parameters: all of them, and those that will be trained."""

from dataclasses import dataclass

from torch import nn


@dataclass(frozen=True)
class ParameterCount:
    """How many parameters a model has, and how many of them an optimiser would update."""

    trainable: int
    total: int

    @property
    def fraction(self) -> float:
        """The trainable share of all parameters, in [0, 1]."""
        return self.trainable / self.total if self.total else 0.0


def count_parameters(model: nn.Module) -> ParameterCount:
    """Count ``model``'s parameters, and those with ``requires_grad`` (the trainable ones).

    Shared tensors (tied weights) are counted once, as ``model.parameters()`` yields them.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    params = list(model.parameters())
    return ParameterCount(
        trainable=sum(p.numel() for p in params if p.requires_grad),
        total=sum(p.numel() for p in params),
    )
