"""q2_causal_mask (20 points): the causal attention mask: causal_mask, causal_attention."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as nps

import reference

from .framework import (Worked, arrays, big_or_small, floats, hidden_test, magnitude, rtol_for,
                        show)

Q = "q2_causal_mask"
ATTENTION_HINT = ("`scores = q @ k^T / sqrt(d)` with d the size of the last axis of q and k "
                  "(transpose only the last two axes, `np.swapaxes(k, -1, -2)`, so batch and "
                  "head axes stay), set the future (`j > i`) to `-inf` *before* the softmax (not a big negative number: scores can reach 1e4), "
                  "softmax over the last axis (subtract each row's max first), then "
                  "`output = weights @ v`.")


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


HUGE_FUTURE = Worked(  # scores [[-1e4, 1e4], [0, 0]]: adding -1e4 to the future is not enough
    (np.array([[100.0], [0.0]]), np.array([[-100.0], [100.0]]), np.array([[1.0], [2.0]])),
    "Scores of magnitude 1e4 (allowed by the spec): query 0 scores -1e4 on its own key and "
    "+1e4 on the future key, so a mask that only adds -1e4 to the future lets it win.")


def check_attention(s, q, k, v, *, rtol=None):
    """Call causal_attention and compare output and weights with the float64 reference."""
    got = s.expect_sequence(s("causal_attention", q, k, v), 2, "(output, weights)")
    q64, k64, v64 = (x.astype(np.float64) for x in (q, k, v))
    output, weights = reference.causal_attention(q64, k64, v64)
    rtol = rtol or rtol_for(q, k, v)
    s.expect_array(got[1], weights, "weights", rtol=rtol)
    s.expect_array(got[0], output, "output", rtol=rtol, scale=max(1.0, magnitude(v)))
    return got


@hidden_test(Q, "causal_mask allows j <= i, the diagonal included, for T = 1 to 12", 4,
             ["causal_mask"],
             "`mask[i, j]` is True where query i may look at key j: the past and itself, "
             "`j <= i`. That is the lower triangle with the diagonal (`np.tril`), not the upper "
             "one, and not without the diagonal.",
             "off by one or transposed: the mask must allow j <= i (a token sees itself)",
             cases=range(1, 13))
def mask_values(s, T):
    got = s("causal_mask", T)
    expected = reference.causal_mask(T)
    if isinstance(got, np.ndarray) and got.dtype.kind in "biuf" and got.shape == (T, T):
        got = got != 0  # the dtype has its own test: here only which positions are allowed
    s.expect_array(got, expected, "the mask", kind="b")


@hidden_test(Q, "causal_mask returns a bool array", 2, ["causal_mask"],
             "Return `dtype=bool` (True = may attend), e.g. `np.tril(np.ones((T, T), "
             "dtype=bool))`: a mask of 0.0/1.0 floats is not the same thing.",
             "returned a 0/1 number array instead of a True/False mask",
             cases=(1, 4))
def mask_dtype(s, T):
    got = s("causal_mask", T)
    s.expect_array(got, reference.causal_mask(T), "the mask", kind="b")


@hidden_test(Q, "causal_attention matches the reference on random q, k, v", 4,
             ["causal_attention"], ATTENTION_HINT,
             "computed scaled dot-product attention incorrectly (scaling, axes or masking)",
             given=qkv(), examples=EXAMPLES)
def attention_random(s, case):
    check_attention(s, *case)


@hidden_test(Q, "causal_attention gives the future weight exactly 0 and rows summing to 1", 3,
             ["causal_attention"],
             "Mask the scores *before* the softmax (future scores set to `-inf`, so "
             "`exp(-inf) = 0` exactly), and take the softmax over the keys (the last axis): "
             "every row of weights then sums to 1. Zeroing weights after the softmax leaves "
             "rows that do not sum to 1.",
             "masked after the softmax, or took the softmax over the wrong axis",
             given=qkv(elements=floats(10.0)), examples=[HUGE_FUTURE])
def attention_weights(s, case):
    q, k, v = case
    got = s.expect_sequence(s("causal_attention", q, k, v), 2, "(output, weights)")
    T = q.shape[-2]
    expected = reference.causal_attention(q, k, v)[1]
    weights = s.expect_array(got[1], expected, "weights", values=False)
    leaks = np.argwhere((weights != 0) & ~reference.causal_mask(T))  # future positions
    if leaks.size:
        at = tuple(int(i) for i in leaks[0])
        s.fail(f"The weights must be exactly 0 where j > i (the future), got "
               f"`weights[{', '.join(map(str, at))}]` = {float(weights[at])!r} "
               f"(query i = {at[-2]}, key j = {at[-1]}).\n\nAll the weights: `{show(weights)}`")
    s.expect_array(weights.sum(axis=-1), np.ones(weights.shape[:-1]), "the row sums of weights")


@hidden_test(Q, "causal_attention stays finite and accurate for scores up to 1e4", 3,
             ["causal_attention"],
             "Subtract each row's max score before `exp` (after masking): the softmax does not "
             "change, and `exp` can no longer overflow to `inf` (exp(710) is already inf).",
             "did not subtract the max before exp: the softmax overflows for large scores",
             given=qkv(batch_dims=(0, 1), T=(1, 4), elements=big_or_small(70.0)))
def attention_stable(s, case):
    check_attention(s, *case)


@hidden_test(Q, "causal_attention keeps batch and head axes, and works for T = 1", 2,
             ["causal_attention"],
             "Use the last two axes only: `T, d = q.shape[-2], q.shape[-1]`, transpose with "
             "`np.swapaxes(k, -1, -2)` (not `k.T`, which reverses *all* axes), and let the "
             "(T, T) mask broadcast over the leading (batch, head) axes.",
             "assumed 2-d inputs (k.T, q.shape[0]) instead of (..., T, d)",
             given=st.one_of(qkv(batch_dims=(2, 2)), qkv(batch_dims=(0, 2), T=(1, 1))))
def attention_axes(s, case):
    check_attention(s, *case)


@hidden_test(Q, "causal_attention works on float32 inputs (float32 tolerance)", 1,
             ["causal_attention"],
             "Nothing special is needed for float32: the same formula, in the inputs' dtype.",
             "did not handle float32 inputs",
             given=qkv(dtype=np.float32, batch_dims=(0, 1)))
def attention_float32(s, case):
    check_attention(s, *case)


@hidden_test(Q, "causal_attention leaves q, k and v unchanged", 1, ["causal_attention"],
             "Compute new arrays (`scores = q @ ... / np.sqrt(d)`) instead of updating the "
             "inputs in place (`q /= np.sqrt(d)`).",
             "modified q, k or v in place", given=qkv(batch_dims=(0, 1)))
def attention_unchanged(s, case):
    result = s.ex("causal_attention", *case, return_args=True)
    s.expect_unchanged(result)
    s.expect_like(result.value, reference.causal_attention(*case))


TESTS = (mask_values, mask_dtype, attention_random, attention_weights, attention_stable,
         attention_axes, attention_float32, attention_unchanged)
