"""Gradient clipping: rescale all gradients together when their global norm is too large."""
import numpy as np


def global_grad_norm(grads):
    """The L2 norm of all gradients taken together, as if concatenated into one vector.

    ``||g|| = sqrt(sum over arrays of sum(g ** 2))``.

    Args:
        grads: dict from a parameter name to its gradient array (any shapes).

    Returns:
        A Python float (computed in the gradients' float dtype; 0.0 for an empty dict).

    Example:
        >>> global_grad_norm({"w": np.array([3.0, 0.0]), "b": np.array([4.0])})
        5.0
    """
    squares = [np.sum(g ** 2) for g in grads.values()]  # one scalar per array
    return float(np.sqrt(sum(squares)))


def clip_grad_norm(grads, max_norm):
    """Scale every gradient by the same factor so that the global norm is at most max_norm.

    ``clip_coef = min(1, max_norm / (total_norm + 1e-6))`` and ``g <- g * clip_coef`` for every
    gradient, exactly as PyTorch's ``torch.nn.utils.clip_grad_norm_`` (which also multiplies
    by a coefficient of 1 when the norm is already small). Clipping is global: one factor for
    all arrays, so the direction of the whole update is kept.

    Args:
        grads: dict from a parameter name to its gradient array.
        max_norm: the largest global norm allowed (a positive float).

    Returns:
        (clipped, total_norm): a new dict of new arrays (same keys and shapes), and the
        global norm *before* clipping as a Python float.

    Example:
        >>> clipped, norm = clip_grad_norm({"w": np.array([3.0, 4.0])}, max_norm=1.0)
        >>> norm, clipped["w"].round(4)
        (5.0, array([0.6, 0.8]))
    """
    total_norm = global_grad_norm(grads)
    clip_coef = min(1.0, max_norm / (total_norm + 1e-6))
    clipped = {name: g * clip_coef for name, g in grads.items()}
    return clipped, total_norm
