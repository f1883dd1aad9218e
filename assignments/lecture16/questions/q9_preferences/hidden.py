"""q9_preferences: preference_loss, dpo_loss.

One property per test; the points follow the ideas in ``IDEAS`` (weights; the part's extra
credit is set in otter_config.json): the Bradley-Terry loss (its value, ties and one pair among
the examples; swapping chosen and rejected changes it by the mean margin); its gradients; no
overflow at large margins (the loss, its gradients and DPO's loss stay finite); DPO's log-ratios
and beta; the contract (ValueErrors, inputs unchanged).
"""
from __future__ import annotations

import numpy as np

import reference

from autograder.hidden import expect_raises, floats, hidden_test, ideas, Kind, nps, st, Worked

from .question import ID as Q
from .question import IDEAS as _IDEAS

IDEAS = ideas(Q, _IDEAS)  # the weights live in question.py
BT_HINT = ("With `margin = r_chosen - r_rejected`, the loss is `np.mean(np.logaddexp(0, "
           "-margin))`: -log sigmoid(margin), averaged over the pairs (not summed), with the "
           "chosen reward first (a larger margin means a smaller loss).")
LARGE = st.sampled_from([-1e5, -1e3, -800.0, 800.0, 1e3, 1e5]) | floats(1e4)
"""margins that overflow exp (beyond about +-710) among ordinary ones"""


@st.composite
def pairs(draw, margins=None, scale=10.0):
    """(r_chosen, r_rejected): 1 to 8 pairs of rewards in [-scale, scale]; with ``margins``,
    r_rejected = r_chosen - margin for margins drawn from it."""
    n = draw(st.integers(1, 8))
    chosen = draw(nps.arrays(np.float64, n, elements=floats(scale)))
    if margins is None:
        return chosen, draw(nps.arrays(np.float64, n, elements=floats(scale)))
    return chosen, chosen - draw(nps.arrays(np.float64, n, elements=margins))


@st.composite
def dpo_cases(draw, scale=100.0, betas=(0.05, 0.1, 0.5, 1.0, 2.0)):
    """(four arrays of n sequence log-probabilities in [-scale, 0], beta or None: the
    default)."""
    n = draw(st.integers(1, 6))
    logps = tuple(-np.abs(draw(nps.arrays(np.float64, n, elements=floats(scale))))
                  for _ in range(4))
    return logps, draw(st.none() | st.sampled_from(betas))


def loss_of(s, got):
    loss, d_chosen, d_rejected = s.expect_sequence(got, 3, "(loss, d_chosen, d_rejected)")
    return loss, d_chosen, d_rejected


def expect_grads(s, got, r_chosen, r_rejected):
    _, d_chosen, d_rejected = reference.preference_loss(r_chosen, r_rejected)
    _, got_chosen, got_rejected = loss_of(s, got)
    scale = 1.0 / len(r_chosen)
    s.expect_array(got_chosen, d_chosen, "d_chosen", scale=scale)
    s.expect_array(got_rejected, d_rejected, "d_rejected", scale=scale)


def dpo_call(s, case):
    logps, beta = case
    if beta is None:
        return s("dpo_loss", *logps), reference.dpo_loss(*logps)
    return s("dpo_loss", *logps, beta=beta), reference.dpo_loss(*logps, beta=beta)


TIES = (np.array([1.5, -0.5]), np.array([1.5, -0.5]))
ONE = (np.array([2.0]), np.array([0.0]))


# ----------------------------------------------------------------------------- preference_loss
@hidden_test(question=Q, idea="bradley_terry",
             description="preference_loss is the mean of -log sigmoid(r_chosen - r_rejected)",
             functions=["preference_loss"], hint=BT_HINT, given=pairs(),
             examples=[Worked(ONE, "One pair, the chosen reward 2 above the rejected: "
                                   "log(1 + e**-2) = 0.127."),
                       Worked(TIES, "Ties: the reward model cannot tell them apart, "
                                    "loss log 2 = 0.693.")])
def preference_value(s, case):
    r_chosen, r_rejected = case
    loss, _, _ = loss_of(s, s("preference_loss", r_chosen, r_rejected))
    expected = reference.preference_loss(r_chosen, r_rejected)[0]
    swapped = reference.preference_loss(r_rejected, r_chosen)[0]
    value = s.scalar(loss, "the loss")
    fix = ("That is the loss with chosen and rejected swapped: the margin is r_chosen - "
           "r_rejected." if abs(value - swapped) <= 1e-6 * max(1.0, abs(swapped))
           and abs(swapped - expected) > 1e-6 * max(1.0, abs(expected)) else "")
    s.expect_scalar(loss, expected, "the loss", fix=fix)


@hidden_test(question=Q, idea="bradley_terry",
             description="preference_loss: swapping chosen and rejected raises the loss by the "
                         "mean margin",
             functions=["preference_loss"],
             hint="-log sigmoid(-m) - (-log sigmoid(m)) = m: the loss prefers the *chosen* "
                  "response, so swapping the two arguments must raise it by mean(r_chosen - "
                  "r_rejected). Check the order of the subtraction and that you average over "
                  "the pairs.",
             given=pairs())
def preference_swap(s, case):
    r_chosen, r_rejected = case
    loss, _, _ = loss_of(s, s("preference_loss", r_chosen, r_rejected))
    loss = s.scalar(loss, "the loss")
    swapped, _, _ = loss_of(s, s("preference_loss", r_rejected, r_chosen))
    s.expect_scalar(s.scalar(swapped, "the swapped loss") - loss,
                    float(np.mean(r_chosen - r_rejected)),
                    "loss(r_rejected, r_chosen) - loss(r_chosen, r_rejected)",
                    fix=f"The loss was {loss!r} and, swapped, {s.scalar(swapped)!r}.")


@hidden_test(question=Q, idea="gradients",
             description="preference_loss's gradients are -/+ sigmoid(-margin) / n",
             functions=["preference_loss"],
             hint="d/dm of log(1 + e**-m) is -sigmoid(-m): `d_chosen = -sigmoid(-margin) / n` "
                  "(raising the chosen reward lowers the loss) and `d_rejected = -d_chosen`, "
                  "with n the number of pairs (the loss is a mean).",
             given=pairs(),
             examples=[Worked(ONE, "One pair with margin 2: d_chosen = -sigmoid(-2) = -0.119, "
                                   "d_rejected = +0.119."),
                       Worked(TIES, "Ties: d_chosen = -0.5 / 2 = -0.25 for each pair.")])
def preference_grads(s, case):
    r_chosen, r_rejected = case
    expect_grads(s, s("preference_loss", r_chosen, r_rejected), r_chosen, r_rejected)


@hidden_test(question=Q, idea="stable",
             description="preference_loss and its gradients stay finite for margins beyond "
                         "+-710",
             functions=["preference_loss"],
             hint="`exp(-margin)` overflows to inf for a margin below about -710, and "
                  "`log(sigmoid(margin))` is then `log(0)`: compute `-log sigmoid(margin)` as "
                  "`np.logaddexp(0, -margin)` (about -margin there). For the gradients, "
                  "`np.exp(-m) / (1 + np.exp(-m))` is inf / inf = nan: write sigmoid(-m) as "
                  "`1 / (1 + np.exp(m))` or `np.exp(-np.logaddexp(0, m))`, finite for every m.",
             checks=Kind.NAN, given=pairs(margins=LARGE),
             examples=[Worked((np.array([-1000.0, 1000.0]), np.array([0.0, 0.0])),
                              "Margins -1000 and +1000: the loss is (1000 + 0) / 2 = 500, "
                              "d_chosen = [-0.5, -0.0].")])
def preference_large(s, case):
    r_chosen, r_rejected = case
    s.expect_finite(loss_of(s, s("preference_loss", r_chosen, r_rejected)),
                    "(loss, d_chosen, d_rejected)")


@hidden_test(question=Q, idea="contract",
             description="preference_loss raises ValueError for no pairs or mismatched lengths",
             functions=["preference_loss"],
             hint="Check `len(r_chosen) == len(r_rejected) >= 1` and raise `ValueError` "
                  "otherwise: numpy would broadcast one reward against three, and the mean of "
                  "no pairs is nan.",
             cases=[(np.array([]), np.array([])), (np.array([1.0]), np.array([0.0, 1.0, 2.0])),
                    (np.array([1.0, 2.0, 3.0]), np.array([0.5]))])
def preference_raises(s, case):
    expect_raises(s, "ValueError", "Raise `ValueError` for these inputs: see the hint.",
                  "preference_loss", *case)


@hidden_test(question=Q, idea="contract", description="preference_loss leaves its inputs "
                                                      "unchanged",
             functions=["preference_loss"],
             hint="Compute `margin = r_chosen - r_rejected` as a new array; never "
                  "`r_chosen -= ...` or `np.subtract(..., out=r_chosen)`.",
             checks=Kind.CHANGED_INPUT, given=pairs())
def preference_unchanged(s, case):
    s.expect_unchanged(s.ex("preference_loss", *case, return_args=True, raised_ok=True))


# ----------------------------------------------------------------------------- dpo_loss
@hidden_test(question=Q, idea="dpo",
             description="dpo_loss is -log sigmoid of beta times the difference of log-ratios",
             functions=["dpo_loss"],
             hint="`z = beta * ((policy_chosen_logp - ref_chosen_logp) - (policy_rejected_logp - "
                  "ref_rejected_logp))` and the loss is `np.mean(np.logaddexp(0, -z))`: the "
                  "policy's log-probabilities minus the reference's, beta inside the sigmoid "
                  "(0.1 by default).",
             given=dpo_cases(),
             examples=[Worked(((np.array([-5.0]), np.array([-7.0]), np.array([-5.0]),
                                np.array([-7.0])), None),
                              "The policy equals its reference: z = 0, loss log 2 = 0.693."),
                       Worked(((np.array([-4.0]), np.array([-9.0]), np.array([-5.0]),
                                np.array([-7.0])), 1.0),
                              "beta = 1: z = (-4 + 5) - (-9 + 7) = 3, loss log(1 + e**-3) = "
                              "0.0486.")])
def dpo_value(s, case):
    got, expected = dpo_call(s, case)
    s.expect_scalar(got, expected, "the DPO loss")


@hidden_test(question=Q, idea="stable",
             description="dpo_loss stays finite when beta times the log-ratios passes +-710",
             functions=["dpo_loss"],
             hint="Sequence log-probabilities run into the thousands: `-log(sigmoid(z))` is "
                  "`log(0)` once z is below about -710. Use `np.logaddexp(0, -z)`.",
             checks=Kind.NAN, given=dpo_cases(scale=1e4, betas=(0.5, 1.0, 2.0)),
             examples=[Worked(((np.array([-2000.0]), np.array([-10.0]), np.array([-10.0]),
                                np.array([-10.0])), 1.0),
                              "z = -1990: the loss is 1990.")])
def dpo_large(s, case):
    got, _ = dpo_call(s, case)
    s.expect_finite(got, "the DPO loss")


@hidden_test(question=Q, idea="contract",
             description="dpo_loss raises ValueError when beta is not positive",
             functions=["dpo_loss"],
             hint="Check `beta > 0` first and raise `ValueError` otherwise: beta = 0 makes every "
                  "loss log 2, and a negative beta prefers the rejected responses.",
             cases=[0.0, -0.1, -1.0])
def dpo_raises(s, beta):
    logps = (np.array([-3.0]), np.array([-4.0]), np.array([-3.5]), np.array([-3.5]))
    expect_raises(s, "ValueError", "Raise `ValueError` when beta is not positive.", "dpo_loss",
                  *logps, beta=beta)


@hidden_test(question=Q, idea="contract", description="dpo_loss leaves its inputs unchanged",
             functions=["dpo_loss"],
             hint="Compute the log-ratios as new arrays (`policy_chosen_logp - ref_chosen_logp`); "
                  "never `-=` on an argument.",
             checks=Kind.CHANGED_INPUT, given=dpo_cases())
def dpo_unchanged(s, case):
    logps, _ = case
    s.expect_unchanged(s.ex("dpo_loss", *logps, return_args=True, raised_ok=True))
