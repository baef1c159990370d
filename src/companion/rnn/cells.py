"""A recurrent cell and an LSTM cell written from their equations (torch tensors, batch first).

Both follow PyTorch's conventions, so that their weights can be copied from
``torch.nn.RNN`` / ``torch.nn.LSTM`` and the outputs compared:

- RNN (循环神经网络): h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
- LSTM (长短期记忆网络), gates stacked in the order input, forget, cell, output:
  i = σ(·), f = σ(·), g = tanh(·), o = σ(·) of W_ih x_t + b_ih + W_hh h_{t-1} + b_hh,
  c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t).
"""

import math

import torch
from torch import nn


class _Recurrent(nn.Module):
    """Weights shaped as in torch.nn.RNN/LSTM: ``gates`` stacked blocks of ``hidden`` rows."""

    gates = 1

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ValueError(f"sizes must be >= 1, got input {input_size}, hidden {hidden_size}")
        self.input_size, self.hidden_size = input_size, hidden_size
        rows = self.gates * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(rows, input_size))
        self.weight_hh = nn.Parameter(torch.empty(rows, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(rows))
        self.bias_hh = nn.Parameter(torch.empty(rows))
        bound = 1 / math.sqrt(hidden_size)  # PyTorch's initialisation: U(-1/√H, 1/√H)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    @classmethod
    def from_torch(cls, module: nn.RNNBase) -> "_Recurrent":
        """Build one with the weights of a one-layer, unidirectional torch RNN/LSTM."""
        if module.num_layers != 1 or module.bidirectional or not module.bias:
            raise ValueError("copy from a one-layer, unidirectional module with biases")
        ours = cls(module.input_size, module.hidden_size).to(module.weight_ih_l0.dtype)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(ours, name).copy_(getattr(module, f"{name}_l0"))
        return ours

    def _check(self, x: torch.Tensor) -> None:
        if x.dim() != 3 or x.shape[-1] != self.input_size:
            raise ValueError(f"x must be (batch, time, {self.input_size}), got {tuple(x.shape)}")

    def _preactivation(self, x_t: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return x_t @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh


class RNNFromScratch(_Recurrent):
    """An Elman RNN with tanh, looping over time step by step."""

    gates = 1

    def forward(
        self, x: torch.Tensor, h: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run over ``x`` (batch, time, input); return every h_t and the last one."""
        self._check(x)
        if h is None:
            h = x.new_zeros(x.shape[0], self.hidden_size)
        outputs = []
        for t in range(x.shape[1]):
            h = torch.tanh(self._preactivation(x[:, t], h))  # (batch, hidden)
            outputs.append(h)
        return torch.stack(outputs, dim=1), h


class LSTMFromScratch(_Recurrent):
    """An LSTM whose cell state carries information forward through a gated, additive path."""

    gates = 4

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Run over ``x`` (batch, time, input); return every h_t and the last (h, c)."""
        self._check(x)
        if state is None:
            zeros = x.new_zeros(x.shape[0], self.hidden_size)
            state = (zeros, zeros)
        h, c = state
        outputs = []
        for t in range(x.shape[1]):
            i, f, g, o = self._preactivation(x[:, t], h).chunk(4, dim=1)  # each (batch, hidden)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outputs.append(h)
        return torch.stack(outputs, dim=1), (h, c)
