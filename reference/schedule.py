"""The learning-rate schedule: linear warmup, then cosine decay to min_lr."""
import math


def warmup_cosine_lr(step, max_lr, warmup_steps, total_steps, min_lr=0.0):
    """The learning rate at a given step: linear warmup from 0, then a cosine decay to min_lr.

    1) ``step < warmup_steps``: ``max_lr * step / warmup_steps``;
    2) otherwise, with ``progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)``:
       ``min_lr + 0.5 * (max_lr - min_lr) * (1 + cos(pi * progress))`` while ``progress < 1``;
    3) ``min_lr`` from then on.

    Args:
        step: the current step (an int >= 0; step 0 is the first update).
        max_lr: the peak learning rate, reached at ``step == warmup_steps``.
        warmup_steps: the number of warmup steps (0 for none).
        total_steps: the step at which the decay reaches ``min_lr``.
        min_lr: the floor of the schedule.

    Returns:
        A Python float.

    Example:
        >>> [round(warmup_cosine_lr(s, 1.0, 2, 6), 2) for s in range(8)]
        [0.0, 0.5, 1.0, 0.85, 0.5, 0.15, 0.0, 0.0]
    """
    # 1) linear warmup
    if step < warmup_steps:
        return float(max_lr * step / warmup_steps)
    # 2) cosine decay from max_lr down to min_lr
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    if progress < 1:
        return float(min_lr + 0.5 * (max_lr - min_lr) * (1 + math.cos(math.pi * progress)))
    # 3) after total_steps: stay at min_lr
    return float(min_lr)
