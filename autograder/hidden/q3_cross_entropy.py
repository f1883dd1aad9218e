"""q3_cross_entropy (25 points): log_softmax, cross_entropy, cross_entropy_grad."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as nps

import reference

from .framework import Worked, arrays, big_or_small, floats, hidden_test, magnitude

Q = "q3_cross_entropy"
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
def logits_and_targets(draw, *, dtype=np.float64, elements=None, ignore=False, max_V=6):
    """(logits (..., V), targets (...), ignore_index) with 1 to 3 leading axes, V from 1.

    With ``ignore``, ignore_index is -100, 0 or another class id, and random positions hold it,
    but at least one position is not ignored (every position ignored has its own test).
    ``dtype`` may be a strategy (float64 or float32, say).
    """
    if isinstance(dtype, st.SearchStrategy):
        dtype = draw(dtype)
    lead = draw(LEAD_SHAPES)
    V = draw(st.integers(1, max_V))
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


@hidden_test(Q, "log_softmax matches the reference on random logits", 3, ["log_softmax"],
             "`log_softmax(x) = x - log(sum(exp(x)))`, the sum over the last axis (the V "
             "classes: `axis=-1, keepdims=True`), whatever the leading axes.",
             "computed log-probabilities over the wrong axis or with the wrong formula",
             given=logits_and_targets(),
             examples=[lecture((LECTURE_BATCH, np.array([2, 2]), None))])
def log_softmax_random(s, case):
    logits = case[0]
    s.expect_array(s("log_softmax", logits), reference.log_softmax(logits), "the log-probs")


@hidden_test(Q, "log_softmax stays finite and accurate for logits of magnitude 1e4", 2,
             ["log_softmax"], STABLE_HINT,
             "did not subtract the max (log-sum-exp trick): exp overflows for large logits",
             given=logits_and_targets(elements=big_or_small(1e4)))
def log_softmax_stable(s, case):
    logits = case[0]
    s.expect_array(s("log_softmax", logits), reference.log_softmax(logits), "the log-probs")


@hidden_test(Q, "log_softmax works on float32 logits (float32 tolerance)", 1, ["log_softmax"],
             "The same formula works in float32; keep the max subtraction (float32's `exp` "
             "overflows already above 88).",
             "did not handle float32 logits",
             given=logits_and_targets(dtype=np.float32, elements=big_or_small(100.0, np.float32)))
def log_softmax_float32(s, case):
    logits = case[0]
    expected = reference.log_softmax(logits.astype(np.float64))
    s.expect_array(s("log_softmax", logits), expected, "the log-probs", rtol=1e-4)


@hidden_test(Q, "cross_entropy matches the reference on random logits (the mean)", 3,
             ["cross_entropy"],
             "Per position, `loss = -log_softmax(logits)[..., target]` (natural log): pick the "
             "true token's entry (e.g. `np.take_along_axis`), do not average over all V "
             "entries; the default `reduction='mean'` averages over the positions.",
             "did not compute -log p(true token) averaged over the positions",
             given=logits_and_targets(),
             examples=[lecture((LECTURE, SAT, None), two=False),
                       lecture((LECTURE_BATCH, np.array([2, 2]), None))])
def ce_random(s, case):
    logits, targets, _ = case
    expect_loss(s, s("cross_entropy", logits, targets), logits, targets, None, "mean")


@hidden_test(Q, "cross_entropy supports reduction='sum' and reduction='none'", 3,
             ["cross_entropy"],
             "`reduction='sum'` adds the per-position losses; `reduction='none'` returns them "
             "unreduced, with the shape of `targets` (not flattened).",
             "mixed up the reductions (sum instead of mean, flattened 'none')",
             given=st.tuples(logits_and_targets(), st.sampled_from(["sum", "none"])),
             examples=[lecture(((LECTURE_BATCH, np.array([2, 2]), None), "sum"))])
def ce_reductions(s, case):
    (logits, targets, _), reduction = case
    got = s("cross_entropy", logits, targets, reduction=reduction)
    expect_loss(s, got, logits, targets, None, reduction)


@hidden_test(Q, "cross_entropy skips positions equal to ignore_index (-100 or a class id)", 3,
             ["cross_entropy"], IGNORE_HINT,
             "counted ignored positions in the loss or in N",
             given=st.tuples(logits_and_targets(ignore=True),
                             st.sampled_from(["mean", "sum", "none"])),
             examples=[lecture(((LECTURE_BATCH, np.array([2, -100]), -100), "mean")),
                       Worked(((LECTURE_BATCH, np.array([2, 0]), 0), "none"),
                              "The lecture's two positions, with `ignore_index=0`: the second "
                              "target is 0, so that position is ignored and `reduction='none'` "
                              "gives it a loss of 0.0: [0.69, 0.0].")])
def ce_ignore(s, case):
    (logits, targets, ignore_index), reduction = case
    got = s("cross_entropy", logits, targets, ignore_index=ignore_index, reduction=reduction)
    expect_loss(s, got, logits, targets, ignore_index, reduction)


@hidden_test(Q, "cross_entropy's mean is nan when every position is ignored", 1,
             ["cross_entropy"],
             "With every position ignored there is nothing to average: the mean is 0 / 0 = "
             "nan, as in PyTorch (not 0).",
             "returned 0 instead of nan when every position is ignored",
             cases=[(np.zeros((1, 3)), np.array([-100]), -100),
                    (np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([0, 0]), 0)])
def ce_all_ignored(s, case):
    logits, targets, ignore_index = case
    got = s("cross_entropy", logits, targets, ignore_index=ignore_index)
    expect_loss(s, got, logits, targets, ignore_index, "mean")


@hidden_test(Q, "cross_entropy is unchanged by adding a constant to the logits, even at 1e4",
             2, ["cross_entropy"], STABLE_HINT,
             "did not subtract the max (log-sum-exp trick): the loss overflows for large logits",
             given=st.tuples(logits_and_targets(elements=big_or_small(1e4)),
                             st.sampled_from([3.5, 1e4, -1e4])))
def ce_shift(s, case):
    (logits, targets, _), c = case
    scale = magnitude(logits) + abs(c)
    expect_loss(s, s("cross_entropy", logits, targets), logits, targets, None, "mean",
                scale=scale)
    shifted = logits + c
    expect_loss(s, s("cross_entropy", shifted, targets), logits, targets, None, "mean",
                scale=scale)


@hidden_test(Q, "cross_entropy works on float32 logits (float32 tolerance)", 1,
             ["cross_entropy"],
             "The same formula works in float32; keep the max subtraction (float32's `exp` "
             "overflows already above 88).",
             "did not handle float32 logits",
             given=logits_and_targets(dtype=np.float32, elements=big_or_small(100.0, np.float32)))
def ce_float32(s, case):
    logits, targets, _ = case
    expect_loss(s, s("cross_entropy", logits, targets), logits, targets, None, "mean",
                rtol=1e-4, scale=max(1.0, magnitude(logits)))


@hidden_test(Q, "cross_entropy_grad matches (softmax - onehot) / N on random logits", 3,
             ["cross_entropy_grad"], GRAD_HINT,
             "got the gradient's sign or its 1/N scaling wrong",
             given=logits_and_targets(), examples=[lecture((LECTURE, SAT, None), two=False)])
def grad_random(s, case):
    logits, targets, _ = case
    s.expect_array(s("cross_entropy_grad", logits, targets),
                   reference.cross_entropy_grad(logits, targets), "the gradient")


@hidden_test(Q, "cross_entropy_grad: zero rows where ignored, N counts the others only", 2,
             ["cross_entropy_grad"], GRAD_HINT + " " + IGNORE_HINT.split(": leave")[0] + ".",
             "counted ignored positions in N, or gave them a nonzero gradient",
             given=logits_and_targets(ignore=True),
             examples=[lecture((LECTURE_BATCH, np.array([-100, -100]), -100)),  # all ignored
                       lecture((LECTURE_BATCH, np.array([2, -100]), -100))])
def grad_ignore(s, case):
    logits, targets, ignore_index = case
    s.expect_array(s("cross_entropy_grad", logits, targets, ignore_index=ignore_index),
                   reference.cross_entropy_grad(logits, targets, ignore_index=ignore_index),
                   "the gradient")


@hidden_test(Q, "log_softmax, cross_entropy and cross_entropy_grad leave their inputs unchanged",
             1, ["log_softmax", "cross_entropy", "cross_entropy_grad"],
             "Compute new arrays (`shifted = logits - logits.max(...)`) instead of updating the "
             "inputs in place (`logits -= ...`, `targets[...] = 0`).",
             "modified logits or targets in place",
             given=logits_and_targets(ignore=True))
def xent_unchanged(s, case):
    logits, targets, ignore_index = case
    for function, kwargs in [("log_softmax", {}),
                             ("cross_entropy", {"ignore_index": ignore_index, "reduction": "none"}),
                             ("cross_entropy_grad", {"ignore_index": ignore_index})]:
        args = (logits,) if function == "log_softmax" else (logits, targets)
        result = s.ex(function, *args, return_args=True, **kwargs)
        s.expect_unchanged(result)
        s.expect_like(result.value, getattr(reference, function)(*args, **kwargs))


TESTS = (log_softmax_random, log_softmax_stable, log_softmax_float32, ce_random, ce_reductions,
         ce_ignore, ce_all_ignored, ce_shift, ce_float32, grad_random, grad_ignore,
         xent_unchanged)
