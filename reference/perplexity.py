"""Perplexity: the exponentiated mean cross-entropy, the model's "effective number of choices"."""
import numpy as np

from .xent import cross_entropy


def perplexity(logits, targets, ignore_index=None):
    """Perplexity of the model on these targets: ``exp(mean cross-entropy)``.

    ``PPL = exp(-(1/N) * sum_t log p(target_t))`` over the N positions not ignored (natural
    log, so it matches ``exp`` of PyTorch's mean cross-entropy). A model that spreads its
    probability uniformly over V tokens has perplexity exactly V; a perfect model has 1.

    Args:
        logits: float array of shape (..., V), e.g. (B, T, V).
        targets: integer array of shape (...), with values in [0, V) or equal to
            ``ignore_index``.
        ignore_index: a target value to skip, or None to count every position.

    Returns:
        A Python float (nan when every position is ignored).

    Example: a uniform model over V = 50 tokens:

        >>> logits = np.zeros((2, 3, 50))  # (B, T, V), every token equally likely
        >>> round(perplexity(logits, np.array([[1, 2, 3], [4, 5, 6]])), 2)
        50.0
    """
    return float(np.exp(cross_entropy(logits, targets, ignore_index=ignore_index)))


def corpus_perplexity(losses, counts):
    """Perplexity of a whole corpus from per-batch mean losses, weighting every token equally.

    ``PPL = exp(sum_i losses[i] * counts[i] / sum_i counts[i])``: batch i's mean loss is
    weighted by the number of tokens it held. This is *not* the mean of the per-batch
    perplexities (nor ``exp`` of the unweighted mean loss) when the batches differ in size.

    Args:
        losses: sequence or 1-D array of per-batch mean cross-entropies, shape (n_batches,).
        counts: sequence or 1-D array of the number of tokens in each batch, shape
            (n_batches,).

    Returns:
        A Python float.

    Example: a small batch that went badly counts less than a big one that went well:

        >>> round(corpus_perplexity([0.69, 2.3], [300, 100]), 2)  # exp(437 / 400)
        2.98
        >>> round(float(np.exp(0.69) + np.exp(2.3)) / 2, 2)  # mean of per-batch PPLs: wrong
        5.98
    """
    losses = np.asarray(losses, dtype=np.float64)  # (n_batches,)
    counts = np.asarray(counts, dtype=np.float64)  # (n_batches,)
    # 1) total loss over all tokens, 2) per-token mean, 3) exp
    mean_loss = np.sum(losses * counts) / np.sum(counts)
    return float(np.exp(mean_loss))
