"""Memory-lean numpy versions of the reference's cross-entropy and AdamW, for GPT-2 scale.

The reference (``reference/``) is written as the lecture's formulas, one new array per step,
because students read it in the solutions. At GPT-2 scale those temporaries cost several copies
of a (4096, 50257) logits array or of 124M parameters. The versions here compute the same
numbers with in-place updates on their own temporaries (never on the inputs), so that the bench
(``scale.py``) can show what numpy needs at that scale; ``tests/test_bench.py`` checks that they
agree with the reference.
"""
from __future__ import annotations

import numpy as np

from reference.clipping import clip_grad_norm
from reference.xent import _flatten


def cross_entropy(logits, targets, ignore_index=None):
    """The mean cross-entropy, as ``reference.cross_entropy``, with one (N, V) temporary."""
    flat_logits, flat_targets, keep = _flatten(logits, targets, ignore_index)
    N = flat_logits.shape[0]
    # 1) log p(target) = shifted[target] - log(sum(exp(shifted))), shifted = logits - max
    shifted = flat_logits - flat_logits.max(axis=-1, keepdims=True)  # (N, V)
    shifted_target = shifted[np.arange(N), flat_targets]  # (N,)
    np.exp(shifted, out=shifted)  # (N, V), in place: the shifted logits are no longer needed
    logp_target = shifted_target - np.log(shifted.sum(axis=-1))  # (N,)
    # 2) the mean over the positions not ignored
    losses = np.where(keep, -logp_target, 0.0)  # (N,)
    with np.errstate(invalid="ignore", divide="ignore"):  # 0 / 0 = nan when all ignored
        return losses.sum() / int(keep.sum())


def cross_entropy_grad(logits, targets, ignore_index=None):
    """``reference.cross_entropy_grad`` with one (N, V) array, updated in place."""
    flat_logits, flat_targets, keep = _flatten(logits, targets, ignore_index)
    N = flat_logits.shape[0]
    # 1) softmax = exp(logits - max) / sum(exp(logits - max)), in one array
    grad = flat_logits - flat_logits.max(axis=-1, keepdims=True)  # (N, V)
    np.exp(grad, out=grad)
    grad /= grad.sum(axis=-1, keepdims=True)
    # 2) minus onehot(targets): subtract 1 at each position's true token
    grad[np.arange(N), flat_targets] -= 1
    # 3) the mean over the positions that count; ignored rows are zeros
    grad /= max(int(keep.sum()), 1)
    grad[~keep] = 0
    return grad.reshape(logits.shape)  # (..., V)


def adamw_step(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
               max_grad_norm=None):
    """``reference.adamw_step`` with in-place updates of its own new arrays (inputs unchanged)."""
    if max_grad_norm is not None:
        grads, _ = clip_grad_norm(grads, max_grad_norm)
    b1, b2 = betas
    t = state["step"] + 1
    new_params, m, v = {}, {}, {}
    for name, p in params.items():
        g = grads[name]
        # 1) decoupled weight decay: a new array (the input stays unchanged)
        p = p * (1 - lr * weight_decay)
        # 2) the moments: new arrays, then updated in place
        m[name] = state["m"][name] * b1
        m[name] += (1 - b1) * g
        v[name] = state["v"][name] * b2
        v[name] += (1 - b2) * np.square(g)
        # 3) bias correction (new arrays, reused below as temporaries)
        m_hat = m[name] / (1 - b1 ** t)
        v_hat = v[name] / (1 - b2 ** t)
        # 4) p <- p - lr * m_hat / (sqrt(v_hat) + eps), in place on the temporaries
        v_hat **= 0.5
        v_hat += eps
        m_hat /= v_hat
        m_hat *= lr
        p -= m_hat
        new_params[name] = p
    return new_params, {**state, "step": t, "m": m, "v": v}
