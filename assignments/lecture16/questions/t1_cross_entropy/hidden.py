"""t1_cross_entropy: the torch track's hidden tests for this question. Their points are relative
weights that add up to 1 (the engine scales them by the extra credit set in
otter_config.json); the helpers they share are in autograder/hidden/torch_track.py."""
from __future__ import annotations

import numpy as np

import reference
from autograder.hidden import (DEVICE_HINT, device_of, dtypes, hidden_test, rtol_for, tensor,
                               TorchTensor)
from assignments.lecture16.questions.q3_cross_entropy.hidden import (GRAD_HINT, IGNORE_HINT,
                                                                     logits_and_targets)

T1 = "t1_cross_entropy"
T1_HINT = ("Mean over the positions not ignored of `-log_softmax(logits)[..., target]`, with "
           "`log_softmax = logits - torch.logsumexp(logits, dim=-1, keepdim=True)` (stable), "
           "returned as a 0-d tensor. " + IGNORE_HINT)


def t1_cases(ignore):
    return logits_and_targets(dtype=dtypes(), ignore=ignore)


def t1_check(s, case):
    logits, targets, ignore_index = case
    result = s.ex("cross_entropy_torch", TorchTensor(logits), TorchTensor(targets),
                  ignore_index=ignore_index, return_args=True)
    loss = tensor(s, result.value, "the loss", logits.dtype, device_of(result.args))
    expected = reference.cross_entropy(logits.astype(np.float64), targets, ignore_index)
    s.expect_array(loss, np.asarray(expected), "the mean loss", rtol=rtol_for(logits))


@hidden_test(question=T1,
             description="cross_entropy_torch matches the mean cross-entropy, on the logits' "
                         "device and dtype",
             points=0.5,
             functions=["cross_entropy_torch"],
             hint=T1_HINT + " " + DEVICE_HINT,
             misconception="did not compute the mean cross-entropy with tensor operations",
             given=t1_cases(ignore=False))
def t1_value(s, case):
    t1_check(s, case)


@hidden_test(question=T1,
             description="cross_entropy_torch skips positions equal to ignore_index (-100 or a "
                         "class id)",
             points=0.25,
             functions=["cross_entropy_torch"],
             hint=T1_HINT,
             misconception="counted ignored positions in the loss or in N",
             given=t1_cases(ignore=True))
def t1_ignore(s, case):
    t1_check(s, case)


@hidden_test(question=T1,
             description="cross_entropy_torch is differentiable: its gradient is (softmax - "
                         "onehot) / N",
             points=0.25,
             functions=["cross_entropy_torch"],
             hint="Build the loss from differentiable torch operations on `logits` (no "
                  "`.item()`, `.numpy()`, `.detach()` or `torch.tensor(...)` of intermediate "
                  "values): autograd then gives " + GRAD_HINT[GRAD_HINT.index("`(softmax"):],
             misconception="broke the autograd graph, or got the 1/N scaling wrong",
             given=logits_and_targets(ignore=True))
def t1_grad(s, case):
    logits, targets, ignore_index = case
    result = s.ex("cross_entropy_torch", TorchTensor(logits, requires_grad=True),
                  TorchTensor(targets), ignore_index=ignore_index, backward=True)
    grad = result.grads[0] if result.grads else None
    if grad is None:
        s.fail("No gradient reached `logits` after `loss.backward()`: the loss is not "
               "connected to `logits` in the autograd graph.")
    expected = reference.cross_entropy_grad(logits, targets, ignore_index=ignore_index)
    s.expect_array(getattr(grad, "array", grad), expected, "logits.grad")
