"""Cross-entropy loss: how surprised the model is by the true next token, and its gradient."""
import numpy as np


def log_softmax(logits):
    """Log-probabilities from logits over the last axis, computed stably.

    ``log_softmax(x)_i = x_i - log(sum_j exp(x_j))``. Subtracting the max first (which does
    not change the result) keeps ``exp`` from overflowing, so logits of magnitude 1e4 give
    finite, accurate values.

    Args:
        logits: float array of shape (..., V), e.g. (B, T, V).

    Returns:
        A float array of the same shape (float32 logits may give float32 or float64): each
        row's ``exp`` sums to 1.

    Example:
        >>> log_softmax(np.array([1000.0, 1000.0]))  # naive exp(1000) would overflow
        array([-0.69314718, -0.69314718])
    """
    shifted = logits - logits.max(axis=-1, keepdims=True)  # (..., V), max of each row is 0
    log_norm = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))  # (..., 1)
    return shifted - log_norm  # (..., V)


def _flatten(logits, targets, ignore_index):
    # (..., V) logits and (...) targets as (N, V) and (N,), with N = B*T, plus keep (N,): the
    # positions that count; ignored targets become 0 so that they can still index a row
    V = logits.shape[-1]
    logits = logits.reshape(-1, V)  # (N, V)
    if logits.dtype.kind not in "fc":  # integer logits: compute in float64, as np.exp would
        logits = logits.astype(np.float64)
    targets = targets.reshape(-1)  # (N,)
    if ignore_index is None:
        keep = np.ones(targets.shape, dtype=bool)  # (N,)
    else:
        keep = targets != ignore_index  # (N,)
    safe_targets = np.where(keep, targets, 0)  # (N,), any valid index where ignored
    return logits, safe_targets, keep


def cross_entropy(logits, targets, ignore_index=None, reduction="mean"):
    """Cross-entropy between the model's predicted distributions and the true tokens.

    Per position, ``loss = -log p(target) = -log_softmax(logits)[..., target]`` (natural log).
    Positions whose target equals ``ignore_index`` (e.g. padding) contribute nothing. Same
    result as PyTorch's ``F.cross_entropy`` on ``logits.reshape(-1, V)`` and
    ``targets.reshape(-1)``.

    Args:
        logits: float array of shape (..., V), e.g. (B, T, V).
        targets: integer array of shape (...), e.g. (B, T), with values in [0, V) or equal to
            ``ignore_index``.
        ignore_index: a target value to skip, or None to count every position.
        reduction: ``"mean"`` (over the positions not ignored; nan when every position is
            ignored, as in PyTorch), ``"sum"``, or ``"none"``.

    Returns:
        For ``"mean"`` and ``"sum"``, a single number (a Python float, a numpy scalar or a 0-d
        array); for ``"none"``, an array of shape ``targets.shape`` with 0.0 at the ignored
        positions.

    Example (the lecture's): the model gives [the, cat, sat, on, mat] the probabilities
    [0.1, 0.2, 0.5, 0.15, 0.05] and the true next token is "sat" (index 2):

        >>> logits = np.log(np.array([[0.1, 0.2, 0.5, 0.15, 0.05]]))  # (1, V=5)
        >>> round(float(cross_entropy(logits, np.array([2]))), 2)  # -log(0.5)
        0.69
        >>> better = np.log(np.array([[0.03, 0.05, 0.85, 0.05, 0.02]]))
        >>> round(float(cross_entropy(better, np.array([2]))), 2)  # -log(0.85)
        0.16
    """
    flat_logits, flat_targets, keep = _flatten(logits, targets, ignore_index)  # (N, V), (N,), (N,)
    N = flat_logits.shape[0]
    # 1) log-probabilities of every token at every position
    logp = log_softmax(flat_logits)  # (N, V)
    # 2) per-position loss: minus the log-probability of the true token, 0 where ignored
    logp_target = logp[np.arange(N), flat_targets]  # (N,)
    losses = np.where(keep, -logp_target, 0.0)  # (N,)
    # 3) reduce
    if reduction == "none":
        return losses.reshape(targets.shape)  # (...)
    if reduction == "sum":
        return losses.sum()
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):  # 0 / 0 = nan when all ignored
            return losses.sum() / int(keep.sum())
    raise ValueError(f"expected reduction to be 'mean', 'sum' or 'none', got {reduction!r}")


def cross_entropy_grad(logits, targets, ignore_index=None):
    """Gradient of the mean cross-entropy with respect to the logits.

    ``d loss / d logits = (softmax(logits) - onehot(targets)) / N`` where N counts the
    positions not ignored; ignored positions get rows of zeros. When every position is ignored
    the mean loss is nan, and the gradient is all zeros, as PyTorch's autograd gives for
    ``F.cross_entropy(...).backward()``.

    Args:
        logits: float array of shape (..., V), e.g. (B, T, V).
        targets: integer array of shape (...), with values in [0, V) or equal to
            ``ignore_index``.
        ignore_index: a target value to skip, or None to count every position.

    Returns:
        A float array of the shape of ``logits``.

    Example: the gradient is ``p - 1`` at the true token (negative) and ``p`` elsewhere
    (positive). Gradient descent steps against the gradient, so it pushes the true token's logit
    up and every other logit down, each in proportion to its probability:

        >>> logits = np.log(np.array([[0.1, 0.2, 0.5, 0.15, 0.05]]))
        >>> cross_entropy_grad(logits, np.array([2])).round(2)
        array([[ 0.1 ,  0.2 , -0.5 ,  0.15,  0.05]])
    """
    flat_logits, flat_targets, keep = _flatten(logits, targets, ignore_index)  # (N, V), (N,), (N,)
    V = flat_logits.shape[-1]
    # 1) the predicted distribution: p = softmax(logits) = exp(log_softmax(logits))
    probs = np.exp(log_softmax(flat_logits))  # (N, V), each row sums to 1
    # 2) onehot(targets): 1 at each position's true token, 0 elsewhere
    onehot = (np.arange(V) == flat_targets[:, None]).astype(probs.dtype)  # (N, V)
    # 3) the mean over the N positions that count: (p - onehot) / N
    #    (max(.., 1): when every position is ignored the gradient is zeros, not nan)
    n_kept = max(int(keep.sum()), 1)
    grad = (probs - onehot) / n_kept  # (N, V)
    # 4) ignored positions contribute nothing: rows of zeros
    grad = np.where(keep[:, None], grad, 0.0)  # (N, V)
    return grad.reshape(logits.shape)  # (..., V)
