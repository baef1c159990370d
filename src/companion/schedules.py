"""Learning-rate schedules, as factors for ``torch.optim.lr_scheduler.LambdaLR``."""

from collections.abc import Callable


def warmup_linear(warmup_steps: int, total_steps: int) -> Callable[[int], float]:
    """BERT's schedule as a learning-rate factor: up to 1 over the warm-up, then linearly to 0.

    The first steps of a fresh network (or of a new head on a pre-trained one)
    have large, badly scaled gradients, and Adam's second-moment estimates are
    still poor; the warm-up keeps those steps small.

    Raises:
        ValueError: unless ``0 <= warmup_steps < total_steps``.

    """
    if not 0 <= warmup_steps < total_steps:
        raise ValueError(f"need 0 <= warmup_steps < total_steps, got {warmup_steps}, {total_steps}")

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return max(0.0, (total_steps - step) / (total_steps - warmup_steps))

    return factor
