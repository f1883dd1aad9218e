"""q4_perplexity (10 points): perplexity, corpus_perplexity."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as nps

import reference

from .framework import Worked, arrays, floats, hidden_test
from .q3_cross_entropy import LEAD_SHAPES, LECTURE, SAT, lecture, logits_and_targets

Q = "q4_perplexity"
PPL_HINT = ("Perplexity is `exp` of the *mean* cross-entropy over the positions (natural log, "
            "so `np.exp`, not `2 **`): `exp(-(1/N) * sum log p(target))`.")


def expect_ppl(s, got, logits, targets, ignore_index=None):
    expected = reference.perplexity(logits, targets, ignore_index=ignore_index)
    s.expect_scalar(got, expected, "the perplexity")


@hidden_test(Q, "perplexity is exp of the mean cross-entropy on random logits", 2,
             ["perplexity"], PPL_HINT,
             "did not exponentiate the mean cross-entropy (natural log)",
             given=logits_and_targets(elements=floats(4.0)),
             examples=[lecture((LECTURE, SAT, None), two=False)])
def ppl_random(s, case):
    logits, targets, _ = case
    expect_ppl(s, s("perplexity", logits, targets), logits, targets)


@st.composite
def uniform_model(draw):
    """Logits that are the same constant everywhere: a uniform model over V tokens."""
    lead = draw(LEAD_SHAPES)
    V = draw(st.integers(1, 10))
    c = draw(floats(5.0))
    targets = draw(arrays(np.int64, lead, st.integers(0, V - 1)))
    return np.full((*lead, V), c), targets


@hidden_test(Q, "perplexity of a uniform model over V tokens equals V", 2, ["perplexity"],
             "A model that gives every one of the V tokens probability 1/V has loss "
             "`-log(1/V) = log V` at every position, so its perplexity is `exp(log V) = V`: "
             "'as confused as choosing among V tokens'. " + PPL_HINT,
             "used the wrong base or averaging: a uniform model over V tokens has perplexity V",
             given=uniform_model(),
             examples=[(np.zeros((2, 3, 50)), np.array([[1, 2, 3], [4, 5, 6]])),
                       Worked((np.zeros((4, 256, 50)), np.arange(1024).reshape(4, 256) % 50),
                              "A long text: 1024 positions, each of probability 1/50. The "
                              "product of 1024 probabilities underflows to 0 in floating "
                              "point, so average the log-probabilities (the cross-entropy) "
                              "instead of multiplying probabilities.")])
def ppl_uniform(s, case):
    logits, targets = case
    V = logits.shape[-1]
    s.expect_scalar(s("perplexity", logits, targets), float(V), "the perplexity",
                    fix=f"The model is uniform over V = {V} tokens.")


@hidden_test(Q, "perplexity skips positions equal to ignore_index (-100 or a class id)", 2,
             ["perplexity"],
             "Pass `ignore_index` on to the cross-entropy: the ignored positions count neither "
             "in the sum nor in N. " + PPL_HINT,
             "counted ignored positions in the perplexity",
             given=logits_and_targets(elements=floats(4.0), ignore=True))
def ppl_ignore(s, case):
    logits, targets, ignore_index = case
    got = s("perplexity", logits, targets, ignore_index=ignore_index)
    expect_ppl(s, got, logits, targets, ignore_index)


@st.composite
def batches(draw):
    """Per-batch mean losses and token counts of 1 to 5 batches."""
    n = draw(st.integers(1, 5))
    losses = draw(nps.arrays(np.float64, n, elements=st.floats(0.0, 8.0, allow_subnormal=False)))
    counts = draw(nps.arrays(np.int64, n, elements=st.integers(1, 1000)))
    return losses, counts


@hidden_test(Q, "corpus_perplexity weights every token equally, not every batch", 3,
             ["corpus_perplexity"],
             "Weight each batch's mean loss by its number of tokens: "
             "`exp(sum(losses * counts) / sum(counts))`. The mean of the per-batch perplexities "
             "(or `exp` of the plain mean of the losses) lets a small batch count as much as a "
             "big one.",
             "averaged per-batch perplexities instead of weighting by tokens",
             given=batches(), examples=[(np.array([0.69, 2.3]), np.array([300, 100]))])
def corpus_weighted(s, case):
    losses, counts = case
    s.expect_scalar(s("corpus_perplexity", losses, counts),
                    reference.corpus_perplexity(losses, counts), "the corpus perplexity")


@hidden_test(Q, "perplexity and corpus_perplexity leave their inputs unchanged", 1,
             ["perplexity", "corpus_perplexity"],
             "Compute new arrays instead of changing the inputs (`targets[...] = 0`, "
             "`losses *= counts`).",
             "modified the inputs in place",
             given=st.tuples(logits_and_targets(elements=floats(4.0), ignore=True), batches()))
def ppl_unchanged(s, case):
    (logits, targets, ignore_index), (losses, counts) = case
    result = s.ex("perplexity", logits, targets, ignore_index=ignore_index, return_args=True)
    s.expect_unchanged(result)
    s.scalar(result.value, "the perplexity")
    result = s.ex("corpus_perplexity", losses, counts, return_args=True)
    s.expect_unchanged(result)
    s.scalar(result.value, "the corpus perplexity")


TESTS = (ppl_random, ppl_uniform, ppl_ignore, corpus_weighted, ppl_unchanged)
