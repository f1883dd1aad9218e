"""t3_optimization: the torch track's hidden tests for this question. Their points are relative
weights that add up to 1 (the engine scales them by the extra credit set in
otter_config.json); the helpers they share are in autograder/hidden/torch_track.py."""
from __future__ import annotations

import numpy as np

import reference
from autograder.hidden import device_of, hidden_test, magnitude, st, tensor, TorchTensor
from assignments.lecture16.questions.q5_optimization.hidden import (HYPER, TINY, arrays_dict,
                                                                    clip_cases, with_grads)

T3 = "t3_optimization"


def tensors_back(s, got, n: int, what: str, device) -> list:
    """A list of n float64 tensors on ``device``: their arrays."""
    got = s.expect_sequence(got, n, what)
    return [tensor(s, g, f"{what}[{i}]", np.float64, device) for i, g in enumerate(got)]


@hidden_test(question=T3,
             description="clip_grad_norm_torch_ scales the gradients in place and returns the norm "
                         "before clipping",
             points=0.25,
             functions=["clip_grad_norm_torch_"],
             hint="Compute `total_norm` over all the tensors, then `g.mul_(clip_coef)` for each "
                  "(in place, under `torch.no_grad()`), with `clip_coef = (max_norm / (total_norm "
                  "+ 1e-6)).clamp(max=1.0)`; return `total_norm` as a tensor.",
             misconception="did not scale the gradients in place, or returned the norm after "
                           "clipping",
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


@hidden_test(question=T3,
             description="init_adamw_state_torch starts at step 0 with zero moments like the "
                         "params",
             points=0.125,
             functions=["init_adamw_state_torch"],
             hint="Return `{'step': 0, 'm': [torch.zeros_like(p) for p in params], 'v': [...]}`: "
                  "one zero tensor per parameter, with its shape, dtype and device.",
             misconception="did not start AdamW at step 0 with zero moments on the parameters' "
                           "device",
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


@hidden_test(question=T3,
             description="adamw_step_torch_ updates params and state in place, matching AdamW over "
                         "several steps",
             points=0.5,
             functions=["adamw_step_torch_"],
             hint="Under `torch.no_grad()`, update in place: `state['step'] += 1`, `p.mul_(1 - lr "
                  "* weight_decay)`, `m.mul_(b1).add_(g, alpha=1 - b1)`, `v.mul_(b2).addcmul_(g, "
                  "g, value=1 - b2)`, then `p.sub_(lr * m_hat / (v_hat.sqrt() + eps))` with the "
                  "bias corrections of t = the new step.",
             misconception="did not update the parameters and the AdamW state in place, step by "
                           "step",
             given=st.tuples(with_grads(steps=(1, 3)), HYPER))
def t3_adam(s, case):
    (params, grads_per_step), hp = case
    t3_adam_steps(s, params, grads_per_step, hp)


@hidden_test(question=T3,
             description="adamw_step_torch_ decouples weight decay: p * (1 - lr * weight_decay)",
             points=0.125,
             functions=["adamw_step_torch_"],
             hint="AdamW shrinks the parameters directly, `p.mul_(1 - lr * weight_decay)`; the "
                  "decay is not added to the gradient. Here the gradients are 0.",
             misconception="added weight decay to the gradient instead of decaying the weights",
             given=st.tuples(arrays_dict(scale=10.0), st.sampled_from([0.1, 0.5])))
def t3_weight_decay(s, case):
    params, weight_decay = case
    grads = {k: np.zeros_like(p) for k, p in params.items()}
    t3_adam_steps(s, params, [grads], {"lr": 0.1, "weight_decay": weight_decay})
