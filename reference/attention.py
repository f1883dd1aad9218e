"""The causal attention mask: each position attends to itself and to the past, never the future."""
import math

import numpy as np


def causal_mask(T):
    """The causal mask for a sequence of length T: True where query i may attend to key j.

    ``mask[i, j] = (j <= i)``: a lower triangle, the diagonal included (a token sees itself).

    Args:
        T: the sequence length (a positive int).

    Returns:
        A bool array of shape (T, T).

    Example:
        >>> causal_mask(3)
        array([[ True, False, False],
               [ True,  True, False],
               [ True,  True,  True]])
    """
    return np.tril(np.ones((T, T), dtype=bool))  # (T, T)


def _masked_softmax(scores, mask):
    # softmax over the last axis with the positions where mask is False set to -inf first:
    # exp(-inf) = 0, so they get weight exactly 0; subtracting the row max keeps exp finite
    scores = np.where(mask, scores, -np.inf)  # (..., T, T)
    scores = scores - scores.max(axis=-1, keepdims=True)  # (..., T, T), each row's max is 0
    e = np.exp(scores)  # (..., T, T)
    return e / e.sum(axis=-1, keepdims=True)  # (..., T, T)


def causal_attention(q, k, v):
    """Scaled dot-product attention with the causal mask (one head).

    ``weights = softmax(q @ k^T / sqrt(d))`` over the last axis, with every future position
    (j > i) masked out *before* the softmax, and ``output = weights @ v``. Each row of
    ``weights`` sums to 1 and ``weights[..., i, j]`` is exactly 0 for j > i. Same result as
    PyTorch's ``scaled_dot_product_attention(q, k, v, is_causal=True)``. The masked softmax
    subtracts each row's max, so it stays finite for scores of magnitude 1e4.

    Args:
        q: queries, shape (..., T, d), e.g. (B, T, d); leading (batch, head) axes are kept.
        k: keys, shape (..., T, d).
        v: values, shape (..., T, dv).

    Returns:
        (output, weights): float arrays, output of shape (..., T, dv) and weights of shape
        (..., T, T) (float32 inputs may give float32, as in PyTorch, or float64).

    Example:
        >>> q = k = np.zeros((1, 3, 2)); v = np.array([[[1.0], [2.0], [6.0]]])
        >>> out, w = causal_attention(q, k, v)
        >>> w[0]  # equal scores: uniform over the allowed positions
        array([[1.        , 0.        , 0.        ],
               [0.5       , 0.5       , 0.        ],
               [0.33333333, 0.33333333, 0.33333333]])
        >>> out[0, :, 0]  # running means of v
        array([1. , 1.5, 3. ])
    """
    T, d = q.shape[-2], q.shape[-1]
    # 1) scaled scores: how much query i matches key j
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(d)  # (..., T, T)
    # 2) softmax over the past and present only: future keys get weight 0
    weights = _masked_softmax(scores, causal_mask(T))  # (..., T, T)
    # 3) weighted average of the values
    output = weights @ v  # (..., T, dv)
    return output, weights
