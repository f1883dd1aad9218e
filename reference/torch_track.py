"""The optional torch track: cross-entropy, causal attention, clipping and AdamW on tensors.

The same ideas as the numpy track, written with plain torch operations (no F.cross_entropy,
no scaled_dot_product_attention, no torch.optim, no clip_grad_norm_), so they run on whatever
device and dtype the tensors come in on, a GPU included.
"""
import math

import torch


def cross_entropy_torch(logits, targets, ignore_index=None):
    """Mean cross-entropy on tensors, differentiable, built from plain torch operations.

    ``loss = mean over the positions not ignored of -log_softmax(logits)[..., target]``, with
    ``log_softmax(x) = x - logsumexp(x)`` (stable for large logits). Its autograd gradient is
    that of PyTorch's built-in cross-entropy: ``(softmax - onehot) / N``, zero rows where
    ignored. When every position is ignored the loss is nan and the gradient all zeros, as
    in PyTorch.

    Args:
        logits: float tensor of shape (..., V), e.g. (B, T, V), possibly requiring grad.
        targets: integer tensor of shape (...), with values in [0, V) or equal to
            ``ignore_index``, on the device of ``logits``.
        ignore_index: a target value to skip, or None to count every position.

    Returns:
        A 0-d tensor (the mean loss) on the device and in the dtype of ``logits``.

    Example:
        >>> logits = torch.tensor([[0.1, 0.2, 0.5, 0.15, 0.05]]).log()  # (1, V=5)
        >>> round(cross_entropy_torch(logits, torch.tensor([2])).item(), 2)  # -log(0.5)
        0.69
    """
    V = logits.shape[-1]
    logits = logits.reshape(-1, V)  # (N, V)
    targets = targets.reshape(-1)  # (N,)
    if ignore_index is None:
        keep = torch.ones_like(targets, dtype=torch.bool)  # (N,)
    else:
        keep = targets != ignore_index  # (N,)
    # 1) log-probabilities, stably: subtract each row's logsumexp
    logp = logits - torch.logsumexp(logits, dim=-1, keepdim=True)  # (N, V)
    # 2) the true token's log-probability at every position (ignored ones read token 0), then
    #    0 where ignored (torch.where, not logp[keep]: no copy of the kept rows and no wait for
    #    the GPU to count them)
    safe_targets = torch.where(keep, targets, 0)  # (N,)
    logp_target = logp.gather(1, safe_targets.unsqueeze(1)).squeeze(1)  # (N,)
    logp_target = torch.where(keep, logp_target, 0.0)  # (N,)
    # 3) mean over the positions that count (0 / 0 = nan when none count)
    return -logp_target.sum() / keep.sum()


def causal_attention_torch(q, k, v):
    """Scaled dot-product attention with the causal mask, on tensors.

    ``weights = softmax(q @ k^T / sqrt(d))`` with future positions (j > i) set to -inf before
    the softmax, so their weights are exactly 0; ``output = weights @ v``. Same result as
    PyTorch's built-in scaled dot-product attention with ``is_causal=True``.

    Args:
        q: queries, shape (..., T, d).
        k: keys, shape (..., T, d).
        v: values, shape (..., T, dv).

    Returns:
        (output, weights) of shapes (..., T, dv) and (..., T, T), on the inputs' device and
        in their dtype.

    Example:
        >>> q = k = torch.zeros(1, 2, 4); v = torch.tensor([[[1.0], [3.0]]])
        >>> out, w = causal_attention_torch(q, k, v)
        >>> w[0].tolist(), out[0, :, 0].tolist()
        ([[1.0, 0.0], [0.5, 0.5]], [1.0, 2.0])
    """
    T, d = q.shape[-2], q.shape[-1]
    mask = torch.ones(T, T, dtype=torch.bool, device=q.device).tril()  # (T, T), True: may attend
    # 1) scaled scores
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)  # (..., T, T)
    # 2) mask out the future, then softmax over the keys
    scores = scores.masked_fill(~mask, float("-inf"))  # (..., T, T)
    weights = torch.softmax(scores, dim=-1)  # (..., T, T)
    # 3) weighted average of the values
    output = weights @ v  # (..., T, dv)
    return output, weights


def clip_grad_norm_torch_(grads, max_norm):
    """Clip a list of gradient tensors in place to a global norm of at most max_norm.

    ``total_norm = sqrt(sum over tensors of sum(g ** 2))``, then every ``g`` is multiplied by
    ``clamp(max_norm / (total_norm + 1e-6), max=1)``, as PyTorch's built-in gradient clipping
    does (a coefficient of 1, no change, when the norm is already small).

    Args:
        grads: a list of gradient tensors (any shapes, one device), scaled in place.
        max_norm: the largest global norm allowed.

    Returns:
        The global norm before clipping, a 0-d tensor on the gradients' device.

    Example:
        >>> grads = [torch.tensor([3.0]), torch.tensor([4.0])]
        >>> clip_grad_norm_torch_(grads, max_norm=1.0).item(), [round(g.item(), 4) for g in grads]
        (5.0, [0.6, 0.8])
    """
    with torch.no_grad():
        total_norm = torch.sqrt(sum((g ** 2).sum() for g in grads))  # ()
        clip_coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)  # ()
        for g in grads:
            g.mul_(clip_coef)
    return total_norm


def init_adamw_state_torch(params):
    """The AdamW state before the first step, for a list of parameter tensors.

    Args:
        params: a list of parameter tensors.

    Returns:
        ``{"step": 0, "m": [zeros], "v": [zeros]}``, one zero tensor per parameter with its
        shape, dtype and device.

    Example:
        >>> state = init_adamw_state_torch([torch.ones(2, 3)])
        >>> state["step"], state["m"][0].shape
        (0, torch.Size([2, 3]))
    """
    m = [torch.zeros_like(p) for p in params]  # first moments
    v = [torch.zeros_like(p) for p in params]  # second moments
    return {"step": 0, "m": m, "v": v}


def adamw_step_torch_(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                      weight_decay=0.01):
    """One AdamW step on lists of tensors, in place, as PyTorch's AdamW optimizer takes it.

    With ``t = state["step"] + 1`` and ``b1, b2 = betas``, for every parameter ``p``:
    1) ``p <- p * (1 - lr * weight_decay)``; 2) ``m <- b1 * m + (1 - b1) * g`` and
    ``v <- b2 * v + (1 - b2) * g ** 2``; 3) ``m_hat = m / (1 - b1 ** t)``,
    ``v_hat = v / (1 - b2 ** t)``; 4) ``p <- p - lr * m_hat / (sqrt(v_hat) + eps)``.

    Args:
        params: a list of parameter tensors, updated in place (under ``torch.no_grad()``, so
            leaf tensors that require grad are fine).
        grads: a list of gradient tensors, one per parameter (e.g. ``[p.grad for p in params]``).
        state: ``{"step": int, "m": [tensors], "v": [tensors]}`` from
            ``init_adamw_state_torch(params)``; its step and moments are updated in place.
        lr, betas, eps, weight_decay: as in PyTorch's AdamW (and ``adamw_step``).

    Returns:
        None: params and state change in place.

    Example:
        >>> p = torch.ones(2)
        >>> state = init_adamw_state_torch([p])
        >>> adamw_step_torch_([p], [torch.tensor([0.5, -2.0])], state, lr=0.1, weight_decay=0.0)
        >>> [round(x, 4) for x in p.tolist()], state["step"]
        ([0.9, 1.1], 1)
    """
    b1, b2 = betas
    state["step"] += 1
    t = state["step"]
    with torch.no_grad():
        for p, g, m, v in zip(params, grads, state["m"], state["v"], strict=True):
            # 1) decoupled weight decay
            p.mul_(1 - lr * weight_decay)
            # 2) moments, in place
            m.mul_(b1).add_(g, alpha=1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            # 3) bias correction
            m_hat = m / (1 - b1 ** t)
            v_hat = v / (1 - b2 ** t)
            # 4) update
            p.sub_(lr * m_hat / (v_hat.sqrt() + eps))
