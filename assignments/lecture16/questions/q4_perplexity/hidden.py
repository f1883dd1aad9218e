"""q4_perplexity: perplexity, corpus_perplexity.

One property per test; the points follow the ideas in ``IDEAS`` (weights; the question's points
are in question.py). A student's ``perplexity`` usually calls their ``cross_entropy``:
a mistake there shows here too (the spec calls that fair), and the ideas below come after
q3's, so the class report charges it once, to q3.
"""
from __future__ import annotations

import numpy as np

import reference

from autograder.hidden import arrays, floats, hidden_test, ideas, Kind, nps, st, Worked

from ..q3_cross_entropy.hidden import LEAD_SHAPES, LECTURE, SAT, kept, lecture, logits_and_targets
from .question import ID as Q
from .question import IDEAS as _IDEAS

IDEAS = ideas(Q, _IDEAS)  # the weights live in question.py
PPL_HINT = ("Perplexity is `exp` of the *mean* cross-entropy over the positions (natural log, "
            "so `np.exp`, not `2 **`): `exp(-(1/N) * sum log p(target))`, one mean over all the "
            "positions (not a mean of per-sequence perplexities).")


@st.composite
def uniform_model(draw):
    """Logits that are the same constant everywhere: a uniform model over V tokens."""
    lead = draw(LEAD_SHAPES)
    V = draw(st.integers(2, 10))
    c = draw(floats(5.0))
    targets = draw(arrays(np.int64, lead, st.integers(0, V - 1)))
    return np.full((*lead, V), c), targets


@st.composite
def batches(draw):
    """Per-batch mean losses and token counts of 1 to 5 batches, as arrays or plain lists (the
    notebook passes lists)."""
    n = draw(st.integers(1, 5))
    losses = draw(nps.arrays(np.float64, n, elements=st.floats(0.0, 8.0, allow_subnormal=False)))
    counts = draw(nps.arrays(np.int64, n, elements=st.integers(1, 1000)))
    if draw(st.booleans()):
        return [float(x) for x in losses], [int(c) for c in counts]
    return losses, counts


@hidden_test(question=Q, idea="contract", description="perplexity leaves its inputs unchanged",
             functions=["perplexity"], checks=Kind.CHANGED_INPUT,
             hint="Compute new arrays instead of changing the inputs (`targets[...] = 0`, "
                  "`logits -= ...`).",
             given=logits_and_targets(elements=floats(4.0), ignore=True))
def ppl_unchanged(s, case):
    logits, targets, ignore_index = case
    if ignore_index == -100:  # a class id only: a perplexity that drops ignore_index still runs
        targets, ignore_index = np.where(targets == -100, 0, targets), None
    s.expect_unchanged(s.ex("perplexity", logits, targets, ignore_index=ignore_index,
                            return_args=True, raised_ok=True))


@hidden_test(question=Q, idea="contract", description="corpus_perplexity leaves its inputs "
             "unchanged", functions=["corpus_perplexity"], checks=Kind.CHANGED_INPUT,
             hint="Compute new arrays instead of changing the inputs (`losses *= counts`).",
             given=batches())
def corpus_unchanged(s, case):
    s.expect_unchanged(s.ex("corpus_perplexity", *case, return_args=True, raised_ok=True))


@hidden_test(question=Q, idea="exp-mean", description="perplexity is exp of the mean "
             "cross-entropy on random logits", functions=["perplexity"], hint=PPL_HINT,
             given=logits_and_targets(elements=floats(4.0), min_V=2),
             examples=[lecture((LECTURE, SAT, None), two=False)])
def ppl_random(s, case):
    logits, targets, _ = case
    s.expect_scalar(s("perplexity", logits, targets), reference.perplexity(logits, targets),
                    "the perplexity")


@hidden_test(question=Q, idea="exp-mean", description="perplexity of a uniform model over V "
             "tokens equals V, on short and long texts", functions=["perplexity"],
             hint="A model that gives every one of the V tokens probability 1/V has loss "
                  "`-log(1/V) = log V` at every position, so its perplexity is `exp(log V) = V`: "
                  "'as confused as choosing among V tokens'. Average the log-probabilities "
                  "(the cross-entropy) rather than multiplying probabilities: a product of "
                  "many probabilities underflows to 0.",
             given=uniform_model(),
             examples=[(np.zeros((2, 3, 50)), np.array([[1, 2, 3], [4, 5, 6]])),
                       Worked((np.zeros((4, 256, 50)), np.arange(1024).reshape(4, 256) % 50),
                              "A long text: 1024 positions, each of probability 1/50. The "
                              "product of 1024 probabilities underflows to 0 in floating "
                              "point.")])
def ppl_uniform(s, case):
    logits, targets = case
    V = logits.shape[-1]
    s.expect_scalar(s("perplexity", logits, targets), float(V), "the perplexity",
                    fix=f"The model is uniform over V = {V} tokens.")


@hidden_test(question=Q, idea="ignore", description="perplexity with ignore_index equals the "
             "perplexity of the kept positions alone", functions=["perplexity"],
             hint="Pass `ignore_index` on to the cross-entropy (its mean leaves the ignored "
                  "positions out of the sum and out of N); do not find the kept positions from "
                  "the losses (a loss can be 0).",
             given=logits_and_targets(elements=floats(4.0), ignore=True),
             examples=[(np.zeros((3, 1)), np.array([0, -100, 0]), -100)])  # V = 1: losses 0
def ppl_ignore(s, case):
    logits, targets, ignore_index = case
    got = s("perplexity", logits, targets, ignore_index=ignore_index)
    kept_logits, kept_targets, keep = kept(logits, targets, ignore_index)

    def judge():
        s.expect_scalar(got, reference.perplexity(logits, targets, ignore_index=ignore_index),
                        "the perplexity")

    def relative():  # the perplexity is wrong: are the ignored positions at least left out?
        alone = s("perplexity", kept_logits, kept_targets)
        s.expect_finite(alone, f"your perplexity of the {keep.sum()} kept positions alone")
        s.expect_scalar(got, s.scalar(alone), f"the perplexity (your perplexity of the "
                        f"{keep.sum()} kept positions alone)")

    s.either(judge, relative)


@hidden_test(question=Q, idea="token-weighted", description="corpus_perplexity weights every "
             "token equally, not every batch", functions=["corpus_perplexity"],
             hint="Weight each batch's mean loss by its number of tokens: "
                  "`exp(sum(losses * counts) / sum(counts))`. The mean of the per-batch "
                  "perplexities (or `exp` of the plain mean of the losses) lets a small batch "
                  "count as much as a big one; `exp` of the total loss overflows.",
             given=batches(), examples=[([0.69, 2.3], [300, 100])])
def corpus_weighted(s, case):
    losses, counts = case
    s.expect_scalar(s("corpus_perplexity", losses, counts),
                    reference.corpus_perplexity(losses, counts), "the corpus perplexity")
