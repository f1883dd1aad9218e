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
        An array of the same shape and float dtype: each row's ``exp`` sums to 1.

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
        For ``"mean"`` and ``"sum"``, a numpy scalar of the logits' float dtype (float32 logits
        give a float32 loss); for ``"none"``, an array of shape ``targets.shape`` with 0.0 at
        the ignored positions.

    Example (the lecture's): the model gives [the, cat, sat, on, mat] the probabilities
    [0.1, 0.2, 0.5, 0.15, 0.05] and the true next token is "sat" (index 2):

        >>> logits = np.log(np.array([[0.1, 0.2, 0.5, 0.15, 0.05]]))  # (1, V=5)
        >>> round(float(cross_entropy(logits, np.array([2]))), 2)  # -log(0.5)
        0.69
        >>> better = np.log(np.array([[0.03, 0.05, 0.85, 0.05, 0.02]]))
        >>> round(float(cross_entropy(better, np.array([2]))), 2)  # -log(0.85)
        0.16
    """
    flat_logits, flat_targets, keep = _flatten(logits, targets, ignore_index)
    N = flat_logits.shape[0]
    # 1) log-probability of every position's true token, log_softmax(logits)[target], that is
    #    shifted[target] - log(sum(exp(shifted))) with shifted = logits - max (stable)
    shifted = flat_logits - flat_logits.max(axis=-1, keepdims=True)  # (N, V)
    shifted_target = shifted[np.arange(N), flat_targets]  # (N,)
    np.exp(shifted, out=shifted)  # (N, V), in place: the shifted logits are no longer needed
    logp_target = shifted_target - np.log(shifted.sum(axis=-1))  # (N,)
    # 2) per-position loss, 0 where ignored
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
        An array of the shape and float dtype of ``logits``.

    Example: the true token's logit goes down, every other one up, by its probability:

        >>> logits = np.log(np.array([[0.1, 0.2, 0.5, 0.15, 0.05]]))
        >>> cross_entropy_grad(logits, np.array([2])).round(2)
        array([[ 0.1 ,  0.2 , -0.5 ,  0.15,  0.05]])
    """
    flat_logits, flat_targets, keep = _flatten(logits, targets, ignore_index)
    N = flat_logits.shape[0]
    # 1) predicted distribution: softmax = exp(logits - max) / sum(exp(logits - max))
    probs = flat_logits - flat_logits.max(axis=-1, keepdims=True)  # (N, V)
    np.exp(probs, out=probs)  # (N, V), in place: one (N, V) array for the whole gradient
    probs /= probs.sum(axis=-1, keepdims=True)  # (N, V), each row sums to 1
    # 2) softmax - onehot(targets): subtract 1 at each position's true token
    grad = probs
    grad[np.arange(N), flat_targets] -= 1  # (N, V)
    # 3) mean over the positions that count (max(.., 1): all ignored gives zeros, not nan)
    n_kept = max(int(keep.sum()), 1)
    grad /= n_kept
    grad[~keep] = 0  # ignored positions: rows of zeros
    return grad.reshape(logits.shape)  # (..., V)
