"""q5_optimization: the global norm, what clipping scales and returns, every term of the AdamW
update and its state, and each piece of the warmup + cosine schedule."""
from autograder.verify.catalog.kinds import Bug, labelled

from .question import ID as Q


def _clip(body: str) -> str:
    return "def clip_grad_norm(grads, max_norm):\n" + "".join(
        f"    {line}\n" for line in body.splitlines())


def _lr(body: str) -> str:
    return "def warmup_cosine_lr(step, max_lr, warmup_steps, total_steps, min_lr=0.0):\n" + "".join(
        f"    {line}\n" for line in body.splitlines())


COSINE = "min_lr + 0.5 * (max_lr - min_lr) * (1 + math.cos(math.pi * progress))"
# a student's warmup_cosine_lr (correct): its bugs below are edits of it
LR_PLAIN = _lr(f'''\
if step < warmup_steps:
    return max_lr * step / warmup_steps
progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
return {COSINE} if progress < 1 else min_lr''')

BUGS = [
    # ---- global_grad_norm
    Bug("norm-concatenate", Q, "np.linalg.norm of np.concatenate of the flattened gradients: "
        "an empty dict raises (nothing to concatenate) instead of giving 0.0", '''
def global_grad_norm(grads):
    return float(np.linalg.norm(np.concatenate([g.ravel() for g in grads.values()])))
''', says=("no gradients",)),
    Bug("norm-sum-of-norms", Q, "adds up the per-array norms instead of one norm over all", '''
def global_grad_norm(grads):
    return float(sum(np.linalg.norm(g) for g in grads.values()))
'''),
    Bug("norm-matrix-2-norm", Q, "np.linalg.norm(g, 2): the largest singular value for a matrix, "
        "not the L2 norm of its entries", '''
def global_grad_norm(grads):
    return float(np.sqrt(sum(np.linalg.norm(g, 2) ** 2 for g in grads.values())))
'''),
    Bug.edit("norm-rms", Q, "the root of the mean of the squares (RMS), not of their sum",
        function="global_grad_norm", replace=[
        ("squares = [np.sum(g ** 2) for g in grads.values()]",
         "flat = np.concatenate([g.ravel() for g in grads.values()])"),
        ("return float(np.sqrt(sum(squares)))", "return float(np.sqrt(np.mean(flat ** 2)))")]),
    # ---- clip_grad_norm
    Bug("clip-scales-up", Q, "always multiplies by max_norm / norm, also scaling small gradients "
        "up", _clip('''\
total_norm = global_grad_norm(grads)
coef = max_norm / (total_norm + 1e-6)
return {name: g * coef for name, g in grads.items()}, total_norm''')),
    Bug("clip-per-array", Q, "clips every array to max_norm on its own (local, not global)",
        _clip('''\
clipped = {}
for name, g in grads.items():
    norm = float(np.sqrt(np.sum(g ** 2)))
    clipped[name] = g * min(1.0, max_norm / (norm + 1e-6))
return clipped, global_grad_norm(grads)''')),
    Bug("clip-returns-norm-after", Q, "returns the norm after clipping, not before", _clip('''\
coef = min(1.0, max_norm / (global_grad_norm(grads) + 1e-6))
clipped = {name: g * coef for name, g in grads.items()}
return clipped, global_grad_norm(clipped)''')),
    Bug("clip-no-eps", Q, "min(1, max_norm / norm) without PyTorch's + 1e-6", _clip('''\
total_norm = global_grad_norm(grads)
coef = min(1.0, max_norm / total_norm) if total_norm > 0 else 1.0
return {name: g * coef for name, g in grads.items()}, total_norm''')),
    Bug("clip-only-above", Q, "rescales only when norm > max_norm: PyTorch also applies "
        "max_norm / (norm + 1e-6) when the norm equals max_norm", _clip('''\
total_norm = global_grad_norm(grads)
coef = max_norm / (total_norm + 1e-6) if total_norm > max_norm else 1.0
return {name: g * coef for name, g in grads.items()}, total_norm''')),
    Bug("clip-shallow-copy", Q, "copies the dict (grads.copy()) but scales its arrays in place: "
        "the caller's gradients change", _clip('''\
total_norm = global_grad_norm(grads)
coef = min(1.0, max_norm / (total_norm + 1e-6))
clipped = grads.copy()
for name in clipped:
    clipped[name] *= coef
return clipped, total_norm'''), says=("grads.copy()",)),
    # ---- init_adamw_state
    Bug("init-step-one", Q, "the state starts at step 1", '''
def init_adamw_state(params):
    return {"step": 1, "m": {k: np.zeros_like(p) for k, p in params.items()},
            "v": {k: np.zeros_like(p) for k, p in params.items()}}
'''),
    Bug("init-len-zeros", Q, "np.zeros(len(p)): the length of the first axis, not p's shape", '''
def init_adamw_state(params):
    return {"step": 0, "m": {k: np.zeros(len(p)) for k, p in params.items()},
            "v": {k: np.zeros(len(p)) for k, p in params.items()}}
'''),
    Bug("init-float64-moments", Q, "np.zeros(p.shape): float64 moments for float32 parameters "
        "(twice the memory, and the update turns the parameters into float64)", '''
def init_adamw_state(params):
    return {"step": 0, "m": {k: np.zeros(p.shape) for k, p in params.items()},
            "v": {k: np.zeros(p.shape) for k, p in params.items()}}
''', says=("float32", "np.zeros_like")),
    Bug("init-zeroes-params-in-place", Q, "m = dict(params), then m[k][...] = 0: the copied dict "
        "holds the caller's arrays, so the parameters are zeroed", '''
def init_adamw_state(params):
    m, v = dict(params), {k: np.zeros_like(p) for k, p in params.items()}
    for k in m:
        m[k][...] = 0
    return {"step": 0, "m": m, "v": v}
''', says=("copied dict",)),
    # ---- adamw_step
    Bug.edit("adam-l2-decay", Q, "weight decay added to the gradient (Adam + L2), not decoupled",
        function="adamw_step", replace=[
        ("g = grads[name]", "g = grads[name] + weight_decay * p"),
        ("p = p * (1 - lr * weight_decay)", "")]),
    Bug.edit("adam-decay-after-update", Q, "decays the parameters after the Adam update, not "
        "before", function="adamw_step", replace=[
        ("p = p * (1 - lr * weight_decay)", ""),
        ("p - lr * m_hat / (np.sqrt(v_hat) + eps)",
         "(p - lr * m_hat / (np.sqrt(v_hat) + eps)) * (1 - lr * weight_decay)")]),
    Bug.edit("adam-decay-without-lr", Q, "p * (1 - weight_decay): the decay not multiplied by lr",
        function="adamw_step", replace=[("lr * weight_decay", "weight_decay")]),
    Bug.edit("adam-t-is-step", Q, "bias correction with t = state['step'] (0 at the first step)",
        function="adamw_step",
        replace=[('state["step"] + 1', 'state["step"]'), ('"step": t', '"step": t + 1')]),
    Bug.edit("adam-eps-inside-sqrt", Q, "sqrt(v_hat + eps) instead of sqrt(v_hat) + eps",
        function="adamw_step", replace=[("(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)")]),
    Bug.edit("adam-eps-not-corrected", Q, "Kingma & Ba's 'efficient' form: bias correction folded "
        "into the step size, so eps is not corrected", function="adamw_step", replace=[
        ("m_hat = m[name] / (1 - b1 ** t)", ""),
        ("v_hat = v[name] / (1 - b2 ** t)",
         "step_size = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)"),
        ("p - lr * m_hat / (np.sqrt(v_hat) + eps)",
         "p - step_size * m[name] / (np.sqrt(v[name]) + eps)")]),
    Bug.edit("adam-no-bias-correction", Q, "no bias correction (m_hat = m, v_hat = v)",
        function="adamw_step",
        replace=[("m[name] / (1 - b1 ** t)", "m[name]"), ("v[name] / (1 - b2 ** t)", "v[name]")]),
    Bug.edit("adam-v-hat-uses-b1", Q, "v_hat = v / (1 - b1**t): the first moment's beta corrects "
        "v", function="adamw_step", replace=[("- b2 **", "- b1 **")]),
    Bug.edit("adam-v-hat-power-typo", Q, "v / (1 - b2) ** t instead of v / (1 - b2 ** t): the "
        "same at the first step only", function="adamw_step",
        replace=[("v_hat = v[name] / (1 - b2 ** t)", "v_hat = v[name] / (1 - b2) ** t")]),
    Bug.edit("adam-betas-swapped", Q, "b2, b1 = betas: the two decay rates swapped",
        function="adamw_step", replace=[("b1, b2", "b2, b1")]),
    Bug.edit("adam-step-not-incremented", Q, "the new state keeps the old step",
        function="adamw_step", replace=[
        ('new_state = {**state, "step": t, "m": m, "v": v}',
         'new_state = {**state, "m": m, "v": v}')]),
    Bug.edit("adam-stores-bias-corrected", Q, "stores m_hat and v_hat in the state instead of m "
        "and v", function="adamw_step", replace=[
        ("m_hat = m[name] / (1 - b1 ** t)",
         "m_hat = m[name] / (1 - b1 ** t)\n"
         "        m[name] = m_hat"),
        ("v_hat = v[name] / (1 - b2 ** t)",
         "v_hat = v[name] / (1 - b2 ** t)\n"
         "        v[name] = v_hat")]),
    Bug.edit("adam-moments-restart", Q, "the moments start from zeros at every step (state['m'] "
        "and ['v'] never read)", function="adamw_step", replace=[
        ('state["m"][name]', "np.zeros_like(p)"),
        ('state["v"][name]', "np.zeros_like(p)")]),
    Bug.edit("adam-state-in-place", Q, "updates the moments in place (m *= b1), changing the "
        "caller's state", function="adamw_step", replace=[
        ('m[name] = b1 * state["m"][name] + (1 - b1) * g',
         'm[name] = state["m"][name]\n'
         "        m[name] *= b1\n"
         "        m[name] += (1 - b1) * g"),
        ('v[name] = b2 * state["v"][name] + (1 - b2) * g ** 2',
         'v[name] = state["v"][name]\n'
         "        v[name] *= b2\n"
         "        v[name] += (1 - b2) * g ** 2")], says=("m *= b1",)),
    Bug.edit("adam-shallow-copy-state", Q, "new_state = dict(state) shares the m and v dicts with "
        "the caller's state, and fills them", function="adamw_step", replace=[
        ('t = state["step"] + 1\n'
         "    new_params, m, v = {}, {}, {}",
         "new_state = dict(state)\n"
         '    new_state["step"] = t = state["step"] + 1\n'
         '    m, v = new_state["m"], new_state["v"]\n'
         "    new_params = {}"),
        ('state["m"][name]', "m[name]"),
        ('state["v"][name]', "v[name]"),
        ('new_state = {**state, "step": t, "m": m, "v": v}', "")]),
    Bug.edit("adam-increments-input-step", Q, "state['step'] += 1 on the caller's state",
        function="adamw_step", replace=[
        ('t = state["step"] + 1',
         'state["step"] += 1\n'
         '    t = state["step"]'),
        ('new_state = {**state, "step": t, "m": m, "v": v}',
         'new_state = {**state, "m": m, "v": v}')]),
    Bug.edit("adam-params-in-place", Q, "updates the parameters in place (p *= ..., p -= ...) and "
        "returns them: the caller's arrays change", function="adamw_step", replace=[
        ("= p * (1 - lr * weight_decay)", "*= 1 - lr * weight_decay"),
        ("new_params[name] = p - lr * m_hat / (np.sqrt(v_hat) + eps)",
         "p -= lr * m_hat / (np.sqrt(v_hat) + eps)\n"
         "        new_params[name] = p")]),
    Bug.edit("adam-decays-only-matrices", Q, "decays only parameters with 2+ axes (nanoGPT's "
        "parameter groups); the spec decays every parameter", function="adamw_step", replace=[
        ("p = p * (1 - lr * weight_decay)",
         "if p.ndim >= 2:\n"
         "            p = p * (1 - lr * weight_decay)")]),
    Bug.edit("adam-ignores-max-grad-norm", Q, "never clips, even when max_grad_norm is given",
        function="adamw_step", replace=[
        ("max_grad_norm=None):\n"
         "    if max_grad_norm is not None:\n"
         "        grads, _ = clip_grad_norm(grads, max_grad_norm)",
         "max_grad_norm=None):")]),
    # ---- warmup_cosine_lr
    Bug.edit("lr-warmup-plus-one", Q, "warmup max_lr * (step + 1) / warmup_steps: off by one",
        function="warmup_cosine_lr", base=LR_PLAIN, replace=[("* step", "* (step + 1)")]),
    Bug.edit("lr-no-min-lr", Q, "the cosine decays to 0, ignoring min_lr",
        function="warmup_cosine_lr", base=LR_PLAIN,
        replace=[("min_lr + 0.5 * (max_lr - min_lr)", "0.5 * max_lr")]),
    Bug.edit("lr-no-clamp", Q, "progress not clamped: after total_steps the cosine rises again",
        function="warmup_cosine_lr", base=LR_PLAIN,
        replace=[(" if progress < 1 else min_lr", "")]),
    Bug.edit("lr-warmup-ratio-first", Q, "computes step / warmup_steps before the branch: "
        "division by zero when warmup_steps = 0", function="warmup_cosine_lr", base=LR_PLAIN,
        replace=[
        ("if step < warmup_steps:\n"
         "        return max_lr * step / warmup_steps",
         "warm = step / warmup_steps\n"
         "    if warm < 1:\n"
         "        return max_lr * warm")]),
    Bug.edit("lr-warmup-le", Q, "`step <= warmup_steps` for the warmup: 0 / 0 when warmup_steps = "
        "0", function="warmup_cosine_lr", base=LR_PLAIN,
        replace=[("< warmup_steps:", "<= warmup_steps:")]),
    Bug.edit("lr-cosine-from-zero", Q, "progress = step / total_steps: the cosine starts at step "
        "0, not after the warmup", function="warmup_cosine_lr", base=LR_PLAIN, replace=[
        ("(step - warmup_steps) / max(1, total_steps - warmup_steps)", "step / total_steps")]),
    Bug.edit("lr-cosine-over-total", Q, "progress divides by total_steps, not total_steps - "
        "warmup_steps", function="warmup_cosine_lr", base=LR_PLAIN,
        replace=[("max(1, total_steps - warmup_steps)", "total_steps")]),
    Bug.edit("lr-progress-floor-division", Q, "progress with // (floor division): 0 until the "
        "end, so the lr stays at max_lr, then drops", function="warmup_cosine_lr", base=LR_PLAIN,
        replace=[("/ max(1", "// max(1")]),
    Bug.edit("lr-clamps-at-min", Q, "max(min_lr, cosine to 0): clamps instead of decaying to "
        "min_lr", function="warmup_cosine_lr", base=LR_PLAIN, replace=[
        ("progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)",
         "progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))"),
        ("min_lr + 0.5 * (max_lr - min_lr) * (1 + math.cos(math.pi * progress)) if progress < 1 "
         "else min_lr",
         "max(min_lr, 0.5 * max_lr * (1 + math.cos(math.pi * progress)))")]),
    Bug.edit("lr-warmup-from-min-lr", Q, "warms up from min_lr instead of from 0",
        function="warmup_cosine_lr", base=LR_PLAIN,
        replace=[("return max_lr", "return min_lr + (max_lr - min_lr)")]),
    Bug.edit("lr-no-max-1", Q, "(step - warmup) / (total - warmup) without max(1, ...): division "
        "by zero when total_steps == warmup_steps", function="warmup_cosine_lr", base=LR_PLAIN,
        replace=[("max(1, total_steps - warmup_steps)", "(total_steps - warmup_steps)")]),
]

BUGS = labelled(BUGS, {  # bug -> the idea it breaks (question.py IDEAS)
    "norm-sum-of-norms": "global-norm", "norm-matrix-2-norm": "global-norm",
    "norm-rms": "global-norm", "clip-scales-up": "clipping", "clip-per-array": "clipping",
    "clip-returns-norm-after": "clipping", "clip-no-eps": "pytorch-eps",
    "clip-only-above": "pytorch-eps", "clip-shallow-copy": "contract", "init-step-one": "init",
    "init-float64-moments": "init",
    "init-zeroes-params-in-place": "contract", "norm-concatenate": "global-norm",
    "init-len-zeros": "init", "adam-l2-decay": "adam-decay",
    "adam-decay-after-update": "adam-decay", "adam-decay-without-lr": "adam-decay",
    "adam-t-is-step": "adam-update", "adam-eps-inside-sqrt": "adam-update",
    "adam-eps-not-corrected": "adam-update", "adam-no-bias-correction": "adam-update",
    "adam-v-hat-uses-b1": "adam-update", "adam-v-hat-power-typo": "adam-state",
    "adam-betas-swapped": "adam-state", "adam-step-not-incremented": "adam-state",
    "adam-stores-bias-corrected": "adam-state", "adam-moments-restart": "adam-state",
    "adam-state-in-place": "contract", "adam-shallow-copy-state": "contract",
    "adam-increments-input-step": "contract", "adam-params-in-place": "contract",
    "adam-decays-only-matrices": "adam-decay",
    "adam-ignores-max-grad-norm": "adam-clip", "lr-warmup-plus-one": "warmup",
    "lr-no-min-lr": "decay", "lr-no-clamp": "decay", "lr-warmup-ratio-first": "warmup",
    "lr-warmup-le": "warmup", "lr-cosine-from-zero": "decay", "lr-cosine-over-total": "decay",
    "lr-progress-floor-division": "decay", "lr-clamps-at-min": "decay",
    "lr-warmup-from-min-lr": "warmup", "lr-no-max-1": "decay",
})

BUGS += [  # added with the ideas: realistic slips, one idea each
    Bug("norm-l1", Q, "the L1 norm (sum of absolute values), not the L2 norm", '''
def global_grad_norm(grads):
    return float(sum(np.abs(g).sum() for g in grads.values()))
''', idea="global-norm"),
    Bug("clip-max-not-min", Q, "max(1, max_norm / norm): never clips, scales small gradients up",
        _clip('''\
total_norm = global_grad_norm(grads)
coef = max(1.0, max_norm / (total_norm + 1e-6))
return {name: g * coef for name, g in grads.items()}, total_norm'''), idea="clipping"),
    Bug.edit("adam-no-sqrt", Q, "m_hat / (v_hat + eps): the square root of v_hat is missing",
        function="adamw_step", replace=[("np.sqrt(v_hat)", "v_hat")], idea="adam-update"),
    Bug.edit("lr-cosine-no-half", Q, "min_lr + (max_lr - min_lr) * (1 + cos(pi * progress)): the "
        "0.5 is missing, so the decay starts at twice max_lr", function="warmup_cosine_lr",
        base=LR_PLAIN, replace=[
        ("return min_lr + 0.5 * (max_lr - min_lr) * (1 + math.cos(math.pi * progress)) if "
         "progress < 1 else min_lr",
         "if progress >= 1:\n"
         "        return min_lr\n"
         "    return min_lr + (max_lr - min_lr) * (1 + math.cos(math.pi * progress))")],
        idea="decay", says=("0.5 * (max_lr - min_lr)",)),
]
