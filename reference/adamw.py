"""AdamW: Adam's per-parameter step sizes plus decoupled weight decay (torch.optim.AdamW)."""
import numpy as np

from .clipping import clip_grad_norm


def init_adamw_state(params):
    """The optimizer state before the first step: step 0 and zero moments for every parameter.

    Args:
        params: dict from a parameter name to its array.

    Returns:
        ``{"step": 0, "m": {name: zeros}, "v": {name: zeros}}``, the zeros shaped and typed
        like each parameter.

    Example:
        >>> state = init_adamw_state({"w": np.ones((2, 3))})
        >>> state["step"], state["m"]["w"].shape, float(state["v"]["w"].sum())
        (0, (2, 3), 0.0)
    """
    m = {name: np.zeros_like(p) for name, p in params.items()}  # first moments
    v = {name: np.zeros_like(p) for name, p in params.items()}  # second moments
    return {"step": 0, "m": m, "v": v}


def adamw_step(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
               max_grad_norm=None):
    """One step of AdamW, as ``torch.optim.AdamW`` takes it, without modifying the inputs.

    With ``t = state["step"] + 1`` (t starts at 1) and ``b1, b2 = betas``, for every parameter:

    1) decoupled weight decay: ``p <- p * (1 - lr * weight_decay)``
    2) moments: ``m <- b1 * m + (1 - b1) * g`` and ``v <- b2 * v + (1 - b2) * g ** 2``
    3) bias correction: ``m_hat = m / (1 - b1 ** t)`` and ``v_hat = v / (1 - b2 ** t)``
    4) update: ``p <- p - lr * m_hat / (sqrt(v_hat) + eps)``

    When ``max_grad_norm`` is not None the gradients are first clipped together with
    ``clip_grad_norm(grads, max_grad_norm)``, as a training loop calls
    ``clip_grad_norm_`` before ``optimizer.step()``.

    Args:
        params: dict from a parameter name to its array.
        grads: dict with the same keys: the gradient of the loss for each parameter.
        state: the optimizer state, ``{"step": int, "m": {name: array}, "v": {name: array}}``
            (start with ``init_adamw_state(params)``).
        lr: the learning rate.
        betas: (b1, b2), the decay rates of the first and second moment averages.
        eps: added to ``sqrt(v_hat)`` to avoid dividing by zero.
        weight_decay: the decoupled weight-decay coefficient (multiplied by ``lr``).
        max_grad_norm: clip the global gradient norm to this first, or None for no clipping.

    Returns:
        (new_params, new_state): new dicts of new arrays; ``new_state["step"]`` is t. The
        inputs (params, grads, state and its arrays) are left unchanged.

    Example: the first step moves every parameter by about lr against its gradient's sign:

        >>> params, grads = {"w": np.array([1.0, 1.0])}, {"w": np.array([0.5, -2.0])}
        >>> new_params, new_state = adamw_step(params, grads, init_adamw_state(params),
        ...                                    lr=0.1, weight_decay=0.0)
        >>> new_params["w"].round(4), new_state["step"]
        (array([0.9, 1.1]), 1)
    """
    if max_grad_norm is not None:
        grads, _ = clip_grad_norm(grads, max_grad_norm)
    b1, b2 = betas
    t = state["step"] + 1
    new_params, m, v = {}, {}, {}
    for name, p in params.items():
        g = grads[name]  # same shape as p
        # 1) decoupled weight decay: shrink the weights, independently of the gradient
        p = p * (1 - lr * weight_decay)
        # 2) running averages of the gradient and of its square
        m[name] = b1 * state["m"][name] + (1 - b1) * g
        v[name] = b2 * state["v"][name] + (1 - b2) * g ** 2
        # 3) bias correction: the averages start at 0, so early on they are too small
        m_hat = m[name] / (1 - b1 ** t)
        v_hat = v[name] / (1 - b2 ** t)
        # 4) a step of about lr per coordinate, in the direction of -m_hat
        new_params[name] = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    new_state = {**state, "step": t, "m": m, "v": v}  # extra keys are carried over
    return new_params, new_state
