"""q5_optimization: global_grad_norm, clip_grad_norm, init_adamw_state, adamw_step,
warmup_cosine_lr.

One property per test; the points follow the ideas in ``IDEAS`` (weights; the question's points
are in question.py). Decoupled decay and clipping inside ``adamw_step`` are checked by
comparing the student's step with their own step without them.
"""
from __future__ import annotations

import numpy as np

import reference

from autograder.hidden import (arrays, floats, hidden_test, ideas, Kind, magnitude, nps, st,
                               TestFailure, Worked)

from .question import ID as Q
from .question import IDEAS as _IDEAS

IDEAS = ideas(Q, _IDEAS)  # the weights live in question.py
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


def expect_clipped(s, got, grads, max_norm, expected=None):
    """Compare clip_grad_norm's (clipped, total_norm) with the reference (or ``expected``)."""
    clipped, norm = expected or reference.clip_grad_norm(grads, max_norm)
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


@hidden_test(question=Q, idea="global-norm", description="global_grad_norm is the L2 norm of "
             "all gradients together", functions=["global_grad_norm"],
             hint="Square every entry of every gradient, add them all up (over all the arrays), "
                  "and take one square root at the end: `sqrt(sum of sum(g**2))`. Not the sum, "
                  "the mean or the max of per-array norms, and not a matrix norm.",
             given=arrays_dict(max_arrays=4),
             examples=[{"w": np.array([3.0, 0.0]), "b": np.array([4.0])},
                       Worked({}, "No gradients at all: the norm of nothing is 0.0.")])
def grad_norm(s, grads):
    expected = reference.global_grad_norm(grads)
    s.expect_scalar(s("global_grad_norm", grads), expected, "the global norm",
                    scale=max(expected, TINY))


NORM_UNCHANGED_HINT = ("Square into new arrays (`total += np.sum(g ** 2)`), not into the caller's "
                       "(`g **= 2`, `np.square(g, out=g)`, `grads[name] = g ** 2`: the dict is "
                       "the caller's too).")
INIT_UNCHANGED_HINT = ("Make new arrays of zeros (`np.zeros_like(p)`); do not zero the parameters "
                       "themselves (`p *= 0`, or `m = dict(params)` then `m[k][...] = 0`: a "
                       "copied dict still holds the caller's arrays).")


@hidden_test(question=Q, idea="contract", description="global_grad_norm leaves the gradients "
             "unchanged", functions=["global_grad_norm"], checks=Kind.CHANGED_INPUT,
             hint=NORM_UNCHANGED_HINT, given=arrays_dict(max_arrays=4))
def norm_unchanged(s, grads):
    s.expect_unchanged(s.ex("global_grad_norm", grads, return_args=True, raised_ok=True))


@st.composite
def clip_cases(draw, ratios=(0.01, 0.5, 2.0, 100.0)):
    grads = draw(arrays_dict(scale=draw(st.sampled_from([1.0, 10.0]))))
    norm = reference.global_grad_norm(grads)
    ratio = draw(st.sampled_from(ratios))
    return grads, ratio * norm if norm > 0 else ratio


@hidden_test(question=Q, idea="contract", description="clip_grad_norm leaves the gradients "
             "unchanged", functions=["clip_grad_norm"], checks=Kind.CHANGED_INPUT,
             hint="Build a new dict of new arrays (`{k: g * coef for k, g in grads.items()}`) "
                  "instead of scaling in place (`g *= coef`, also on a `grads.copy()`: its "
                  "arrays are the caller's).",
             given=clip_cases(ratios=(0.01, 0.5)))
def clip_unchanged(s, case):
    s.expect_unchanged(s.ex("clip_grad_norm", *case, return_args=True, raised_ok=True))


def _no_eps(grads, max_norm):
    """Clipping by min(1, max_norm / norm): a deviation of about 1e-6 relative that only the
    PyTorch-eps test charges."""
    norm = reference.global_grad_norm(grads)
    coef = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: g * coef for k, g in grads.items()}, norm


@hidden_test(question=Q, idea="clipping", description="clip_grad_norm scales all gradients by "
             "one factor and returns the norm before clipping", functions=["clip_grad_norm"],
             hint=CLIP_HINT, given=clip_cases(), examples=[({"w": np.array([3.0, 4.0])}, 1.0)])
def clip_random(s, case):
    grads, max_norm = case
    got = s("clip_grad_norm", grads, max_norm)
    try:
        expect_clipped(s, got, grads, max_norm)
    except TestFailure as first:  # without PyTorch's + 1e-6 is right here (another test's)
        try:
            expect_clipped(s, got, grads, max_norm, expected=_no_eps(grads, max_norm))
        except TestFailure:
            raise first from None


@hidden_test(question=Q, idea="clipping", description="clip_grad_norm never scales up and leaves "
             "the norm at most max_norm", functions=["clip_grad_norm"],
             hint="The factor is `min(1, max_norm / (total_norm + 1e-6))`, one for all the "
                  "arrays: after clipping the global norm is at most max_norm, and gradients "
                  "whose norm is already below max_norm stay as they are (never scaled *up*).",
             given=clip_cases(ratios=(1.5, 10.0, 1000.0, 0.1, 0.5)))
def clip_never_up(s, case):
    grads, max_norm = case
    got = s.expect_sequence(s("clip_grad_norm", grads, max_norm), 2, "(clipped, total_norm)")
    s.expect_dict(got[0], grads.keys(), "clipped")
    for name, g in grads.items():
        s.expect_array(got[0][name], g, f"clipped[{name!r}]", values=False)
    # (the reference's norm: a second try on the student's own global_grad_norm uses theirs)
    after = reference.global_grad_norm({name: np.asarray(got[0][name], dtype=np.float64)
                                        for name in grads})
    norm = reference.global_grad_norm(grads)
    if after > max_norm * (1 + 1e-6) or after > norm * (1 + 1e-6):
        s.fail(f"After clipping, the global norm must be at most max_norm = {max_norm!r} and "
               f"at most the norm before ({norm!r}); the clipped gradients have norm "
               f"{after!r}.")
    if norm < max_norm:  # then the gradients stay as they are (but for the + 1e-6)
        def kept(expected):
            for name, g in expected.items():
                s.expect_array(got[0][name], g, f"clipped[{name!r}]",
                               scale=max(magnitude(g), TINY),
                               fix=f"The norm {norm!r} is already below max_norm = "
                                   f"{max_norm!r}, so the gradients must stay as they are.")
        try:
            kept(reference.clip_grad_norm(grads, max_norm)[0])
        except TestFailure as first:  # tiny gradients: the + 1e-6 is another test's idea
            try:
                kept(_no_eps(grads, max_norm)[0])
            except TestFailure:
                raise first from None


@hidden_test(question=Q, idea="pytorch-eps", description="clip_grad_norm uses PyTorch's "
             "max_norm / (total_norm + 1e-6), also at the edge", functions=["clip_grad_norm"],
             hint="As PyTorch's `clip_grad_norm_`, the factor is `min(1, max_norm / (total_norm "
                  "+ 1e-6))`, always applied: for small gradients, or a norm equal to max_norm, "
                  "the `+ 1e-6` matters.",
             cases=[({"w": np.array([3e-4, 4e-4])}, 2.5e-4),
                    ({"w": np.array([[6e-4], [8e-4]])}, 1e-3),
                    ({"w": np.array([3.0, 4.0])}, 5.0)])
def clip_eps(s, case):
    grads, max_norm = case
    expect_clipped(s, s("clip_grad_norm", grads, max_norm), grads, max_norm)


@st.composite
def mixed_precision_params(draw):
    """A dict of parameters with at least one float32 array (by construction) among float64
    ones: mixed-precision training keeps some weights in float32."""
    params = draw(arrays_dict())
    names = list(params)
    single = draw(st.sets(st.sampled_from(names), min_size=1))
    return {k: p.astype(np.float32) if k in single else p for k, p in params.items()}


@hidden_test(question=Q, idea="init", description="init_adamw_state starts at step 0 with zero "
             "moments shaped like each parameter", functions=["init_adamw_state"],
             hint="Return `{'step': 0, 'm': {name: zeros}, 'v': {name: zeros}}` with one array "
                  "of zeros per parameter, of that parameter's shape (`np.zeros_like(p)`).",
             given=arrays_dict())
def init_state(s, params):
    state = s.expect_dict(s("init_adamw_state", params), ["step", "m", "v"], "the state")
    if s.scalar(state["step"], "state['step']") != 0:
        s.fail(f"Expected state['step'] = 0 (no step taken yet), got {state['step']!r}.")
    for moment in ("m", "v"):
        s.expect_dict(state[moment], params.keys(), f"state[{moment!r}]")
        for name, p in params.items():
            s.expect_array(state[moment][name], np.zeros_like(p), f"state[{moment!r}][{name!r}]",
                           exact=True)


@hidden_test(question=Q, idea="init", description="init_adamw_state's moments have each "
             "parameter's dtype: float32 parameters get float32 moments",
             functions=["init_adamw_state"], checks=Kind.DTYPE,
             hint="`np.zeros(p.shape)` is float64 whatever p is: for a float32 parameter the "
                  "moments would double its memory and turn every updated parameter into "
                  "float64. Use `np.zeros_like(p)` (the shape *and* the dtype of p).",
             given=mixed_precision_params(),
             examples=[{"w": np.ones((2, 3), dtype=np.float32), "b": np.zeros(3)}])
def init_dtype(s, params):
    state = s.expect_dict(s("init_adamw_state", params), ["m", "v"], "the state")
    for moment in ("m", "v"):
        s.expect_dict(state[moment], params.keys(), f"state[{moment!r}]")
        for name, p in params.items():
            got = state[moment][name]
            s.expect_dtype(got, "f", f"state[{moment!r}][{name!r}]")
            if got.dtype != p.dtype:
                s.fail(f"Expected state[{moment!r}][{name!r}] to have the dtype of params"
                       f"[{name!r}], {p.dtype}; got {got.dtype}.", kind=Kind.DTYPE)


@hidden_test(question=Q, idea="contract", description="init_adamw_state leaves the parameters "
             "unchanged", functions=["init_adamw_state"], checks=Kind.CHANGED_INPUT,
             hint=INIT_UNCHANGED_HINT, hints={Kind.SHARES_MEMORY: INIT_UNCHANGED_HINT},
             given=arrays_dict())
def init_unchanged(s, params):
    s.expect_unchanged(s.ex("init_adamw_state", params, return_args=True, raised_ok=True))


@hidden_test(question=Q, idea="contract", description="adamw_step leaves params, grads and state "
             "unchanged (default arguments)", functions=["adamw_step"],
             checks=Kind.CHANGED_INPUT,
             hint="Return new dicts of new arrays (`new_p = p * (1 - lr * wd)`, "
                  "`m_new = b1 * m + ...`) and a new state dict; do not update `params`, `state` "
                  "or its arrays in place (`p -= ...`, `m *= b1`, `state['step'] += 1`, or a "
                  "`dict(state)` whose inner dicts you fill).",
             given=with_grads(scale=1.0, steps=(2, 2)))
def adam_unchanged(s, case):
    params, (grads0, grads) = case
    # a state after one step, so that its moments are not all zero
    params, state = reference.adamw_step(params, grads0, reference.init_adamw_state(params))
    s.expect_unchanged(s.ex("adamw_step", params, grads, state, return_args=True,
                            raised_ok=True))


def _step(s, params, grads, state, hp, what):
    """The student's (new_params, new_state) with the shapes checked."""
    new_params, new_state = s.expect_sequence(s("adamw_step", params, grads, state, **hp), 2,
                                              f"(new_params, new_state) {what}")
    s.expect_dict(new_params, params.keys(), f"new_params {what}")
    s.expect_dict(new_state, ["m", "v"], f"new_state {what}")
    for moment in ("m", "v"):
        s.expect_dict(new_state[moment], params.keys(), f"new_state[{moment!r}] {what}")
    return new_params, new_state


NO_DECAY = HYPER.map(lambda hp: {**hp, "weight_decay": 0.0})


@hidden_test(question=Q, idea="adam-update", description="adamw_step's first step gives the "
             "reference's new parameters (weight_decay = 0)", functions=["adamw_step"],
             hint=ADAM_HINT, given=st.tuples(with_grads(), NO_DECAY),
             examples=[(({"w": np.array([1.0, 1.0])}, [{"w": np.array([0.5, -2.0])}]),
                        {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0})])
def adam_first_step(s, case):
    (params, (grads,)), hp = case
    state = reference.init_adamw_state(params)
    got, _ = _step(s, params, grads, state, hp, "")  # the state is the several-steps test's
    new_params = reference.adamw_step(params, grads, state, **hp)[0]
    for name in params:
        s.expect_array(got[name], new_params[name], f"new_params[{name!r}]",
                       scale=max(magnitude(params[name]), hp["lr"], TINY))


@hidden_test(question=Q, idea="adam-state", description="adamw_step matches the reference over "
             "several steps in a row, state included", functions=["adamw_step"],
             hint=ADAM_HINT + " The bias correction uses t = 1 at the first step, 2 at the "
                              "second, ...: store t as the new step, and the raw m and v.",
             given=st.tuples(with_grads(steps=(2, 4)), HYPER | st.just({})))  # {}: defaults
def adam_several_steps(s, case):
    (params, grads_per_step), hp = case
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


@hidden_test(question=Q, idea="adam-decay", description="adamw_step decouples weight decay: it "
             "only adds -lr * weight_decay * p to the step without it", functions=["adamw_step"],
             hint="AdamW's weight decay shrinks the parameters directly, `p = p * (1 - lr * "
                  "weight_decay)`, *before* the Adam update and for every parameter; it is "
                  "*not* added to the gradient (`g + weight_decay * p` is Adam with L2, which "
                  "the moments then rescale).",
             given=st.tuples(with_grads(), HYPER, st.sampled_from([0.1, 0.5])))
def adam_weight_decay(s, case):
    (params, (grads,)), hp, weight_decay = case
    state = reference.init_adamw_state(params)
    lr = hp["lr"]
    decay = {**hp, "weight_decay": weight_decay}
    decayed, decayed_state = _step(s, params, grads, state, decay, "")

    def judge():
        expected, expected_state = reference.adamw_step(params, grads, state, **decay)
        for name, p in params.items():
            s.expect_array(decayed[name], expected[name], f"new_params[{name!r}]",
                           scale=max(1.0, magnitude(p)))
            for moment in ("m", "v"):
                s.expect_array(decayed_state[moment][name], expected_state[moment][name],
                               f"new_state[{moment!r}][{name!r}]",
                               scale=max(TINY, magnitude(expected_state[moment][name])))

    def relative():  # the step is wrong: is the decay at least apart from the gradient?
        plain, plain_state = _step(s, params, grads, state, {**hp, "weight_decay": 0.0},
                                   "with weight_decay=0")
        s.context = (f"Your step with weight_decay={weight_decay} must equal your step with "
                     f"weight_decay=0 minus lr * weight_decay * p:")
        for name, p in params.items():
            expected = s.array(plain[name], f"new_params[{name!r}]") - lr * weight_decay * p
            s.expect_array(decayed[name], expected, f"new_params[{name!r}]",
                           scale=max(1.0, magnitude(p)))
            for moment in ("m", "v"):
                s.expect_array(decayed_state[moment][name], s.array(plain_state[moment][name]),
                               f"new_state[{moment!r}][{name!r}] (the decay does not touch the "
                               "moments)", scale=max(TINY, magnitude(plain_state[moment][name])))

    s.either(judge, relative)


@hidden_test(question=Q, idea="adam-clip", description="adamw_step with max_grad_norm equals "
             "its own step on the globally clipped gradients", functions=["adamw_step"],
             hint="With `max_grad_norm` not None, clip the gradients (all together, as "
                  "`clip_grad_norm` does) *before* updating m and v.",
             given=st.tuples(with_grads(scale=10.0), HYPER, st.sampled_from([0.01, 1.0])))
def adam_clips(s, case):
    (params, (grads,)), hp, max_grad_norm = case
    state = reference.init_adamw_state(params)
    got, got_state = _step(s, params, grads, state, {**hp, "max_grad_norm": max_grad_norm}, "")

    def compare(expected, expected_state):
        for name in params:
            s.expect_array(got[name], s.array(expected[name]), f"new_params[{name!r}]",
                           scale=max(magnitude(params[name]), hp["lr"], TINY))
            s.expect_array(got_state["m"][name], s.array(expected_state["m"][name]),
                           f"new_state['m'][{name!r}]",
                           scale=max(magnitude(expected_state["m"][name]), TINY))

    def judge():
        compare(*reference.adamw_step(params, grads, state, **hp, max_grad_norm=max_grad_norm))

    def relative():  # the step is wrong: are the gradients at least clipped before it?
        clipped = reference.clip_grad_norm(grads, max_grad_norm)[0]
        expected = _step(s, params, clipped, state, hp, "on the clipped gradients")
        s.context = (f"Your step with max_grad_norm={max_grad_norm} must equal your step "
                     "without it on the gradients clipped in advance:")
        compare(*expected)

    s.either(judge, relative)


@st.composite
def schedules(draw, phase):
    """(step, max_lr, warmup_steps, total_steps, min_lr) in the warmup or the decay phase."""
    max_lr = draw(st.sampled_from([1.0, 6e-4, 3e-3]))
    min_lr = draw(st.sampled_from([0.0, 0.1 * max_lr]))
    if phase == "warmup":
        warmup = draw(st.integers(1, 10))
        return draw(st.integers(0, warmup - 1)), max_lr, warmup, warmup + draw(
            st.integers(0, 30)), min_lr
    warmup = draw(st.integers(1, 10))  # warmup_steps = 0 is the warmup test's edge
    total = warmup + draw(st.integers(0, 30))
    return draw(st.integers(warmup, total + 5)), max_lr, warmup, total, min_lr


def expect_lr(s, case):
    step, max_lr, warmup, total, min_lr = case
    if min_lr == 0.0:  # the default: called without it
        got = s("warmup_cosine_lr", step, max_lr, warmup, total)
    else:
        got = s("warmup_cosine_lr", step, max_lr, warmup, total, min_lr=min_lr)
    expected = reference.warmup_cosine_lr(step, max_lr, warmup, total, min_lr)
    fix = ""
    if step >= warmup:  # what this input shows: the cosine, whichever test asks
        progress = (step - warmup) / max(1, total - warmup)
        fix = (f"Here step = {step} >= warmup_steps = {warmup}: no warmup left, the cosine "
               f"part. progress = ({step} - {warmup}) / max(1, {total} - {warmup}) = "
               f"{progress:g}, " + (f"so the lr is min_lr + 0.5 * (max_lr - min_lr) * (1 + "
                                    f"cos(pi * {progress:g})) = {expected!r}." if progress < 1
                                    else f"at least 1: the lr is min_lr = {expected!r}."))
    s.expect_scalar(got, expected, "the learning rate", scale=max_lr, fix=fix)


@hidden_test(question=Q, idea="warmup", description="warmup_cosine_lr warms up linearly from 0 "
             "(and not at all when warmup_steps = 0)", functions=["warmup_cosine_lr"],
             hint="For `step < warmup_steps`: `max_lr * step / warmup_steps`, from 0 at step 0 "
                  "(not from min_lr, not (step + 1)); with `warmup_steps = 0` there is no "
                  "warmup: step 0 is already the peak, and nothing may divide by 0.",
             given=schedules("warmup"),
             examples=[(0, 1.0, 10, 20, 0.1), (3, 6e-4, 4, 12, 6e-5), (0, 1.0, 0, 10, 0.0)])
def lr_warmup(s, case):
    expect_lr(s, case)


@hidden_test(question=Q, idea="decay", description="warmup_cosine_lr decays by a cosine from "
             "max_lr to min_lr after the warmup, then stays at min_lr",
             functions=["warmup_cosine_lr"],
             hint="After the warmup, `progress = (step - warmup_steps) / max(1, total_steps - "
                  "warmup_steps)` (a true division, starting at the end of the warmup) and `lr "
                  "= min_lr + 0.5 * (max_lr - min_lr) * (1 + cos(pi * progress))` while "
                  "progress < 1, then `min_lr` (not 0, and the cosine never rises again).",
             given=schedules("decay"),
             examples=[(15, 1.0, 10, 20, 0.1), (27, 1.0, 10, 20, 0.1), (10, 1.0, 10, 10, 0.1),
                       (12, 1.0, 10, 10, 0.1)])
def lr_decay(s, case):
    expect_lr(s, case)
