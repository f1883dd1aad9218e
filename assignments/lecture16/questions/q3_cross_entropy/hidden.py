"""q3_cross_entropy: log_softmax, cross_entropy, cross_entropy_grad.

One property per test; the points follow the ideas in ``IDEAS`` (weights; the question's points
are in question.py). Where a property can only be seen through values, the student's
result is compared with their own (shifted logits, the kept positions alone).
"""
from __future__ import annotations

import numpy as np

import reference

from autograder.hidden import (arrays, big_or_small, floats, hidden_test, ideas, Kind, magnitude,
                               nps, rtol_for, show, st, Worked)

from .question import ID as Q
from .question import IDEAS as _IDEAS

IDEAS = ideas(Q, _IDEAS)  # the weights live in question.py
STABLE_HINT = ("Subtract each row's max before `exp`: `x - max - log(sum(exp(x - max)))` gives "
               "the same numbers without overflow. Do not take `log(softmax(x))`: probabilities "
               "that underflow to 0 become `-inf`.")
IGNORE_HINT = ("A position whose target equals `ignore_index` (padding: -100, or a real class "
               "id such as 0) counts for nothing: leave it out of the sum *and* out of N in the "
               "mean (`keep = targets != ignore_index`, N = `keep.sum()`); with "
               "`reduction='none'` it gets 0.0. Test `ignore_index is not None`, since 0 is "
               "falsy.")
GRAD_HINT = ("The gradient of the mean loss is `(softmax(logits) - onehot(targets)) / N`: the "
             "probabilities, minus 1 at the true token, divided by the number N of positions "
             "that count (the mean); ignored positions get rows of zeros.")


LEAD_SHAPES = st.one_of(nps.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3),
                        nps.array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=2))
"""the leading axes (N,), (B, T) or (B, H, T): at most 9 positions"""


@st.composite
def logits_and_targets(draw, *, dtype=np.float64, elements=None, ignore=False, max_V=6,
                       min_V=1):
    """(logits (..., V), targets (...), ignore_index) with 1 to 3 leading axes, V from 1.

    With ``ignore``, ignore_index is -100, 0 or another class id, and random positions hold it,
    but at least one position is not ignored (every position ignored has its own test).
    ``dtype`` may be a strategy (float64 or float32, say).
    """
    if isinstance(dtype, st.SearchStrategy):
        dtype = draw(dtype)
    lead = draw(LEAD_SHAPES)
    V = draw(st.integers(min_V, max_V))
    elements = floats(10.0, dtype) if elements is None else elements
    logits = draw(arrays(dtype, (*lead, V), elements))
    targets = draw(arrays(np.int64, lead, st.integers(0, V - 1)))
    ignore_index = None
    if ignore:
        ignore_index = draw(st.sampled_from([-100, 0, V - 1] if V > 1 else [-100]))
        ignored = draw(arrays(bool, lead, st.booleans()))
        targets = np.where(ignored, ignore_index, targets)
        if np.all(targets == ignore_index):  # keep one position: a class other than ignored
            targets.flat[0] = 0 if ignore_index < 0 else (ignore_index + 1) % V
    return logits, targets, ignore_index


# the lecture's example: p = [0.1, 0.2, 0.5, 0.15, 0.05] over [the, cat, sat, on, mat], true
# token "sat" (loss 0.69), and a better guess 0.85 (loss 0.16)
LECTURE = np.log(np.array([[0.1, 0.2, 0.5, 0.15, 0.05]]))
LECTURE_BATCH = np.log(np.array([[0.1, 0.2, 0.5, 0.15, 0.05], [0.03, 0.05, 0.85, 0.05, 0.02]]))
SAT = np.array([2])
ONE = ("The lecture's example: `logits = np.log([[0.1, 0.2, 0.5, 0.15, 0.05]])` over [the, cat, "
       "sat, on, mat], true token \"sat\" (index 2): the loss is -log(0.5) = 0.69.")
TWO = ("The lecture's example, two positions: `logits = np.log([[0.1, 0.2, 0.5, 0.15, 0.05], "
       "[0.03, 0.05, 0.85, 0.05, 0.02]])`, true token \"sat\" (index 2) where the target is 2: "
       "losses -log(0.5) = 0.69 and -log(0.85) = 0.16.")


def lecture(case, two=True):
    """A worked example from the lecture (one or two positions)."""
    return Worked(case, TWO if two else ONE)


def expect_loss(s, got, logits, targets, ignore_index, reduction, *, rtol=1e-6, scale=None):
    """Compare a cross_entropy result with the float64 reference."""
    expected = reference.cross_entropy(logits.astype(np.float64), targets,
                                       ignore_index=ignore_index, reduction=reduction)
    scale = max(1.0, magnitude(expected)) if scale is None else scale
    if reduction == "none":
        s.expect_array(got, expected, "the per-position losses", rtol=rtol, scale=scale)
    else:
        what = "the mean loss" if reduction == "mean" else "the sum of the losses"
        s.expect_scalar(got, expected, what, rtol=rtol, scale=scale)


def reshaped(got, shape):
    """A 'none' result of the right size in ``shape`` (the shape itself is the reductions
    test's business)."""
    if isinstance(got, np.ndarray) and got.size == int(np.prod(shape)) and got.shape != shape:
        return got.reshape(shape)
    return got


def kept(logits, targets, ignore_index):
    """The positions not ignored, as a flat batch: (logits (N_keep, V), targets (N_keep,))."""
    keep = targets != ignore_index
    return logits[keep], targets[keep], keep


# ---- the inputs are left unchanged (one test per function)
def _unchanged(function):
    @hidden_test(question=Q, idea="contract", description=f"{function} leaves its inputs "
                 "unchanged", functions=[function], checks=Kind.CHANGED_INPUT,
                 hint="Compute new arrays (`shifted = logits - logits.max(...)`) instead of "
                      "updating the inputs in place (`logits -= ...`, `targets[...] = 0`).",
                 given=logits_and_targets(ignore=True))
    def check(s, case):
        logits, targets, ignore_index = case
        if function == "log_softmax":
            s.expect_unchanged(s.ex(function, logits, return_args=True, raised_ok=True))
        else:
            s.expect_unchanged(s.ex(function, logits, targets, ignore_index=ignore_index,
                                    return_args=True, raised_ok=True))

    return check


lsm_unchanged, ce_unchanged, grad_unchanged = (
    _unchanged(f) for f in ("log_softmax", "cross_entropy", "cross_entropy_grad"))


# ---- stability: finite at 1e4, and the same after adding a constant (the student's own)
@hidden_test(question=Q, idea="stable", description="log_softmax stays finite and unchanged by "
             "adding a constant to the logits, at magnitudes up to 1e4",
             functions=["log_softmax"], hint=STABLE_HINT, checks=Kind.NAN,
             given=st.tuples(logits_and_targets(elements=big_or_small(1e4)),
                             st.sampled_from([1e4, -1e4, 3.5])))
def log_softmax_stable(s, case):
    (logits, _, _), c = case
    got = s.expect_array(s("log_softmax", logits), logits, "the log-probs", values=False)
    s.expect_finite(got, "the log-probs")

    def judge():
        s.expect_array(got, reference.log_softmax(logits), "the log-probs",
                       scale=magnitude(logits) + abs(c))
        shifted = s("log_softmax", logits + c)
        s.expect_finite(shifted, "the log-probs of `logits + c`")
        s.expect_array(shifted, reference.log_softmax(logits + c), "the log-probs of "
                       "`logits + c`", scale=magnitude(logits) + abs(c))

    def relative():  # wrong otherwise: is the result at least unchanged by the shift?
        shifted = s("log_softmax", logits + c)
        s.context = f"Adding {c!r} to every logit must not change the log-probs:"
        s.expect_array(shifted, got.astype(np.float64), "the log-probs of `logits + c` "
                       "(your own log-probs of `logits`)", scale=magnitude(logits) + abs(c))

    s.either(judge, relative)


@hidden_test(question=Q, idea="log-softmax", description="log_softmax matches the reference on "
             "random logits (float64 and float32)", functions=["log_softmax"],
             hint="`log_softmax(x) = x - log(sum(exp(x)))`, the sum over the last axis (the V "
                  "classes: `axis=-1, keepdims=True`), whatever the leading axes.",
             given=logits_and_targets(dtype=st.sampled_from([np.float64, np.float32])),
             examples=[lecture((LECTURE_BATCH, np.array([2, 2]), None))])
def log_softmax_random(s, case):
    logits = case[0]
    expected = reference.log_softmax(logits.astype(np.float64))
    s.expect_array(s("log_softmax", logits), expected, "the log-probs", rtol=rtol_for(logits))


@st.composite
def confidently_wrong(draw):
    """(logits, targets, gap): every position's true token has a logit ``gap`` (40 to 1000)
    below the largest other one, so its probability is below e**-40 (4e-18) and its loss is at
    least ``gap``: the region where a loss taken through probabilities (an epsilon added inside
    the log, a clip) is capped. One target for every position, so that a pick from the wrong
    row still finds a true token (the pick has its own tests)."""
    logits, _, _ = draw(logits_and_targets(min_V=2))
    V = logits.shape[-1]
    target = draw(st.integers(0, V - 1))
    gap = draw(st.sampled_from([40.0, 100.0, 800.0]) | st.floats(40.0, 1000.0))
    others = np.delete(logits, target, axis=-1)  # (..., V - 1)
    logits[..., target] = others.max(axis=-1) - gap
    return logits, np.full(logits.shape[:-1], target), gap


CAPS = {f"-log({eps:g})": -np.log(eps) for eps in (1e-7, 1e-8, 1e-10, 1e-12, 1e-14, 1e-15, 1e-16)}


@hidden_test(question=Q, idea="pick", description="cross_entropy's per-position losses "
             "(reduction='none') match the reference on random logits (float64 and float32)",
             functions=["cross_entropy"],
             hint="Per position, `loss = -log_softmax(logits)[..., target]` (natural log): pick "
                  "the true token's entry along the last axis (e.g. `np.take_along_axis`), not "
                  "an average over the V entries.",
             given=logits_and_targets(dtype=st.sampled_from([np.float64, np.float32])),
             examples=[lecture((LECTURE, SAT, None), two=False),
                       lecture((LECTURE_BATCH, np.array([2, 2]), None))])
def ce_random(s, case):
    logits, targets, _ = case
    got = reshaped(s("cross_entropy", logits, targets, reduction="none"), targets.shape)
    expect_loss(s, got, logits, targets, None, "none", rtol=rtol_for(logits))


# ---- the formulas
@hidden_test(question=Q, idea="stable", description="cross_entropy does not cap the loss: a "
             "confidently wrong prediction costs at least its logit gap (gaps of 40 to 1000)",
             functions=["cross_entropy"],
             hint="The loss of a position is `-log p(target) = logsumexp(logits) - "
                  "logits[target]`, at least the gap between the largest logit and the true "
                  "token's. Take it from `log_softmax`, never through the probabilities: here "
                  "p(target) is below e**-40 (4e-18), so `-log(p + 1e-14)` caps the loss at 32.2, "
                  "`log(np.clip(p, 1e-15, 1))` at 34.5, and `log(p)` of an underflowed 0 is inf.",
             given=confidently_wrong(),
             examples=[Worked((np.array([[30.0, 0.0, -10.0]]), np.array([2]), 40.0),
                              "The true token's logit, -10, is 40 below the largest, 30: its "
                              "probability is about e**-40 = 4e-18, its loss about 40.")])
def ce_uncapped(s, case):
    logits, targets, gap = case
    got = reshaped(s("cross_entropy", logits, targets, reduction="none"), targets.shape)
    got = s.expect_array(got, np.zeros(targets.shape), "the per-position losses", values=False)
    low = np.argwhere(~(got >= gap * (1 - 1e-6)))  # nan fails too
    if not low.size:
        return
    where = tuple(int(i) for i in low[0])
    value = float(got[where])
    cap = next((name for name, c in CAPS.items() if abs(value - c) <= 1e-3), "")
    fix = (f" That is {cap}: the probability was taken with an epsilon (added inside the log, "
           "or a clip), which caps the loss." if cap else "")
    s.fail(f"The true token's logit is {gap:g} below the largest logit at every position, so "
           f"each loss is at least {gap:g}; got {value!r} at index {list(where)} in "
           f"`{show(got)}`.{fix}")


@hidden_test(question=Q, idea="reductions", description="cross_entropy's reductions agree: "
             "'none' has the shape of targets, 'sum' adds it up, 'mean' divides by N",
             functions=["cross_entropy"],
             hint="`reduction='none'` returns the per-position losses with the shape of "
                  "`targets` (not flattened), `'sum'` their sum and `'mean'` (the default) their "
                  "mean over the N positions: not over the V classes too.",
             given=logits_and_targets())
def ce_reductions(s, case):
    logits, targets, _ = case
    none = s.expect_array(s("cross_entropy", logits, targets, reduction="none"),
                          np.zeros(targets.shape), "the per-position losses", values=False)
    scale = max(1.0, magnitude(none))
    answers = {}

    def ask(reduction):  # each reduction asked once (a second ask could be told apart)
        if reduction not in answers:
            answers[reduction] = s("cross_entropy", logits, targets, reduction=reduction)
        return answers[reduction]

    def judge():
        expected = reference.cross_entropy(logits, targets, reduction="none")
        s.expect_array(none, expected, "the per-position losses", scale=scale)
        s.expect_scalar(ask("sum"), float(np.sum(expected)), "the sum",
                        scale=scale * none.size)
        s.expect_scalar(ask("mean"), float(np.mean(expected)), "the mean", scale=scale)

    def relative():  # the losses are wrong: do the reductions at least agree with each other?
        total = s.expect_scalar(ask("sum"), float(np.sum(none)), "the sum (the sum of your "
                                "per-position losses)", scale=scale * none.size)
        s.expect_scalar(ask("mean"), total / targets.size,
                        f"the mean (your sum / N, N = {targets.size} positions)", scale=scale)

    s.either(judge, relative)


@hidden_test(question=Q, idea="stable", description="cross_entropy stays finite and unchanged by "
             "adding a constant to the logits, even at 1e4", functions=["cross_entropy"],
             hint=STABLE_HINT, checks=Kind.NAN,
             given=st.tuples(logits_and_targets(elements=big_or_small(1e4)),
                             st.sampled_from([3.5, 1e4, -1e4])))
def ce_shift(s, case):
    (logits, targets, _), c = case
    got = s("cross_entropy", logits, targets)
    s.expect_finite(got, "the mean loss")
    value = s.scalar(got, "the mean loss")
    scale = magnitude(logits) + abs(c)

    def judge():
        s.expect_scalar(value, reference.cross_entropy(logits, targets), "the mean loss",
                        scale=scale)
        shifted = s("cross_entropy", logits + c, targets)
        s.expect_finite(shifted, "the mean loss of `logits + c`")
        s.expect_scalar(shifted, reference.cross_entropy(logits + c, targets),
                        "the loss of `logits + c`", scale=scale)

    def relative():  # wrong otherwise: is the loss at least unchanged by the shift?
        s.context = f"Adding {c!r} to every logit must not change the loss:"
        s.expect_scalar(s("cross_entropy", logits + c, targets), value, "the loss of `logits "
                        "+ c` (your own loss of `logits`)", scale=scale)

    s.either(judge, relative)


# ---- ignore_index: the student's result against their own on the kept positions alone
@hidden_test(question=Q, idea="ignore", weight=2, description="cross_entropy with ignore_index "
             "(-100 or a class id) equals cross_entropy of the kept positions alone (nan when "
             "none is kept)",
             functions=["cross_entropy"], hint=IGNORE_HINT,
             given=st.tuples(logits_and_targets(ignore=True),
                             st.sampled_from(["mean", "sum", "none"])),
             examples=[Worked(((LECTURE_BATCH, np.array([2, 0]), 0), "none"),
                              "The lecture's two positions, with `ignore_index=0`: the second "
                              "target is 0, so that position is ignored and `reduction='none'` "
                              "gives it a loss of 0.0: [0.69, 0.0]."),
                       ((np.zeros((1, 3)), np.array([-100]), -100), "mean"),
                       ((np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([0, 0]), 0), "mean")])
def ce_ignore(s, case):
    (logits, targets, ignore_index), reduction = case
    got = s("cross_entropy", logits, targets, ignore_index=ignore_index, reduction=reduction)
    kept_logits, kept_targets, keep = kept(logits, targets, ignore_index)
    if not keep.any():  # every position ignored: nothing to average
        expected = {"mean": float("nan"), "sum": 0.0}.get(reduction)
        if expected is None:
            s.expect_array(reshaped(got, targets.shape), np.zeros(targets.shape),
                           "the per-position losses")
        else:
            s.expect_scalar(got, expected, f"the {reduction} (every position is ignored)",
                            fix="The mean of no positions is 0 / 0 = nan, as in PyTorch.")
        return

    def judge():  # a 'none' result of the right size in targets' shape; a sum or mean as it is
        loss = reshaped(got, targets.shape) if reduction == "none" else got
        expect_loss(s, loss, logits, targets, ignore_index, reduction)

    def relative():  # the losses are wrong: are the ignored positions at least left out?
        alone = s("cross_entropy", kept_logits, kept_targets, reduction=reduction)
        what = f"(your reduction={reduction!r} of the {keep.sum()} kept positions alone)"
        if reduction != "none":
            s.expect_scalar(got, s.scalar(alone), f"the loss {what}",
                            scale=max(1.0, magnitude(alone)))
            return
        mine = s.expect_array(reshaped(got, targets.shape), np.zeros(targets.shape),
                              "the per-position losses", values=False)
        expected = np.zeros(targets.shape)
        expected[keep] = s.expect_array(alone, np.zeros(kept_targets.shape), "the kept losses",
                                        values=False)
        s.expect_array(mine, expected, "the per-position losses: 0.0 where ignored, elsewhere "
                       f"{what}")

    s.either(judge, relative)


@hidden_test(question=Q, idea="grad", description="cross_entropy_grad matches (softmax - onehot) "
             "/ N on random logits", functions=["cross_entropy_grad"], hint=GRAD_HINT,
             given=logits_and_targets(), examples=[lecture((LECTURE, SAT, None), two=False)])
def grad_random(s, case):
    logits, targets, _ = case
    s.expect_array(s("cross_entropy_grad", logits, targets),
                   reference.cross_entropy_grad(logits, targets), "the gradient")


@hidden_test(question=Q, idea="ignore", weight=2, description="cross_entropy_grad gives zero rows "
             "where ignored and, elsewhere, the gradient of the kept positions alone",
             functions=["cross_entropy_grad"],
             hint="Ignored positions get rows of zeros, and N counts only the positions that are "
                  "not ignored (`keep = targets != ignore_index`, N = `keep.sum()`); with every "
                  "position ignored the gradient is all zeros. Test `ignore_index is not None`, "
                  "since 0 is falsy.",
             given=logits_and_targets(ignore=True),
             examples=[lecture((LECTURE_BATCH, np.array([-100, -100]), -100)),  # all ignored
                       lecture((LECTURE_BATCH, np.array([2, -100]), -100))])
def grad_ignore(s, case):
    logits, targets, ignore_index = case
    got = s.expect_array(s("cross_entropy_grad", logits, targets, ignore_index=ignore_index),
                         logits, "the gradient", values=False)
    kept_logits, kept_targets, keep = kept(logits, targets, ignore_index)

    def judge():
        s.expect_array(got, reference.cross_entropy_grad(logits, targets, ignore_index),
                       "the gradient")

    def relative():  # the gradient is wrong: are the ignored rows at least left out?
        expected = np.zeros(logits.shape)
        if keep.any():
            expected[keep] = s.expect_array(s("cross_entropy_grad", kept_logits, kept_targets),
                                            kept_logits, "the gradient of the kept positions",
                                            values=False)
        s.expect_array(got, expected, "the gradient: zero rows where ignored, elsewhere your "
                       "gradient of the kept positions alone")

    s.either(judge, relative)


# the order they run in: a function's tests after its callees', and those that excuse a failure
# by the student's own answers (s.either) after the others, in this order (see hidden/__init__)
