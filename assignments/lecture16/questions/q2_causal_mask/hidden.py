"""q2_causal_mask: the causal attention mask: causal_mask, causal_attention.

One property per test; the points follow the ideas in ``IDEAS`` (weights; the question's points
are in question.py).
"""
from __future__ import annotations

import numpy as np

import reference

from autograder.hidden import (arrays, big_or_small, floats, hidden_test, ideas, Kind, magnitude,
                               nps, rtol_for, show, st, Worked)

from .question import ID as Q
from .question import IDEAS as _IDEAS

IDEAS = ideas(Q, _IDEAS)  # the weights live in question.py
ATTENTION_HINT = ("`scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)` with d the size of the "
                  "last axis of q (not of v, not d itself), the future set to `-inf`, a softmax "
                  "over the last axis (the keys), then `output = weights @ v`.")


@st.composite
def qkv(draw, *, dtype=np.float64, batch_dims=(0, 2), T=(1, 6), elements=None):
    """(q, k, v) of shapes (..., T, d), (..., T, d), (..., T, dv), 0 to 2 batch axes of size
    at most 2 (batch, head). ``dtype`` may be a strategy."""
    if isinstance(dtype, st.SearchStrategy):
        dtype = draw(dtype)
    batch = draw(nps.array_shapes(min_dims=batch_dims[0], max_dims=batch_dims[1], min_side=1,
                                  max_side=2))
    t = draw(st.integers(*T))
    d, dv = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    elements = floats(3.0, dtype) if elements is None else elements
    q = draw(arrays(dtype, (*batch, t, d), elements))
    k = draw(arrays(dtype, (*batch, t, d), elements))
    v = draw(arrays(dtype, (*batch, t, dv), floats(10.0, dtype)))
    return q, k, v


EXAMPLES = [  # equal scores: running means of v; then scores that need the 1/sqrt(d)
    (np.zeros((1, 3, 2)), np.zeros((1, 3, 2)), np.array([[[1.0], [2.0], [6.0]]])),
    (np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]]), np.array([[1.0, 2.0], [0.5, -1.0],
                                                                [2.0, 0.0]]),
     np.array([[1.0], [2.0], [6.0]])),
]
HUGE_FUTURE = Worked(  # scores [[0, 1e4], [0, 0]]
    (np.array([[100.0], [0.0]]), np.array([[0.0], [100.0]]), np.array([[1.0], [2.0]])),
    "Scores of magnitude 1e4 (allowed by the spec): query 0 scores 0 on its own key and +1e4 "
    "on the future key. Adding -1e4 to the future is not enough to mask it, and a softmax "
    "taken before masking gives the past a weight of 0.")


def attention(s, q, k, v):
    """The student's (output, weights)."""
    return s.expect_sequence(s("causal_attention", q, k, v), 2, "(output, weights)")


@hidden_test(question=Q, idea="diagonal", description="causal_mask allows j <= i, the diagonal "
             "included, for T = 1 to 12", functions=["causal_mask"],
             hint="`mask[i, j]` is True where query i may look at key j: the past and itself, "
                  "`j <= i`. That is the lower triangle with the diagonal (`np.tril`), not the "
                  "upper one, and not without the diagonal: a token sees itself.",
             cases=range(1, 13))
def mask_values(s, T):
    s.expect_array(s("causal_mask", T), reference.causal_mask(T), "the mask")  # any dtype


@hidden_test(question=Q, idea="contract", description="causal_mask returns a bool array",
             functions=["causal_mask"], checks=Kind.DTYPE,
             hint="Return `dtype=bool` (True = may attend), e.g. `np.tril(np.ones((T, T), "
                  "dtype=bool))`: a mask of 0.0/1.0 floats is not the same thing.",
             cases=(1, 4))
def mask_dtype(s, T):
    s.expect_dtype(s("causal_mask", T), "b", "the mask")


@hidden_test(question=Q, idea="contract", description="causal_attention leaves q, k and v "
             "unchanged", functions=["causal_attention"], checks=Kind.CHANGED_INPUT,
             hint="Compute new arrays (`scores = q @ ... / np.sqrt(d)`) instead of updating the "
                  "inputs in place (`q /= np.sqrt(d)`).",
             given=qkv(batch_dims=(0, 0)))
def attention_unchanged(s, case):
    s.expect_unchanged(s.ex("causal_attention", *case, return_args=True, raised_ok=True))


@hidden_test(question=Q, idea="masking", description="causal_attention gives the future weight "
             "exactly 0 and rows summing to 1", functions=["causal_attention"],
             hint="Mask the scores *before* the softmax (future scores set to `-inf`, so "
                  "`exp(-inf) = 0` exactly: not a big negative number, scores can reach 1e4), "
                  "and take the softmax over the keys (the last axis): every row of weights "
                  "then sums to 1. Zeroing weights after the softmax leaves rows that do not sum "
                  "to 1, or 0/0 when the future dominated.",
             checks=Kind.NAN, given=qkv(batch_dims=(0, 0), elements=floats(10.0)),
             examples=[HUGE_FUTURE])
def attention_weights(s, case):
    q, k, v = case
    weights = s.expect_array(attention(s, q, k, v)[1], reference.causal_attention(q, k, v)[1],
                             "weights", values=False)
    T = q.shape[-2]
    leaks = np.argwhere((weights != 0) & ~reference.causal_mask(T))  # future positions
    if leaks.size:
        at = tuple(int(i) for i in leaks[0])
        s.fail(f"The weights must be exactly 0 where j > i (the future), got "
               f"`weights[{', '.join(map(str, at))}]` = {float(weights[at])!r} "
               f"(query i = {at[-2]}, key j = {at[-1]}).\n\nAll the weights: `{show(weights)}`")
    s.expect_array(weights.sum(axis=-1), np.ones(weights.shape[:-1]), "the row sums of weights")


@hidden_test(question=Q, idea="stable", description="causal_attention stays finite for scores "
             "up to 1e4", functions=["causal_attention"], checks=Kind.NAN,
             hint="Subtract each row's max score before `exp` (after masking): the softmax does "
                  "not change, and `exp` can no longer overflow to `inf` (exp(710) is already "
                  "inf) or underflow every entry of a row to 0.",
             given=qkv(batch_dims=(0, 0), T=(1, 4), elements=big_or_small(70.0)))
def attention_stable(s, case):
    q, k, v = case
    output, weights = attention(s, q, k, v)
    s.expect_array(weights, np.zeros(q.shape[:-1] + (q.shape[-2],)), "weights", values=False)
    s.expect_array(output, np.zeros(v.shape), "output", values=False)
    s.expect_finite((output, weights), "(output, weights)")


@hidden_test(question=Q, idea="axes", description="causal_attention keeps batch and head axes "
             "(each slice as on its own) and works for T = 1", functions=["causal_attention"],
             hint="Use the last two axes only: `T, d = q.shape[-2], q.shape[-1]`, transpose with "
                  "`np.swapaxes(k, -1, -2)` (not `k.T`, which reverses *all* axes), and let the "
                  "(T, T) mask broadcast over the leading (batch, head) axes. Your result on a "
                  "batch is compared with the reference's (or, where another mistake of yours "
                  "explains the difference, with your own results on each slice).",
             given=st.one_of(qkv(batch_dims=(1, 2)), qkv(batch_dims=(0, 0), T=(1, 1))))
def attention_axes(s, case):
    q, k, v = case
    output, weights = attention(s, q, k, v)
    if q.ndim == 2:  # T = 1: the token attends to itself only
        s.expect_array(weights, np.ones((1, 1)), "weights (T = 1)")
        s.expect_array(output, v, "output (T = 1: the value itself)")
        return
    weights = s.expect_array(weights, np.zeros(q.shape[:-1] + (q.shape[-2],)), "weights",
                             values=False)
    output = s.expect_array(output, np.zeros(v.shape), "output", values=False)

    def judge():
        out, w = reference.causal_attention(q, k, v)
        s.expect_array(weights, w, "weights (a batch)", rtol=rtol_for(q, k, v))
        s.expect_array(output, out, "output (a batch)", rtol=rtol_for(q, k, v),
                       scale=max(1.0, magnitude(v)))

    def relative():  # wrong otherwise: is each slice at least as on its own?
        for index in np.ndindex(*q.shape[:-2]):
            alone_out, alone_w = attention(s, q[index], k[index], v[index])
            s.context = f"The slice `[{', '.join(map(str, index))}]` of the batch on its own:"
            s.expect_array(weights[index], s.array(alone_w, "weights"),
                           f"weights[{index}] (your weights for the slice alone)", rtol=1e-9)
            s.expect_array(output[index], s.array(alone_out, "output"), f"output[{index}] (your "
                           "output for the slice alone)", rtol=1e-9, scale=max(1.0, magnitude(v)))

    s.either(judge, relative)


@hidden_test(question=Q, idea="scaling", description="causal_attention matches the reference on "
             "random q, k, v (float64 and float32)", functions=["causal_attention"],
             hint=ATTENTION_HINT,
             given=qkv(dtype=st.sampled_from([np.float64, np.float32])), examples=EXAMPLES)
def attention_random(s, case):
    q, k, v = case
    output, weights = attention(s, q, k, v)
    expected_out, expected_w = reference.causal_attention(*(x.astype(np.float64) for x in case))
    rtol = rtol_for(q, k, v)
    s.expect_array(weights, expected_w, "weights", rtol=rtol)
    s.expect_array(output, expected_out, "output", rtol=rtol, scale=max(1.0, magnitude(v)))
