"""The reference's numpy track against PyTorch's built-ins, the independent oracle.

F.cross_entropy and its autograd gradient, torch.log_softmax, F.scaled_dot_product_attention,
torch.tril, torch.nn.utils.clip_grad_norm_ and torch.optim.AdamW, all in float64 on the CPU
(float32 where a test says so). Skipped where torch is not installed.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from test_reference_strategies import (call_and_check_inputs, grad_dicts, hyperparameters,
                                       logits_targets, qkv, same_shapes_as)

from reference import (adamw_step, causal_attention, causal_mask, clip_grad_norm, cross_entropy,
                       cross_entropy_grad, global_grad_norm, init_adamw_state, log_softmax,
                       perplexity)

torch = pytest.importorskip("torch")
F = torch.nn.functional


def torch_cross_entropy(logits, targets, ignore_index, reduction="mean"):
    """F.cross_entropy on the flattened inputs; ignore_index None means 'nothing ignored'."""
    V = logits.shape[-1]
    return F.cross_entropy(torch.from_numpy(logits).reshape(-1, V),
                           torch.from_numpy(targets).reshape(-1),
                           ignore_index=-100 if ignore_index is None else ignore_index,
                           reduction=reduction)


# ----------------------------------------------------------------------------- q3 cross-entropy
@given(logits_targets())
def test_log_softmax_matches_torch(case):
    logits, _, _, magnitude = case
    out = call_and_check_inputs(log_softmax, logits)
    expected = torch.log_softmax(torch.from_numpy(logits), dim=-1).numpy()
    assert out.shape == logits.shape and out.dtype == logits.dtype
    assert np.isfinite(out).all()
    assert_allclose(out, expected, rtol=1e-9, atol=1e-12 * magnitude)


@given(logits_targets(), st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_matches_F_cross_entropy(case, reduction):
    logits, targets, ignore_index, magnitude = case
    loss = call_and_check_inputs(cross_entropy, logits, targets, ignore_index=ignore_index,
                                 reduction=reduction)
    expected = torch_cross_entropy(logits, targets, ignore_index, reduction).numpy()
    if reduction == "none":
        assert loss.shape == targets.shape
        expected = expected.reshape(targets.shape)
    assert loss.dtype == np.float64
    assert_allclose(loss, expected, rtol=1e-9, atol=1e-10 * magnitude * targets.size)


@given(logits_targets())
def test_cross_entropy_grad_matches_torch_autograd(case):
    logits, targets, ignore_index, magnitude = case
    grad = call_and_check_inputs(cross_entropy_grad, logits, targets, ignore_index=ignore_index)
    x = torch.from_numpy(logits).requires_grad_(True)
    F.cross_entropy(x.reshape(-1, logits.shape[-1]), torch.from_numpy(targets).reshape(-1),
                    ignore_index=-100 if ignore_index is None else ignore_index).backward()
    assert grad.shape == logits.shape and grad.dtype == logits.dtype
    assert_allclose(grad, x.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("ignore_index", [-100, 0, 2])
def test_all_positions_ignored_gives_nan_loss_and_zero_gradient_as_torch(ignore_index):
    logits = np.random.default_rng(1).standard_normal((2, 3, 4))
    targets = np.full((2, 3), ignore_index)
    assert np.isnan(torch_cross_entropy(logits, targets, ignore_index).item())  # the oracle
    assert np.isnan(cross_entropy(logits, targets, ignore_index=ignore_index))
    x = torch.from_numpy(logits).requires_grad_(True)
    F.cross_entropy(x.reshape(-1, 4), torch.from_numpy(targets).reshape(-1),
                    ignore_index=ignore_index).backward()
    assert_allclose(cross_entropy_grad(logits, targets, ignore_index), x.grad.numpy(), atol=0)


def test_a_single_class_costs_nothing():
    logits, targets = np.array([[3.0], [-1e4]]), np.array([0, 0])
    assert cross_entropy(logits, targets) == torch_cross_entropy(logits, targets, None).item() == 0
    assert np.all(cross_entropy_grad(logits, targets) == 0)


@given(logits_targets(dtype=np.float32), st.sampled_from(["mean", "sum", "none"]))
@settings(max_examples=40)
def test_float32_cross_entropy_stays_float32_and_matches_torch_in_float64(case, reduction):
    logits, targets, ignore_index, magnitude = case
    loss = cross_entropy(logits, targets, ignore_index=ignore_index, reduction=reduction)
    expected = torch_cross_entropy(logits.astype(np.float64), targets, ignore_index, reduction)
    assert loss.dtype == np.float32
    # float32 rounds a logit of size 1e4 by ~1e-3: the tolerance scales with the magnitude
    assert_allclose(loss, expected.numpy().reshape(np.shape(loss)), rtol=1e-5,
                    atol=2e-6 * magnitude * targets.size)
    grad = cross_entropy_grad(logits, targets, ignore_index=ignore_index)
    assert grad.dtype == np.float32 and log_softmax(logits).dtype == np.float32


# ----------------------------------------------------------------------------- q4 perplexity
@given(logits_targets(magnitudes=(3.0, 30.0)))
def test_perplexity_is_exp_of_F_cross_entropy(case):
    logits, targets, ignore_index, _ = case
    ppl = call_and_check_inputs(perplexity, logits, targets, ignore_index=ignore_index)
    assert isinstance(ppl, float)
    expected = torch.exp(torch_cross_entropy(logits, targets, ignore_index)).item()
    assert_allclose(ppl, expected, rtol=1e-9)


@pytest.mark.parametrize("V", [1, 2, 5, 50257])
def test_a_uniform_model_has_perplexity_V_as_torch_says(V):
    logits, targets = np.zeros((2, V)), np.array([0, V - 1])
    assert_allclose(perplexity(logits, targets),
                    torch.exp(torch_cross_entropy(logits, targets, None)).item(), rtol=1e-12)
    assert_allclose(perplexity(logits, targets), V, rtol=1e-12)


# ----------------------------------------------------------------------------- q2 causal mask
@pytest.mark.parametrize("T", [1, 2, 7])
def test_causal_mask_matches_torch_tril(T):
    assert np.array_equal(causal_mask(T), torch.tril(torch.ones(T, T, dtype=torch.bool)).numpy())


@given(qkv())
def test_causal_attention_matches_scaled_dot_product_attention(args):
    q, k, v = args
    output, weights = call_and_check_inputs(causal_attention, q, k, v)
    tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))
    T, d = q.shape[-2:]
    expected_out = F.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
    scores = (tq @ tk.transpose(-2, -1) / math.sqrt(d))
    scores = scores.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    expected_weights = torch.softmax(scores, dim=-1)
    assert output.dtype == weights.dtype == np.float64
    assert_allclose(weights, expected_weights.numpy(), rtol=1e-9, atol=1e-9)
    assert_allclose(output, expected_out.numpy(), rtol=1e-7, atol=1e-7)
    assert np.all(weights[..., ~causal_mask(T)] == 0.0)  # exactly 0, not just small
    assert_allclose(weights.sum(-1), 1.0, rtol=1e-12)


@given(qkv(dtype=np.float32, magnitudes=(1.0, 3.0)))
@settings(max_examples=30)
def test_float32_attention_stays_float32(args):
    q, k, v = args
    output, weights = causal_attention(q, k, v)
    assert output.dtype == weights.dtype == np.float32
    expected = F.scaled_dot_product_attention(*(torch.from_numpy(a).double() for a in (q, k, v)),
                                              is_causal=True)
    assert_allclose(output, expected.numpy(), rtol=1e-4, atol=1e-4)


# ----------------------------------------------------------------------------- q5 optimization
def torch_params_with_grads(grads):
    """Leaf tensors whose ``.grad`` holds a copy of each gradient (what clip_grad_norm_ reads)."""
    params = []
    for g in grads.values():
        p = torch.zeros(g.shape, dtype=torch.from_numpy(g.copy()).dtype, requires_grad=True)
        p.grad = torch.from_numpy(g.copy())
        params.append(p)
    return params


def torch_total_norm(grads):
    return torch.nn.utils.clip_grad_norm_(torch_params_with_grads(grads),
                                          max_norm=float("inf")).item()


@given(grad_dicts())
def test_global_grad_norm_matches_torch(grads):
    # atol 1e-150: sqrt(sum(g**2)) underflows for |g| < 1e-154 where torch rescales; the spec's
    # formula is the former, and no real gradient is that small
    assert_allclose(global_grad_norm(grads), torch_total_norm(grads), rtol=1e-9, atol=1e-150)


@given(grad_dicts(), st.sampled_from(["below", "at", "above", "zero"]))
def test_clip_grad_norm_matches_clip_grad_norm_(grads, where):
    if where == "zero":
        grads = {name: np.zeros_like(g) for name, g in grads.items()}
    norm = torch_total_norm(grads)
    max_norm = {"below": 0.5 * norm, "at": norm, "above": 2 * norm, "zero": 1.0}[where]
    max_norm = max_norm or 1.0  # max_norm must be positive
    clipped, total = call_and_check_inputs(clip_grad_norm, grads, max_norm)
    params = torch_params_with_grads(grads)
    expected_total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    assert_allclose(total, expected_total.item(), rtol=1e-9, atol=1e-150)  # as above
    for (name, g), p in zip(clipped.items(), params, strict=True):
        assert g.dtype == grads[name].dtype
        assert_allclose(g, p.grad.numpy(), rtol=1e-9, atol=1e-150)


def torch_adamw_run(params, grads_per_step, lr, betas, eps, weight_decay, max_grad_norm):
    """torch.optim.AdamW (+ clip_grad_norm_ before each step) on copies of the arrays."""
    tensors = [torch.from_numpy(p.copy()).requires_grad_(True) for p in params.values()]
    opt = torch.optim.AdamW(tensors, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                            foreach=False)
    for grads in grads_per_step:
        # by name: a drawn dict may list its keys in any order
        for t, name in zip(tensors, params, strict=True):
            t.grad = torch.from_numpy(grads[name].copy())
        if max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(tensors, max_grad_norm)
        opt.step()
    return tensors, opt


@given(st.data(), grad_dicts(magnitude=3.0), hyperparameters(), st.integers(3, 6))
@settings(max_examples=40)
def test_adamw_step_matches_torch_optim_AdamW_over_several_steps(data, params, hp, n_steps):
    grads_per_step = [data.draw(same_shapes_as(params, magnitude=10.0)) for _ in range(n_steps)]
    state = call_and_check_inputs(init_adamw_state, params)
    new_params = params
    for grads in grads_per_step:
        new_params, state = call_and_check_inputs(adamw_step, new_params, grads, state, **hp)
    tensors, opt = torch_adamw_run(params, grads_per_step, **hp)
    assert state["step"] == n_steps
    for name, t in zip(params, tensors, strict=True):
        torch_state = opt.state[t]
        assert int(torch_state["step"]) == state["step"]
        assert new_params[name].shape == params[name].shape
        assert_allclose(new_params[name], t.detach().numpy(), rtol=1e-9, atol=1e-12)
        assert_allclose(state["m"][name], torch_state["exp_avg"].numpy(), rtol=1e-9, atol=1e-14)
        assert_allclose(state["v"][name], torch_state["exp_avg_sq"].numpy(), rtol=1e-9,
                        atol=1e-14)


@given(st.data(), grad_dicts(dtype=np.float32, magnitude=3.0), hyperparameters())
@settings(max_examples=20)
def test_float32_adamw_stays_float32_and_close_to_torch(data, params, hp):
    grads_per_step = [data.draw(same_shapes_as(params, dtype=np.float32)) for _ in range(3)]
    state, new_params = init_adamw_state(params), params
    for grads in grads_per_step:
        new_params, state = adamw_step(new_params, grads, state, **hp)
    tensors, _ = torch_adamw_run(params, grads_per_step, **hp)
    for name, t in zip(params, tensors, strict=True):
        assert new_params[name].dtype == state["m"][name].dtype == np.float32
        assert_allclose(new_params[name], t.detach().numpy(), rtol=1e-5, atol=1e-5)
