"""The reference's q6 (sft_example, pad_batch) and q7 (training_flops, chinchilla_optimal,
fit_power_law) against independent oracles: a position-by-position construction of the SFT
examples and the batch, np.polyfit for the fit, the lecture's numbers, and PyTorch's
cross-entropy with ignore_index=-100 (prompt positions contribute nothing)."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from test_reference_strategies import call_and_check_inputs

from reference import (chinchilla_optimal, cross_entropy, fit_power_law, pad_batch, sft_example,
                       training_flops)

TOKENS = st.lists(st.integers(0, 50), min_size=1, max_size=8)
EOS = st.none() | st.integers(0, 60)
IGNORE = st.sampled_from([-100, -1, 1000])


# ----------------------------------------------------------------------------- oracles
def sft_oracle(prompt, response, eos_id, ignore_index):
    """Position by position: the token at t, and the token at t + 1 unless it is a prompt
    token (its index in the sequence is below len(prompt))."""
    seq = list(prompt) + list(response) + ([] if eos_id is None else [eos_id])
    inputs, targets = [], []
    for t in range(len(seq) - 1):
        inputs.append(seq[t])
        targets.append(seq[t + 1] if t + 1 >= len(prompt) else ignore_index)
    return inputs, targets


def pad_oracle(examples, pad_id, ignore_index):
    L = max([len(x) for x, _ in examples] + [0])
    rows_x = [list(x) + [pad_id] * (L - len(x)) for x, _ in examples]
    rows_y = [list(y) + [ignore_index] * (L - len(y)) for _, y in examples]
    return rows_x, rows_y


# ----------------------------------------------------------------------------- sft_example
@given(TOKENS, TOKENS, EOS, IGNORE, st.booleans())
def test_sft_example_matches_a_position_by_position_construction(prompt, response, eos_id,
                                                                 ignore_index, as_arrays):
    args = (np.array(prompt), np.array(response)) if as_arrays else (prompt, response)
    inputs, targets = call_and_check_inputs(sft_example, *args, eos_id=eos_id,
                                            ignore_index=ignore_index)
    expected_inputs, expected_targets = sft_oracle(prompt, response, eos_id, ignore_index)
    assert inputs.dtype == targets.dtype == np.int64
    assert inputs.tolist() == expected_inputs and targets.tolist() == expected_targets


def test_sft_example_the_last_prompt_position_counts_and_eos_0_is_a_token():
    inputs, targets = sft_example([5, 6, 7], [8, 9], eos_id=0)
    assert inputs.tolist() == [5, 6, 7, 8, 9] and targets.tolist() == [-100, -100, 8, 9, 0]
    _, targets = sft_example([3], [4], eos_id=None)
    assert targets.tolist() == [4]  # a 1-token prompt ignores nothing


@pytest.mark.parametrize("prompt, response", [([], [1]), ([1], []), ([], []),
                                              (np.array([], dtype=np.int64), np.array([2]))])
def test_sft_example_rejects_an_empty_prompt_or_response(prompt, response):
    with pytest.raises(ValueError, match="non-empty prompt and response"):
        sft_example(prompt, response, eos_id=0)


def test_sft_example_targets_give_pytorchs_loss_over_the_response_only():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    prompt, response = [3, 1, 4, 1], [5, 9, 2]
    inputs, targets = sft_example(prompt, response, eos_id=0)  # (7,), (7,)
    logits = np.random.default_rng(16).normal(size=(len(targets), 10))  # (T, V)
    loss = F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(targets),
                           ignore_index=-100)
    # 1) the mean over the positions from len(prompt) - 1 on: the response and the eos
    keep = slice(len(prompt) - 1, None)
    by_hand = F.cross_entropy(torch.from_numpy(logits[keep]), torch.from_numpy(targets[keep]))
    assert float(loss) == pytest.approx(float(by_hand), rel=1e-12)
    # 2) the prompt positions contribute nothing: changing their logits changes no loss, and
    #    their gradient is zero
    moved = logits.copy()
    moved[:len(prompt) - 1] += 100.0
    leaf = torch.from_numpy(moved).requires_grad_(True)
    moved_loss = F.cross_entropy(leaf, torch.from_numpy(targets), ignore_index=-100)
    moved_loss.backward()
    assert float(moved_loss.detach()) == pytest.approx(float(loss), rel=1e-12)
    assert not leaf.grad[:len(prompt) - 1].any() and leaf.grad[len(prompt) - 1:].abs().sum() > 0
    # 3) and the numpy cross_entropy agrees with PyTorch on it
    assert cross_entropy(logits, targets, ignore_index=-100) == pytest.approx(float(loss),
                                                                              rel=1e-12)


# ----------------------------------------------------------------------------- pad_batch
@st.composite
def batches(draw):
    examples = []
    for _ in range(draw(st.integers(0, 4))):
        n = draw(st.integers(1, 6))
        x = draw(st.lists(st.integers(0, 50), min_size=n, max_size=n))
        y = draw(st.lists(st.integers(-100, 50), min_size=n, max_size=n))
        examples.append((np.array(x, dtype=np.int64), np.array(y, dtype=np.int64)))
    return examples


@given(batches(), st.integers(0, 60), IGNORE)
def test_pad_batch_matches_a_row_by_row_construction(examples, pad_id, ignore_index):
    inputs, targets = call_and_check_inputs(pad_batch, examples, pad_id,
                                            ignore_index=ignore_index)
    rows_x, rows_y = pad_oracle(examples, pad_id, ignore_index)
    L = max([len(x) for x, _ in examples] + [0])
    assert inputs.shape == targets.shape == (len(examples), L)
    assert inputs.dtype == targets.dtype == np.int64
    assert inputs.tolist() == rows_x and targets.tolist() == rows_y


def test_pad_batch_of_sft_examples_never_learns_padding():
    batch = [sft_example([4, 5, 6], [7, 8], eos_id=0), sft_example([9], [3], eos_id=0)]
    inputs, targets = pad_batch(batch, pad_id=2)
    assert inputs.tolist() == [[4, 5, 6, 7, 8], [9, 3, 2, 2, 2]]
    assert targets.tolist() == [[-100, -100, 7, 8, 0], [3, 0, -100, -100, -100]]
    empty = pad_batch([], pad_id=0)
    assert [a.shape for a in empty] == [(0, 0), (0, 0)] and empty[0].dtype == np.int64


# ----------------------------------------------------------------------------- scaling laws
def test_the_lectures_numbers():
    C = training_flops(175e9, 300e9)
    assert C == pytest.approx(3.15e23, rel=1e-12) and isinstance(C, float)
    n, d = chinchilla_optimal(C)
    assert round(n, -9) == 51e9 and round(d, -11) == 1.0e12  # 5.1e10 params, 1.0e12 tokens
    assert isinstance(n, float) and isinstance(d, float)


@given(st.integers(1, 10 ** 12) | st.floats(1.0, 1e13), st.integers(1, 10 ** 13))
def test_training_flops_is_6ND_also_for_numpy_integers(n, d):
    assert training_flops(n, d) == pytest.approx(6.0 * n * d, rel=1e-12)
    assert training_flops(np.int64(int(n)), np.int64(d)) == pytest.approx(6.0 * int(n) * d,
                                                                          rel=1e-12)


def test_training_flops_does_not_overflow_int64_and_takes_python_ints_past_64_bits():
    gpt3 = training_flops(np.int64(175_000_000_000), np.int64(300_000_000_000))
    assert gpt3 == pytest.approx(3.15e23, rel=1e-12)  # 6 N D is past 2**63
    assert training_flops(2 ** 64, 2 ** 70) == pytest.approx(6.0 * 2.0 ** 134, rel=1e-12)
    assert chinchilla_optimal(2 ** 80)[0] == pytest.approx(math.sqrt(2 ** 80 / 120), rel=1e-12)


@given(st.floats(1e-3, 1e30), st.floats(0.5, 200.0))
def test_chinchilla_optimal_spends_the_budget_at_the_ratio(C, ratio):
    n, d = chinchilla_optimal(C, tokens_per_param=ratio)
    assert 6 * n * d == pytest.approx(C, rel=1e-12)
    assert d / n == pytest.approx(ratio, rel=1e-12)


@pytest.mark.parametrize("C", [0.0, -1.0, -3.15e23, float("nan"), 0])
def test_chinchilla_optimal_rejects_a_budget_that_is_not_positive(C):
    with pytest.raises(ValueError, match="positive compute budget"):
        chinchilla_optimal(C)


@st.composite
def noisy_power_laws(draw):
    steps = draw(st.lists(st.integers(0, 40), min_size=2, max_size=8, unique=True))
    x = 10.0 ** (0.3 * np.array(steps, dtype=np.float64))  # (n,) sizes, unsorted
    a, alpha = draw(st.floats(0.1, 1e3)), draw(st.floats(-0.5, 2.0))
    noise = np.array(draw(st.lists(st.floats(-0.3, 0.3), min_size=len(x), max_size=len(x))))
    return x, a * x ** -alpha * np.exp(noise)


@given(noisy_power_laws(), st.sampled_from(["array", "list", "float32"]))
def test_fit_power_law_is_np_polyfit_on_natural_logs(data, kind):
    x, y = data
    if kind == "list":
        x, y = x.tolist(), y.tolist()
    elif kind == "float32":
        x, y = x.astype(np.float32), y.astype(np.float32)
    a, alpha = call_and_check_inputs(fit_power_law, x, y)
    slope, intercept = np.polyfit(np.log(np.asarray(x, np.float64)),
                                  np.log(np.asarray(y, np.float64)), 1)
    assert_allclose([math.log(a), alpha], [intercept, -slope], rtol=1e-9, atol=1e-9)
    assert isinstance(a, float) and isinstance(alpha, float)


@given(st.floats(0.1, 1e3), st.floats(-1.0, 2.0),
       st.lists(st.integers(0, 40), min_size=2, max_size=6, unique=True))
def test_fit_power_law_recovers_an_exact_power_law(a, alpha, steps):
    x = 10.0 ** (0.3 * np.array(steps, dtype=np.float64))
    got_a, got_alpha = fit_power_law(x, a * x ** -alpha)
    assert_allclose([got_a, got_alpha], [a, alpha], rtol=1e-9, atol=1e-9)


def test_fit_power_law_sign_and_base_on_the_docstring_example():
    a, alpha = fit_power_law([1e6, 16e6, 256e6], [4.0, 2.0, 1.0])
    assert alpha == pytest.approx(0.25) and alpha > 0  # the loss falls: alpha is positive
    assert a == pytest.approx(4 * 1e6 ** 0.25)  # e ** intercept, not e ** (log10 a)
    assert a != pytest.approx(math.exp(math.log10(4 * 1e6 ** 0.25)))


def _exact_fit(x, y):
    """(a, alpha) with 50-digit logs and sums (decimal): the oracle for ill-conditioned x."""
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 50
        lx, ly = [Decimal(float(v)).ln() for v in x], [Decimal(float(v)).ln() for v in y]
        mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
        slope = sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)
        return float((my - slope * mx).exp()), float(-slope)


@given(st.integers(3, 12), st.sampled_from([1e-6, 3e-6, 1e-5, 1e-3]),
       st.lists(st.integers(0, 9), min_size=3, max_size=6, unique=True), st.floats(0.01, 1.0))
def test_fit_power_law_stays_accurate_when_the_x_are_nearly_equal(exponent, step, k, alpha):
    x = 10.0 ** exponent * (1.0 + step * np.array(sorted(k), dtype=np.float64))
    y = 2.0 * x ** -alpha
    assert_allclose(fit_power_law(x, y), _exact_fit(x, y), rtol=1e-7)


@pytest.mark.parametrize("x, y, match", [
    ([0.0, 1.0], [1.0, 2.0], "positive"), ([1.0, 2.0], [-1.0, 2.0], "positive"),
    ([1.0, 2.0, 3.0], [1.0, 2.0], "one length"), ([5.0, 5.0], [1.0, 2.0], "two distinct"),
    ([], [], "two distinct"), ([1.0, float("nan")], [1.0, 2.0], "positive"),
    ([1e6, 1e7], [2.0, 1.5, 1.0], "one length"), ([5.0], [2.0], "two distinct")])
def test_fit_power_law_rejects_bad_inputs(x, y, match):
    with pytest.raises(ValueError, match=match):
        fit_power_law(x, y)
