"""q7_scaling: scaling laws: training_flops, chinchilla_optimal, fit_power_law.

One property per test; the points follow the ideas in ``IDEAS`` (weights; the question's points
are in question.py): the factor 6 in C = 6 N D; the Chinchilla split (the whole budget,
tokens_per_param tokens per parameter); alpha is minus the least-squares log-log slope (on noisy
losses); a is e ** intercept (on losses exactly on a power law, where any line through the
points gives the right a, so a wrong slope does not fail it); the contract (ValueErrors, lists
and float32 accepted, the inputs stay as they were).
"""
from __future__ import annotations

import numpy as np

import reference

from autograder.hidden import expect_raises, hidden_test, ideas, Kind, st, Status, Worked

from .question import ID as Q
from .question import IDEAS as _IDEAS

IDEAS = ideas(Q, _IDEAS)  # the weights live in question.py
GPT3 = (175e9, 300e9)  # the lecture's example: parameters, tokens
GPT3_NOTE = ("The lecture's example: GPT-3, 175e9 parameters trained on 300e9 tokens, "
             "3.15e23 FLOPs.")
# ints whose 6 N D fits in int64 (the overflow has its own test), floats of any size
SIZES = st.integers(1, 10 ** 9) | st.floats(1.0, 1e13, allow_subnormal=False)
BUDGETS = st.floats(1e3, 1e30, allow_subnormal=False) | st.integers(1000, 2 ** 100)
# counts whose 6 N D is past int64 (2**63, about 9.2e18), by construction: numpy int64 of
# realistic sizes (GPT-3's is 5.25e22), and Python ints of 2**64 and more
INT64_COUNTS = st.tuples(st.integers(10 ** 9, 10 ** 13).map(np.int64),
                         st.integers(10 ** 10, 10 ** 14).map(np.int64))
BIG_COUNTS = st.tuples(st.integers(2 ** 64, 2 ** 100), st.integers(1, 10 ** 13)
                       | st.integers(10 ** 9, 10 ** 13).map(np.int64))
OVERFLOW_HINT = ("numpy integers wrap around without a word when a product passes 2**63 (about "
                 "9.2e18): `6 * np.int64(175e9) * np.int64(300e9)` comes out negative or far too "
                 "small. Multiply in floating point, `6.0 * float(n_params) * float(n_tokens)`. "
                 "numpy functions (`np.prod`, `np.multiply`, `np.int64(n)`) make Python ints "
                 "int64 first: they wrap too, and a count of 2**63 or more raises "
                 "`OverflowError`.")
RATIOS = st.none() | st.floats(1.0, 100.0, allow_subnormal=False)


# ----------------------------------------------------------------------------- training_flops
@hidden_test(question=Q, idea="six",
             description="training_flops is 6 N D: forward and backward passes",
             functions=["training_flops"],
             hint="About 2 FLOPs per parameter per token in the forward pass and 4 in the backward "
                  "pass: `C = 6 * n_params * n_tokens`. `2 * N * D` counts the forward pass only.",
             given=st.tuples(SIZES, SIZES), examples=[Worked(GPT3, GPT3_NOTE)])
def flops(s, case):
    n, d = case
    got = s("training_flops", n, d)
    expected = reference.training_flops(n, d)
    value = s.scalar(got, "the FLOPs")
    ratio = value / expected if expected else float("nan")
    fix = {2: "That is 2 N D: the forward pass alone.", 1: "That is N D: the factor 6 is missing."
           }.get(round(6 * ratio, 6), "")
    s.expect_scalar(got, expected, "the FLOPs", fix=fix)


@hidden_test(question=Q, idea="overflow",
             description="training_flops does not overflow: numpy int64 counts and Python ints "
                         "of 2**64 and more",
             functions=["training_flops"], hint=OVERFLOW_HINT,
             hints={Status.RAISED: OVERFLOW_HINT},
             given=INT64_COUNTS | BIG_COUNTS,
             examples=[Worked((np.int64(175_000_000_000), np.int64(300_000_000_000)),
                              GPT3_NOTE + " Here the counts are numpy int64: 6 N D is past "
                              "2**63."),
                       (2 ** 64, 2 ** 64)])
def flops_overflow(s, case):
    n, d = case
    got = s("training_flops", n, d)
    expected = reference.training_flops(n, d)
    value = s.scalar(got, "the FLOPs")
    fix = ""
    wrapped = (6 * int(n) * int(d) + 2 ** 63) % 2 ** 64 - 2 ** 63  # what int64 gives
    if value != expected and abs(value - wrapped) <= 1e-6 * max(1.0, abs(wrapped)):
        fix = (f"That is 6 N D wrapped around in int64 ({wrapped}): the product passed 2**63. "
               "Multiply as floats.")
    s.expect_scalar(got, expected, "the FLOPs", fix=fix)


# ----------------------------------------------------------------------------- chinchilla_optimal
def chinchilla_call(s, flops_budget, ratio):
    if ratio is None:
        got = s("chinchilla_optimal", flops_budget)
        ratio = 20.0
    else:
        got = s("chinchilla_optimal", flops_budget, tokens_per_param=ratio)
    n, d = s.expect_sequence(got, 2, "(n_params, n_tokens)")
    return s.scalar(n, "n_params"), s.scalar(d, "n_tokens"), ratio


@hidden_test(question=Q, idea="chinchilla",
             description="chinchilla_optimal spends the whole budget: 6 N D = C",
             functions=["chinchilla_optimal"],
             hint="Put `D = tokens_per_param * N` into `C = 6 N D`: `C = 6 * tokens_per_param * "
                  "N**2`, so `N = sqrt(C / (6 * tokens_per_param))` (the square root of the whole "
                  "quotient) and `D = tokens_per_param * N`.",
             given=st.tuples(BUDGETS, RATIOS),
             examples=[Worked((3.15e23, None), "The lecture's example: GPT-3's budget, 3.15e23 "
                              "FLOPs, is best spent on about 5.1e10 parameters and 1.0e12 "
                              "tokens."), (2 ** 80, None)])
def chinchilla_budget(s, case):
    budget, ratio = case
    n, d, ratio = chinchilla_call(s, budget, ratio)
    expected_n, expected_d = reference.chinchilla_optimal(budget, ratio)
    s.expect_scalar(6 * n * d, budget, "6 * n_params * n_tokens",
                    fix=f"Expected n_params = {expected_n!r} and n_tokens = {expected_d!r}; got "
                        f"{n!r} and {d!r}.")


@hidden_test(question=Q, idea="chinchilla",
             description="chinchilla_optimal trains on tokens_per_param tokens per parameter",
             functions=["chinchilla_optimal"],
             hint="Chinchilla's rule: `D = tokens_per_param * N` (about 20 tokens per parameter by "
                  "default, and the argument when it is given), not `D = N`.",
             given=st.tuples(BUDGETS, RATIOS))
def chinchilla_ratio(s, case):
    budget, ratio = case
    n, d, ratio = chinchilla_call(s, budget, ratio)
    if not n > 0:
        s.fail(f"Expected a positive n_params, got {n!r}.")
    s.expect_scalar(d / n, ratio, "n_tokens / n_params")


@hidden_test(question=Q, idea="contract",
             description="chinchilla_optimal raises ValueError for a budget that is not positive",
             functions=["chinchilla_optimal"],
             hint="Check first: `if not flops > 0: raise ValueError(...)`. A budget of 0 gives 0 "
                  "parameters, and `np.sqrt` of a negative number is nan (with only a warning).",
             cases=[0.0, -3.15e23, 0, -1.0])
def chinchilla_nonpositive(s, budget):
    expect_raises(s, "ValueError", "Raise `ValueError` when `flops` is not positive.",
                  "chinchilla_optimal", budget)


@hidden_test(question=Q, idea="contract",
             description="chinchilla_optimal raises ValueError for a nan budget",
             functions=["chinchilla_optimal"], weight=0.5,
             hint="nan is not a positive budget, but every comparison with nan is False: "
                  "`if flops <= 0:` lets it through (and the model sizes come out nan). Write the "
                  "check the other way round, `if not flops > 0: raise ValueError(...)`.",
             cases=[float("nan"), np.float64("nan")])
def chinchilla_nan(s, budget):
    expect_raises(s, "ValueError", "Raise `ValueError` when `flops` is nan: `not flops > 0` is "
                  "True for nan.", "chinchilla_optimal", budget)


# ----------------------------------------------------------------------------- fit_power_law
@st.composite
def power_law_data(draw, noise=0.1):
    """2..7 sizes at least 0.3 decades apart in [1, 1e12], losses a * x**-alpha * exp(noise)."""
    steps = draw(st.lists(st.integers(0, 40), min_size=2, max_size=7, unique=True))
    x = 10.0 ** (0.3 * np.array(sorted(steps), dtype=np.float64))  # (n,)
    a = draw(st.floats(0.5, 100.0))
    alpha = draw(st.floats(0.01, 1.0))
    jitter = np.array(draw(st.lists(st.floats(-noise, noise), min_size=len(x),
                                    max_size=len(x))))  # (n,)
    return x, a * x ** -alpha * np.exp(jitter)


def polyfit(x, y):
    """The oracle: ``np.polyfit`` on the natural logs, as (a, alpha)."""
    slope, intercept = np.polyfit(np.log(np.asarray(x, np.float64)),
                                  np.log(np.asarray(y, np.float64)), 1)
    return float(np.exp(intercept)), float(-slope)


@st.composite
def nearly_equal_x(draw):
    """3..6 sizes within a factor 1 + 1e-5 of one another, losses on a power law (centred
    least squares stays accurate; the textbook sums n * sum(xy) - sum(x) * sum(y) cancel)."""
    x0 = 10.0 ** draw(st.integers(3, 12))
    step = draw(st.sampled_from([1e-6, 3e-6, 1e-5]))
    k = np.array(sorted(draw(st.lists(st.integers(0, 9), min_size=3, max_size=6, unique=True))))
    x = x0 * (1.0 + step * k)  # (n,)
    a, alpha = draw(st.floats(0.5, 100.0)), draw(st.floats(0.01, 1.0))
    return x, a * x ** -alpha


def fit_call(s, x, y):
    got = s.expect_sequence(s("fit_power_law", x, y), 2, "(a, alpha)")
    return got[0], got[1]


LOSSES_HALVE = (np.array([1e6, 16e6, 256e6]), np.array([4.0, 2.0, 1.0]))


@hidden_test(question=Q, idea="alpha",
             description="fit_power_law's alpha is minus the log-log slope: positive when loss "
                         "falls",
             functions=["fit_power_law"],
             hint="Fit the line `log y = log a - alpha * log x`: the slope of the least-squares "
                  "line through all the points `(log x, log y)` is `-alpha`, so return "
                  "`alpha = -slope` (a loss that falls as x grows has alpha > 0). A line through "
                  "two of the points is not the least-squares fit when the losses are noisy.",
             given=power_law_data(),
             examples=[Worked(LOSSES_HALVE, "Losses that halve each time the model grows "
                              "16-fold: alpha = log(2) / log(16) = 0.25.")])
def fit_alpha(s, case):
    x, y = case
    _, alpha = fit_call(s, x, y)
    expected = polyfit(x, y)[1]
    fix = ("That is the slope itself: alpha is minus the slope."
           if abs(s.scalar(alpha, "alpha") + expected) <= 1e-6 * max(1.0, abs(expected)) else "")
    s.expect_scalar(alpha, expected, "alpha", fix=fix)


@hidden_test(question=Q, idea="alpha",
             description="fit_power_law stays accurate when the x are nearly equal",
             functions=["fit_power_law"],
             hint="Sizes within a factor 1 + 1e-5 of each other have logs that differ by about "
                  "1e-5: the textbook slope `(n * sum(xy) - sum(x) * sum(y)) / (n * sum(x**2) - "
                  "sum(x)**2)` subtracts two nearly equal large numbers and loses every digit. "
                  "Centre first: `dx = log_x - log_x.mean()`, slope = `sum(dx * (log_y - "
                  "log_y.mean())) / sum(dx * dx)` (or `np.polyfit`).",
             given=nearly_equal_x(),
             examples=[(np.array([1e6, 1e6 + 1, 1e6 + 2, 1e6 + 4]),
                        2.0 * np.array([1e6, 1e6 + 1, 1e6 + 2, 1e6 + 4]) ** -0.3)])
def fit_nearly_equal(s, case):
    x, y = case
    _, alpha = fit_call(s, x, y)
    s.expect_scalar(alpha, reference.fit_power_law(x, y)[1], "alpha")


@hidden_test(question=Q, idea="intercept",
             description="fit_power_law's a is e ** intercept: the fitted value at x = 1",
             functions=["fit_power_law"],
             hint="The intercept of the line through `(log x, log y)` is `log a`: undo the log you "
                  "took. With `np.log` that is `np.exp(intercept)`; with `np.log10` it would be "
                  "`10 ** intercept`. Mixing the two bases gives the right alpha and a wrong a.",
             given=power_law_data(noise=0.0),
             examples=[Worked(LOSSES_HALVE, "Losses that halve each time the model grows "
                              "16-fold: a = 4 * (1e6) ** 0.25 = 126.49.")])
def fit_a(s, case):  # the losses lie on a power law: any line through them has the right a
    x, y = case
    a, _ = fit_call(s, x, y)
    expected = polyfit(x, y)[0]
    value = s.scalar(a, "a")
    fix = ""
    if abs(value - np.exp(np.log10(expected))) <= 1e-6 * expected:
        fix = "That is e ** (log10 a): the logs were base 10, the way back base e."
    elif abs(value - np.log(expected)) <= 1e-6 * max(1.0, abs(np.log(expected))):
        fix = "That is log a, the intercept itself: return np.exp(intercept)."
    s.expect_scalar(a, expected, "a", fix=fix)


@hidden_test(question=Q, idea="contract",
             description="fit_power_law gives the same for Python lists and float32 arrays",
             functions=["fit_power_law"],
             hint="`x` and `y` may be Python lists (the notebook collects losses in lists) or "
                  "float32 arrays: start with `x = np.asarray(x, dtype=np.float64)` (and the same "
                  "for y) before `.size`, `.mean()` or arithmetic.",
             given=st.tuples(power_law_data(), st.booleans()))
def fit_types(s, case):
    (x, y), as_lists = case
    if as_lists:
        other, rtol, kind = (x.tolist(), y.tolist()), 1e-6, "Python lists"
    else:
        x, y = x.astype(np.float32).astype(np.float64), y.astype(np.float32).astype(np.float64)
        other, rtol, kind = (x.astype(np.float32), y.astype(np.float32)), 1e-4, "float32 arrays"
    got_a, got_alpha = fit_call(s, *other)

    def judge():
        a, alpha = polyfit(x, y)
        s.expect_scalar(got_alpha, alpha, f"alpha from {kind}", rtol=rtol)
        s.expect_scalar(got_a, a, f"a from {kind}", rtol=rtol)

    def relative():  # wrong otherwise: is it at least the same as for float64 arrays?
        a, alpha = (s.scalar(v, w) for v, w in zip(fit_call(s, x, y), ("a", "alpha")))
        fix = f"The same values as float64 arrays gave a = {a!r}, alpha = {alpha!r}."
        s.expect_scalar(got_alpha, alpha, f"alpha from {kind}", rtol=rtol, fix=fix)
        s.expect_scalar(got_a, a, f"a from {kind}", rtol=rtol, fix=fix)

    s.either(judge, relative)


@hidden_test(question=Q, idea="contract",
             description="fit_power_law raises ValueError for a value that is not positive",
             functions=["fit_power_law"],
             hint="A power law lives on a log-log scale, and `log` of 0 or of a negative number is "
                  "-inf or nan: check `np.all(x > 0) and np.all(y > 0)` and raise `ValueError` "
                  "otherwise.",
             cases=[([0.0, 10.0, 100.0], [3.0, 2.0, 1.0]), ([1.0, 10.0], [2.0, -1.0]),
                    ([-1.0, 10.0, 100.0], [3.0, 2.0, 1.0]), ([1.0, 10.0], [0.0, 1.0])])
def fit_nonpositive(s, case):
    x, y = case
    expect_raises(s, "ValueError", "Raise `ValueError` when a value of x or y is not positive.",
                  "fit_power_law", np.array(x), np.array(y))


@hidden_test(question=Q, idea="contract",
             description="fit_power_law raises ValueError for x and y of different lengths or "
                         "fewer than two distinct x",
             functions=["fit_power_law"],
             hint="Check the lengths and the x yourself, before fitting: `if len(x) != len(y)` "
                  "and `if len(np.unique(x)) < 2`, raise `ValueError`. `np.polyfit` raises a "
                  "`TypeError` for different lengths, and with one distinct x there is no line to "
                  "fit (it fails or returns nonsense with only a warning).",
             cases=[([1.0, 10.0, 100.0], [3.0, 2.0]), ([1e6, 1e7], [2.0, 1.5, 1.0]),
                    ([10.0, 10.0, 10.0], [3.0, 2.0, 1.0]), ([5.0], [2.0]),
                    ([1e9, 1e9], [2.0, 1.0])])
def fit_domain(s, case):
    x, y = case
    expect_raises(s, "ValueError", "Raise `ValueError` for x and y of different lengths and for "
                  "fewer than two distinct x.", "fit_power_law", np.array(x), np.array(y))


@hidden_test(question=Q, idea="contract",
             description="fit_power_law leaves its inputs unchanged",
             functions=["fit_power_law"],
             hint="Compute new arrays (`log_x = np.log(x)`), not in place (`np.log(x, out=x)`, "
                  "`x /= ...`).",
             checks=Kind.CHANGED_INPUT, given=power_law_data())
def fit_unchanged(s, case):
    x, y = case
    s.expect_unchanged(s.ex("fit_power_law", x, y, return_args=True, raised_ok=True))
