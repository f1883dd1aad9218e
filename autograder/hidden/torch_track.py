"""The optional torch track (weights sum to 1 per question; the engine scales them by the
extra credit): t1_cross_entropy, t2_causal_attention, t3_optimization.

Arguments go to the worker as TorchTensor and come back as TensorValue; the expectations come
from the numpy reference in float64. The grader never imports torch.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import reference
from autograder.engine.api import TensorValue, TorchTensor

from assignments.lecture16.questions.q2_causal_mask.hidden import qkv
from assignments.lecture16.questions.q3_cross_entropy.hidden import (GRAD_HINT, IGNORE_HINT,
                                                                     logits_and_targets)
from assignments.lecture16.questions.q5_optimization.hidden import (HYPER, TINY, arrays_dict,
                                                                    clip_cases, with_grads)

from .framework import big_or_small, describe, hidden_test, magnitude, rtol_for, show

DEVICE_HINT = ("Work with torch operations on the tensors you are given, so that the results "
               "stay on their device (a GPU included) and in their dtype: no `.item()`, "
               "`.numpy()` or `float(...)`, and create new tensors with "
               "`device=x.device, dtype=x.dtype` (or `torch.zeros_like`).")


def device_of(value):
    """The device of the first tensor in ``value`` (arguments as they came back), or None."""
    if isinstance(value, TensorValue):
        return value.device
    items = value.values() if isinstance(value, dict) else value
    if isinstance(items, (list, tuple)) or isinstance(value, dict):
        for item in items:
            device = device_of(item)
            if device is not None:
                return device
    return None


def tensor(s, got, what: str, dtype, device) -> np.ndarray:
    """``got`` must be a tensor of this numpy ``dtype`` (as torch's) on ``device`` (None: any);
    returns its values."""
    if not isinstance(got, TensorValue):
        s.fail(f"Expected {what} to be a torch tensor, got {describe(got)}: `{show(got)}`. "
               + DEVICE_HINT)
    want = f"torch.{np.dtype(dtype)}"
    if got.dtype != want or (device is not None and got.device != device):
        s.fail(f"Expected {what} on device {device or got.device} with dtype {want} (those of "
               f"the inputs), got device {got.device} and dtype {got.dtype}. " + DEVICE_HINT)
    return np.asarray(got.array)


def dtypes():
    return st.sampled_from([np.float64, np.float32])


# ----------------------------------------------------------------------------- t1
T1 = "t1_cross_entropy"
T1_HINT = ("Mean over the positions not ignored of `-log_softmax(logits)[..., target]`, with "
           "`log_softmax = logits - torch.logsumexp(logits, dim=-1, keepdim=True)` (stable), "
           "returned as a 0-d tensor. " + IGNORE_HINT)


def t1_cases(ignore):
    return logits_and_targets(dtype=dtypes(), ignore=ignore)


def t1_check(s, case):
    logits, targets, ignore_index = case
    result = s.ex("cross_entropy_torch", TorchTensor(logits), TorchTensor(targets),
                  ignore_index=ignore_index, return_args=True)
    loss = tensor(s, result.value, "the loss", logits.dtype, device_of(result.args))
    expected = reference.cross_entropy(logits.astype(np.float64), targets, ignore_index)
    s.expect_array(loss, np.asarray(expected), "the mean loss", rtol=rtol_for(logits))


@hidden_test(T1, "cross_entropy_torch matches the mean cross-entropy, on the logits' device "
             "and dtype", 0.5, ["cross_entropy_torch"], T1_HINT + " " + DEVICE_HINT,
             "did not compute the mean cross-entropy with tensor operations",
             given=t1_cases(ignore=False))
def t1_value(s, case):
    t1_check(s, case)


@hidden_test(T1, "cross_entropy_torch skips positions equal to ignore_index (-100 or a class "
             "id)", 0.25, ["cross_entropy_torch"], T1_HINT,
             "counted ignored positions in the loss or in N", given=t1_cases(ignore=True))
def t1_ignore(s, case):
    t1_check(s, case)


@hidden_test(T1, "cross_entropy_torch is differentiable: its gradient is (softmax - onehot) / N",
             0.25, ["cross_entropy_torch"],
             "Build the loss from differentiable torch operations on `logits` (no `.item()`, "
             "`.numpy()`, `.detach()` or `torch.tensor(...)` of intermediate values): autograd "
             "then gives " + GRAD_HINT[GRAD_HINT.index("`(softmax"):],
             "broke the autograd graph, or got the 1/N scaling wrong",
             given=logits_and_targets(ignore=True))
def t1_grad(s, case):
    logits, targets, ignore_index = case
    result = s.ex("cross_entropy_torch", TorchTensor(logits, requires_grad=True),
                  TorchTensor(targets), ignore_index=ignore_index, backward=True)
    grad = result.grads[0] if result.grads else None
    if grad is None:
        s.fail("No gradient reached `logits` after `loss.backward()`: the loss is not "
               "connected to `logits` in the autograd graph.")
    expected = reference.cross_entropy_grad(logits, targets, ignore_index=ignore_index)
    s.expect_array(getattr(grad, "array", grad), expected, "logits.grad")


# ----------------------------------------------------------------------------- t2
T2 = "t2_causal_attention"
T2_HINT = ("`scores = q @ k.transpose(-2, -1) / math.sqrt(d)`, "
           "`scores.masked_fill(~mask, float('-inf'))` with `mask = torch.ones(T, T, "
           "dtype=torch.bool, device=q.device).tril()`, `torch.softmax(scores, dim=-1)`, then "
           "`weights @ v`.")


def t2_check(s, case):
    q, k, v = case
    result = s.ex("causal_attention_torch", TorchTensor(q), TorchTensor(k), TorchTensor(v),
                  return_args=True)
    got = s.expect_sequence(result.value, 2, "(output, weights)")
    device = device_of(result.args)
    output = tensor(s, got[0], "output", q.dtype, device)
    weights = tensor(s, got[1], "weights", q.dtype, device)
    ref_output, ref_weights = reference.causal_attention(*(x.astype(np.float64) for x in case))
    rtol = rtol_for(q)
    s.expect_array(weights, ref_weights, "weights", rtol=rtol)
    future = ~reference.causal_mask(q.shape[-2])
    if np.any(weights[..., future] != 0):
        s.fail("The weights must be exactly 0 where j > i (the future): fill the masked scores "
               "with `float('-inf')` before the softmax.")
    s.expect_array(output, ref_output, "output", rtol=rtol, scale=max(1.0, magnitude(v)))


@hidden_test(T2, "causal_attention_torch matches the reference, on the inputs' device and "
             "dtype", 0.5, ["causal_attention_torch"], T2_HINT + " " + DEVICE_HINT,
             "computed causal attention incorrectly with tensor operations",
             given=qkv(dtype=dtypes()))
def t2_value(s, case):
    t2_check(s, case)


@hidden_test(T2, "causal_attention_torch: future weights exactly 0, finite for scores up to 1e4",
             0.25, ["causal_attention_torch"],
             T2_HINT + " `torch.softmax` is stable for large scores; a hand-written softmax "
             "must subtract the row max.",
             "masked after the softmax, or overflowed for large scores",
             given=qkv(batch_dims=(0, 1), T=(1, 4), elements=big_or_small(70.0)))
def t2_stable(s, case):
    t2_check(s, case)


@hidden_test(T2, "causal_attention_torch keeps batch and head axes, and works for T = 1", 0.25,
             ["causal_attention_torch"],
             "Use `q.shape[-2]`, `q.shape[-1]` and `k.transpose(-2, -1)` (not `k.T`), and let "
             "the (T, T) mask broadcast over the leading axes.",
             "assumed 2-d inputs instead of (..., T, d)",
             given=st.one_of(qkv(batch_dims=(2, 2)), qkv(batch_dims=(0, 2), T=(1, 1))))
def t2_axes(s, case):
    t2_check(s, case)


# ----------------------------------------------------------------------------- t3
T3 = "t3_optimization"


def tensors_back(s, got, n: int, what: str, device) -> list:
    """A list of n float64 tensors on ``device``: their arrays."""
    got = s.expect_sequence(got, n, what)
    return [tensor(s, g, f"{what}[{i}]", np.float64, device) for i, g in enumerate(got)]


@hidden_test(T3, "clip_grad_norm_torch_ scales the gradients in place and returns the norm "
             "before clipping", 0.25, ["clip_grad_norm_torch_"],
             "Compute `total_norm` over all the tensors, then `g.mul_(clip_coef)` for each "
             "(in place, under `torch.no_grad()`), with `clip_coef = (max_norm / (total_norm "
             "+ 1e-6)).clamp(max=1.0)`; return `total_norm` as a tensor.",
             "did not scale the gradients in place, or returned the norm after clipping",
             given=clip_cases())
def t3_clip(s, case):
    grads, max_norm = case
    result = s.ex("clip_grad_norm_torch_", [TorchTensor(g) for g in grads.values()], max_norm,
                  return_args=True)
    device = device_of(result.args)
    clipped, norm = reference.clip_grad_norm(grads, max_norm)
    total = tensor(s, result.value, "total_norm", np.float64, device)
    s.expect_array(total, np.asarray(norm), "total_norm (the norm before clipping)",
                   scale=max(norm, TINY))
    after = tensors_back(s, result.args[0], len(grads), "grads (after the call)", device)
    for i, (got, g) in enumerate(zip(after, clipped.values())):
        s.expect_array(got, g, f"grads[{i}] after the call", scale=max(magnitude(g), TINY))


@hidden_test(T3, "init_adamw_state_torch starts at step 0 with zero moments like the params",
             0.125, ["init_adamw_state_torch"],
             "Return `{'step': 0, 'm': [torch.zeros_like(p) for p in params], 'v': [...]}`: one "
             "zero tensor per parameter, with its shape, dtype and device.",
             "did not start AdamW at step 0 with zero moments on the parameters' device",
             given=arrays_dict())
def t3_init(s, params):
    result = s.ex("init_adamw_state_torch", [TorchTensor(p) for p in params.values()],
                  return_args=True)
    state = s.expect_dict(result.value, ["step", "m", "v"], "the state")
    if s.scalar(state["step"], "state['step']") != 0:
        s.fail(f"Expected state['step'] = 0, got {state['step']!r}.")
    for moment in ("m", "v"):
        got = tensors_back(s, state[moment], len(params), f"state[{moment!r}]",
                           device_of(result.args))
        for i, (g, p) in enumerate(zip(got, params.values())):
            s.expect_array(g, np.zeros_like(p), f"state[{moment!r}][{i}]", exact=True)


def t3_adam_steps(s, params, grads_per_step, hp):
    """Several in-place adamw_step_torch_ calls, each compared with the numpy reference."""
    state = reference.init_adamw_state(params)
    n = len(grads_per_step)
    for i, grads in enumerate(grads_per_step):
        s.context = f"At step {i + 1} of {n}:"
        torch_state = {"step": state["step"],
                       "m": [TorchTensor(state["m"][name]) for name in params],
                       "v": [TorchTensor(state["v"][name]) for name in params]}
        result = s.ex("adamw_step_torch_",
                      [TorchTensor(p, requires_grad=True) for p in params.values()],
                      [TorchTensor(grads[name]) for name in params], torch_state,
                      return_args=True, **hp)
        new_params, new_state = reference.adamw_step(params, grads, state, **hp)
        device = device_of(result.args)
        got_state = s.expect_dict(result.args[2], ["step", "m", "v"], "state (after the call)")
        step = s.scalar(got_state["step"], "state['step'] after the call")
        if step != new_state["step"]:
            s.fail(f"Expected state['step'] = {new_state['step']} after the call (add 1 in "
                   f"place), got {got_state['step']!r}.")
        n_params = len(params)
        got_p = tensors_back(s, result.args[0], n_params, "params (after the call)", device)
        got_m = tensors_back(s, got_state["m"], n_params, "state['m']", device)
        got_v = tensors_back(s, got_state["v"], n_params, "state['v']", device)
        for j, name in enumerate(params):
            s.expect_array(got_p[j], new_params[name], f"params[{j}] after the call",
                           scale=max(magnitude(params[name]), hp.get("lr", 1e-3)))
            s.expect_array(got_m[j], new_state["m"][name], f"state['m'][{j}] after the call",
                           scale=max(magnitude(state["m"][name], grads[name]), TINY))
            s.expect_array(got_v[j], new_state["v"][name], f"state['v'][{j}] after the call",
                           scale=max(magnitude(state["v"][name], grads[name] ** 2), TINY))
        params = dict(zip(params, got_p))
        state = {"step": int(step), "m": dict(zip(params, got_m)), "v": dict(zip(params, got_v))}


@hidden_test(T3, "adamw_step_torch_ updates params and state in place, matching AdamW over "
             "several steps", 0.5, ["adamw_step_torch_"],
             "Under `torch.no_grad()`, update in place: `state['step'] += 1`, `p.mul_(1 - lr * "
             "weight_decay)`, `m.mul_(b1).add_(g, alpha=1 - b1)`, `v.mul_(b2).addcmul_(g, g, "
             "value=1 - b2)`, then `p.sub_(lr * m_hat / (v_hat.sqrt() + eps))` with the bias "
             "corrections of t = the new step.",
             "did not update the parameters and the AdamW state in place, step by step",
             given=st.tuples(with_grads(steps=(1, 3)), HYPER))
def t3_adam(s, case):
    (params, grads_per_step), hp = case
    t3_adam_steps(s, params, grads_per_step, hp)


@hidden_test(T3, "adamw_step_torch_ decouples weight decay: p * (1 - lr * weight_decay)", 0.125,
             ["adamw_step_torch_"],
             "AdamW shrinks the parameters directly, `p.mul_(1 - lr * weight_decay)`; the decay "
             "is not added to the gradient. Here the gradients are 0.",
             "added weight decay to the gradient instead of decaying the weights",
             given=st.tuples(arrays_dict(scale=10.0), st.sampled_from([0.1, 0.5])))
def t3_weight_decay(s, case):
    params, weight_decay = case
    grads = {k: np.zeros_like(p) for k, p in params.items()}
    t3_adam_steps(s, params, [grads], {"lr": 0.1, "weight_decay": weight_decay})


TESTS = (t1_value, t1_ignore, t1_grad, t2_value, t2_stable, t2_axes, t3_clip, t3_init, t3_adam,
         t3_weight_decay)
