"""t2_causal_attention: the torch track's hidden tests for this question. Their points are relative
weights that add up to 1 (the engine scales them by the extra credit set in
otter_config.json); the helpers they share are in autograder/hidden/torch_track.py."""
from __future__ import annotations

import numpy as np

import reference
from autograder.hidden import (big_or_small, DEVICE_HINT, device_of, dtypes, hidden_test,
                               magnitude, rtol_for, st, tensor, TorchTensor)
from assignments.lecture16.questions.q2_causal_mask.hidden import qkv

T2 = "t2_causal_attention"
T2_HINT = ("`scores = q @ k.transpose(-2, -1) / math.sqrt(d)`, "
           "`scores.masked_fill(~mask, float('-inf'))` with `mask = torch.ones(T, T, "
           "dtype=torch.bool, device=q.device).tril()`, `torch.softmax(scores, dim=-1)`, then "
           "`weights @ v`.")


def t2_check(s, case):
    q, k, v = case
    result = s.ex("causal_attention_torch", TorchTensor(q), TorchTensor(k), TorchTensor(v),
                  return_args=True)
    got = s.expect_sequence(result.value, 2, "(output, weights)")
    device = device_of(result.args)
    output = tensor(s, got[0], "output", q.dtype, device)
    weights = tensor(s, got[1], "weights", q.dtype, device)
    ref_output, ref_weights = reference.causal_attention(*(x.astype(np.float64) for x in case))
    rtol = rtol_for(q)
    s.expect_array(weights, ref_weights, "weights", rtol=rtol)
    future = ~reference.causal_mask(q.shape[-2])
    if np.any(weights[..., future] != 0):
        s.fail("The weights must be exactly 0 where j > i (the future): fill the masked scores "
               "with `float('-inf')` before the softmax.")
    s.expect_array(output, ref_output, "output", rtol=rtol, scale=max(1.0, magnitude(v)))


@hidden_test(question=T2,
             description="causal_attention_torch matches the reference, on the inputs' device and "
                         "dtype",
             points=0.5,
             functions=["causal_attention_torch"],
             hint=T2_HINT + " " + DEVICE_HINT,
             misconception="computed causal attention incorrectly with tensor operations",
             given=qkv(dtype=dtypes()))
def t2_value(s, case):
    t2_check(s, case)


@hidden_test(question=T2,
             description="causal_attention_torch: future weights exactly 0, finite for scores up "
                         "to 1e4",
             points=0.25,
             functions=["causal_attention_torch"],
             hint=T2_HINT + " `torch.softmax` is stable for large scores; a hand-written softmax "
                  "must subtract the row max.",
             misconception="masked after the softmax, or overflowed for large scores",
             given=qkv(batch_dims=(0, 1), T=(1, 4), elements=big_or_small(70.0)))
def t2_stable(s, case):
    t2_check(s, case)


@hidden_test(question=T2,
             description="causal_attention_torch keeps batch and head axes, and works for T = 1",
             points=0.25,
             functions=["causal_attention_torch"],
             hint="Use `q.shape[-2]`, `q.shape[-1]` and `k.transpose(-2, -1)` (not `k.T`), and let "
                  "the (T, T) mask broadcast over the leading axes.",
             misconception="assumed 2-d inputs instead of (..., T, d)",
             given=st.one_of(qkv(batch_dims=(2, 2)), qkv(batch_dims=(0, 2), T=(1, 1))))
def t2_axes(s, case):
    t2_check(s, case)
