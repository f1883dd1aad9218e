"""t3_optimization: its public cases and their hints: the checks
``grader.check("t3_optimization")`` runs in the notebook, and visible 0-point tests on Gradescope.

Gathered by ``assignments/lecture16/public_cases.py`` (which says how a case is called,
observed and compared); the expected values come from the reference."""
from __future__ import annotations

import copy

import numpy as np

import reference

from assignments.lecture16.public_cases import PublicCase, rng_array, as_dict, as_list

from .question import ID

# hints, in the lecture's terms (a case's hint unless it gives its own)
HINTS: dict[str, str] = {
    "clip_grad_norm_torch_": (
        "Scale the gradient tensors in place (g.mul_(...)) by min(1, max_norm / "
        "(total_norm + 1e-6)) and return the norm before clipping; clip_grad_norm_ is not "
        "allowed."),
    "init_adamw_state_torch": (
        "{'step': 0, 'm': [zeros], 'v': [zeros]}: one zero tensor per parameter, with its "
        "shape, dtype and device (torch.zeros_like)."),
    "adamw_step_torch_": (
        "The same update as adamw_step, in place: the parameters (p.mul_, p.sub_ under "
        "torch.no_grad()), state['m'], state['v'] and state['step']; torch.optim is not "
        "allowed."),
}


# parameter names, for naming what an "argN"/"gradN" observation is
PARAMETERS: dict[str, tuple[str, ...]] = {
    "clip_grad_norm_torch_": ("grads", "max_norm"),
    "adamw_step_torch_": ("params", "grads", "state"),
}


def cases(rng) -> list[PublicCase]:
    """The public cases, in order; ``rng`` is shared by all questions (in question order)."""
    q = "t3_optimization"
    params = [rng_array(rng, (2, 3)), rng_array(rng, (3,))]
    grads = [rng_array(rng, (2, 3)), rng_array(rng, (3,))]
    zeros = {"step": 0, "m": [np.zeros_like(p) for p in params],
             "v": [np.zeros_like(p) for p in params]}
    _, after_one = reference.adamw_step(as_dict(params), as_dict(grads),
                                        reference.init_adamw_state(as_dict(params)))
    after_one = {"step": 1, "m": as_list(after_one["m"]), "v": as_list(after_one["v"])}
    return [
        PublicCase(q, "clip_grad_norm_torch_", ([np.array([3.0]), np.array([4.0])], 1.0), {},
                   "norm 5 above max_norm=1: returns 5 and scales both tensors in place",
                   observe=("return", "arg0")),
        PublicCase(q, "clip_grad_norm_torch_", ([np.array([0.3]), np.array([0.4])], 1.0), {},
                   "norm 0.5 below max_norm=1: the tensors are left as they are",
                   observe=("return", "arg0")),
        PublicCase(q, "init_adamw_state_torch", ([np.ones((2, 3)), np.zeros(3)],), {},
                   "step 0 and one zero tensor per parameter in m and in v"),
        PublicCase(q, "adamw_step_torch_", (params, grads, zeros), {},
                   "one step with the defaults, in place: the params and the state (step 1, m, "
                   "v)", observe=("arg0", "arg2")),
        PublicCase(q, "adamw_step_torch_", (params, grads, after_one),
                   {"lr": 0.01, "weight_decay": 0.1},
                   "a second step from the state after the first (t = 2), lr=0.01, "
                   "weight_decay=0.1", observe=("arg0", "arg2")),
    ]


def expected(case: PublicCase):
    """What a case's torch function computes, with the numpy reference (the same math)."""
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    if case.function == "clip_grad_norm_torch_":
        clipped, norm = reference.clip_grad_norm(as_dict(args[0]), args[1])
        return norm, as_list(clipped)
    if case.function == "init_adamw_state_torch":
        state = reference.init_adamw_state(as_dict(args[0]))
        return {"step": 0, "m": as_list(state["m"]), "v": as_list(state["v"])}
    if case.function == "adamw_step_torch_":
        params, grads, state = args
        state = {"step": state["step"], "m": as_dict(state["m"]), "v": as_dict(state["v"])}
        new_params, new_state = reference.adamw_step(as_dict(params), as_dict(grads), state,
                                                     **kwargs)
        return as_list(new_params), {"step": new_state["step"], "m": as_list(new_state["m"]),
                                      "v": as_list(new_state["v"])}
    raise KeyError(f"expected a function of {ID}, got {case.function!r}")
