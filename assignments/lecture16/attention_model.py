# The attention model of "Put it together", in jupytext's percent format: the build pastes its
# cells into the notebook after the bigram model (see autograder/build/notebook.py), and the
# project's tests run the same cells (tests/test_put_it_together.py checks the backward pass
# against PyTorch's autograd). Like the rest of the section it runs where the student's functions
# are globals with the spec's names and numpy is np; nothing here is graded.

# %% [markdown]
# ### 8. A small attention model, trained with your functions
#
# The bigram model sees one token of context, so the counting optimum is a wall for it. A
# transformer sees the whole block. Here is the smallest one worth the name, in numpy:
#
# 1. **Embeddings.** Each input token gets a learned vector of size `d` (`tok_emb`, one row
#    per token), plus a learned vector for its position (`pos_emb`, one row per position): a
#    (B, T) batch of token ids becomes `x` of shape (B, T, d).
# 2. **One causal self-attention layer** with `n_heads` heads. `x` is projected to queries,
#    keys and values, split into heads of size `d / n_heads`, and **your** `causal_attention`
#    mixes each position's value with those of the positions before it. The heads are joined
#    again, projected back, and added to `x` (a *residual connection*: the layer adds what
#    the context says to what the token itself says).
# 3. **An output layer** turns each position's vector into logits over the vocabulary.
#
# The loss, the gradient of the loss with respect to the logits, the clipping, the AdamW step
# and the schedule are all yours. The **backward pass** (the gradient of the loss with respect
# to every parameter, from the gradient of the logits) is written out below: it is the chain
# rule applied to the forward pass, step by step in reverse. (The course's own tests check it
# against PyTorch's autograd.) You do not need to read it to use the model.

# %%
def init_attention_model(V, T, d=64, n_heads=4, seed=0):
    """The parameters of a fresh model: a dict from a name to an array (float64)."""
    if d % n_heads:
        raise ValueError(f"expected d divisible by n_heads, got d={d}, n_heads={n_heads}; "
                         "pick d = n_heads * head size")
    rng = np.random.default_rng(seed)
    std = 1 / np.sqrt(d)  # keeps the vectors' scale about the same through every projection
    return {
        "tok_emb": rng.normal(0, 1, size=(V, d)),  # (V, d): one vector per token
        "pos_emb": rng.normal(0, 1, size=(T, d)),  # (T, d): one vector per position
        "W_qkv": rng.normal(0, std, size=(d, 3 * d)),  # (d, 3d): queries, keys, values
        "W_o": rng.normal(0, std, size=(d, d)),  # (d, d): the heads back to the model's size
        "W_out": np.zeros((d, V)),  # (d, V): the output layer starts uniform
        "b_out": np.zeros(V),  # (V,)
    }


def count_parameters(params):
    return sum(p.size for p in params.values())


def full_attention(q, k, v):
    """Attention WITHOUT the causal mask (every position sees the future too): the ablation."""
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])  # (..., T, T)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)  # (..., T, T), rows sum to 1
    return weights @ v, weights


def split_heads(x, n_heads):
    B, T, d = x.shape
    return x.reshape(B, T, n_heads, d // n_heads).transpose(0, 2, 1, 3)  # (B, H, T, d/H)


def join_heads(x):
    B, H, T, dh = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, T, H * dh)  # (B, T, d)


def attention_forward(params, inputs, n_heads, causal=True):
    """Logits (B, T, V) for inputs (B, T), and what the backward pass needs (the cache)."""
    B, T = inputs.shape
    d = params["tok_emb"].shape[1]
    # 1) token + position embeddings
    x = params["tok_emb"][inputs] + params["pos_emb"][:T]  # (B, T, d)
    # 2) queries, keys and values, split into heads
    q, k, v = np.split(x @ params["W_qkv"], 3, axis=-1)  # 3 x (B, T, d)
    q, k, v = (split_heads(z, n_heads) for z in (q, k, v))  # 3 x (B, H, T, d/H)
    # 3) attention: YOUR causal_attention (or, for the ablation, attention to the future too)
    attend = causal_attention if causal else full_attention
    heads, weights = attend(q, k, v)  # (B, H, T, d/H), (B, H, T, T)
    joined = join_heads(heads)  # (B, T, d)
    # 4) the residual connection: the token's own vector plus what attention found
    h = x + joined @ params["W_o"]  # (B, T, d)
    # 5) the output layer
    logits = h @ params["W_out"] + params["b_out"]  # (B, T, V)
    cache = {"inputs": inputs, "x": x, "q": q, "k": k, "v": v, "weights": weights,
             "joined": joined, "h": h, "d": d}
    return logits, cache


def attention_backward(params, cache, dlogits):
    """Gradients of the loss for every parameter, from dlogits = dloss/dlogits (B, T, V)."""
    x, h, joined, weights = cache["x"], cache["h"], cache["joined"], cache["weights"]
    q, k, v = cache["q"], cache["k"], cache["v"]
    B, T, d = x.shape
    V = dlogits.shape[-1]
    grads = {}
    # 5) the output layer: logits = h @ W_out + b_out
    grads["W_out"] = h.reshape(-1, d).T @ dlogits.reshape(-1, V)  # (d, V)
    grads["b_out"] = dlogits.sum(axis=(0, 1))  # (V,)
    dh = dlogits @ params["W_out"].T  # (B, T, d)
    # 4) the residual connection: h = x + joined @ W_o, so dh flows to both
    grads["W_o"] = joined.reshape(-1, d).T @ dh.reshape(-1, d)  # (d, d)
    dheads = split_heads(dh @ params["W_o"].T, q.shape[1])  # (B, H, T, d/H)
    # 3) attention: heads = weights @ v, weights = softmax(q @ k^T / sqrt(d/H)) (masked or
    #    not: a masked weight is 0, so it gets no gradient)
    dv = np.swapaxes(weights, -1, -2) @ dheads  # (B, H, T, d/H)
    dweights = dheads @ np.swapaxes(v, -1, -2)  # (B, H, T, T)
    # the softmax's backward pass: dscores = w * (dw - sum over the row of w * dw)
    dscores = weights * (dweights - (weights * dweights).sum(axis=-1, keepdims=True))
    dscores /= np.sqrt(q.shape[-1])  # (B, H, T, T)
    dq = dscores @ k  # (B, H, T, d/H)
    dk = np.swapaxes(dscores, -1, -2) @ q  # (B, H, T, d/H)
    # 2) the projection to queries, keys and values
    dqkv = np.concatenate([join_heads(z) for z in (dq, dk, dv)], axis=-1)  # (B, T, 3d)
    grads["W_qkv"] = x.reshape(-1, d).T @ dqkv.reshape(-1, 3 * d)  # (d, 3d)
    dx = dh + dqkv @ params["W_qkv"].T  # (B, T, d): through the residual and through q, k, v
    # 1) the embeddings: each position adds its gradient to its token's row and its position's
    grads["pos_emb"] = np.zeros_like(params["pos_emb"])
    grads["pos_emb"][:T] = dx.sum(axis=0)  # (T, d)
    grads["tok_emb"] = np.zeros_like(params["tok_emb"])
    np.add.at(grads["tok_emb"], cache["inputs"].reshape(-1), dx.reshape(-1, d))  # (V, d)
    return grads


def loss_and_grads(params, inputs, targets, n_heads, causal=True, ignore_index=None):
    """Mean cross-entropy of the model on (inputs, targets) and its gradients, with YOUR
    cross_entropy and cross_entropy_grad."""
    logits, cache = attention_forward(params, inputs, n_heads, causal=causal)
    loss = cross_entropy(logits, targets, ignore_index=ignore_index)
    dlogits = cross_entropy_grad(logits, targets, ignore_index=ignore_index)  # (B, T, V)
    return float(loss), attention_backward(params, cache, dlogits)


# %% [markdown]
# The training loop is the bigram's, with the model's forward and backward passes in place of
# the table lookup: sample a batch, compute the loss and the gradients, clip, take the
# learning rate from the schedule, one AdamW step. `train` returns the final parameters and a
# history of the training loss and of the validation perplexity (measured with **your**
# `perplexity`, with the causal mask, every `eval_every` steps).

# %%
def model_perplexity(params, inputs, targets, n_heads, causal=True, ignore_index=None):
    """Perplexity of the model on a whole (inputs, targets) set, a few blocks at a time."""
    losses, counts = [], []
    for start in range(0, len(inputs), 256):
        x, y = inputs[start:start + 256], targets[start:start + 256]
        logits, _ = attention_forward(params, x, n_heads, causal=causal)
        losses.append(float(cross_entropy(logits, y, ignore_index=ignore_index)))
        counts.append(int(np.sum(y != ignore_index)) if ignore_index is not None else y.size)
    return float(corpus_perplexity(losses, counts))


def train(params, inputs, targets, *, steps, n_heads, max_lr, batch_size=32, warmup_steps=20,
          min_lr=None, max_norm=1.0, weight_decay=0.01, causal=True, ignore_index=None,
          val=None, eval_every=50, seed=0, desc="training"):
    """Train a copy of params with AdamW; returns (params, history)."""
    rng = np.random.default_rng(seed)  # the same batches every time
    min_lr = max_lr / 10 if min_lr is None else min_lr
    state = init_adamw_state(params)
    history = {"train_loss": [], "val_step": [], "val_ppl": []}

    def record_validation(step):
        if val is not None:
            val_inputs, val_targets = val
            history["val_step"].append(step)
            history["val_ppl"].append(model_perplexity(params, val_inputs, val_targets,
                                                       n_heads, ignore_index=ignore_index))

    for step in tqdm(range(steps), desc=desc):
        if step % eval_every == 0:
            record_validation(step)
        rows = rng.integers(0, len(inputs), size=batch_size)  # a random batch
        loss, grads = loss_and_grads(params, inputs[rows], targets[rows], n_heads,
                                     causal=causal, ignore_index=ignore_index)
        grads, _ = clip_grad_norm(grads, max_norm)
        lr = warmup_cosine_lr(step, max_lr, warmup_steps, steps, min_lr=min_lr)
        params, state = adamw_step(params, grads, state, lr=lr, weight_decay=weight_decay)
        history["train_loss"].append(loss)
    record_validation(steps)
    return params, history


def generate(params, prompt_ids, n_heads, max_new=25, causal=True, temperature=0.8, seed=0):
    """Sample up to max_new tokens after prompt_ids (a list of ids), stopping at <eos>."""
    rng = np.random.default_rng(seed)
    ids = list(prompt_ids)
    T_max = params["pos_emb"].shape[0]
    for _ in range(max_new):
        context = np.array([ids[-T_max:]])  # (1, t): at most the T positions the model knows
        logits, _ = attention_forward(params, context, n_heads, causal=causal)
        probs = np.exp(log_softmax(logits[0, -1] / temperature))  # (V,): the next token
        ids.append(int(rng.choice(len(probs), p=probs / probs.sum())))
        if ids[-1] == eos:
            break
    return ids[len(prompt_ids):]
