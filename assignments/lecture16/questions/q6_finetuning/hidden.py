"""q6_finetuning: from a foundation model to an instruct model: sft_example, pad_batch.

One property per test; the points follow the ideas in ``IDEAS`` (weights; the question's points
are in question.py): the shift by one (the inputs, the values of the targets that
count), the prompt mask (off by one?), eos_id=0, right padding (inputs with pad_id, targets with
ignore_index, an empty batch), and the contract (int64, empty inputs, arrays as inputs,
unchanged inputs).
"""
from __future__ import annotations

import numpy as np

import reference

from autograder.hidden import (describe, expect_raises, hidden_test, ideas, Kind, show, st,
                               Worked)

from .question import ID as Q
from .question import IDEAS as _IDEAS

IDEAS = ideas(Q, _IDEAS)  # the weights live in question.py
SFT_HINT = ("The sequence is `prompt + response (+ [eos_id])`; `inputs = seq[:-1]`, "
            "`targets = seq[1:]` (position t predicts token t+1); then the targets at positions "
            "`t < len(prompt) - 1` become `ignore_index`.")
PAD_HINT = ("Make two `(n, L)` int64 arrays, L the longest example: `inputs` filled with "
            "`pad_id`, `targets` with `ignore_index`, then copy each example into the *start* of "
            "its row (right padding).")

# token ids 0..9: prompt and response often share tokens (a mask built from token values, not
# from positions, then shows)
TOKENS = st.integers(0, 9)
PROMPTS = st.lists(TOKENS, min_size=1, max_size=6)
RESPONSES = st.lists(TOKENS, min_size=1, max_size=6)
EOS = st.none() | st.integers(1, 12)  # eos_id=0 has its own test
IGNORE = st.sampled_from([-100, -1, 99])


def sft_call(s, prompt, response, eos_id, ignore_index):
    """Call sft_example (defaults left out where the case uses them); the (inputs, targets)."""
    kwargs = {}
    if eos_id is not None:
        kwargs["eos_id"] = eos_id
    if ignore_index != -100:
        kwargs["ignore_index"] = ignore_index
    got = s.expect_sequence(s("sft_example", prompt, response, **kwargs), 2,
                            "(inputs, targets)")
    return [one_d(s, g, what) for g, what in zip(got, ("inputs", "targets"))]


def one_d(s, got, what):
    """A 1-D numpy array of numbers (its dtype is the int64 test's business)."""
    if not isinstance(got, np.ndarray) or got.ndim != 1 or got.dtype.kind not in "iuf":
        s.fail(f"Expected {what} to be a 1-D numpy array of token ids, got {describe(got)}: "
               f"`{show(got)}`.")
    return got


def sequence(prompt, response, eos_id):
    return list(prompt) + list(response) + ([] if eos_id is None else [eos_id])


# ----------------------------------------------------------------------------- sft_example
@hidden_test(question=Q, idea="shift",
             description="sft_example's inputs are prompt + response (+ eos) without the last "
                         "token",
             functions=["sft_example"],
             hint="`inputs` is the whole sequence `prompt + response (+ [eos_id])` without its "
                  "last token: the model reads the prompt too, only its *targets* are ignored. "
                  "Append `eos_id` when it is not None (and nothing when it is None). "
                  + SFT_HINT,
             given=st.tuples(PROMPTS, RESPONSES, EOS, IGNORE),
             examples=[Worked(([5, 6, 7], [8, 9], 1, -100), "The docstring's example.")])
def sft_inputs(s, case):
    prompt, response, eos_id, ignore_index = case
    inputs, _ = sft_call(s, *case)
    expected, _ = reference.sft_example(prompt, response, eos_id, ignore_index)
    s.expect_array(inputs, expected, "inputs", kind="iuf", exact=True,
                   fix=f"The sequence is `{sequence(prompt, response, eos_id)}`.")


@hidden_test(question=Q, idea="mask",
             description="sft_example ignores exactly the prompt's targets: positions "
                         "t < len(prompt) - 1",
             functions=["sft_example"],
             hint="Set `targets[:len(prompt) - 1] = ignore_index` (the `ignore_index` you are "
                  "given, not always -100). Not `len(prompt)`: position `len(prompt) - 1` holds "
                  "the last prompt token and predicts the *first response token*, which must be "
                  "learned. Mask by position, not by token value (a response may repeat a "
                  "prompt token).",
             given=st.tuples(PROMPTS, RESPONSES, EOS, IGNORE),
             examples=[Worked(([5, 6, 7], [8, 9], None, -100),
                              "A 3-token prompt: targets 0 and 1 are ignored, target 2 (the "
                              "first response token, 8) counts.")])
def sft_mask(s, case):
    prompt, response, eos_id, ignore_index = case
    _, targets = sft_call(s, *case)
    P = len(prompt)
    ignored = targets == ignore_index  # (S - 1,)
    should = np.arange(len(targets)) < P - 1
    if np.array_equal(ignored, should):
        return
    where = np.flatnonzero(ignored).tolist()
    why = (f"With a prompt of {P} token{'s' * (P != 1)}, exactly the positions t < {P - 1} "
           f"should hold ignore_index={ignore_index}; got it at positions {where} in "
           f"`{show(targets)}`.")
    if ignore_index != -100 and not ignored.any() and (targets[:P - 1] == -100).all() and P > 1:
        why += " You used -100, not the `ignore_index` argument."
    elif where == list(range(P)):
        why += (" One too many: the last prompt token's position predicts the first response "
                "token, and that target counts.")
    elif where == list(range(P - 2)):
        why += " One too few: the targets before position len(prompt) - 1 are prompt tokens."
    s.fail(why)


@hidden_test(question=Q, idea="shift",
             description="sft_example's targets that count are the next tokens: the response, "
                         "then eos",
             functions=["sft_example"],
             hint="Shift by one: `targets = seq[1:]`, so the target at position t is token t+1 of "
                  "the sequence (the first response token at position `len(prompt) - 1`, and eos "
                  "last). " + SFT_HINT,
             given=st.tuples(PROMPTS, RESPONSES, EOS, IGNORE))
def sft_values(s, case):
    prompt, response, eos_id, ignore_index = case
    _, targets = sft_call(s, *case)
    seq = sequence(prompt, response, eos_id)
    for t, value in enumerate(targets.tolist()):
        if value == ignore_index or value < 0:
            continue  # ignored (token ids are >= 0): which ones is another test's business
        if t + 1 >= len(seq):
            s.fail(f"The sequence `{seq}` has {len(seq)} tokens, so there are {len(seq) - 1} "
                   f"targets; got {len(targets)}: `{show(targets)}`.")
        if value != seq[t + 1]:
            s.fail(f"Expected targets[{t}] = {seq[t + 1]} (token {t + 1} of the sequence "
                   f"`{seq}`), got {show(value)} in `{show(targets)}`.")


@hidden_test(question=Q, idea="eos",
             description="sft_example treats eos_id=0 as a real token and appends it",
             functions=["sft_example"],
             hint="0 is a valid token id: test `if eos_id is not None:`, not `if eos_id:` (0 "
                  "counts as false). With eos the model learns to stop: the sequence is one "
                  "token longer.",
             given=st.tuples(PROMPTS, RESPONSES),
             examples=[([5, 6, 7], [8, 9])])
def sft_eos_zero(s, case):
    prompt, response = case
    inputs, targets = sft_call(s, prompt, response, 0, -100)
    n = len(prompt) + len(response)
    if len(targets) != n:  # (the inputs have their own test)
        s.fail(f"The sequence is `{sequence(prompt, response, 0)}` ({n + 1} tokens: the eos 0 "
               f"at the end), so {n} targets. Got targets `{show(targets)}` (and inputs "
               f"`{show(inputs)}`).")


@hidden_test(question=Q, idea="contract",
             description="sft_example raises ValueError for an empty prompt or an empty response",
             functions=["sft_example"],
             hint="Check first: `if len(prompt_ids) == 0 or len(response_ids) == 0: raise "
                  "ValueError(...)`. Without a prompt there is no position to predict the first "
                  "response token from; without a response there is nothing to learn.",
             cases=[([], [4, 5], None), ([1, 2], [], 0), ([], [], 7), ([], [3], 0)])
def sft_empty(s, case):
    prompt, response, eos_id = case
    expect_raises(s, "ValueError", "Raise `ValueError` when the prompt or the response is empty.",
                  "sft_example", prompt, response, eos_id=eos_id)


@hidden_test(question=Q, idea="contract",
             description="sft_example gives the same for numpy arrays as for lists",
             functions=["sft_example"],
             hint="The prompt and the response may come as numpy arrays: `a + b` then adds them "
                  "element by element (or fails) instead of joining them. Join with "
                  "`np.concatenate` (or turn them into lists first).",
             given=st.tuples(PROMPTS, RESPONSES, EOS),
             examples=[([5, 6], [8, 9], None)])
def sft_arrays(s, case):
    prompt, response, eos_id = case
    arrays = np.array(prompt, dtype=np.int64), np.array(response, dtype=np.int64)
    got = s.expect_sequence(s("sft_example", *arrays, eos_id=eos_id), 2, "(inputs, targets)")

    def judge():
        for g, want, what in zip(got, reference.sft_example(prompt, response, eos_id=eos_id),
                                 ("inputs", "targets")):
            s.expect_array(g, want, what, kind="iuf", exact=True)

    def relative():  # wrong otherwise: is it at least the same as for lists?
        from_lists = s.expect_sequence(s("sft_example", prompt, response, eos_id=eos_id), 2,
                                       "(inputs, targets)")
        for g, want, what in zip(got, from_lists, ("inputs", "targets")):
            want = one_d(s, want, what)
            s.expect_array(g, want, what, kind="iuf", exact=True, fix=f"The same prompt and "
                           f"response as lists gave {what} `{show(want)}`.")

    s.either(judge, relative)


# ----------------------------------------------------------------------------- pad_batch
@st.composite
def examples_batch(draw, min_size=1):
    """A list of (inputs, targets) int64 pairs of lengths 1..6, as sft_example returns."""
    n = draw(st.integers(min_size, 4))
    batch = []
    for _ in range(n):
        length = draw(st.integers(1, 6))
        x = np.array(draw(st.lists(TOKENS, min_size=length, max_size=length)), dtype=np.int64)
        y = np.array(draw(st.lists(TOKENS | st.just(-100), min_size=length, max_size=length)),
                     dtype=np.int64)
        batch.append((x, y))
    return batch


PAD_IDS = st.integers(0, 12)
PAD_IGNORE = st.sampled_from([-100, -1])


def pad_call(s, examples, pad_id, ignore_index):
    kwargs = {} if ignore_index == -100 else {"ignore_index": ignore_index}
    return s.expect_sequence(s("pad_batch", examples, pad_id, **kwargs), 2, "(inputs, targets)")


@hidden_test(question=Q, idea="padding",
             description="pad_batch right-pads the inputs with pad_id: each row starts with its "
                         "example",
             functions=["pad_batch"],
             hint="Row i of `inputs` is example i's inputs followed by `pad_id` up to the longest "
                  "length L: `inputs[i, :len(x)] = x`. Padding on the left would shift every real "
                  "token's position. " + PAD_HINT,
             given=st.tuples(examples_batch(), PAD_IDS, PAD_IGNORE),
             examples=[([(np.array([5, 6]), np.array([6, 7])), (np.array([8]), np.array([9]))],
                        0, -100)])
def pad_right(s, case):
    examples, pad_id, ignore_index = case
    got = pad_call(s, *case)
    expected, _ = reference.pad_batch(examples, pad_id, ignore_index)
    left = np.array([np.r_[np.full(expected.shape[1] - len(x), pad_id), x] for x, _ in examples])
    fix = ("This is the batch padded on the left: pad on the right."
           if isinstance(got[0], np.ndarray) and got[0].shape == left.shape
           and np.array_equal(got[0], left) and not np.array_equal(left, expected) else "")
    s.expect_array(got[0], expected, "inputs", kind="iuf", exact=True, fix=fix)


@hidden_test(question=Q, idea="padding",
             description="pad_batch pads the targets with ignore_index, never with pad_id",
             functions=["pad_batch"],
             hint="Fill the targets' padding with `ignore_index` (the argument, -100 by default), "
                  "not with `pad_id`: a target of `pad_id` would teach the model to predict "
                  "padding. " + PAD_HINT,
             given=st.tuples(examples_batch(), PAD_IDS, PAD_IGNORE))
def pad_targets(s, case):
    examples, pad_id, ignore_index = case
    _, targets = pad_call(s, *case)
    _, expected = reference.pad_batch(examples, pad_id, ignore_index)
    s.expect_array(targets, expected, "targets", kind="iuf", values=False)
    L = expected.shape[1]
    for i, (_, y) in enumerate(examples):  # either side is fine here: pad_right checks the side
        row = targets[i]  # and the real targets are pad_keeps_targets' business
        if (row[len(y):] == ignore_index).all() or (row[:L - len(y)] == ignore_index).all():
            continue
        fill = np.full(L - len(y), ignore_index)
        why = (f"Row {i} holds {len(y)} real targets, so its last {L - len(y)} should be "
               f"ignore_index: `{show(np.r_[y, fill])}`; got `{show(row)}`.")
        if (row[len(y):] == pad_id).all():
            why += f" Its padding is pad_id={pad_id}, not ignore_index={ignore_index}."
        s.fail(why)


@st.composite
def pad_id_among_targets(draw):
    """(examples, pad_id, ignore_index) where pad_id is one of the real targets, by construction
    (pad_id = eos_id is common, and eos is a real target)."""
    examples = draw(examples_batch())
    real = sorted({int(v) for _, y in examples for v in y if v >= 0})
    if not real:
        examples[0][1][0] = 3
        real = [3]
    return examples, draw(st.sampled_from(real)), draw(PAD_IGNORE)


@hidden_test(question=Q, idea="padding",
             description="pad_batch keeps every real target, also one equal to pad_id",
             functions=["pad_batch"],
             hint="Pad by position, not by value: copy each example's targets into a row full of "
                  "`ignore_index` (`targets[i, :len(y)] = y`). Replacing by value afterwards, "
                  "`targets[targets == pad_id] = ignore_index` (the transformers collators' "
                  "idiom), also erases every real target that equals `pad_id`: with `pad_id = "
                  "eos_id`, a common choice, the model never learns to stop.",
             given=pad_id_among_targets(),
             examples=[Worked(([(np.array([5, 6, 7]), np.array([6, 7, 0])),
                                (np.array([8]), np.array([0]))], 0, -100),
                              "pad_id = eos_id = 0: the eos targets are real and must stay.")])
def pad_keeps_targets(s, case):
    examples, pad_id, ignore_index = case
    _, targets = pad_call(s, *case)
    _, expected = reference.pad_batch(examples, pad_id, ignore_index)
    s.expect_array(targets, expected, "targets", kind="iuf", values=False)
    L = expected.shape[1]
    for i, (_, y) in enumerate(examples):  # either side is fine here: pad_right checks the side
        row = targets[i]
        if np.array_equal(row[:len(y)], y) or np.array_equal(row[L - len(y):], y):
            continue
        why = f"Row {i}'s real targets should be `{show(y)}`, got the row `{show(row)}`."
        lost = [t for t in range(len(y)) if y[t] == pad_id and row[t] == ignore_index]
        if lost:
            why += (f" The real target{'s' * (len(lost) > 1)} at position{'s' * (len(lost) > 1)} "
                    f"{lost} equal{'s' * (len(lost) == 1)} pad_id={pad_id} and became "
                    f"ignore_index={ignore_index}: the padding was found by value, not by "
                    "position.")
        s.fail(why)


@hidden_test(question=Q, idea="padding",
             description="pad_batch of an empty list gives two arrays of shape (0, 0)",
             functions=["pad_batch"], weight=0.5,
             hint="With no examples the longest length is 0: `max(..., default=0)` (plain `max` of "
                  "nothing raises). Return `np.full((0, 0), pad_id)` and its targets twin.",
             cases=[([], 0, -100), ([], 3, -1)])
def pad_empty(s, case):
    got = pad_call(s, *case)
    for array, what in zip(got, ("inputs", "targets")):
        s.expect_array(array, np.zeros((0, 0), dtype=np.int64), what, kind="iuf", exact=True)


# ----------------------------------------------------------------------------- both
@hidden_test(question=Q, idea="contract",
             description="sft_example and pad_batch return int64 arrays, also for int32 inputs",
             functions=["sft_example", "pad_batch"],
             hint="PyTorch's cross-entropy wants int64 class indices: build the arrays with "
                  "`dtype=np.int64`, whatever the inputs' dtype (int32 arrays stay int32 through "
                  "`np.concatenate`, `np.full_like` or `dtype=x.dtype`). Watch out for "
                  "`np.array([])` (a float array: the sequence becomes float when eos_id is None) "
                  "and `np.zeros((n, L))` (float too).",
             checks=Kind.DTYPE,
             given=st.tuples(PROMPTS, RESPONSES, EOS, examples_batch(), PAD_IDS),
             examples=[([5, 6, 7], [8, 9], None, [(np.array([5, 6]), np.array([6, 7]))], 0)])
def int64(s, case):  # lists and int64 arrays, then the same as int32 arrays: by construction
    prompt, response, eos_id, examples, pad_id = case
    pair = s.expect_sequence(s("sft_example", prompt, response, eos_id=eos_id), 2,
                             "(inputs, targets)")
    expect_int64(s, pair)
    expect_int64(s, pad_call(s, examples, pad_id, -100))
    as_int32 = np.array(prompt, dtype=np.int32), np.array(response, dtype=np.int32)
    pair = s.expect_sequence(s("sft_example", *as_int32, eos_id=eos_id), 2, "(inputs, targets)")
    expect_int64(s, pair, " from int32 prompt and response arrays")
    examples32 = [(x.astype(np.int32), y.astype(np.int32)) for x, y in examples]
    expect_int64(s, pad_call(s, examples32, pad_id, -100), " from int32 examples")


def expect_int64(s, pair, given=""):
    """Both arrays of ``(inputs, targets)`` are int64 (their values are other tests' business)."""
    for got, what in zip(pair, ("inputs", "targets")):
        if not isinstance(got, np.ndarray):
            s.fail(f"Expected {what} to be an int64 array, got {describe(got)}: `{show(got)}`.",
                   kind=Kind.TYPE)
        if got.dtype != np.int64:
            s.fail(f"Expected {what}{given} to be an int64 array, got {describe(got)}: "
                   f"`{show(got)}`.",
                   kind=Kind.DTYPE)


@hidden_test(question=Q, idea="contract", description="sft_example leaves its inputs unchanged",
             functions=["sft_example"], weight=0.5, checks=Kind.CHANGED_INPUT,
             hint="Build a new list: `seq = list(prompt_ids) + list(response_ids)`, not "
                  "`prompt_ids += response_ids`, `.extend(...)` or `.append(eos_id)` on the "
                  "prompt.",
             given=st.tuples(PROMPTS, RESPONSES, EOS))
def sft_unchanged(s, case):
    prompt, response, eos_id = case
    s.expect_unchanged(s.ex("sft_example", prompt, response, eos_id, return_args=True,
                            raised_ok=True))


@hidden_test(question=Q, idea="contract", description="pad_batch leaves its inputs unchanged",
             functions=["pad_batch"], weight=0.5, checks=Kind.CHANGED_INPUT,
             hint="Copy each example into a new batch array (`inputs[i, :len(x)] = x`); do not "
                  "pad the examples' own arrays or lists in place.",
             given=st.tuples(examples_batch(), PAD_IDS))
def pad_unchanged(s, case):
    examples, pad_id = case
    s.expect_unchanged(s.ex("pad_batch", examples, pad_id, return_args=True, raised_ok=True))
