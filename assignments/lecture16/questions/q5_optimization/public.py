"""q5_optimization: its public cases and their hints: the checks
``grader.check("q5_optimization")`` runs in the notebook, and visible 0-point tests on Gradescope.

Gathered by ``assignments/lecture16/public_cases.py`` (which says how a case is called,
observed and compared); the expected values come from the reference."""
from __future__ import annotations

import numpy as np

import reference

from assignments.lecture16.public_cases import PublicCase, rng_array, unchanged

from .question import ID

# hints, in the lecture's terms (a case's hint unless it gives its own)
HINTS: dict[str, str] = {
    "global_grad_norm": (
        "One norm for all the gradients together, as if they were one long vector: the square "
        "root of the sum over arrays of sum(g ** 2)."),
    "clip_grad_norm": (
        "total_norm is the global norm before clipping; every gradient is multiplied by the "
        "same factor min(1, max_norm / (total_norm + 1e-6)), so nothing changes when the norm "
        "is already small. Return (a new dict, total_norm)."),
    "init_adamw_state": (
        "Before the first step: {'step': 0, 'm': {name: zeros}, 'v': {name: zeros}}, the zeros "
        "shaped like each parameter."),
    "adamw_step": (
        "With t = state['step'] + 1: decay p * (1 - lr * weight_decay); m = b1 * m + "
        "(1 - b1) * g and v = b2 * v + (1 - b2) * g ** 2; bias-correct with 1 - b1 ** t and "
        "1 - b2 ** t; p - lr * m_hat / (sqrt(v_hat) + eps); clip first when max_grad_norm is "
        "given. Return new dicts and a new state with step t: change nothing in place."),
    "warmup_cosine_lr": (
        "Linear warmup from 0: max_lr * step / warmup_steps for the steps before "
        "warmup_steps; then a cosine from max_lr down to min_lr, min_lr + 0.5 * (max_lr - "
        "min_lr) * (1 + cos(pi * progress)), with progress going from 0 at warmup_steps to 1 "
        "at total_steps; min_lr from then on."),
}


# "Inputs are never modified": one case per function whose hidden tests check it, with the
# hidden test's description and hint (tests/test_public_checks.py checks they stay the same).
UNCHANGED: dict[str, tuple[str, str]] = {
    "global_grad_norm": (
        "global_grad_norm leaves the gradients unchanged",
        "Square into new arrays (`total += np.sum(g ** 2)`), not into the caller's (`g **= 2`, "
        "`np.square(g, out=g)`, `grads[name] = g ** 2`: the dict is the caller's too)."),
    "init_adamw_state": (
        "init_adamw_state leaves the parameters unchanged",
        "Make new arrays of zeros (`np.zeros_like(p)`); do not zero the parameters themselves "
        "(`p *= 0`, or `m = dict(params)` then `m[k][...] = 0`: a copied dict still holds the "
        "caller's arrays)."),
    "clip_grad_norm": (
        "clip_grad_norm leaves the gradients unchanged",
        "Build a new dict of new arrays (`{k: g * coef for k, g in grads.items()}`) instead of "
        "scaling in place (`g *= coef`, also on a `grads.copy()`: its arrays are the caller's)."),
    "adamw_step": (
        "adamw_step leaves params, grads and state unchanged (default arguments)",
        "Return new dicts of new arrays (`new_p = p * (1 - lr * wd)`, `m_new = b1 * m + ...`) "
        "and a new state dict; do not update `params`, `state` or its arrays in place "
        "(`p -= ...`, `m *= b1`, `state['step'] += 1`, or a `dict(state)` whose inner dicts you "
        "fill)."),
}


# parameter names, for naming what an "argN"/"gradN" observation is
PARAMETERS: dict[str, tuple[str, ...]] = {
    "adamw_step": ("params", "grads", "state"),
}


def cases(rng) -> list[PublicCase]:
    """The public cases, in order; ``rng`` is shared by all questions (in question order)."""
    q = ID
    params = {"W": rng_array(rng, (2, 3)), "b": rng_array(rng, (3,))}
    grads = {"W": rng_array(rng, (2, 3)), "b": rng_array(rng, (3,))}
    _, after_one = reference.adamw_step(params, grads, reference.init_adamw_state(params))
    grads_two = {"W": rng_array(rng, (2, 3)), "b": rng_array(rng, (3,))}
    schedule = (3e-4, 100, 1000)  # max_lr, warmup_steps, total_steps
    return [
        PublicCase(q, "global_grad_norm",
                   ({"w": np.array([3.0, 0.0]), "b": np.array([4.0])},), {},
                   "two arrays taken together: sqrt(3**2 + 0**2 + 4**2) = 5"),
        PublicCase(q, "global_grad_norm", (grads,), {},
                   "a (2, 3) weight and a (3,) bias: one norm over all 9 numbers"),
        PublicCase(q, "clip_grad_norm", ({"w": np.array([3.0, 4.0])}, 1.0), {},
                   "norm 5 above max_norm=1: scaled by 1 / (5 + 1e-6), returns (clipped, 5.0)"),
        PublicCase(q, "clip_grad_norm", ({"w": np.array([0.3, 0.4]), "b": np.array([0.0])}, 1.0),
                   {}, "norm 0.5 below max_norm=1: the gradients are left as they are"),
        PublicCase(q, "clip_grad_norm", ({"W": np.array([[3.0, 0.0]]), "b": np.array([4.0])}, 2.5),
                   {}, "clipping is global: both arrays scaled by the same factor, about 0.5"),
        PublicCase(q, "init_adamw_state", ({"W": np.ones((2, 3)), "b": np.zeros(3)},), {},
                   "step 0 and zero moments m and v shaped like every parameter"),
        PublicCase(q, "adamw_step",
                   ({"w": np.array([1.0, 1.0])}, {"w": np.array([0.5, -2.0])},
                    {"step": 0, "m": {"w": np.zeros(2)}, "v": {"w": np.zeros(2)}}),
                   {"lr": 0.1, "weight_decay": 0.0},
                   "the first step moves every parameter by about lr against its gradient's sign"),
        PublicCase(q, "adamw_step", (params, grads, reference.init_adamw_state(params)), {},
                   "one step with the defaults (lr=1e-3, weight_decay=0.01): new params and "
                   "state with step 1"),
        PublicCase(q, "adamw_step",
                   ({"w": np.array([1.0, -2.0])}, {"w": np.zeros(2)},
                    {"step": 0, "m": {"w": np.zeros(2)}, "v": {"w": np.zeros(2)}}),
                   {"lr": 0.1, "weight_decay": 0.1},
                   "a zero gradient with weight_decay=0.1, lr=0.1: only the decoupled weight "
                   "decay acts, p becomes p * (1 - lr * weight_decay) and m stays 0 (the decay is "
                   "not added to the gradient)"),
        PublicCase(q, "adamw_step", (params, grads_two, after_one), {"weight_decay": 0.0},
                   "a second step, from the state after the first, without weight decay: t = 2 "
                   "in the bias correction"),
        PublicCase(q, "adamw_step",
                   (params, {"W": 10 * grads["W"], "b": 10 * grads["b"]},
                    reference.init_adamw_state(params)),
                   {"lr": 0.01, "weight_decay": 0.0, "max_grad_norm": 1.0},
                   "max_grad_norm=1.0, without weight decay: the gradients are clipped before "
                   "the moments are updated"),
        unchanged(q, "global_grad_norm", ({"w": np.array([3.0, 4.0]), "b": np.array([1.0])},), {},
                  ("arg0",)),
        unchanged(q, "init_adamw_state", ({"W": np.ones((2, 3)), "b": np.zeros(3)},), {},
                  ("arg0",)),
        unchanged(q, "adamw_step", (params, grads_two, after_one), {},
                  ("arg0", "arg1", "arg2")),
        unchanged(q, "clip_grad_norm", ({"w": np.array([3.0, 4.0]), "b": np.array([1.0])}, 1.0),
                  {}, ("arg0",)),
        PublicCase(q, "warmup_cosine_lr", (50, *schedule), {"min_lr": 3e-5},
                   "halfway through the warmup: half of max_lr (the warmup starts at 0, not at "
                   "min_lr)", atol=1e-12),
        PublicCase(q, "warmup_cosine_lr", (100, *schedule), {"min_lr": 3e-5},
                   "the end of the warmup: the peak, max_lr", atol=1e-12),
        PublicCase(q, "warmup_cosine_lr", (550, *schedule), {"min_lr": 3e-5},
                   "halfway through the cosine decay: (max_lr + min_lr) / 2", atol=1e-12),
        PublicCase(q, "warmup_cosine_lr", (1000, *schedule), {"min_lr": 3e-5},
                   "the end of the schedule: min_lr", atol=1e-12),
        PublicCase(q, "warmup_cosine_lr", (1200, *schedule), {"min_lr": 3e-5},
                   "after total_steps it stays at min_lr", atol=1e-12),
    ]
