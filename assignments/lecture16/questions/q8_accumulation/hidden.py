"""q8_accumulation: accumulate_gradients.

One property per test; the points follow the ideas in ``IDEAS`` (weights; the part's extra
credit is set in otter_config.json): one micro-batch, or equal counts, give the plain mean (not a
sum); unequal counts weigh each micro-batch by its share of the tokens (the naive average is the
bug popular libraries shipped until 2024); a micro-batch with count 0 (gradient nan) is left
out; the contract (ValueErrors, inputs unchanged).
"""
from __future__ import annotations

import numpy as np

import reference

from autograder.hidden import (arrays, expect_raises, floats, hidden_test, ideas, Kind, magnitude,
                               nps, st, Worked)

from .question import ID as Q
from .question import IDEAS as _IDEAS

IDEAS = ideas(Q, _IDEAS)  # the weights live in question.py
NAMES = ("w", "b", "wte")
SHAPES = nps.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3)
RULE = ("The batch's loss is the mean over all its counted tokens: `sum_k counts[k] * "
        "grads[k][name] / sum(counts)` for every name.")

DIFFERENT = st.lists(st.integers(1, 64), min_size=2, max_size=5).filter(
    lambda c: len(set(c)) > 1)
"""counts of 2 to 5 micro-batches, not all equal (padding and ignore_index at work)"""
EQUAL = st.tuples(st.integers(1, 5), st.integers(1, 64)).map(lambda kc: [kc[1]] * kc[0])
"""1 to 5 micro-batches of the same count"""


@st.composite
def with_empty(draw):
    """Counts with 1 to 3 zeros among 1 to 3 equal positive counts, in any order."""
    positive = draw(st.integers(1, 64))
    counts = [positive] * draw(st.integers(1, 3)) + [0] * draw(st.integers(1, 3))
    return draw(st.permutations(counts))


@st.composite
def micro_batches(draw, counts):
    """(grads, counts): one gradient dict per count, the same names and shapes in each, of one
    magnitude (1, 1e-3 or 100); a micro-batch with count 0 has nan gradients (its mean loss is
    0 / 0)."""
    counts = list(draw(counts))
    shapes = {name: draw(SHAPES) for name in NAMES[:draw(st.integers(1, len(NAMES)))]}
    scale = draw(st.sampled_from([1.0, 1e-3, 100.0]))
    grads = [{name: np.full(shape, np.nan) if count == 0 else
              draw(arrays(np.float64, shape, floats(scale))) for name, shape in shapes.items()}
             for count in counts]
    return grads, counts


def expect_accumulated(s, got, grads, counts, fix=""):
    expected = reference.accumulate_gradients(grads, counts)
    s.expect_dict(got, expected.keys(), "the accumulated gradients")
    for name, g in expected.items():
        s.expect_array(got[name], g, f"result[{name!r}]", scale=max(1e-3, magnitude(g)),
                       fix=fix)


NAIVE = ("That is what averaging the micro-batches' gradients gives: right only when every "
         f"count is the same. {RULE}")


@hidden_test(question=Q, idea="mean",
             description="accumulate_gradients of one micro-batch, or of equal counts, is the "
                         "plain mean of the gradients",
             functions=["accumulate_gradients"],
             hint="Each micro-batch's gradient is already that of a *mean* loss: the result is a "
                  "weighted mean of them, weights `counts[k] / sum(counts)` that add up to 1 (a "
                  "single micro-batch gives its own gradient back). `sum_k counts[k] * "
                  "grads[k]` without dividing by `sum(counts)` is the gradient of the summed "
                  "loss, and dividing by K as well counts the micro-batches twice.",
             given=micro_batches(EQUAL),
             examples=[Worked(([{"w": np.array([0.5, -1.0])}], [7]),
                              "One micro-batch of 7 tokens: its own gradient.")])
def accumulate_mean(s, case):
    grads, counts = case
    got = s("accumulate_gradients", grads, counts)
    expect_accumulated(s, got, grads, counts)


@hidden_test(question=Q, idea="counts",
             description="accumulate_gradients weighs each micro-batch by its number of counted "
                         "tokens",
             functions=["accumulate_gradients"],
             hint=f"{RULE} Micro-batches count different numbers of tokens (padding, "
                  "ignore_index): averaging their gradients (`/ K`) gives a token of a short "
                  "micro-batch more weight than one of a long micro-batch, the bug popular "
                  "training libraries shipped until 2024.",
             given=micro_batches(DIFFERENT),
             examples=[Worked(([{"w": np.array([1.0])}, {"w": np.array([5.0])}], [3, 1]),
                              "3 tokens with gradient 1.0 and 1 token with gradient 5.0: "
                              "(3 * 1 + 1 * 5) / 4 = 2.0, not (1 + 5) / 2 = 3.0.")])
def accumulate_counts(s, case):
    grads, counts = case
    got = s("accumulate_gradients", grads, counts)
    naive = {k: np.mean([g[k] for g in grads], axis=0) for k in grads[0]}
    same = isinstance(got, dict) and all(
        isinstance(got.get(k), np.ndarray) and got[k].shape == v.shape
        and np.allclose(got[k], v, rtol=1e-6, atol=1e-9) for k, v in naive.items())
    expect_accumulated(s, got, grads, counts, fix=NAIVE if same else "")


@hidden_test(question=Q, idea="empty",
             description="accumulate_gradients leaves out a micro-batch with no counted token",
             functions=["accumulate_gradients"],
             hint="A micro-batch whose every target is ignored has count 0 and a nan gradient "
                  "(its mean loss is 0 / 0, as `cross_entropy` says). Its weight is 0, but "
                  "`0 * nan` is nan: skip it (`if count == 0: continue`) instead of multiplying.",
             given=micro_batches(with_empty()),
             examples=[Worked(([{"w": np.array([2.0])}, {"w": np.array([np.nan])},
                                {"w": np.array([4.0])}], [2, 0, 2]),
                              "Three micro-batches, the middle one all padding (count 0, "
                              "gradient nan): the mean of the other two, 3.0.")])
def accumulate_empty(s, case):
    grads, counts = case
    got = s("accumulate_gradients", grads, counts)
    expect_accumulated(s, got, grads, counts)


def _g(value):
    return {"w": np.array([value, -value])}


@hidden_test(question=Q, idea="contract",
             description="accumulate_gradients raises ValueError for mismatched lists, a negative "
                         "count or no counted token",
             functions=["accumulate_gradients"],
             hint="Check first: `len(grads) == len(counts) > 0`, every count >= 0 and "
                  "`sum(counts) > 0` (a batch whose every target is ignored has no mean loss); "
                  "raise `ValueError` otherwise, not `ZeroDivisionError` or a nan result.",
             cases=[([_g(1.0), _g(2.0)], [0, 0]), ([_g(1.0), _g(2.0)], [3]),
                    ([_g(1.0)], [3, 1]), ([_g(1.0), _g(2.0)], [5, -1]), ([], [])])
def accumulate_raises(s, case):
    grads, counts = case
    expect_raises(s, "ValueError", "Raise `ValueError` for these lists: see the hint.",
                  "accumulate_gradients", grads, counts)


@hidden_test(question=Q, idea="contract",
             description="accumulate_gradients leaves its inputs unchanged",
             functions=["accumulate_gradients"],
             hint="Build new arrays (`total = total + w * g`, starting from `np.zeros_like(g)`), "
                  "never `grads[0][name] += ...` or `*=` on a micro-batch's own array; return "
                  "a new array even for a single micro-batch.",
             checks=Kind.CHANGED_INPUT, given=micro_batches(DIFFERENT | EQUAL))
def accumulate_unchanged(s, case):
    grads, counts = case
    s.expect_unchanged(s.ex("accumulate_gradients", grads, counts, return_args=True,
                            raised_ok=True))
