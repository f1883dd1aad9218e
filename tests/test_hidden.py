"""The hidden tests, run in-process against the reference, a stub, buggy and correct variants.

The buggy variants are the question folders' catalogs (each bug: one or more reference functions
with one realistic bug); each must fail at least one test of its own question and no test of
another question. Correct-but-different
variants (loops, other formulas, float returns, extra state keys) must pass everything.
"""
import functools
import importlib
import inspect
import math
import time
from pathlib import Path

import numpy as np
import pytest

from checkout import run_checked

import reference
from autograder.engine.api import (CallAborted, CallResult, MissingFunction, StudentRaised,
                                   TestFailure)
from autograder.hidden import declared as declared_tests, hidden_tests
from autograder.hidden import PARAMS, show
from autograder.hidden.inprocess import InProcessStudent
from autograder.questions import BY_ID, FURTHER_QUESTIONS, NUMPY_QUESTIONS, TORCH_QUESTIONS
from autograder.verify.catalog import BUGS as CATALOG_BUGS
from assignments.lecture16.questions.q8_accumulation.catalog import Q8_RUNNING_SUM
from assignments.lecture16.questions.q9_preferences.catalog import Q9_PIECEWISE

GRADED = NUMPY_QUESTIONS + FURTHER_QUESTIONS  # always graded (the second: extra credit)
NUMPY_FUNCTIONS = [f for q in GRADED for f in q.functions]
TORCH_FUNCTIONS = [f for q in TORCH_QUESTIONS for f in q.functions]
REFERENCE = {name: getattr(reference, name) for name in NUMPY_FUNCTIONS}
CATALOGUE_EXAMPLES = 8  # the bug catalogue runs with a smaller budget, to stay fast
ROOT = Path(__file__).resolve().parents[1]


def run_all(tests, namespace) -> dict:
    """{test name: None if it passed, else its message}."""
    student = InProcessStudent(namespace)
    results = {}
    for test in tests:
        try:
            test.run(student)
            results[test.name] = None
        except TestFailure as e:
            results[test.name] = e.message
    return results


def failures(results) -> dict:
    return {name: message for name, message in results.items() if message is not None}


# ----------------------------------------------------------------------------- the contract
@pytest.mark.assignment
def test_names_points_and_order():
    tests = hidden_tests(torch_track=True)
    assert [t.name for t in tests] == [t.name for t in hidden_tests(torch_track=True)]
    assert len({t.name for t in tests}) == len(tests)
    order = [q.id for q in (*GRADED, *TORCH_QUESTIONS)]
    assert [t.question for t in tests] == sorted((t.question for t in tests), key=order.index)
    for t in tests:
        assert t.name.startswith(t.question + " ")
        assert t.hint and t.misconception and t.functions and t.points > 0
        assert set(t.functions) <= set(BY_ID[t.question].functions)
    for q in NUMPY_QUESTIONS:  # the modules' points are weights, scaled to questions.py's
        assert math.isclose(sum(t.points for t in tests if t.question == q.id), q.points)
    for q in TORCH_QUESTIONS:
        assert sum(t.points for t in tests if t.question == q.id) == 1.0
    for q in FURTHER_QUESTIONS:  # weights, scaled by the configured extra credit
        assert math.isclose(sum(t.points for t in tests if t.question == q.id), 1.0,
                            rel_tol=1e-6)
    assert {t.question for t in hidden_tests()} == {q.id for q in GRADED}


@pytest.mark.assignment
def test_every_numpy_test_checks_a_declared_idea_and_the_after_relation_is_sound():
    from autograder.hidden import all_ideas, modules

    ideas = all_ideas(torch_track=False)
    for module in modules():
        declared = getattr(module, "IDEAS", {})
        if not declared:  # a question still without ideas: each test is its own idea
            continue
        tested = {spec.idea for spec in declared_tests(module)}
        assert tested == set(declared), module.__name__  # every idea tested, no stray key
    for idea in ideas.values():
        assert set(idea.after) <= set(ideas), idea.id  # points to ideas that exist
        seen, todo = set(), list(idea.after)  # and never back to itself
        while todo:
            current = todo.pop()
            assert current != idea.id, f"{idea.id} comes after itself"
            if current not in seen:
                seen.add(current)
                todo += list(ideas[current].after)
    with_ideas = {m.Q for m in modules() if getattr(m, "IDEAS", None)}
    for t in hidden_tests():
        assert t.idea.startswith(t.question + ":")
        assert t.idea in ideas or t.question not in with_ideas


def test_parameter_names_match_the_reference():
    for name in NUMPY_FUNCTIONS:
        assert PARAMS[name] == tuple(inspect.signature(getattr(reference, name)).parameters)
    pytest.importorskip("torch")
    for name in TORCH_FUNCTIONS:
        assert PARAMS[name] == tuple(inspect.signature(getattr(reference, name)).parameters)


def test_the_grader_does_not_import_torch():
    import sys

    code = ("import sys; from autograder.hidden import hidden_tests; "
            "import autograder.hidden.torch_track; hidden_tests(torch_track=True); "
            "assert 'torch' not in sys.modules")
    run_checked([sys.executable, "-c", code], cwd=str(ROOT))


@pytest.mark.assignment
def test_the_reference_passes_everything_with_the_default_budget():
    start = time.perf_counter()
    assert failures(run_all(hidden_tests(), REFERENCE)) == {}
    print(f"numpy track, default budget: {time.perf_counter() - start:.1f} s")


def test_the_reference_passes_the_torch_track():
    pytest.importorskip("torch")
    namespace = {**REFERENCE, **{name: getattr(reference, name) for name in TORCH_FUNCTIONS}}
    torch_tests = [t for t in hidden_tests(20, torch_track=True) if t.question.startswith("t")]
    assert failures(run_all(torch_tests, namespace)) == {}


@pytest.mark.assignment
def test_a_stub_fails_every_test_naming_the_function():
    def stub(name):
        def raises(*args, **kwargs):
            raise NotImplementedError(f"{name}: write this function")
        return raises

    namespace = {name: stub(name) for name in NUMPY_FUNCTIONS + TORCH_FUNCTIONS}
    tests = hidden_tests(examples_per_test=5, torch_track=True, shrink=False)
    results = run_all(tests, namespace)
    for test in tests:
        message = results[test.name]
        assert message is not None, test.name
        assert "NotImplementedError" in message and any(f"`{f}" in message for f in test.functions)


def test_a_missing_function_is_named():
    results = run_all(hidden_tests(examples_per_test=5)[:6], {})
    assert all("does not define the function `" in m for m in results.values())


# ----------------------------------------------------------------------------- the bug catalogue
# The question folders' catalogs (their catalog.py): the same bugs that verify grades through the
# engine, here each run in process with only its own functions swapped into the reference.
KNOWN_BUGS = {b.name: b for b in CATALOG_BUGS}
BUGS = [pytest.param(b, id=b.name) for b in CATALOG_BUGS if not b.gap]


@functools.lru_cache(maxsize=1)
def _solution_namespace() -> dict:
    from autograder.build.release import solutions_module

    namespace = {"__name__": "solution"}
    exec(compile(solutions_module(), "<solution>", "exec"), namespace)  # noqa: S102
    return namespace


def bug_functions(name: str) -> dict:
    """The functions a catalogued bug defines, run in a copy of the reference solution's
    namespace (its imports and helpers); only these are swapped in, so a bug shows only where
    its own functions are called."""
    namespace = dict(_solution_namespace())
    exec(compile(KNOWN_BUGS[name].source, f"<bug {name}>", "exec"), namespace)  # noqa: S102
    defined = ast_functions(KNOWN_BUGS[name].source)
    return {f: namespace[f] for f in defined if f in REFERENCE}


def ast_functions(source: str) -> list[str]:
    import ast

    return [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]


class RecordingStudent(InProcessStudent):
    """Records the names of the functions it is asked to call."""

    def __init__(self, namespace):
        super().__init__(namespace)
        self.called = set()

    def call_ex(self, function, *args, **kwargs):
        self.called.add(function)
        return super().call_ex(function, *args, **kwargs)


@pytest.mark.assignment
def test_each_test_calls_exactly_its_functions():
    """``functions`` is accurate: what a test calls on the reference is what it declares (the
    catalog's results below count a failure as direct by it)."""
    for test in hidden_tests(CATALOGUE_EXAMPLES, shrink=False):
        student = RecordingStudent(REFERENCE)
        test.run(student)
        assert student.called == set(test.functions), (test.name, student.called,
                                                        test.functions)


@pytest.fixture(scope="module")
def catalogue(graded_catalog):
    """The catalog graded in process once per run (conftest's ``graded_catalog``), by name."""
    return {r.name: r for r in graded_catalog}


@pytest.mark.parametrize("bug", BUGS)
def test_each_bug_fails_its_own_question_only(bug, catalogue):
    # The tests that call the bug's functions (``direct``) fail, and only its question's: a
    # derandomized test that calls none of them makes the same calls and gets the same answers
    # (the others that fail call them through the student's own callers: fair, the spec says).
    assert bug_functions(bug.name), f"{bug.name}: defines no function of the assignment"
    assert bug.name in catalogue, f"expected {bug.name} among the graded catalog's results"
    direct = catalogue[bug.name].direct
    assert direct, f"{bug.name} ({bug.description}): no test of its functions failed"
    other = [name for name in direct if not name.startswith(bug.question + " ")]
    assert not other, f"{bug.name}: failed tests of other questions: {other}"


def test_a_bug_in_one_function_leaves_the_other_questions_at_full_marks():
    # the same as the argument above, run in full for a few bugs
    tests = hidden_tests(CATALOGUE_EXAMPLES, shrink=False)
    for name in ("lsm-in-place",):
        failed = failures(run_all(tests, {**REFERENCE, **bug_functions(name)}))
        question = KNOWN_BUGS[name].question
        assert failed and all(name.startswith(question + " ") for name in failed)


def test_the_catalogue_covers_every_question_and_function():
    assert len(BUGS) >= 15
    questions = {p.values[0].question for p in BUGS}
    functions = {f for p in BUGS for f in bug_functions(p.values[0].name)}
    assert questions == {q.id for q in GRADED}
    assert functions == set(NUMPY_FUNCTIONS)
    for q in GRADED:  # each folder's catalog holds its own bugs
        assert all(b.question == q.id for b in importlib.import_module(
            f"{q.package}.catalog").BUGS), q.id


def test_failures_give_identical_messages_on_every_run():
    tests = {t.name: t for t in hidden_tests()}  # the grading budget, with shrinking
    for name, bug in [
            ("q3_cross_entropy log_softmax stays finite and unchanged by adding a constant to "
             "the logits, at magnitudes up to 1e4", "lsm-log-of-softmax"),
            ("q1_chunking chunk_tokens puts eos_id after every document, the last and empty "
             "ones included", "chunk-no-final-eos"),
            ("q5_optimization clip_grad_norm never scales up and leaves the norm at most max_norm",
             "clip-scales-up")]:
        first = run_all([tests[name]], {**REFERENCE, **bug_functions(bug)})[name]
        second = run_all([tests[name]], {**REFERENCE, **bug_functions(bug)})[name]
        assert first is not None and first == second
        assert len(first) <= 2000 and "**Hint:**" in first and "**Checked:**" in first


def test_a_student_giving_different_results_gets_a_clear_failure():
    seen = set()

    def wrong_the_first_time(logits, targets, ignore_index=None, reduction="mean"):
        key = logits.tobytes() + str(logits.shape).encode() + reduction.encode()
        first = key not in seen  # right only when called again with the same input
        seen.add(key)
        return reference.cross_entropy(logits, targets, ignore_index, reduction) + (
            1.0 if first else 0.0)

    test = hidden_tests()[[t.name for t in hidden_tests()].index(
        "q3_cross_entropy cross_entropy's reductions agree: 'none' has the shape of targets, "
        "'sum' adds it up, 'mean' divides by N")]
    with pytest.raises(TestFailure) as failure:
        test.run(InProcessStudent({"cross_entropy": wrong_the_first_time}))
    assert failure.value.kind == "flaky"
    assert "different results when it was called again" in failure.value.message


def test_a_call_aborted_stops_the_test_at_once():
    calls = []

    def hangs(*args):
        calls.append(1)
        raise CallAborted("causal_mask", "timeout", "causal_mask took longer than 10 s")

    class Aborting(InProcessStudent):
        def call_ex(self, function, *args, **kwargs):
            return hangs()

    for test in hidden_tests()[6:9]:  # causal_mask (cases) and causal_attention (hypothesis)
        calls.clear()
        with pytest.raises(CallAborted):
            test.run(Aborting(REFERENCE))
        assert calls == [1]


def test_a_failure_message_shows_the_smallest_input_expected_got_and_hint():
    tests = {t.name: t for t in hidden_tests()}
    test = tests["q3_cross_entropy cross_entropy with ignore_index (-100 or a class id) equals "
                 "cross_entropy of the kept positions alone (nan when none is kept)"]
    with pytest.raises(TestFailure) as failure:
        test.run(InProcessStudent({**REFERENCE, **bug_functions("ce-zero-when-all-ignored")}))
    message = failure.value.message
    print(message)
    assert message.startswith("**Checked:** cross_entropy with ignore_index")
    assert "Called `cross_entropy(logits, targets, ignore_index=-100, reduction='mean')`" in message
    assert "- `targets` = `np.array([-100])`" in message  # an explicit example, as given
    assert "Expected the mean (every position is ignored) = nan, got 0.0" in message
    assert "**Hint:**" in message and "0x" not in message
    assert failure.value.status == "wrong" and failure.value.kind == "value"


def test_a_shrunk_failure_shows_the_smallest_input():
    tests = {t.name: t for t in hidden_tests()}
    test = tests["q2_causal_mask causal_attention stays finite for scores up to 1e4"]
    with pytest.raises(TestFailure) as failure:
        test.run(InProcessStudent({**REFERENCE, **bug_functions("attn-no-max-shift")}))
    message = failure.value.message
    print(message)
    assert "- `q` = `np.array([[" in message and "- `v` = `np.array([[0.0]])`" in message  # T = 1
    assert "to be finite, got nan" in message and failure.value.kind == "nan"


# ----------------------------------------------------------------------------- correct variants
def chunk_tokens_loop(docs, block_size, eos_id=None):
    blocks, block = [], []
    for doc in docs:
        for token in list(doc) + ([] if eos_id is None else [eos_id]):
            block.append(token)
            if len(block) == block_size:
                blocks.append(block)
                block = []
    return np.array(blocks, dtype=np.int32).reshape(len(blocks), block_size)


def next_token_pairs_loop(blocks):
    inputs = np.array([[row[t] for t in range(len(row) - 1)] for row in blocks.tolist()],
                      dtype=blocks.dtype).reshape(blocks.shape[0], blocks.shape[1] - 1)
    return inputs, blocks[:, 1:] + 0


def causal_mask_loop(T):
    mask = np.zeros((T, T), dtype=bool)
    for i in range(T):
        for j in range(i + 1):
            mask[i, j] = True
    return mask


def causal_attention_loop(q, k, v):
    T, d = q.shape[-2], q.shape[-1]
    scores = np.einsum("...id,...jd->...ij", q, k) / np.sqrt(d)
    weights = np.zeros_like(scores)
    for i in range(T):
        row = scores[..., i, :i + 1]
        e = np.exp(row - row.max(axis=-1, keepdims=True))
        weights[..., i, :i + 1] = e / e.sum(axis=-1, keepdims=True)
    return np.einsum("...ij,...jd->...id", weights, v), weights


def log_softmax_logsumexp(logits):
    m = np.max(logits, axis=-1, keepdims=True)
    return logits - (m + np.log(np.sum(np.exp(logits - m), axis=-1, keepdims=True)))


def cross_entropy_filtering(logits, targets, ignore_index=None, reduction="mean"):
    V = logits.shape[-1]
    logp = log_softmax_logsumexp(logits).reshape(-1, V)
    t = targets.reshape(-1)
    keep = t != ignore_index if ignore_index is not None else np.full(t.shape, True)
    picked = np.take_along_axis(logp, np.where(keep, t, 0)[:, None], axis=1)[:, 0]
    losses = np.zeros(t.shape, dtype=logp.dtype)
    losses[keep] = -picked[keep]
    if reduction == "none":
        return losses.reshape(targets.shape)
    if reduction == "sum":
        return float(losses.sum())
    if not keep.any():
        return float("nan")
    return float(np.mean(losses[keep]))


def cross_entropy_grad_loop(logits, targets, ignore_index=None):
    V = logits.shape[-1]
    flat, t = logits.reshape(-1, V), targets.reshape(-1)
    grad = np.zeros_like(flat)
    rows = [i for i in range(len(t)) if ignore_index is None or t[i] != ignore_index]
    for i in rows:
        p = np.exp(log_softmax_logsumexp(flat[i]))
        p[t[i]] -= 1.0
        grad[i] = p / len(rows)
    return grad.reshape(logits.shape)


def perplexity_own(logits, targets, ignore_index=None):
    return np.exp(cross_entropy_filtering(logits, targets, ignore_index))  # a numpy scalar


def corpus_perplexity_average(losses, counts):
    return np.asarray(np.exp(np.average(losses, weights=counts)))  # a 0-d array


def global_grad_norm_concat(grads):
    if not grads:
        return 0.0
    return np.linalg.norm(np.concatenate([g.ravel() for g in grads.values()]))


def clip_grad_norm_clamp(grads, max_norm):
    total_norm = global_grad_norm_concat(grads)
    coef = np.clip(max_norm / (total_norm + 1e-6), None, 1.0)
    return {k: coef * g for k, g in grads.items()}, total_norm


def init_adamw_state_extra(params):
    return {"step": 0, "m": {k: np.zeros(p.shape, p.dtype) for k, p in params.items()},
            "v": {k: np.zeros(np.shape(p), np.result_type(p)) for k, p in params.items()},
            "history": []}


def adamw_step_torch_style(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                           weight_decay=0.01, max_grad_norm=None):
    if max_grad_norm is not None:
        grads = clip_grad_norm_clamp(grads, max_grad_norm)[0]
    step = int(state["step"]) + 1
    b1, b2 = betas
    new_params, new_m, new_v = {}, {}, {}
    for k in params:
        g = grads[k]
        new_m[k] = state["m"][k] + (1 - b1) * (g - state["m"][k])  # lerp, as PyTorch
        new_v[k] = state["v"][k] * b2 + (1 - b2) * g * g
        step_size = lr / (1 - b1 ** step)
        denom = np.sqrt(new_v[k]) / math.sqrt(1 - b2 ** step) + eps
        new_params[k] = params[k] * (1 - lr * weight_decay) - step_size * new_m[k] / denom
    history = state.get("history", []) + [lr]
    return new_params, {"step": step, "m": new_m, "v": new_v, "history": history}


def warmup_cosine_lr_branches(step, max_lr, warmup_steps, total_steps, min_lr=0.0):
    if warmup_steps > 0 and step < warmup_steps:
        return np.float64(max_lr) * step / warmup_steps
    decay_steps = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / decay_steps)
    return min_lr + (max_lr - min_lr) * (1 + np.cos(np.pi * progress)) / 2


def sft_example_where(prompt_ids, response_ids, eos_id=None, ignore_index=-100):
    if not len(prompt_ids) or not len(response_ids):
        raise ValueError("empty")
    seq = np.concatenate([np.asarray(prompt_ids, np.int64), np.asarray(response_ids, np.int64),
                          np.asarray([] if eos_id is None else [eos_id], np.int64)])
    t = np.arange(len(seq) - 1)
    return seq[:-1], np.where(t < len(prompt_ids) - 1, ignore_index, seq[1:]).astype(np.int64)


def pad_batch_pad(examples, pad_id, ignore_index=-100):
    L = max([len(x) for x, _ in examples], default=0)
    rows = [(np.pad(x, (0, L - len(x)), constant_values=pad_id),
             np.pad(y, (0, L - len(y)), constant_values=ignore_index)) for x, y in examples]
    return (np.array([x for x, _ in rows], np.int64).reshape(len(rows), L),
            np.array([y for _, y in rows], np.int64).reshape(len(rows), L))


def training_flops_int(n_params, n_tokens):
    if type(n_params) is int and type(n_tokens) is int:
        return 6 * n_params * n_tokens  # a Python int for Python ints: never overflows
    return 6.0 * n_params * n_tokens  # numpy int64 would wrap: floats


def chinchilla_optimal_power(flops, tokens_per_param=20.0):
    if not flops > 0:  # nan too
        raise ValueError("budget")
    n = (flops / (6 * tokens_per_param)) ** 0.5
    return np.float64(n), np.float64(n * tokens_per_param)


def fit_power_law_polyfit(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    if (x <= 0).any() or (y <= 0).any() or x.shape != y.shape or len(set(x.tolist())) < 2:
        raise ValueError("positive, one length, two distinct x")
    slope, intercept = np.polyfit(np.log10(x), np.log10(y), 1)
    return 10 ** intercept, -slope


def _catalog_variant(source: str, name: str):
    """A function of a correct variant in a question folder's catalog (numpy as np)."""
    namespace = {"np": np}
    exec(compile(source, f"<{name}>", "exec"), namespace)  # noqa: S102 (our own catalog)
    return namespace[name]


CORRECT = {
    "accumulate_gradients": _catalog_variant(Q8_RUNNING_SUM, "accumulate_gradients"),
    "preference_loss": _catalog_variant(Q9_PIECEWISE, "preference_loss"),
    "dpo_loss": _catalog_variant(Q9_PIECEWISE, "dpo_loss"),
    "sft_example": sft_example_where, "pad_batch": pad_batch_pad,
    "training_flops": training_flops_int, "chinchilla_optimal": chinchilla_optimal_power,
    "fit_power_law": fit_power_law_polyfit,
    "chunk_tokens": chunk_tokens_loop, "next_token_pairs": next_token_pairs_loop,
    "causal_mask": causal_mask_loop, "causal_attention": causal_attention_loop,
    "log_softmax": log_softmax_logsumexp, "cross_entropy": cross_entropy_filtering,
    "cross_entropy_grad": cross_entropy_grad_loop, "perplexity": perplexity_own,
    "corpus_perplexity": corpus_perplexity_average, "global_grad_norm": global_grad_norm_concat,
    "clip_grad_norm": clip_grad_norm_clamp, "init_adamw_state": init_adamw_state_extra,
    "adamw_step": adamw_step_torch_style, "warmup_cosine_lr": warmup_cosine_lr_branches,
}


@pytest.mark.assignment
def test_correct_but_different_solutions_pass_everything():
    # the functions written differently here (a question added since: its reference's)
    assert set(CORRECT) <= set(NUMPY_FUNCTIONS), set(CORRECT) - set(NUMPY_FUNCTIONS)
    assert failures(run_all(hidden_tests(), {**REFERENCE, **CORRECT})) == {}  # grading budget


def test_a_sum_or_mean_given_as_a_0d_array_is_a_single_number_at_any_budget():
    """The contract allows a 0-d array for a single number: a one-position 'sum' was once
    reshaped to the targets' shape (1,) and failed (drawn at 10 examples, not at 50)."""
    def zero_d(logits, targets, ignore_index=None, reduction="mean"):
        out = reference.cross_entropy(logits, targets, ignore_index=ignore_index,
                                      reduction=reduction)
        return out if reduction == "none" else np.array(out)

    one_position = (np.array([[0.0]]), np.array([0]))
    assert zero_d(*one_position, ignore_index=-100, reduction="sum").shape == ()
    for examples in (10, None):  # the in-process catalog's budget, the grading's
        tests = [t for t in hidden_tests(examples) if "cross_entropy" in t.functions]
        assert failures(run_all(tests, {**REFERENCE, "cross_entropy": zero_d})) == {}, examples


@pytest.mark.assignment
def test_every_correct_catalog_entry_keeps_full_marks_at_a_smaller_budget_too():
    """A correct submission loses no point whatever inputs a budget draws: the catalog's correct
    entries (written differently from the reference) at the in-process catalog's budget and at
    the grading's, in process."""
    from autograder.build.release import solutions_module
    from autograder.verify.catalog import CORRECT
    from autograder.verify.entries import replace_function
    from autograder.verify.inprocess import namespace_of
    from autograder.verify.points import EXAMPLES

    source = solutions_module()
    variants = [c for c in CORRECT if c.source]  # the others are whole notebooks (verify's)
    assert variants
    for examples in (EXAMPLES, None):
        tests = hidden_tests(examples)
        for c in variants:
            namespace = namespace_of(replace_function(source, c.source))
            assert failures(run_all(tests, namespace)) == {}, (c.name, examples)


# ----------------------------------------------------------------------------- torch-track bugs
def test_torch_track_bugs_fail_their_own_question():
    torch = pytest.importorskip("torch")
    namespace = {name: getattr(reference, name) for name in TORCH_FUNCTIONS}

    def ce_item(logits, targets, ignore_index=None):
        return reference.cross_entropy_torch(logits, targets, ignore_index).item()

    def attention_no_mask(q, k, v):
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
        return weights @ v, weights

    def adamw_rebinds(params, grads, state, **hp):
        reference.adamw_step_torch_([p.detach().clone() for p in params], grads, state, **hp)

    tests = [t for t in hidden_tests(CATALOGUE_EXAMPLES, torch_track=True, shrink=False)
             if t.question.startswith("t")]
    for question, function, buggy in [("t1_cross_entropy", "cross_entropy_torch", ce_item),
                                      ("t2_causal_attention", "causal_attention_torch",
                                       attention_no_mask),
                                      ("t3_optimization", "adamw_step_torch_", adamw_rebinds)]:
        failed = failures(run_all(tests, {**namespace, function: buggy}))
        assert failed and all(name.startswith(question + " ") for name in failed), function


# ----------------------------------------------------------------------------- in-process student
def test_in_process_student_follows_the_engine_semantics():
    import collections

    def returns(value):
        return lambda *args: value

    def raises(*args):
        raise ValueError("x" * 1000)

    def exits(*args):
        raise SystemExit(3)

    def mutates(a):
        a[0] = 99.0

    student = InProcessStudent({
        "array_view": returns(np.arange(6.0).reshape(2, 3)[:, 1]),
        "matrix": returns(np.asmatrix(np.eye(2))), "scalar": returns(np.float32(1.5)),
        "nested": returns(({"a": [1, 2.0, None, "s"]}, (True,))),
        "named": returns(collections.OrderedDict(x=np.int64(3))),
        "objects": returns(np.array([object()])), "generator": returns(i for i in range(2)),
        "int_keys": returns({1: 2}), "raises": raises, "exits": exits, "mutates": mutates,
        "not_callable": 3,
    })
    view = student.call("array_view")
    assert type(view) is np.ndarray and view.flags.owndata and view.tolist() == [1.0, 4.0]
    assert type(student.call("matrix")) is np.ndarray
    assert student.call("scalar") == np.float32(1.5) and type(student.call("scalar")) is np.float32
    assert student.call("nested") == ({"a": [1, 2.0, None, "s"]}, (True,))
    assert student.call("named") == {"x": 3}
    for name in ("objects", "generator", "int_keys"):
        with pytest.raises(Exception) as e:
            student.call(name)
        assert type(e.value).__name__ == "BadReturn"
    with pytest.raises(StudentRaised) as e:
        student.call("raises")
    assert e.value.exc_type == "ValueError" and len(e.value.detail) <= 300
    with pytest.raises(CallAborted):
        student.call("exits")
    for name in ("missing", "not_callable"):
        with pytest.raises(MissingFunction):
            student.call(name)
        assert not student.has(name)
    a = np.zeros(3)
    result = student.call_ex("mutates", (a,), return_args=True)
    assert isinstance(result, CallResult) and result.args[0].tolist() == [99.0, 0, 0]
    assert a.tolist() == [0, 0, 0]  # the caller's array was copied in


def test_show_is_short_and_deterministic():
    big = np.arange(10_000.0).reshape(100, 100)
    assert show(big) == "float64 array of shape (100, 100), values from 0.0 to 9999.0"
    assert show(np.array([[1.0, 2.5], [-1e-05, np.nan]])) == \
        "np.array([[1.0, 2.5], [-1e-05, nan]])"
    assert show(np.array([0.1], dtype=np.float32)) == "np.array([0.1], dtype=np.float32)"
    assert show(np.array([True, False])) == "np.array([True, False])"
    assert show(np.zeros((0, 3), dtype=np.int64)) == "np.zeros((0, 3), dtype=np.int64)"
    assert len(show(list(range(10_000)))) <= 300



NONSENSE = [None, "text", np.float32(1.5), True, [1, 2], np.zeros((2, 2)), np.array(1 + 2j),
            {"step": np.nan, "m": 1, "v": None},
            ({"wte": None, "w1": "x"}, {"step": "x", "m": {}, "v": {}}),
            (np.zeros((1, 0)), np.zeros(1)), [[[[[[[[1]]]]]]]], lambda: None]


PAIR_PASSES = ("q7_scaling fit_power_law gives the same for Python lists",
               "q7_scaling fit_power_law leaves its inputs unchanged")
NONSENSE_TESTS = hidden_tests(examples_per_test=1, torch_track=True, shrink=False)


SELF_COMPARED = (  # a constant of the right form is finite, shift-invariant, ignores nothing
    "cross_entropy stays finite and unchanged by adding a constant to the logits, even at 1e4",
    "perplexity with ignore_index equals the perplexity of the kept positions alone",
    "chunk_tokens treats eos_id=0 like any other token id",
    # finiteness alone (the overflow of a sign or value bug is the value tests' business)
    "preference_loss and its gradients stay finite for margins beyond +-710",
    "dpo_loss stays finite when beta times the log-ratios passes +-710")


@pytest.mark.parametrize("value", NONSENSE, ids=lambda v: type(v).__name__)

@pytest.mark.assignment
def test_nonsense_returns_fail_cleanly_never_crash_the_grader(value):
    def returns_it(*args, **kwargs):
        return value

    namespace = {name: returns_it for name in NUMPY_FUNCTIONS + TORCH_FUNCTIONS}
    pair = isinstance(value, (list, tuple)) and len(value) == 2 and all(
        isinstance(v, (int, float)) for v in value)
    for test in NONSENSE_TESTS:
        try:
            test.run(InProcessStudent(namespace))
        except TestFailure as failure:  # anything else would be a grader bug
            assert 0 < len(failure.message) <= 2000
        else:  # only a test of one property that a constant has: inputs unchanged, or (for a
            # number) invariances checked against the student's own results
            assert "unchanged" in test.description or test.description in SELF_COMPARED or (
                pair and test.name.startswith(PAIR_PASSES)), test.name
