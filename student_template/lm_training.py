"""Lecture 16, "Training transformer models": the functions you write.

Every function below raises NotImplementedError until you write its body; the error names the
section of the notebook (lecture16.ipynb) that explains it. Keep every name and signature: the
autograder calls the functions exactly like this. Use numpy only (the optional torch track at
the end uses PyTorch), and never modify an input: return new arrays.

Work in this file or in the notebook, not in both: they hold the same functions. Submit the one
you worked in. The public checks run in the notebook (grader.check("q1_chunking"), ...) or, in
a GitHub Classroom repository, with `python run_checks.py`. Your grade comes from hidden tests
that compare your functions with a reference solution on many generated inputs (empty
documents, huge logits, float32 inputs...): passing the public checks is a good sign, not a
guarantee, so test your own edge cases too.
"""
import math

import numpy as np

try:  # the torch track is optional
    import torch
except ImportError:
    torch = None


# ======================================================================
# q1_chunking: Raw text to training examples
# ======================================================================
def chunk_tokens(docs, block_size, eos_id=None):
    """Concatenate tokenized documents into one stream and cut it into blocks of equal length.

    Every document is tokenized on its own; the stream is
    ``doc_0 + [eos] + doc_1 + [eos] + ... + doc_last + [eos]`` (the ``eos`` tokens only when
    ``eos_id`` is not None; 0 is a valid id). The stream is cut into consecutive blocks of
    ``block_size`` tokens and the leftover shorter than ``block_size`` is dropped, so no block
    is padded.

    Args:
        docs: a list of documents, each a list (or 1-D array) of integer token ids; a document
            may be empty.
        block_size: the length L of every block (a positive int).
        eos_id: the end-of-sequence token id appended after every document (the last one
            included), or None for no separator.

    Returns:
        An integer array (int64, say) of shape (n_blocks, block_size) with
        ``n_blocks = n_tokens // block_size``; shape (0, block_size) when there are fewer than
        ``block_size`` tokens in all.

    Example:
        >>> chunk_tokens([[5, 6, 7], [8, 9]], block_size=3, eos_id=0)
        array([[5, 6, 7],
               [0, 8, 9]])
        >>> chunk_tokens([[5, 6]], block_size=4).shape
        (0, 4)
    """
    # YOUR CODE HERE
    raise NotImplementedError("chunk_tokens is not implemented yet: see the notebook section 'Question 1: Raw text to training examples' (q1_chunking)")


def next_token_pairs(blocks):
    """Split blocks into (inputs, targets) for next-token prediction: position t predicts t+1.

    ``inputs = blocks[:, :-1]`` and ``targets = blocks[:, 1:]``, so ``targets[b, t]`` is the
    token that follows ``inputs[b, t]``.

    Args:
        blocks: integer array of shape (n, L), e.g. from ``chunk_tokens``.

    Returns:
        (inputs, targets): two new integer arrays (copies, not views) of shape (n, L - 1).

    Example:
        >>> x, y = next_token_pairs(np.array([[10, 11, 12, 13]]))
        >>> x, y
        (array([[10, 11, 12]]), array([[11, 12, 13]]))
    """
    # YOUR CODE HERE
    raise NotImplementedError("next_token_pairs is not implemented yet: see the notebook section 'Question 1: Raw text to training examples' (q1_chunking)")


# ======================================================================
# q2_causal_mask: The causal attention mask
# ======================================================================
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
    # YOUR CODE HERE
    raise NotImplementedError("causal_mask is not implemented yet: see the notebook section 'Question 2: The causal attention mask' (q2_causal_mask)")


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
    # YOUR CODE HERE
    raise NotImplementedError("causal_attention is not implemented yet: see the notebook section 'Question 2: The causal attention mask' (q2_causal_mask)")


# ======================================================================
# q3_cross_entropy: Cross-entropy loss and its gradient
# ======================================================================
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
    # YOUR CODE HERE
    raise NotImplementedError("log_softmax is not implemented yet: see the notebook section 'Question 3: Cross-entropy loss and its gradient' (q3_cross_entropy)")


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
    # YOUR CODE HERE
    raise NotImplementedError("cross_entropy is not implemented yet: see the notebook section 'Question 3: Cross-entropy loss and its gradient' (q3_cross_entropy)")


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
    # YOUR CODE HERE
    raise NotImplementedError("cross_entropy_grad is not implemented yet: see the notebook section 'Question 3: Cross-entropy loss and its gradient' (q3_cross_entropy)")


# ======================================================================
# q4_perplexity: Perplexity
# ======================================================================
def perplexity(logits, targets, ignore_index=None):
    """Perplexity of the model on these targets: ``exp(mean cross-entropy)``.

    ``PPL = exp(-(1/N) * sum_t log p(target_t))`` over the N positions not ignored (natural
    log, so it matches ``exp`` of PyTorch's mean cross-entropy). A model that spreads its
    probability uniformly over V tokens has perplexity exactly V; a perfect model has 1.

    Args:
        logits: float array of shape (..., V), e.g. (B, T, V).
        targets: integer array of shape (...), with values in [0, V) or equal to
            ``ignore_index``.
        ignore_index: a target value to skip, or None to count every position.

    Returns:
        A Python float (nan when every position is ignored).

    Example: a uniform model over V = 50 tokens:

        >>> logits = np.zeros((2, 3, 50))  # (B, T, V), every token equally likely
        >>> round(perplexity(logits, np.array([[1, 2, 3], [4, 5, 6]])), 2)
        50.0
    """
    # YOUR CODE HERE
    raise NotImplementedError("perplexity is not implemented yet: see the notebook section 'Question 4: Perplexity' (q4_perplexity)")


def corpus_perplexity(losses, counts):
    """Perplexity of a whole corpus from per-batch mean losses, weighting every token equally.

    ``PPL = exp(sum_i losses[i] * counts[i] / sum_i counts[i])``: batch i's mean loss is
    weighted by the number of tokens it held. This is *not* the mean of the per-batch
    perplexities (nor ``exp`` of the unweighted mean loss) when the batches differ in size.

    Args:
        losses: sequence or 1-D array of per-batch mean cross-entropies, shape (n_batches,).
        counts: sequence or 1-D array of the number of tokens in each batch, shape
            (n_batches,).

    Returns:
        A Python float.

    Example: a small batch that went badly counts less than a big one that went well:

        >>> round(corpus_perplexity([0.69, 2.3], [300, 100]), 2)  # exp(437 / 400)
        2.98
        >>> round(float(np.exp(0.69) + np.exp(2.3)) / 2, 2)  # mean of per-batch PPLs: wrong
        5.98
    """
    # YOUR CODE HERE
    raise NotImplementedError("corpus_perplexity is not implemented yet: see the notebook section 'Question 4: Perplexity' (q4_perplexity)")


# ======================================================================
# q5_optimization: The training loop's update
# ======================================================================
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
    # YOUR CODE HERE
    raise NotImplementedError("global_grad_norm is not implemented yet: see the notebook section 'Question 5: The training loop's update' (q5_optimization)")


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
    # YOUR CODE HERE
    raise NotImplementedError("clip_grad_norm is not implemented yet: see the notebook section 'Question 5: The training loop's update' (q5_optimization)")


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
    # YOUR CODE HERE
    raise NotImplementedError("init_adamw_state is not implemented yet: see the notebook section 'Question 5: The training loop's update' (q5_optimization)")


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
    # YOUR CODE HERE
    raise NotImplementedError("adamw_step is not implemented yet: see the notebook section 'Question 5: The training loop's update' (q5_optimization)")


def warmup_cosine_lr(step, max_lr, warmup_steps, total_steps, min_lr=0.0):
    """The learning rate at a given step: linear warmup from 0, then a cosine decay to min_lr.

    1) ``step < warmup_steps``: ``max_lr * step / warmup_steps``;
    2) otherwise, with ``progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)``:
       ``min_lr + 0.5 * (max_lr - min_lr) * (1 + cos(pi * progress))`` while ``progress < 1``;
    3) ``min_lr`` from then on.

    Args:
        step: the current step (an int >= 0; step 0 is the first update).
        max_lr: the peak learning rate, reached at ``step == warmup_steps``.
        warmup_steps: the number of warmup steps (0 for none).
        total_steps: the step at which the decay reaches ``min_lr``.
        min_lr: the floor of the schedule.

    Returns:
        A Python float.

    Example:
        >>> [round(warmup_cosine_lr(s, 1.0, 2, 6), 2) for s in range(8)]
        [0.0, 0.5, 1.0, 0.85, 0.5, 0.15, 0.0, 0.0]
    """
    # YOUR CODE HERE
    raise NotImplementedError("warmup_cosine_lr is not implemented yet: see the notebook section 'Question 5: The training loop's update' (q5_optimization)")


# ======================================================================
# q6_finetuning: From a foundation model to an instruct model
# ======================================================================
def sft_example(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    """One instruction-tuning example: (inputs, targets) with the prompt's targets ignored.

    The sequence is ``prompt + response (+ [eos])``; as in pre-training, position t predicts
    token t+1: ``inputs = seq[:-1]`` and ``targets = seq[1:]``. The model should learn to write
    the response, not to predict the prompt, so every target that is a prompt token (positions
    ``t < len(prompt) - 1``) becomes ``ignore_index`` and the loss skips it. The last prompt
    token's position predicts the first response token, and that one counts.

    Args:
        prompt_ids: the prompt's token ids, a list or 1-D integer array (not empty).
        response_ids: the response's token ids, a list or 1-D integer array (not empty).
        eos_id: appended after the response when not None (0 is a valid id), so the model
            learns to stop.
        ignore_index: the target value that the loss skips (PyTorch's default is -100).

    Returns:
        (inputs, targets): two new int64 arrays of shape (len(seq) - 1,).

    Raises:
        ValueError: if the prompt or the response is empty.

    Example: prompt [5, 6, 7], response [8, 9], eos 0:

        >>> x, y = sft_example([5, 6, 7], [8, 9], eos_id=0)
        >>> x
        array([5, 6, 7, 8, 9])
        >>> y
        array([-100, -100,    8,    9,    0])
    """
    # YOUR CODE HERE
    raise NotImplementedError("sft_example is not implemented yet: see the notebook section 'Question 6: From a foundation model to an instruct model' (q6_finetuning)")


def pad_batch(examples, pad_id, ignore_index=-100):
    """Stack examples of different lengths into one batch, right-padded.

    Each row of ``inputs`` is padded with ``pad_id`` and each row of ``targets`` with
    ``ignore_index``, so the loss never learns to predict padding.

    Args:
        examples: a list of ``(inputs, targets)`` pairs of 1-D integer arrays, each pair of one
            length (as ``sft_example`` returns).
        pad_id: the token id that fills the inputs after an example ends.
        ignore_index: the target value that fills the targets after an example ends.

    Returns:
        (inputs, targets): two new int64 arrays of shape (n, L), L the longest example's length;
        shape (0, 0) for an empty list.

    Example:
        >>> x, y = pad_batch([(np.array([5, 6]), np.array([6, 7])), (np.array([8]), np.array([9]))],
        ...                  pad_id=0)
        >>> x
        array([[5, 6],
               [8, 0]])
        >>> y
        array([[   6,    7],
               [   9, -100]])
    """
    # YOUR CODE HERE
    raise NotImplementedError("pad_batch is not implemented yet: see the notebook section 'Question 6: From a foundation model to an instruct model' (q6_finetuning)")


# ======================================================================
# q7_scaling: Scaling laws: predict before you train
# ======================================================================
def training_flops(n_params, n_tokens):
    """The compute of one training run: ``C = 6 * N * D`` floating-point operations.

    About 2 FLOPs per parameter per token in the forward pass and 4 in the backward pass.

    Args:
        n_params: N, the number of parameters (a Python or numpy int, or a float).
        n_tokens: D, the number of training tokens (the same).

    Returns:
        C as a Python float. Computed in floating point: numpy int64 counts would wrap around
        past 2**63 (GPT-3's 175e9 x 300e9 already does), and Python ints of any size work.

    Example: GPT-3, 175e9 parameters trained on 300e9 tokens:

        >>> f"{training_flops(175e9, 300e9):.3g}"
        '3.15e+23'
    """
    # YOUR CODE HERE
    raise NotImplementedError("training_flops is not implemented yet: see the notebook section 'Question 7: Scaling laws: predict before you train' (q7_scaling)")


def chinchilla_optimal(flops, tokens_per_param=20.0):
    """The compute-optimal model size and data size for a budget C (Chinchilla).

    Under ``C = 6 N D`` with ``D = tokens_per_param * N``:
    ``N = sqrt(C / (6 * tokens_per_param))`` and ``D = tokens_per_param * N``.

    Args:
        flops: the budget C (positive).
        tokens_per_param: training tokens per parameter (Chinchilla: about 20).

    Returns:
        (n_params, n_tokens) as Python floats.

    Raises:
        ValueError: if the budget is not positive (nan included).

    Example: GPT-3's budget is best spent on a smaller model trained on more tokens:

        >>> n, d = chinchilla_optimal(3.15e23)
        >>> f"{n:.2g} parameters, {d:.2g} tokens"
        '5.1e+10 parameters, 1e+12 tokens'
    """
    # YOUR CODE HERE
    raise NotImplementedError("chinchilla_optimal is not implemented yet: see the notebook section 'Question 7: Scaling laws: predict before you train' (q7_scaling)")


def fit_power_law(x, y):
    """Fit ``y ~ a * x ** (-alpha)`` by least squares on a log-log scale.

    Taking logs turns the power law into a line, ``log y = log a - alpha * log x``, so the fit
    is the least-squares line through ``(log x, log y)`` (the same as
    ``np.polyfit(np.log(x), np.log(y), 1)``: slope ``-alpha``, intercept ``log a``).

    Args:
        x: 1-D sequence or array of positive sizes (parameters, tokens or FLOPs), at least two
            distinct values.
        y: 1-D sequence or array of positive losses, of the same length.

    Returns:
        (a, alpha) as Python floats; alpha > 0 when the loss falls as x grows.

    Raises:
        ValueError: if the lengths differ, fewer than two distinct x are given, or a value is
            not positive.

    Example: losses that halve each time the model grows 16-fold:

        >>> a, alpha = fit_power_law([1e6, 16e6, 256e6], [4.0, 2.0, 1.0])
        >>> round(alpha, 3), round(a, 1)
        (0.25, 126.5)
    """
    # YOUR CODE HERE
    raise NotImplementedError("fit_power_law is not implemented yet: see the notebook section 'Question 7: Scaling laws: predict before you train' (q7_scaling)")


# ======================================================================
# q8_accumulation: Gradient accumulation done right (optional: going further)
# ======================================================================
def accumulate_gradients(grads, counts):
    """The gradient of the whole batch's mean loss, from the gradients of its micro-batches.

    A batch too big for the GPU is split into K micro-batches; each one's backward pass gives
    the gradient of *its own* mean loss over its counted tokens (padding and ``ignore_index``
    targets are not counted, so micro-batches count different numbers of tokens). The batch's
    loss is the mean over **every counted token of the whole batch**, so micro-batch k weighs
    in with its share of the tokens:

        grad = sum_k counts[k] * grads[k] / sum(counts)

    Averaging the micro-batches' gradients (``sum_k grads[k] / K``) gives every micro-batch the
    same weight: it is right only when every count is the same. A micro-batch with count 0
    contributes nothing (its mean loss is 0 / 0, so its gradient may hold nan: it is not used).

    Args:
        grads: a non-empty list of dicts, one per micro-batch, from a parameter's name to the
            float array of that micro-batch's mean-loss gradient (every dict has the same names
            and shapes).
        counts: the number of counted tokens of each micro-batch (non-negative ints, one per
            dict of ``grads``).

    Returns:
        A new dict from each name to the new array ``sum_k counts[k] * grads[k][name] /
        sum(counts)``.

    Raises:
        ValueError: if ``grads`` and ``counts`` differ in length (or are empty), a count is
            negative, or no token is counted at all (``sum(counts) == 0``).

    Example: two micro-batches, 3 tokens with gradient 1.0 and 1 token with gradient 5.0:
    (3 * 1 + 1 * 5) / 4 = 2.0 (the naive average would say 3.0).

        >>> accumulate_gradients([{"w": np.array([1.0])}, {"w": np.array([5.0])}], [3, 1])
        {'w': array([2.])}
    """
    # YOUR CODE HERE
    raise NotImplementedError("accumulate_gradients is not implemented yet: see the notebook section 'Going further 1: Gradient accumulation done right' (q8_accumulation)")


# ======================================================================
# q9_preferences: Learning from preferences (optional: going further)
# ======================================================================
def preference_loss(r_chosen, r_rejected):
    """The Bradley-Terry loss of a reward model on ranked pairs, and its gradients.

    Humans ranked two responses to each prompt; the reward model gave them the rewards
    ``r_chosen`` (the preferred one) and ``r_rejected``. Bradley-Terry says the chosen response
    wins with probability ``sigmoid(r_chosen - r_rejected)``; the loss is the mean negative log
    of that probability over the n pairs (Ouyang et al., 2022):

        margin = r_chosen - r_rejected
        loss = mean(-log sigmoid(margin)) = mean(log(1 + exp(-margin)))

    ``exp(-margin)`` overflows for a margin below about -710 and ``log(sigmoid(margin))`` is
    ``log(0)``: compute ``log(1 + exp(-margin))`` as ``np.logaddexp(0, -margin)``, finite for
    any finite margin. Its gradients, with ``sigmoid(-margin) = 1 / (1 + exp(margin))``:

        d loss / d r_chosen = -sigmoid(-margin) / n
        d loss / d r_rejected = +sigmoid(-margin) / n

    Args:
        r_chosen: the rewards of the chosen responses, a 1-D float array of shape (n,).
        r_rejected: the rewards of the rejected responses, shape (n,).

    Returns:
        (loss, d_chosen, d_rejected): the mean loss (a float) and two new arrays of shape (n,).

    Raises:
        ValueError: if the inputs are empty or of different lengths.

    Example: a tie costs log 2 = 0.693; a margin of 2 costs log(1 + e**-2) = 0.127.

        >>> loss, d_c, d_r = preference_loss(np.array([2.0, 0.0]), np.array([0.0, 0.0]))
        >>> round(loss, 4), d_c.round(4), d_r.round(4)
        (0.41, array([-0.0596, -0.25  ]), array([0.0596, 0.25  ]))
    """
    # YOUR CODE HERE
    raise NotImplementedError("preference_loss is not implemented yet: see the notebook section 'Going further 2: Learning from preferences' (q9_preferences)")


def dpo_loss(policy_chosen_logp, policy_rejected_logp, ref_chosen_logp, ref_rejected_logp,
             beta=0.1):
    """Direct Preference Optimization (Rafailov et al., 2023): Bradley-Terry on log-ratios.

    DPO skips the reward model: the implicit reward of a response is ``beta`` times how much
    more likely the policy makes it than the frozen reference model (the fine-tuned model it
    starts from), ``beta * (log pi(y|x) - log pi_ref(y|x))``. The loss is the Bradley-Terry loss
    on those rewards, averaged over the n pairs:

        z = beta * ((policy_chosen - ref_chosen) - (policy_rejected - ref_rejected))
        loss = mean(-log sigmoid(z)) = mean(logaddexp(0, -z))

    Args:
        policy_chosen_logp, policy_rejected_logp: the policy's log-probabilities of the chosen
            and the rejected responses (each the sum over the response's tokens), shape (n,).
        ref_chosen_logp, ref_rejected_logp: the reference model's, shape (n,).
        beta: how far the policy may move from the reference (positive; 0.1 by default).

    Returns:
        The mean loss, a float.

    Raises:
        ValueError: if ``beta`` is not positive, or the inputs are empty or of different
            lengths.

    Example: a policy equal to its reference gives z = 0 and the loss log 2 = 0.693.

        >>> round(dpo_loss(np.array([-5.0]), np.array([-7.0]), np.array([-5.0]),
        ...                np.array([-7.0])), 4)
        0.6931
    """
    # YOUR CODE HERE
    raise NotImplementedError("dpo_loss is not implemented yet: see the notebook section 'Going further 2: Learning from preferences' (q9_preferences)")


# ======================================================================
# t1_cross_entropy: Cross-entropy in PyTorch (optional torch track)
# ======================================================================
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
    # YOUR CODE HERE
    raise NotImplementedError("cross_entropy_torch is not implemented yet: see the notebook section 'Cross-entropy in PyTorch' (t1_cross_entropy)")


# ======================================================================
# t2_causal_attention: Causal attention in PyTorch (optional torch track)
# ======================================================================
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
    # YOUR CODE HERE
    raise NotImplementedError("causal_attention_torch is not implemented yet: see the notebook section 'Causal attention in PyTorch' (t2_causal_attention)")


# ======================================================================
# t3_optimization: Clipping and AdamW in PyTorch (optional torch track)
# ======================================================================
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
    # YOUR CODE HERE
    raise NotImplementedError("clip_grad_norm_torch_ is not implemented yet: see the notebook section 'Clipping and AdamW in PyTorch' (t3_optimization)")


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
    # YOUR CODE HERE
    raise NotImplementedError("init_adamw_state_torch is not implemented yet: see the notebook section 'Clipping and AdamW in PyTorch' (t3_optimization)")


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
    # YOUR CODE HERE
    raise NotImplementedError("adamw_step_torch_ is not implemented yet: see the notebook section 'Clipping and AdamW in PyTorch' (t3_optimization)")
