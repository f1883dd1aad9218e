"""The reference's "Going further" functions against PyTorch, the independent oracle.

accumulate_gradients against autograd's gradient of the whole batch's mean cross-entropy
(F.cross_entropy with ignore_index, micro-batches of unequal counted tokens, an all-ignored
one); preference_loss against autograd through -F.logsigmoid; dpo_loss against the same written
on torch tensors. Float64 on the CPU; skipped where torch is not installed.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as nps
from numpy.testing import assert_allclose

from reference import accumulate_gradients, dpo_loss, preference_loss

torch = pytest.importorskip("torch")
F = torch.nn.functional
IGNORE = -100


def batch_loss_grads(W, b, x, y):
    """The mean cross-entropy over the counted targets of a linear model's logits x @ W + b,
    its autograd gradients, and the number of counted targets."""
    W_t = torch.tensor(W, requires_grad=True)
    b_t = torch.tensor(b, requires_grad=True)
    logits = torch.from_numpy(x) @ W_t + b_t
    loss = F.cross_entropy(logits, torch.from_numpy(y), ignore_index=IGNORE)
    loss.backward()
    return {"W": W_t.grad.numpy(), "b": b_t.grad.numpy()}, int(np.sum(y != IGNORE))


@st.composite
def micro_batched(draw):
    """A model, a batch of 4 to 24 examples with some targets ignored, and cut points that split
    it into 1 to 4 micro-batches (one may have every target ignored)."""
    n = draw(st.integers(4, 24))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    d, V = 3, 5
    x = rng.normal(size=(n, d))
    y = rng.integers(0, V, size=n)
    y[rng.random(n) < draw(st.sampled_from([0.0, 0.3, 0.7]))] = IGNORE
    cuts = sorted(draw(st.sets(st.integers(1, n - 1), max_size=3)))
    if draw(st.booleans()) and cuts:  # the first micro-batch all padding
        y[:cuts[0]] = IGNORE
    if np.all(y == IGNORE):
        y[-1] = 0
    return rng.normal(size=(d, V)), rng.normal(size=V), x, y, [0, *cuts, n]


@settings(max_examples=60, deadline=None)
@given(micro_batched())
def test_accumulated_micro_batches_give_the_whole_batchs_autograd_gradient(case):
    W, b, x, y, cuts = case
    expected, _ = batch_loss_grads(W, b, x, y)
    grads, counts = [], []
    for lo, hi in zip(cuts, cuts[1:]):
        g, n = batch_loss_grads(W, b, x[lo:hi], y[lo:hi])  # nan where n == 0: 0 / 0
        grads.append(g)
        counts.append(n)
    got = accumulate_gradients(grads, counts)
    assert sorted(got) == ["W", "b"]
    for name in got:
        assert_allclose(got[name], expected[name], rtol=1e-10, atol=1e-12)
    if len(set(c for c in counts if c)) > 1:  # the naive average is a different gradient
        used = [g for g, n in zip(grads, counts) if n]
        naive = sum(g["W"] for g in used) / len(used)
        assert not np.allclose(naive, expected["W"], rtol=1e-6, atol=1e-9)


MARGINS = st.floats(-50, 50) | st.sampled_from([-1e4, -800.0, 0.0, 800.0, 1e4])


@settings(max_examples=100, deadline=None)
@given(nps.arrays(np.float64, st.integers(1, 8), elements=MARGINS),
       nps.arrays(np.float64, 8, elements=st.floats(-20, 20)))
def test_preference_loss_and_gradients_match_torch_autograd(margins, base):
    r_rejected = base[:len(margins)]
    r_chosen = r_rejected + margins
    chosen = torch.tensor(r_chosen, requires_grad=True)
    rejected = torch.tensor(r_rejected, requires_grad=True)
    expected = -F.logsigmoid(chosen - rejected).mean()
    expected.backward()
    loss, d_chosen, d_rejected = preference_loss(r_chosen.copy(), r_rejected.copy())
    assert np.isfinite(loss) and np.isfinite(d_chosen).all() and np.isfinite(d_rejected).all()
    assert loss == pytest.approx(expected.item(), rel=1e-9, abs=1e-12)
    assert_allclose(d_chosen, chosen.grad.numpy(), rtol=1e-9, atol=1e-15)
    assert_allclose(d_rejected, rejected.grad.numpy(), rtol=1e-9, atol=1e-15)


@settings(max_examples=100, deadline=None)
@given(nps.arrays(np.float64, (4, 5), elements=st.floats(-5e3, 0)),
       st.sampled_from([0.05, 0.1, 0.5, 2.0]), st.integers(1, 5))
def test_dpo_loss_matches_torch(logps, beta, n):
    pc, pr, rc, rr = (torch.from_numpy(row[:n]) for row in logps)
    logits = beta * ((pc - rc) - (pr - rr))  # the DPO paper's loss, as its authors write it
    expected = -F.logsigmoid(logits).mean().item()
    got = dpo_loss(*(row[:n] for row in logps), beta=beta)
    assert np.isfinite(got)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_the_lectures_numbers():
    assert accumulate_gradients([{"w": np.array([1.0])}, {"w": np.array([5.0])}],
                                [3, 1])["w"].tolist() == [2.0]
    loss, d_chosen, _ = preference_loss(np.array([0.0]), np.array([0.0]))
    assert loss == pytest.approx(np.log(2)) and d_chosen.tolist() == [-0.5]
    assert dpo_loss(np.array([-5.0]), np.array([-7.0]), np.array([-5.0]),
                    np.array([-7.0])) == pytest.approx(np.log(2))
