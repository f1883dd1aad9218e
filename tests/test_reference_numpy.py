"""The reference's numpy track against plain-Python oracles and the spec's properties (no torch).

The torch oracles are in test_reference_torch.py; everything here runs where torch is absent.
"""
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as nps
from numpy.testing import assert_allclose
from test_reference_strategies import (call_and_check_inputs, finite, grad_dicts,
                                       hyperparameters, logits_targets, qkv, same_shapes_as)

from reference import (adamw_step, causal_attention, causal_mask, chunk_tokens, clip_grad_norm,
                       corpus_perplexity, cross_entropy, cross_entropy_grad, global_grad_norm,
                       init_adamw_state, log_softmax, next_token_pairs, perplexity,
                       warmup_cosine_lr)


ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- plain-Python oracles
def chunk_oracle(docs, block_size, eos_id):
    """Walk the tokens one by one, closing a block every block_size tokens."""
    blocks, block = [], []
    for doc in docs:
        for token in list(doc) + ([] if eos_id is None else [eos_id]):
            block.append(int(token))
            if len(block) == block_size:
                blocks.append(block)
                block = []
    return blocks


def log_softmax_oracle(row):
    """One row, in Python floats: x_i - (max + log(sum exp(x_j - max)))."""
    top = max(row)
    log_norm = top + math.log(math.fsum(math.exp(x - top) for x in row))
    return [x - log_norm for x in row]


def attention_row_oracle(scores_row, i):
    """Softmax of a row of scores over the keys j <= i; 0.0 for j > i."""
    allowed = scores_row[:i + 1]
    top = max(allowed)
    e = [math.exp(s - top) for s in allowed]
    total = math.fsum(e)
    return [x / total for x in e] + [0.0] * (len(scores_row) - i - 1)


def adamw_oracle(p, g, m, v, t, lr, b1, b2, eps, wd):
    """One scalar AdamW step, written out as in the AdamW paper with decoupled decay."""
    p = p - lr * wd * p
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    p = p - lr * (m / (1 - b1 ** t)) / (math.sqrt(v / (1 - b2 ** t)) + eps)
    return p, m, v


def lr_oracle(step, max_lr, warmup_steps, total_steps, min_lr):
    if step < warmup_steps:
        return max_lr * (step / warmup_steps)
    decay_steps = max(1, total_steps - warmup_steps)
    if step - warmup_steps >= decay_steps:
        return min_lr
    angle = math.pi * (step - warmup_steps) / decay_steps
    return min_lr + (max_lr - min_lr) * (math.cos(angle) + 1) / 2


def no_warnings(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


# ----------------------------------------------------------------------------- import
def test_reference_imports_without_torch():
    code = ("import sys; sys.modules['torch'] = None\n"
            "import reference\n"
            "from reference import *\n"
            "assert 'cross_entropy_torch' not in reference.__all__\n"
            "assert callable(cross_entropy) and callable(adamw_step)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_module_registers_its_public_functions_by_being_there():
    """No list in reference/__init__.py: its names are the question table's functions (the
    torch track's where torch is installed), and importing it does not import torch."""
    from importlib.util import find_spec

    from autograder.questions import QUESTIONS

    import reference

    expected = {f for q in QUESTIONS if q.track != "torch" or find_spec("torch")
                for f in q.functions}
    assert set(reference.__all__) == expected, (
        f"expected reference.__all__ to be the question table's functions, got "
        f"{sorted(set(reference.__all__) ^ expected)} different")
    code = "import sys, reference; assert 'torch' not in sys.modules, 'torch imported'"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# ----------------------------------------------------------------------------- q1 chunking
docs_strategy = st.lists(st.lists(st.integers(0, 50), max_size=12), max_size=6)
eos_strategy = st.one_of(st.none(), st.just(0), st.integers(0, 50))


@given(docs=docs_strategy, block_size=st.integers(1, 10), eos_id=eos_strategy)
@example(docs=[[1, 2], [3]], block_size=3, eos_id=None)  # an exact multiple
@example(docs=[[1, 2], [3]], block_size=5, eos_id=0)  # an exact multiple with eos 0
@example(docs=[[1, 2]], block_size=4, eos_id=None)  # fewer tokens than one block
@example(docs=[[], [], [4]], block_size=2, eos_id=9)  # empty documents still get their eos
@example(docs=[], block_size=3, eos_id=0)  # no documents at all
def test_chunk_tokens_matches_plain_python(docs, block_size, eos_id):
    blocks = call_and_check_inputs(chunk_tokens, docs, block_size, eos_id=eos_id)
    expected = chunk_oracle(docs, block_size, eos_id)
    assert blocks.dtype == np.int64
    assert blocks.shape == (len(expected), block_size)
    assert blocks.tolist() == expected


def test_chunk_tokens_takes_numpy_documents_and_keeps_an_integer_dtype():
    docs = [np.array([5, 6, 7], dtype=np.int32), np.array([], dtype=np.int32)]
    blocks = chunk_tokens(docs, 2, eos_id=0)
    assert blocks.dtype == np.int64
    assert blocks.tolist() == [[5, 6], [7, 0]]  # the second eos is the leftover, dropped


@given(blocks=nps.arrays(np.int64, nps.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6),
                         elements=st.integers(0, 1000)))
def test_next_token_pairs_shifts_targets_left_by_one(blocks):
    inputs, targets = call_and_check_inputs(next_token_pairs, blocks)
    n, L = blocks.shape
    assert inputs.shape == targets.shape == (n, L - 1)
    assert inputs.dtype == targets.dtype == blocks.dtype
    for b in range(n):
        for t in range(L - 1):
            assert inputs[b, t] == blocks[b, t] and targets[b, t] == blocks[b, t + 1]


# ----------------------------------------------------------------------------- q2 causal mask
@pytest.mark.parametrize("T", [1, 2, 5, 16])
def test_causal_mask_is_the_lower_triangle_with_the_diagonal(T):
    mask = causal_mask(T)
    assert mask.dtype == np.bool_ and mask.shape == (T, T)
    assert mask.tolist() == [[j <= i for j in range(T)] for i in range(T)]


@given(qkv())
def test_causal_attention_matches_a_row_by_row_oracle(args):
    q, k, v = args
    output, weights = call_and_check_inputs(causal_attention, q, k, v)
    T, d = q.shape[-2:]
    assert output.shape == (*q.shape[:-1], v.shape[-1]) and weights.shape == (*q.shape[:-1], T)
    scores = (q @ np.swapaxes(k, -1, -2) / math.sqrt(d)).reshape(-1, T, T)
    expected = np.array([[attention_row_oracle(list(s[i]), i) for i in range(T)] for s in scores])
    assert_allclose(weights.reshape(-1, T, T), expected, rtol=1e-9, atol=1e-9)
    # future keys get weight exactly 0, every row sums to 1
    assert np.all(weights[..., ~causal_mask(T)] == 0.0)
    assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-12)
    assert_allclose(output, weights @ v, rtol=1e-12, atol=1e-12)


def test_causal_attention_stays_finite_for_scores_of_1e4():
    q = np.array([[100.0], [-100.0], [100.0]])  # (T=3, d=1): scores up to +-1e4
    k = np.array([[100.0], [100.0], [-100.0]])
    v = np.arange(6.0).reshape(3, 2)
    for dtype in (np.float64, np.float32):
        output, weights = no_warnings(causal_attention, q.astype(dtype), k.astype(dtype),
                                      v.astype(dtype))
        assert output.dtype == weights.dtype == dtype
        assert np.isfinite(output).all() and np.isfinite(weights).all()
        assert_allclose(weights, [[1, 0, 0], [0.5, 0.5, 0], [0.5, 0.5, 0]], atol=1e-6)


def test_causal_attention_with_T_1_is_the_value():
    output, weights = causal_attention(np.ones((2, 1, 3)), np.ones((2, 1, 3)),
                                       np.full((2, 1, 2), 7.0))
    assert weights.tolist() == [[[1.0]], [[1.0]]] and output.tolist() == [[[7.0, 7.0]]] * 2


# ----------------------------------------------------------------------------- q3 cross-entropy
@given(logits_targets())
def test_log_softmax_matches_a_python_oracle(case):
    logits, _, _, magnitude = case
    out = call_and_check_inputs(log_softmax, logits)
    rows = logits.reshape(-1, logits.shape[-1])
    expected = np.array([log_softmax_oracle(list(row)) for row in rows])
    assert out.shape == logits.shape and out.dtype == np.float64
    assert_allclose(out.reshape(expected.shape), expected, rtol=1e-9, atol=1e-12 * magnitude)


@given(logits_targets(), st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_matches_a_python_oracle(case, reduction):
    logits, targets, ignore_index, magnitude = case
    loss = call_and_check_inputs(cross_entropy, logits, targets, ignore_index=ignore_index,
                                 reduction=reduction)
    V = logits.shape[-1]
    rows, flat_targets = logits.reshape(-1, V), targets.reshape(-1)
    per_position = [0.0 if t == ignore_index else -log_softmax_oracle(list(row))[t]
                    for row, t in zip(rows, flat_targets, strict=True)]
    n_kept = sum(t != ignore_index for t in flat_targets)
    if reduction == "none":
        assert loss.shape == targets.shape
        expected = np.array(per_position).reshape(targets.shape)
    elif reduction == "sum":
        expected = math.fsum(per_position)
    else:
        expected = math.fsum(per_position) / n_kept if n_kept else math.nan
    assert_allclose(loss, expected, rtol=1e-9, atol=1e-10 * magnitude * len(per_position))


def test_cross_entropy_lecture_examples():
    probs = np.array([[0.1, 0.2, 0.5, 0.15, 0.05]])  # the, cat, sat, on, mat
    assert_allclose(cross_entropy(np.log(probs), np.array([2])), -math.log(0.5), rtol=1e-12)
    better = np.array([[0.03, 0.05, 0.85, 0.05, 0.02]])
    assert_allclose(cross_entropy(np.log(better), np.array([2])), -math.log(0.85), rtol=1e-12)


@pytest.mark.parametrize("ignore_index", [-100, 3])
def test_cross_entropy_all_ignored_is_nan_without_a_warning(ignore_index):
    logits = np.zeros((2, 3, 4))
    targets = np.full((2, 3), ignore_index)
    assert np.isnan(no_warnings(cross_entropy, logits, targets, ignore_index=ignore_index))
    assert no_warnings(cross_entropy, logits, targets, ignore_index, "sum") == 0.0
    none = no_warnings(cross_entropy, logits, targets, ignore_index, "none")
    assert none.tolist() == [[0.0] * 3] * 2
    grad = no_warnings(cross_entropy_grad, logits, targets, ignore_index=ignore_index)
    assert grad.shape == logits.shape and np.all(grad == 0.0)


@given(logits_targets(magnitudes=(3.0,), max_V=5))
@settings(max_examples=30)
def test_cross_entropy_grad_matches_central_differences(case):
    logits, targets, ignore_index, _ = case
    grad = call_and_check_inputs(cross_entropy_grad, logits, targets, ignore_index=ignore_index)
    assert grad.shape == logits.shape and grad.dtype == np.float64
    if np.all(targets == ignore_index):
        assert np.all(grad == 0.0)  # as PyTorch's autograd: no position, no gradient
        return
    h = 1e-5
    numeric = np.zeros_like(logits)
    for idx in np.ndindex(logits.shape):
        up, down = logits.copy(), logits.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (cross_entropy(up, targets, ignore_index) -
                        cross_entropy(down, targets, ignore_index)) / (2 * h)
    assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
    ignored = targets == ignore_index
    assert np.all(grad[ignored] == 0.0)
    assert_allclose(grad.sum(axis=-1), 0.0, atol=1e-12)  # softmax and onehot both sum to 1


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_float32_logits_give_float32_results(reduction):
    rng = np.random.default_rng(0)
    logits = (rng.standard_normal((2, 3, 5)) * 1e4).astype(np.float32)
    targets = rng.integers(0, 5, size=(2, 3))
    assert log_softmax(logits).dtype == np.float32
    loss = no_warnings(cross_entropy, logits, targets, reduction=reduction)
    assert loss.dtype == np.float32 and np.isfinite(loss).all()
    assert_allclose(loss, cross_entropy(logits.astype(np.float64), targets, reduction=reduction),
                    rtol=1e-5, atol=2e-6 * 1e4 * 6)
    assert cross_entropy_grad(logits, targets).dtype == np.float32


def test_log_softmax_of_huge_logits_is_finite_and_exact_where_it_should_be():
    out = no_warnings(log_softmax, np.array([[1e4, -1e4, 0.0], [1e4, 1e4, -1e4]]))
    assert np.isfinite(out).all()
    assert_allclose(out, [[0.0, -2e4, -1e4], [-math.log(2), -math.log(2), -2e4 - math.log(2)]],
                    rtol=1e-12)


# ----------------------------------------------------------------------------- q4 perplexity
@given(V=st.integers(1, 60), lead=nps.array_shapes(min_dims=1, max_dims=3, max_side=4),
       constant=st.floats(-1e4, 1e4))
def test_a_uniform_model_has_perplexity_V(V, lead, constant):
    logits = np.full((*lead, V), constant)
    targets = np.zeros(lead, dtype=np.int64)
    ppl = call_and_check_inputs(perplexity, logits, targets)
    assert isinstance(ppl, float)
    assert_allclose(ppl, V, rtol=1e-9)


@given(st.lists(st.tuples(st.floats(0, 10), st.integers(1, 1000)), min_size=1, max_size=8))
def test_corpus_perplexity_weights_every_token_equally(batches):
    losses = np.array([loss for loss, _ in batches])
    counts = np.array([count for _, count in batches])
    ppl = call_and_check_inputs(corpus_perplexity, losses, counts)
    assert isinstance(ppl, float)
    total = math.fsum(loss * count for loss, count in batches)
    assert_allclose(ppl, math.exp(total / sum(counts)), rtol=1e-9)
    assert_allclose(corpus_perplexity(list(losses), list(counts)), ppl, rtol=1e-12)  # lists too


def test_corpus_perplexity_is_not_the_mean_of_batch_perplexities():
    losses, counts = [0.69, 2.3], [300, 100]
    weighted = corpus_perplexity(losses, counts)
    assert_allclose(weighted, math.exp((0.69 * 300 + 2.3 * 100) / 400), rtol=1e-12)
    assert abs(weighted - np.mean(np.exp(losses))) > 1.0
    assert abs(weighted - math.exp(np.mean(losses))) > 0.1


@given(st.data(), st.integers(1, 6), st.lists(st.integers(1, 12), min_size=1, max_size=4))
@settings(max_examples=30)
def test_corpus_perplexity_of_batch_means_is_the_perplexity_of_all_tokens(data, V, sizes):
    batches = [(data.draw(nps.arrays(np.float64, (n, V), elements=finite(np.float64, 5.0))),
                data.draw(nps.arrays(np.int64, n, elements=st.integers(0, V - 1))))
               for n in sizes]
    losses = [float(cross_entropy(logits, targets)) for logits, targets in batches]
    all_logits = np.concatenate([logits for logits, _ in batches])  # (sum(sizes), V)
    all_targets = np.concatenate([targets for _, targets in batches])  # (sum(sizes),)
    assert_allclose(corpus_perplexity(losses, sizes), perplexity(all_logits, all_targets),
                    rtol=1e-9)


# ----------------------------------------------------------------------------- q5 optimization
@given(grad_dicts())
def test_global_grad_norm_is_the_norm_of_everything_concatenated(grads):
    norm = call_and_check_inputs(global_grad_norm, grads)
    assert isinstance(norm, float)
    flat = [float(x) for g in grads.values() for x in np.ravel(g)]
    assert_allclose(norm, math.sqrt(math.fsum(x * x for x in flat)), rtol=1e-12, atol=1e-300)


@given(grad_dicts(), st.sampled_from(["below", "at", "above"]))
def test_clip_grad_norm_scales_all_gradients_by_one_factor(grads, where):
    norm = math.sqrt(math.fsum(float(np.sum(g ** 2)) for g in grads.values()))
    max_norm = {"below": 0.5 * norm, "at": norm, "above": 2.0 * norm + 1.0}[where]
    clipped, total = call_and_check_inputs(clip_grad_norm, grads, max_norm)
    assert isinstance(total, float)
    assert_allclose(total, norm, rtol=1e-12)
    coef = min(1.0, max_norm / (norm + 1e-6))
    assert clipped.keys() == grads.keys()
    for name, g in grads.items():
        assert clipped[name].shape == g.shape and clipped[name].dtype == g.dtype
        assert_allclose(clipped[name], g * coef, rtol=1e-12, atol=0)
    assert global_grad_norm(clipped) <= max_norm * (1 + 1e-12)


def test_clip_grad_norm_of_zero_gradients_is_zero():
    clipped, total = clip_grad_norm({"w": np.zeros((2, 2)), "b": np.zeros(3)}, 1.0)
    assert total == 0.0 and all(np.all(g == 0.0) for g in clipped.values())


def test_init_adamw_state_is_step_0_and_zeros_like_each_parameter():
    params = {"w": np.ones((2, 3), dtype=np.float32), "b": np.ones(3)}
    state = call_and_check_inputs(init_adamw_state, params)
    assert state["step"] == 0
    for key in ("m", "v"):
        assert state[key].keys() == params.keys()
        for name, p in params.items():
            assert state[key][name].shape == p.shape and state[key][name].dtype == p.dtype
            assert np.all(state[key][name] == 0)


@given(st.data(), grad_dicts(magnitude=3.0), hyperparameters(), st.integers(1, 4))
@settings(max_examples=40)
def test_adamw_step_matches_a_scalar_oracle_over_several_steps(data, params, hp, n_steps):
    hp = dict(hp)
    max_grad_norm = hp.pop("max_grad_norm")
    b1, b2 = hp["betas"]
    state = init_adamw_state(params)
    ref_p = {name: [float(x) for x in np.ravel(p)] for name, p in params.items()}
    ref_m = {name: [0.0] * len(p) for name, p in ref_p.items()}
    ref_v = {name: [0.0] * len(p) for name, p in ref_p.items()}
    for t in range(1, n_steps + 1):
        grads = data.draw(same_shapes_as(params, magnitude=10.0))
        params, state = call_and_check_inputs(adamw_step, params, grads, state,
                                              max_grad_norm=max_grad_norm, **hp)
        norm = math.sqrt(math.fsum(float(x) ** 2 for g in grads.values() for x in np.ravel(g)))
        coef = 1.0 if max_grad_norm is None else min(1.0, max_grad_norm / (norm + 1e-6))
        for name, g in grads.items():
            for i, gi in enumerate(np.ravel(g)):
                ref_p[name][i], ref_m[name][i], ref_v[name][i] = adamw_oracle(
                    ref_p[name][i], float(gi) * coef, ref_m[name][i], ref_v[name][i], t,
                    hp["lr"], b1, b2, hp["eps"], hp["weight_decay"])
        assert state["step"] == t
    for name, p in params.items():
        assert_allclose(np.ravel(p), ref_p[name], rtol=1e-9, atol=1e-12)
        assert_allclose(np.ravel(state["m"][name]), ref_m[name], rtol=1e-9, atol=1e-15)
        assert_allclose(np.ravel(state["v"][name]), ref_v[name], rtol=1e-9, atol=1e-15)


def test_adamw_step_keeps_float32_and_extra_state_keys():
    params = {"w": np.ones((2, 2), dtype=np.float32)}
    grads = {"w": np.full((2, 2), 0.5, dtype=np.float32)}
    state = {**init_adamw_state(params), "note": "kept"}
    new_params, new_state = adamw_step(params, grads, state, lr=0.1, max_grad_norm=0.1)
    dtypes = (new_params["w"].dtype, new_state["m"]["w"].dtype, new_state["v"]["w"].dtype)
    assert dtypes == (np.float32,) * 3
    assert new_state["note"] == "kept" and state["step"] == 0


@given(step=st.integers(0, 300), max_lr=st.floats(1e-5, 1.0), warmup=st.integers(0, 50),
       extra=st.integers(0, 200), min_frac=st.sampled_from([0.0, 0.1, 1.0]))
def test_warmup_cosine_lr_matches_a_scalar_oracle(step, max_lr, warmup, extra, min_frac):
    total, min_lr = warmup + extra, min_frac * max_lr
    lr = warmup_cosine_lr(step, max_lr, warmup, total, min_lr=min_lr)
    assert isinstance(lr, float)
    assert_allclose(lr, lr_oracle(step, max_lr, warmup, total, min_lr), rtol=1e-12, atol=1e-15)
    assert min(0.0, min_lr) <= lr <= max_lr * (1 + 1e-12)


def test_warmup_cosine_lr_endpoints():
    assert warmup_cosine_lr(0, 1.0, 10, 100) == 0.0  # warmup starts at 0
    assert warmup_cosine_lr(5, 1.0, 10, 100) == 0.5
    assert warmup_cosine_lr(10, 1.0, 10, 100) == 1.0  # the peak, at step == warmup_steps
    assert_allclose(warmup_cosine_lr(55, 1.0, 10, 100, min_lr=0.2), 0.6, rtol=1e-12)  # halfway
    assert warmup_cosine_lr(100, 1.0, 10, 100, min_lr=0.2) == 0.2  # step == total: min_lr
    assert warmup_cosine_lr(1000, 1.0, 10, 100, min_lr=0.2) == 0.2
    assert warmup_cosine_lr(0, 1.0, 0, 100) == 1.0  # no warmup: start at the peak
    # total == warmup: the formula's max(1, ...) gives one step at the peak, then min_lr
    assert warmup_cosine_lr(10, 1.0, 10, 10, min_lr=0.1) == 1.0
    assert warmup_cosine_lr(11, 1.0, 10, 10, min_lr=0.1) == 0.1
    lrs = [warmup_cosine_lr(s, 1.0, 10, 100) for s in range(120)]
    assert all(a <= b for a, b in zip(lrs[:10], lrs[1:11], strict=True))  # up during warmup
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:], strict=False))  # down after
