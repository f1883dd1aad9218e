"""Correct solutions written differently from the reference, function by function: other but
equivalent formulas and numpy idioms, every return type the spec allows, helper functions,
float64 inside (explicit loops: loops.py)."""
from . import Correct

FORMULAS = '''
def chunk_tokens(docs, block_size, eos_id=None):
    sep = [] if eos_id is None else [eos_id]
    stream = np.concatenate([np.asarray(list(doc) + sep, dtype=np.int64) for doc in docs]
                            + [np.zeros(0, dtype=np.int64)])
    n_blocks = stream.size // block_size
    return stream[:n_blocks * block_size].reshape(n_blocks, block_size)


def causal_mask(T):
    rows = np.arange(T)[:, None]
    cols = np.arange(T)[None, :]
    return cols <= rows


def causal_attention(q, k, v):
    d = q.shape[-1]
    scores = np.einsum("...id,...jd->...ij", q, k) / np.sqrt(d)
    future = np.triu(np.ones(scores.shape[-2:], dtype=bool), k=1)
    scores = np.where(future, np.finfo(scores.dtype).min, scores)
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights[..., future] = 0.0
    weights /= weights.sum(axis=-1, keepdims=True)
    return np.einsum("...ij,...jd->...id", weights, v), weights


def log_softmax(logits):
    return logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True)


def cross_entropy(logits, targets, ignore_index=None, reduction="mean"):
    logp = log_softmax(logits)
    mask = np.ones(targets.shape, dtype=bool) if ignore_index is None else targets != ignore_index
    safe = np.where(mask, targets, 0)
    picked = np.take_along_axis(logp, safe[..., None], axis=-1)[..., 0]
    losses = np.where(mask, -picked, 0.0)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    if not mask.any():
        return np.nan
    return losses[mask].mean()


def cross_entropy_grad(logits, targets, ignore_index=None):
    V = logits.shape[-1]
    mask = np.ones(targets.shape, dtype=bool) if ignore_index is None else targets != ignore_index
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    onehot = np.eye(V)[np.where(mask, targets, 0)]
    grad = (probs - onehot) * mask[..., None]
    return grad / max(mask.sum(), 1)


def perplexity(logits, targets, ignore_index=None):
    V = logits.shape[-1]
    flat_t = targets.reshape(-1)
    keep = flat_t != ignore_index if ignore_index is not None else np.full(flat_t.shape, True)
    logp2 = log_softmax(logits.reshape(-1, V))[keep, flat_t[keep]] / np.log(2)
    return 2.0 ** (-logp2.mean()) if keep.any() else np.nan


def corpus_perplexity(losses, counts):
    return np.exp(np.average(losses, weights=counts))


def global_grad_norm(grads):
    if not grads:
        return 0.0
    return np.linalg.norm(np.concatenate([np.ravel(g) for g in grads.values()]))


def clip_grad_norm(grads, max_norm):
    norms = [np.linalg.norm(np.ravel(g)) for g in grads.values()]
    total_norm = np.linalg.norm(norms)
    coef = np.clip(max_norm / (total_norm + 1e-6), None, 1.0)
    return {name: coef * g for name, g in grads.items()}, total_norm


def adamw_step(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
               max_grad_norm=None):
    if max_grad_norm is not None:
        grads, _ = clip_grad_norm(grads, max_grad_norm)
    b1, b2 = betas
    t = state["step"] + 1
    m = {n: b1 * state["m"][n] + (1 - b1) * grads[n] for n in params}
    v = {n: b2 * state["v"][n] + (1 - b2) * np.square(grads[n]) for n in params}
    new_params = {}
    for n, p in params.items():
        update = (m[n] / (1 - b1 ** t)) / (np.sqrt(v[n] / (1 - b2 ** t)) + eps)
        new_params[n] = p - lr * (update + weight_decay * p)  # the AdamW paper's form
    return new_params, {"step": t, "m": m, "v": v}


def warmup_cosine_lr(step, max_lr, warmup_steps, total_steps, min_lr=0.0):
    if warmup_steps > 0 and step <= warmup_steps:
        return max_lr * step / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    return min_lr + (max_lr - min_lr) * 0.5 * (1.0 + np.cos(np.pi * progress))
'''

RETURN_TYPES = '''
def chunk_tokens(docs, block_size, eos_id=None):
    stream = [t for doc in docs for t in [*doc, *([] if eos_id is None else [eos_id])]]
    usable = len(stream) - len(stream) % block_size
    return np.array(stream[:usable], dtype=np.int32).reshape(-1, block_size)


def next_token_pairs(blocks):
    return [np.array(blocks[:, :-1]), np.array(blocks[:, 1:])]  # new arrays, in a list


def causal_mask(T):
    return np.tri(T, dtype=bool)


def cross_entropy(logits, targets, ignore_index=None, reduction="mean"):
    flat_logits, flat_targets, keep = _flatten(logits, targets, ignore_index)
    logp = log_softmax(flat_logits)
    losses = np.where(keep, -logp[np.arange(len(flat_targets)), flat_targets], 0.0)
    if reduction == "none":
        return losses.reshape(targets.shape)
    if reduction == "sum":
        return np.array(losses.sum())  # a 0-d array
    return float(losses.sum() / keep.sum()) if keep.any() else float("nan")  # a Python float


def perplexity(logits, targets, ignore_index=None):
    return np.asarray(np.exp(cross_entropy(logits, targets, ignore_index)))  # a 0-d array


def corpus_perplexity(losses, counts):
    losses, counts = np.asarray(losses), np.asarray(counts)
    return np.float64(np.exp((losses * counts).sum() / counts.sum()))


def global_grad_norm(grads):
    return np.sqrt(sum(np.sum(np.square(g)) for g in grads.values()))  # a numpy scalar


def clip_grad_norm(grads, max_norm):
    total_norm = global_grad_norm(grads)
    coef = min(1.0, max_norm / (total_norm + 1e-6))
    return [{name: g * coef for name, g in grads.items()}, np.array(total_norm)]  # a list


def init_adamw_state(params):
    return {"step": 0, "lr": None, "t": 0,
            "m": {k: np.zeros(p.shape, dtype=p.dtype) for k, p in params.items()},
            "v": {k: np.zeros(p.shape, dtype=p.dtype) for k, p in params.items()}}


def adamw_step(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
               max_grad_norm=None):
    if max_grad_norm is not None:
        grads, _ = clip_grad_norm(grads, max_grad_norm)
    b1, b2 = betas
    t = np.int64(state["step"]) + 1  # a numpy integer step
    new_state = dict(state, step=t, lr=lr, betas=list(betas), m={}, v={})
    new_params = {}
    for name, p in params.items():
        g = grads[name]
        m = b1 * state["m"][name] + (1 - b1) * g
        v = b2 * state["v"][name] + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        new_params[name] = p * (1 - lr * weight_decay) - lr * m_hat / (v_hat ** 0.5 + eps)
        new_state["m"][name], new_state["v"][name] = m, v
    return new_params, new_state


def warmup_cosine_lr(step, max_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return np.float64(max_lr) * step / warmup_steps  # numpy scalars
    progress = np.clip((step - warmup_steps) / max(1, total_steps - warmup_steps), 0, 1)
    return np.array(min_lr + 0.5 * (max_lr - min_lr) * (1 + np.cos(np.pi * progress)))
'''

HELPERS = '''
def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _logsumexp(x):
    top = np.max(x, axis=-1, keepdims=True)
    return top + np.log(np.sum(np.exp(x - top), axis=-1, keepdims=True))


def _kept(targets, ignore_index):
    return np.ones(targets.shape, bool) if ignore_index is None else targets != ignore_index


def causal_attention(q, k, v):
    d = q.shape[-1]
    T = q.shape[-2]
    scores = q @ np.swapaxes(k, -2, -1) / d ** 0.5
    scores = np.where(causal_mask(T), scores, -1e9)
    weights = _softmax(scores)
    return weights @ v, weights


def log_softmax(logits):
    return logits - _logsumexp(logits)


def cross_entropy(logits, targets, ignore_index=None, reduction="mean"):
    keep = _kept(targets, ignore_index)
    idx = np.where(keep, targets, 0)
    logp = np.take_along_axis(log_softmax(logits), idx[..., None], -1).squeeze(-1)
    losses = np.where(keep, -logp, 0.0)
    if reduction == "mean":
        n = keep.sum()
        return losses.sum() / n if n else np.float64("nan")
    return losses.sum() if reduction == "sum" else losses


def cross_entropy_grad(logits, targets, ignore_index=None):
    keep = _kept(targets, ignore_index)
    onehot = np.zeros_like(logits)
    np.put_along_axis(onehot, np.where(keep, targets, 0)[..., None], 1.0, axis=-1)
    return (_softmax(logits) - onehot) * keep[..., None] / max(1, int(keep.sum()))
'''

FLOAT64 = '''
def causal_attention(q, k, v):
    q, k, v = (np.asarray(x, dtype=np.float64) for x in (q, k, v))  # always in float64
    T, d = q.shape[-2:]
    scores = np.matmul(q, np.moveaxis(k, -1, -2)) * (1.0 / np.sqrt(d))
    scores[..., ~causal_mask(T)] = -np.inf
    scores -= scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=-1, keepdims=True)
    return np.matmul(weights, v), weights


def log_softmax(logits):
    x = logits.astype(np.float64)
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.sum(np.exp(x), axis=-1, keepdims=True))


def clip_grad_norm(grads, max_norm):
    total_norm = global_grad_norm(grads)
    if total_norm + 1e-6 <= max_norm:
        return {name: g.copy() for name, g in grads.items()}, total_norm
    return {name: g * (max_norm / (total_norm + 1e-6)) for name, g in grads.items()}, total_norm
'''

CORRECT = [
    Correct("other-formulas", "equivalent formulas: logaddexp.reduce, take_along_axis, einsum, "
            "arange comparisons, a finfo.min fill, base-2 perplexity, the AdamW paper's "
            "p - lr*(update + wd*p)", FORMULAS),
    Correct("return-types", "every return type the spec allows: Python floats, numpy scalars, "
            "0-d arrays, int32 blocks, a list of two arrays, extra state keys, a numpy step",
            RETURN_TYPES),
    Correct("helpers", "shared helpers (_softmax, _logsumexp, _kept), the mask filled with -1e9, "
            "put_along_axis", HELPERS),
    Correct("float64-inside", "upcasts float32 inputs and computes in float64; masks and "
            "normalizes in place on its own arrays; clips with an explicit branch", FLOAT64),
]
