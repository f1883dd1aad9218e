"""Practical training advice: gradient accumulation when the GPU is too small."""
import numpy as np


def accumulate_gradients(grads, counts):
    """The gradient of the whole batch's mean loss, from the gradients of its micro-batches.

    A batch too big for the GPU is split into K micro-batches; each one's backward pass gives
    the gradient of *its own* mean loss over its counted tokens (padding and ``ignore_index``
    targets are not counted, so micro-batches count different numbers of tokens). The batch's
    loss is the mean over **every counted token of the whole batch**, so micro-batch k weighs
    in with its share of the tokens:

        grad = sum_k counts[k] * grads[k] / sum(counts)

    Averaging the micro-batches' gradients (``sum_k grads[k] / K``) gives every micro-batch the
    same weight: it is right only when every count is the same. A micro-batch with count 0
    contributes nothing (its mean loss is 0 / 0, so its gradient may hold nan: it is not used).

    Args:
        grads: a non-empty list of dicts, one per micro-batch, from a parameter's name to the
            float array of that micro-batch's mean-loss gradient (every dict has the same names
            and shapes).
        counts: the number of counted tokens of each micro-batch (non-negative ints, one per
            dict of ``grads``).

    Returns:
        A new dict from each name to the new array ``sum_k counts[k] * grads[k][name] /
        sum(counts)``.

    Raises:
        ValueError: if ``grads`` and ``counts`` differ in length (or are empty), a count is
            negative, or no token is counted at all (``sum(counts) == 0``).

    Example: two micro-batches, 3 tokens with gradient 1.0 and 1 token with gradient 5.0:
    (3 * 1 + 1 * 5) / 4 = 2.0 (the naive average would say 3.0).

        >>> accumulate_gradients([{"w": np.array([1.0])}, {"w": np.array([5.0])}], [3, 1])
        {'w': array([2.])}
    """
    counts = np.asarray(counts).reshape(-1)  # (K,)
    if len(grads) == 0 or len(grads) != len(counts):
        raise ValueError(f"expected one count per micro-batch and at least one, got "
                         f"len(grads)={len(grads)}, len(counts)={len(counts)}; pass as many "
                         "counts as gradient dicts")
    if np.any(counts < 0):
        raise ValueError(f"expected non-negative counts, got counts={counts.tolist()}; a count "
                         "is a number of tokens")
    total = int(np.sum(counts))
    if total == 0:
        raise ValueError(f"expected at least one counted token, got counts={counts.tolist()}; "
                         "a batch whose every target is ignored has no mean loss")
    out = {}
    for name in grads[0]:
        # every micro-batch with tokens, weighted by its share of the batch's tokens
        parts = [int(n) / total * g[name] for g, n in zip(grads, counts) if n > 0]
        out[name] = np.sum(parts, axis=0)  # the shape of grads[k][name], a new array
    return out
