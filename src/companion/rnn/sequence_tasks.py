"""A long-range sequence task, recurrent classifiers for it, and gradients through time (torch)."""

import numpy as np
import torch
from torch import nn

_CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def delayed_recall(
    n: int, length: int, symbols: int, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequences of random symbols whose label is the symbol at the first step.

    Every step carries a one-hot symbol drawn at random; an extra input
    channel marks the first step ("remember this one"). The model reads the
    whole sequence and must then name the marked symbol, so the dependency is
    exactly as long as the sequence. Chance is 1 / ``symbols``.

    Returns:
        ``x`` float32 ``(n, length, symbols + 1)`` (the last channel is the
        marker) and ``y`` int64 ``(n,)``.

    """
    if n < 1 or length < 1 or symbols < 2:
        raise ValueError(f"need n >= 1, length >= 1, symbols >= 2; got {n}, {length}, {symbols}")
    tokens = rng.integers(0, symbols, size=(n, length))
    x = np.zeros((n, length, symbols + 1), dtype=np.float32)
    x[:, :, :symbols] = np.eye(symbols, dtype=np.float32)[tokens]
    x[:, 0, symbols] = 1.0  # the marker
    return torch.from_numpy(x), torch.from_numpy(tokens[:, 0].copy())


class SequenceClassifier(nn.Module):
    """A recurrent layer (``"rnn"``, ``"lstm"``, ``"gru"``) read out from its last hidden state."""

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        num_classes: int,
        forget_bias: float = 1.0,
    ):
        """Build the layer and its read-out.

        Args:
            cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
            input_size: features per time step.
            hidden_size: units of the recurrent layer.
            num_classes: outputs of the read-out.
            forget_bias: for an LSTM, the forget gate's initial bias. PyTorch
                starts it near 0, so the gate is about half open and the cell
                forgets half of its content at every step; 1 (Gers et al.,
                2000; Jozefowicz et al., 2015) lets memories survive long
                enough for learning to find them.

        """
        super().__init__()
        if cell not in _CELLS:
            raise ValueError(f"cell must be one of {sorted(_CELLS)}, got {cell!r}")
        self.recurrent = _CELLS[cell](input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes)
        if cell == "lstm":
            with torch.no_grad():  # gates are stacked (input, forget, cell, output)
                self.recurrent.bias_ih_l0[hidden_size : 2 * hidden_size].fill_(forget_bias)
                self.recurrent.bias_hh_l0[hidden_size : 2 * hidden_size].fill_(0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, classes)`` for ``x`` of shape ``(batch, time, input)``."""
        outputs, _ = self.recurrent(x)  # (batch, time, hidden)
        return self.head(outputs[:, -1])


def input_gradient_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """‖∂L/∂x_t‖ for every time step t, averaged over the batch: how much each step can still teach.

    The loss is the cross-entropy at the last step, so the norm at step t
    measures how much of the error signal survives ``length - 1 - t`` steps of
    backpropagation through time.
    """
    if x.dim() != 3:
        raise ValueError(f"x must be (batch, time, input), got shape {tuple(x.shape)}")
    x = x.detach().clone().requires_grad_(True)
    model.zero_grad(set_to_none=True)
    nn.functional.cross_entropy(model(x), y).backward()
    return x.grad.norm(dim=2).mean(dim=0).numpy()  # (time,)
