"""q5_optimization (30 points): global_grad_norm, clip_grad_norm, init_adamw_state, adamw_step,
warmup_cosine_lr."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as nps

import reference

from .framework import arrays, floats, hidden_test, magnitude

Q = "q5_optimization"
NAMES = ("wte", "w1", "b1", "ln")
TINY = 1e-100  # the smallest scale for tolerances: below it, values count as 0 (squaring 1e-200
# underflows to 0.0, while a norm that rescales first gets 1e-200: both are right)
CLIP_HINT = ("`total_norm` is the norm of *all* gradients together (before clipping); every "
             "gradient is multiplied by the same `min(1, max_norm / (total_norm + 1e-6))`, so "
             "clipping only ever scales down. Return `(new_dict, total_norm)`.")
ADAM_HINT = ("With `t = state['step'] + 1`: `p = p * (1 - lr * weight_decay)` (decay the "
             "weights, not the gradient), `m = b1 * m + (1 - b1) * g`, `v = b2 * v + (1 - b2) * "
             "g**2`, `m_hat = m / (1 - b1**t)`, `v_hat = v / (1 - b2**t)`, "
             "`p = p - lr * m_hat / (sqrt(v_hat) + eps)`; the new state holds step t and the new "
             "m and v (not m_hat, v_hat).")


@st.composite
def arrays_dict(draw, *, scale=None, max_arrays=3):
    """A dict of 1 to max_arrays named float64 arrays of different shapes (1-d to 3-d)."""
    n = draw(st.integers(1, max_arrays))
    scale = draw(st.sampled_from([1.0, 10.0, 1e-4])) if scale is None else scale
    return {name: draw(arrays(np.float64, draw(SHAPES), floats(scale))) for name in NAMES[:n]}


SHAPES = nps.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=2)


@st.composite
def grads_like(draw, params, scale=None):
    """Gradients with the names and shapes of ``params``, of one magnitude (by default 1,
    1e-4 or 10)."""
    scale = draw(st.sampled_from([1.0, 1e-4, 10.0])) if scale is None else scale
    return {k: draw(arrays(np.float64, p.shape, floats(scale))) for k, p in params.items()}


@st.composite
def with_grads(draw, *, scale=None, steps=(1, 1)):
    """(params, [grads of step 1, grads of step 2, ...]) with steps[0] to steps[1] steps."""
    params = draw(arrays_dict(scale=10.0))
    n = draw(st.integers(*steps))
    return params, [draw(grads_like(params, scale)) for _ in range(n)]


HYPER = st.fixed_dictionaries({
    "lr": st.sampled_from([1e-3, 0.1, 0.5]),
    "betas": st.tuples(st.sampled_from([0.9, 0.5, 0.0]), st.sampled_from([0.999, 0.9, 0.5])),
    "eps": st.sampled_from([1e-8, 1e-3, 0.1]),
    "weight_decay": st.sampled_from([0.01, 0.0, 0.1, 0.5]),
})


def expect_clipped(s, got, grads, max_norm):
    """Compare clip_grad_norm's (clipped, total_norm) with the reference."""
    clipped, norm = reference.clip_grad_norm(grads, max_norm)
    got = s.expect_sequence(got, 2, "(clipped, total_norm)")
    s.expect_scalar(got[1], norm, "total_norm (the norm before clipping)", scale=max(norm, TINY))
    s.expect_dict(got[0], grads.keys(), "clipped")
    for name, g in clipped.items():
        s.expect_array(got[0][name], g, f"clipped[{name!r}]", scale=max(magnitude(g), TINY))
    return got


def expect_adam(s, got, params, grads, state, hp):
    """Compare adamw_step's (new_params, new_state) with the reference, state included."""
    new_params, new_state = reference.adamw_step(params, grads, state, **hp)
    used = grads
    if hp.get("max_grad_norm") is not None:
        used = reference.clip_grad_norm(grads, hp["max_grad_norm"])[0]
    got_params, got_state = s.expect_sequence(got, 2, "(new_params, new_state)")
    s.expect_dict(got_params, params.keys(), "new_params")
    s.expect_dict(got_state, ["step", "m", "v"], "new_state")
    step = s.scalar(got_state["step"], "new_state['step']")
    if step != new_state["step"]:
        s.fail(f"Expected new_state['step'] = {new_state['step']} (t = state['step'] + 1), "
               f"got {got_state['step']!r}.")
    s.expect_dict(got_state["m"], params.keys(), "new_state['m']")
    s.expect_dict(got_state["v"], params.keys(), "new_state['v']")
    for name in params:
        s.expect_array(got_params[name], new_params[name], f"new_params[{name!r}]",
                       scale=max(magnitude(params[name]), hp.get("lr", 1e-3), TINY))
        s.expect_array(got_state["m"][name], new_state["m"][name], f"new_state['m'][{name!r}]",
                       scale=max(magnitude(state["m"][name], used[name]), TINY))
        s.expect_array(got_state["v"][name], new_state["v"][name], f"new_state['v'][{name!r}]",
                       scale=max(magnitude(state["v"][name], used[name] ** 2), TINY))
    return got_params, got_state


@hidden_test(Q, "global_grad_norm is the L2 norm of all gradients together", 3,
             ["global_grad_norm"],
             "Square every entry of every gradient, add them all up (over all the arrays), and "
             "take one square root at the end: `sqrt(sum of sum(g**2))`. Not the sum or the max "
             "of the per-array norms.",
             "took per-array norms instead of one norm over all gradients",
             given=arrays_dict(max_arrays=4),
             examples=[{"w": np.array([3.0, 0.0]), "b": np.array([4.0])}])
def grad_norm(s, grads):
    expected = reference.global_grad_norm(grads)
    s.expect_scalar(s("global_grad_norm", grads), expected, "the global norm",
                    scale=max(expected, TINY))


@st.composite
def clip_cases(draw, ratios=(0.01, 0.5, 2.0, 100.0)):
    grads = draw(arrays_dict(scale=draw(st.sampled_from([1.0, 10.0]))))
    norm = reference.global_grad_norm(grads)
    ratio = draw(st.sampled_from(ratios))
    return grads, ratio * norm if norm > 0 else ratio


@hidden_test(Q, "clip_grad_norm matches the reference and returns the norm before clipping", 3,
             ["clip_grad_norm"], CLIP_HINT,
             "clipped each array on its own, or returned the norm after clipping",
             given=clip_cases(), examples=[({"w": np.array([3.0, 4.0])}, 1.0)])
def clip_random(s, case):
    grads, max_norm = case
    expect_clipped(s, s("clip_grad_norm", grads, max_norm), grads, max_norm)


@hidden_test(Q, "clip_grad_norm never scales up and leaves the norm at most max_norm", 2,
             ["clip_grad_norm"],
             "The factor is `min(1, max_norm / (total_norm + 1e-6))`: gradients whose norm is "
             "already below max_norm stay as they are (never scaled *up* to max_norm).",
             "scaled small gradients up to max_norm (clipping must only scale down)",
             given=clip_cases(ratios=(1.5, 10.0, 1000.0, 0.1, 0.5)))
def clip_never_up(s, case):
    grads, max_norm = case
    got = s.expect_sequence(s("clip_grad_norm", grads, max_norm), 2, "(clipped, total_norm)")
    s.expect_dict(got[0], grads.keys(), "clipped")
    for name, g in grads.items():
        s.expect_array(got[0][name], g, f"clipped[{name!r}]", values=False)
    after = float(np.sqrt(sum(np.sum(np.asarray(got[0][name], dtype=np.float64) ** 2)
                              for name in grads)))
    clipped, norm = reference.clip_grad_norm(grads, max_norm)
    if after > max_norm * (1 + 1e-6) or after > norm * (1 + 1e-6):
        s.fail(f"After clipping, the global norm must be at most max_norm = {max_norm!r} and "
               f"at most the norm before ({norm!r}); the clipped gradients have norm "
               f"{after!r}.")
    if norm < max_norm:  # then the gradients stay as they are (but for the + 1e-6)
        for name, g in clipped.items():
            s.expect_array(got[0][name], g, f"clipped[{name!r}]", scale=max(magnitude(g), TINY),
                           fix=f"The norm {norm!r} is already below max_norm = {max_norm!r}, "
                               "so the gradients must stay as they are.")


@hidden_test(Q, "clip_grad_norm uses PyTorch's max_norm / (total_norm + 1e-6)", 1,
             ["clip_grad_norm"],
             "As PyTorch's `clip_grad_norm_`, the factor is `min(1, max_norm / (total_norm + "
             "1e-6))`, always applied: for small gradients the `+ 1e-6` matters.",
             "left out PyTorch's + 1e-6 in the clipping factor",
             cases=[({"w": np.array([3e-4, 4e-4])}, 2.5e-4),
                    ({"w": np.array([[6e-4]]), "b": np.array([8e-4])}, 1e-3)])
def clip_eps(s, case):
    grads, max_norm = case
    expect_clipped(s, s("clip_grad_norm", grads, max_norm), grads, max_norm)


@hidden_test(Q, "clip_grad_norm returns new arrays and leaves the gradients unchanged", 1,
             ["clip_grad_norm"],
             "Build a new dict of new arrays (`{k: g * coef for k, g in grads.items()}`) "
             "instead of scaling in place (`g *= coef`).",
             "scaled the input gradients in place",
             given=clip_cases(ratios=(0.01, 0.5)))
def clip_unchanged(s, case):
    result = s.ex("clip_grad_norm", *case, return_args=True)
    s.expect_unchanged(result)
    s.expect_like(result.value, reference.clip_grad_norm(*case))


@hidden_test(Q, "init_adamw_state starts at step 0 with zero moments shaped like each parameter",
             2, ["init_adamw_state"],
             "Return `{'step': 0, 'm': {name: zeros}, 'v': {name: zeros}}` with one array of "
             "zeros per parameter, of that parameter's shape (`np.zeros_like(p)`).",
             "did not start AdamW at step 0 with zero moments for every parameter",
             given=arrays_dict())
def init_state(s, params):
    state = s.expect_dict(s("init_adamw_state", params), ["step", "m", "v"], "the state")
    if s.scalar(state["step"], "state['step']") != 0:
        s.fail(f"Expected state['step'] = 0 (no step taken yet), got {state['step']!r}.")
    for moment in ("m", "v"):
        s.expect_dict(state[moment], params.keys(), f"state[{moment!r}]")
        for name, p in params.items():
            s.expect_array(state[moment][name], np.zeros_like(p), f"state[{moment!r}][{name!r}]",
                           kind="iuf", exact=True)


@hidden_test(Q, "adamw_step matches the reference for a first step (params and state)", 4,
             ["adamw_step"], ADAM_HINT,
             "got a term of the AdamW update wrong (moments, bias correction, eps, step size)",
             given=st.tuples(with_grads(), HYPER),
             examples=[(({"w": np.array([1.0, 1.0])}, [{"w": np.array([0.5, -2.0])}]),
                        {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0})])
def adam_first_step(s, case):
    (params, (grads,)), hp = case
    state = reference.init_adamw_state(params)
    expect_adam(s, s("adamw_step", params, grads, state, **hp), params, grads, state, hp)


@hidden_test(Q, "adamw_step matches the reference over several steps in a row, state included",
             4, ["adamw_step"],
             ADAM_HINT + " The bias correction uses t = 1 at the first step, 2 at the second, "
             "...: store t as the new step.",
             "did not carry the step counter and the moments m, v from one step to the next",
             given=st.tuples(with_grads(steps=(2, 4)), HYPER,
                             st.sampled_from([None, 1.0, 0.01, 100.0])))
def adam_several_steps(s, case):
    (params, grads_per_step), hp, max_grad_norm = case
    hp = {**hp, "max_grad_norm": max_grad_norm}
    state = reference.init_adamw_state(params)
    n = len(grads_per_step)
    for i, grads in enumerate(grads_per_step):
        s.context = (f"At step {i + 1} of {n}" + (
            " (`params` and `state` are what your `adamw_step` returned at the step before):"
            if i else ", from the state of `init_adamw_state`:"))
        got = s("adamw_step", params, grads, state, **hp)
        new_params, new_state = expect_adam(s, got, params, grads, state, hp)
        # the next step starts from what the student returned (numpy scalars as 0-d arrays)
        params = {k: np.asarray(new_params[k]) for k in params}
        state = {**new_state, "m": {k: np.asarray(a) for k, a in new_state["m"].items()},
                 "v": {k: np.asarray(a) for k, a in new_state["v"].items()}}


@hidden_test(Q, "adamw_step decouples weight decay: p * (1 - lr * weight_decay)", 2,
             ["adamw_step"],
             "AdamW's weight decay shrinks the parameters directly, `p = p * (1 - lr * "
             "weight_decay)`; it is *not* added to the gradient (`g + weight_decay * p` is "
             "Adam with L2, which the moments then rescale). Here the gradients are 0, so only "
             "the decay moves the parameters.",
             "added weight decay to the gradient instead of decaying the weights (not decoupled)",
             given=st.tuples(arrays_dict(scale=10.0), st.sampled_from([0.1, 0.5]),
                             st.sampled_from([0.1, 0.01])))
def adam_weight_decay(s, case):
    params, weight_decay, lr = case
    grads = {k: np.zeros_like(p) for k, p in params.items()}
    state = reference.init_adamw_state(params)
    hp = {"lr": lr, "weight_decay": weight_decay}
    expect_adam(s, s("adamw_step", params, grads, state, **hp), params, grads, state, hp)


@hidden_test(Q, "adamw_step clips the gradients first when max_grad_norm is given", 2,
             ["adamw_step"],
             "With `max_grad_norm` not None, clip the gradients (all together, as "
             "`clip_grad_norm` does) *before* updating m and v.",
             "ignored max_grad_norm, or clipped after the moment updates",
             given=st.tuples(with_grads(scale=10.0), HYPER,
                             st.sampled_from([0.01, 1.0])))
def adam_clips(s, case):
    (params, (grads,)), hp, max_grad_norm = case
    hp = {**hp, "max_grad_norm": max_grad_norm}
    state = reference.init_adamw_state(params)
    expect_adam(s, s("adamw_step", params, grads, state, **hp), params, grads, state, hp)


@hidden_test(Q, "adamw_step leaves params, grads and state unchanged", 1, ["adamw_step"],
             "Return new dicts of new arrays (`new_p = p * (1 - lr * wd)`, "
             "`m_new = b1 * m + ...`) and a new state dict; do not update `params`, `state` or "
             "its arrays in place (`p -= ...`, `m *= b1`, `state['step'] += 1`).",
             "updated the parameters or the optimizer state in place",
             given=with_grads(scale=1.0, steps=(2, 2)))
def adam_unchanged(s, case):
    params, (grads0, grads) = case
    # a state after one step, so that its moments are not all zero
    params, state = reference.adamw_step(params, grads0, reference.init_adamw_state(params))
    result = s.ex("adamw_step", params, grads, state, return_args=True)
    s.expect_unchanged(result)
    new_params, new_state = reference.adamw_step(params, grads, state)
    s.expect_like(result.value, (new_params, {k: new_state[k] for k in ("step", "m", "v")}))


@st.composite
def schedules(draw):
    warmup = draw(st.integers(1, 10))
    total = warmup + draw(st.integers(1, 30))
    step = draw(st.integers(0, total + 5))
    max_lr = draw(st.sampled_from([1.0, 6e-4, 3e-3]))
    return step, max_lr, warmup, total


@hidden_test(Q, "warmup_cosine_lr matches the schedule on random steps", 3,
             ["warmup_cosine_lr"],
             "Warmup: `max_lr * step / warmup_steps` (0 at step 0, max_lr at step "
             "warmup_steps). Then `progress = (step - warmup_steps) / max(1, total_steps - "
             "warmup_steps)` and `lr = min_lr + 0.5 * (max_lr - min_lr) * (1 + cos(pi * "
             "progress))`, and min_lr once progress reaches 1.",
             "got the warmup or the cosine decay of the learning-rate schedule wrong",
             given=schedules(), examples=[(3, 1.0, 2, 6)])
def lr_random(s, case):
    step, max_lr, warmup, total = case
    s.expect_scalar(s("warmup_cosine_lr", step, max_lr, warmup, total),
                    reference.warmup_cosine_lr(step, max_lr, warmup, total),
                    "the learning rate", scale=max_lr)


LR_CASES = [  # (label, step, max_lr, warmup_steps, total_steps, min_lr)
    ("the first warmup step (step 0)", 0, 1.0, 10, 20, 0.1),
    ("during warmup", 3, 6e-4, 4, 12, 6e-5),
    ("the peak (step == warmup_steps)", 10, 1.0, 10, 20, 0.1),
    ("the middle of the decay", 15, 1.0, 10, 20, 0.1),
    ("the end (step == total_steps)", 20, 1.0, 10, 20, 0.1),
    ("after the end (step > total_steps)", 27, 1.0, 10, 20, 0.1),
    ("warmup_steps = 0, step 0", 0, 1.0, 0, 10, 0.0),
    ("warmup_steps = 0, the middle", 5, 2.0, 0, 10, 0.5),
    ("the peak of a schedule with no decay phase (total_steps == warmup_steps)",
     10, 1.0, 10, 10, 0.1),
    ("after a schedule with no decay phase (step > total_steps == warmup_steps)",
     12, 1.0, 10, 10, 0.1),
]


@hidden_test(Q, "warmup_cosine_lr at warmup, peak, middle, end, after the end, min_lr, no warmup",
             2, ["warmup_cosine_lr"],
             "The decay goes from max_lr down to `min_lr` (not to 0) and stays at min_lr after "
             "total_steps; with `warmup_steps = 0` there is no warmup, and with `total_steps == "
             "warmup_steps` no decay: divide by `max(1, total_steps - warmup_steps)`, never by 0.",
             "ignored min_lr, kept decaying after total_steps, or divided by zero at an edge",
             cases=LR_CASES)
def lr_edges(s, case):
    label, step, max_lr, warmup, total, min_lr = case
    s.context = f"At {label}:"
    s.expect_scalar(s("warmup_cosine_lr", step, max_lr, warmup, total, min_lr=min_lr),
                    reference.warmup_cosine_lr(step, max_lr, warmup, total, min_lr),
                    "the learning rate", scale=max_lr)


TESTS = (grad_norm, clip_random, clip_never_up, clip_eps, clip_unchanged, init_state,
         adam_first_step, adam_several_steps, adam_weight_decay, adam_clips, adam_unchanged,
         lr_random, lr_edges)
