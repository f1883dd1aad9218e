"""A correct solution written with explicit Python loops in every function, floats computed one
by one: what a student who does not yet think in arrays writes."""
from . import Correct

LOOPS = '''
def chunk_tokens(docs, block_size, eos_id=None):
    stream = []
    for doc in docs:
        for token in doc:
            stream.append(int(token))
        if eos_id is not None:
            stream.append(eos_id)
    blocks = []
    start = 0
    while start + block_size <= len(stream):
        blocks.append(stream[start:start + block_size])
        start += block_size
    out = np.zeros((len(blocks), block_size), dtype=int)
    for i, block in enumerate(blocks):
        for j, token in enumerate(block):
            out[i, j] = token
    return out


def next_token_pairs(blocks):
    n, L = blocks.shape
    inputs = np.zeros((n, L - 1), dtype=blocks.dtype)
    targets = np.zeros((n, L - 1), dtype=blocks.dtype)
    for b in range(n):
        for t in range(L - 1):
            inputs[b, t] = blocks[b, t]
            targets[b, t] = blocks[b, t + 1]
    return inputs, targets


def causal_mask(T):
    mask = np.zeros((T, T), dtype=bool)
    for i in range(T):
        for j in range(i + 1):
            mask[i, j] = True
    return mask


def causal_attention(q, k, v):
    *lead, T, d = q.shape
    dv = v.shape[-1]
    q2, k2, v2 = q.reshape(-1, T, d), k.reshape(-1, T, d), v.reshape(-1, T, dv)
    weights = np.zeros((q2.shape[0], T, T), dtype=q.dtype)
    output = np.zeros((q2.shape[0], T, dv), dtype=q.dtype)
    for b in range(q2.shape[0]):
        for i in range(T):
            scores = [float(np.dot(q2[b, i], k2[b, j])) / math.sqrt(d) for j in range(i + 1)]
            top = max(scores)
            exps = [math.exp(s - top) for s in scores]
            total = sum(exps)
            for j in range(i + 1):
                weights[b, i, j] = exps[j] / total
                output[b, i] += weights[b, i, j] * v2[b, j]
    return output.reshape(*lead, T, dv), weights.reshape(*lead, T, T)


def log_softmax(logits):
    flat = logits.reshape(-1, logits.shape[-1])
    out = np.empty_like(flat)
    for r in range(flat.shape[0]):
        top = max(float(x) for x in flat[r])
        lse = top + math.log(sum(math.exp(float(x) - top) for x in flat[r]))
        for c in range(flat.shape[1]):
            out[r, c] = float(flat[r, c]) - lse
    return out.reshape(logits.shape)


def cross_entropy(logits, targets, ignore_index=None, reduction="mean"):
    logp = log_softmax(logits).reshape(-1, logits.shape[-1])
    flat_targets = targets.reshape(-1)
    losses = np.zeros(len(flat_targets), dtype=logits.dtype)
    total, count = 0.0, 0
    for i, t in enumerate(flat_targets):
        if ignore_index is not None and t == ignore_index:
            continue
        losses[i] = -logp[i, t]
        total += -float(logp[i, t])
        count += 1
    if reduction == "none":
        return losses.reshape(targets.shape)
    if reduction == "sum":
        return total
    return total / count if count else float("nan")


def cross_entropy_grad(logits, targets, ignore_index=None):
    V = logits.shape[-1]
    logp = log_softmax(logits).reshape(-1, V)
    flat_targets = targets.reshape(-1)
    kept = [i for i, t in enumerate(flat_targets) if ignore_index is None or t != ignore_index]
    grad = np.zeros(logp.shape, dtype=logits.dtype)
    for i in kept:
        for c in range(V):
            grad[i, c] = (math.exp(logp[i, c]) - (1.0 if c == flat_targets[i] else 0.0)) / len(kept)
    return grad.reshape(logits.shape)


def corpus_perplexity(losses, counts):
    total, n = 0.0, 0
    for loss, count in zip(losses, counts):
        total += float(loss) * int(count)
        n += int(count)
    return math.exp(total / n)


def global_grad_norm(grads):
    total = 0.0
    for g in grads.values():
        for x in np.asarray(g).ravel():
            total += float(x) * float(x)
    return math.sqrt(total)


def adamw_step(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
               max_grad_norm=None):
    if max_grad_norm is not None:
        grads = clip_grad_norm(grads, max_grad_norm)[0]
    b1, b2 = betas
    t = state["step"] + 1
    new_params = {}
    new_state = {"step": t, "m": {}, "v": {}}
    for name in params:
        p, g = params[name], grads[name]
        m, v = state["m"][name].copy(), state["v"][name].copy()
        new_p = p * (1 - lr * weight_decay)
        for idx in np.ndindex(p.shape):
            m[idx] = b1 * m[idx] + (1 - b1) * g[idx]
            v[idx] = b2 * v[idx] + (1 - b2) * g[idx] ** 2
            m_hat = m[idx] / (1 - b1 ** t)
            v_hat = v[idx] / (1 - b2 ** t)
            new_p[idx] = new_p[idx] - lr * m_hat / (math.sqrt(v_hat) + eps)
        new_params[name] = new_p
        new_state["m"][name], new_state["v"][name] = m, v
    return new_params, new_state


def warmup_cosine_lr(step, max_lr, warmup_steps, total_steps, min_lr=0.0):
    lr = min_lr
    span = max(1, total_steps - warmup_steps)
    if step < warmup_steps:
        lr = max_lr * step / warmup_steps
    elif step - warmup_steps < span:
        lr = min_lr + (max_lr - min_lr) * (1 + math.cos(math.pi * (step - warmup_steps) / span)) / 2
    return lr
'''

CORRECT = [
    Correct("loops", "explicit Python loops in every function (floats computed one by one)",
            LOOPS),
]
