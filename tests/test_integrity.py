"""Issue 22: a submission cannot talk up its grade or read the hidden tests.

Rule 2 (README, security model): every field a student sees before the due date is built only
from what happened before the first hidden call; a restarted worker starts from an empty
scratch folder in every mode.
"""
from __future__ import annotations

import contextlib
import glob
import os

import pytest

from checkout import full_score

from autograder.engine.sandbox import Sandbox
from test_hostile import (layout_factory, reference, run_entry, run_layout,  # noqa: F401
                          unprivileged_python, visible_text)

LEAK = "RECORDED-INPUTS"


@pytest.fixture(autouse=True)
def _no_leftovers_in_tmp():
    """leak_after_restart counts its loads in /tmp as well (``ag-asked-<token>*``), which a
    grading without a mount namespace (Gradescope's mode) lets it write: remove what this
    module's tests made, so that runs leave /tmp as they found it."""
    before = set(glob.glob("/tmp/ag-asked-*"))
    yield
    for path in set(glob.glob("/tmp/ag-asked-*")) - before:
        with contextlib.suppress(OSError):
            os.remove(path)


def _crashed(data: dict) -> bool:
    return any("stopped the process that runs your code" in t["output"] for t in data["tests"])


@pytest.mark.parametrize("mode", ["user", "plain"])
def test_hidden_inputs_recorded_before_a_restart_stay_out_of_visible_output(
        unprivileged_python, layout_factory, reference, tmp_path, mode):  # noqa: F811
    """Gradescope's mode (root, a uid of the grading's own, no mount namespace) and a plain
    user's: the submission records the hidden tests' inputs, ends its worker, and raises them
    when it is loaded again, in a statement the visible feedback quotes."""
    layout = layout_factory(unprivileged_python, False, mode)
    data, _ = run_layout(layout, reference, tmp_path, after=("leak_after_restart",),
                         extra_env={"AUTOGRADER_NAMESPACE": "off"})
    assert _crashed(data), "the worker was not restarted: the attack did not run"
    shown = visible_text(data)
    assert "NOTHING-RECORDED-YET" in shown  # the first load's words are what the student sees
    assert LEAK not in shown, shown[:3000]


def test_hidden_inputs_stay_out_of_visible_output_here(tmp_path, reference):  # noqa: F811
    """The same in this process's mode (root with a mount namespace where it can have one)."""
    graded = run_entry(tmp_path, reference, after=("leak_after_restart",))
    shown = visible_text(graded.data)  # (a namespace's tmpfs and read-only /tmp: no attack)
    assert "NOTHING-RECORDED-YET" in shown and LEAK not in shown, shown[:3000]


def test_a_restarted_worker_starts_from_an_empty_scratch_folder():
    with Sandbox() as box:
        proc, to_worker, from_worker = box.start()
        (box.scratch / "left-by-the-last-worker").write_text("inputs")
        (box.scratch / "folder").mkdir()
        (box.scratch / "folder" / "inside").write_text("inputs")
        box.kill_all(proc)
        proc, to_worker2, from_worker2 = box.start()
        assert list(box.scratch.iterdir()) == []
        box.kill_all(proc)


# ============================================================================= rule 1
# An answer the student gives is judged, or it is not used: blame moves from a function to its
# callee only when the callee is charged, at a first ask, in its own tests; a self-comparison
# cannot be won by remembering. Graded in process (the same hidden tests, in their order, with
# a fresh student per grading): a submission with a stateful cheat never scores more than the
# same submission without it.
import ast  # noqa: E402
import functools  # noqa: E402

import numpy as np  # noqa: E402

from autograder.hidden import hidden_tests  # noqa: E402
from autograder.hidden.callees import callees  # noqa: E402
from autograder.hidden import PARAMS  # noqa: E402
from autograder.hidden.inprocess import InProcessStudent  # noqa: E402
from autograder.engine.api import CallAborted, TestFailure  # noqa: E402
from autograder.verify.catalog import BUGS  # noqa: E402
from autograder.verify.inprocess import namespace_of  # noqa: E402
from autograder.verify.entries import replace_function  # noqa: E402

EXAMPLES = 5


@pytest.fixture(scope="module")
def solution() -> str:
    from autograder.build.release import solutions_module

    return solutions_module()


def _defines(source: str) -> list[str]:
    return [n.name for n in ast.parse(source).body
            if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]


@functools.lru_cache(maxsize=None)
def _tests(examples: int) -> tuple:
    return tuple(hidden_tests(examples_per_test=examples, shrink=False))


def _score(namespace: dict, questions: set[str], examples: int = EXAMPLES) -> float:
    """Points earned on these questions' hidden tests, run in order against a fresh student."""
    student = InProcessStudent(namespace)
    earned = 0.0
    for test in _tests(examples):
        if test.question not in questions:
            continue
        try:
            test.run(student)
        except (TestFailure, CallAborted):
            continue
        earned += test.points
    return round(earned, 6)


def _perturbed(value):
    if isinstance(value, dict):
        return {k: _perturbed(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_perturbed(v) for v in value)
    if isinstance(value, (np.ndarray, float, np.floating)) and not isinstance(value, bool):
        return np.asarray(value) * 1.5 + 0.25
    if isinstance(value, np.ndarray) and value.dtype == bool:
        return ~value
    return value


def _liar(namespace: dict, callee: str, caller: str, lie) -> dict:
    """``callee`` answers truly until the grader has called ``caller``; from then on, asked
    by the grader (not from inside ``caller``), it answers ``lie(true_callee, *args)``."""
    true_callee, true_caller = namespace[callee], namespace[caller]
    state = {"caller_seen": False, "inside": 0}

    def caller_fn(*args, **kwargs):
        state["caller_seen"] = True
        state["inside"] += 1
        try:
            return true_caller(*args, **kwargs)
        finally:
            state["inside"] -= 1

    def callee_fn(*args, **kwargs):
        if state["caller_seen"] and not state["inside"]:
            return lie(true_callee, *args, **kwargs)
        return true_callee(*args, **kwargs)

    namespace[callee], namespace[caller] = callee_fn, caller_fn
    return namespace


def _raise(true, *args, **kwargs):
    raise ValueError("asked again")


def _garbage(true, *args, **kwargs):
    return _perturbed(true(*args, **kwargs))


def _as_bug(bug_source: str, solution: str):
    wrong = namespace_of(replace_function(solution, bug_source))
    name = _defines(bug_source)[0]
    return lambda true, *args, **kwargs: wrong[name](*args, **kwargs)


def _question_of(function: str) -> str:
    from autograder.questions import NUMPY_QUESTIONS

    return next(q.id for q in NUMPY_QUESTIONS if function in q.functions)


CALLERS = sorted(f for f in PARAMS if callees(f, tuple(PARAMS)))


def _pairs():
    """(caller bug, callee, lie) for every spec function that calls another: a few of its
    catalogued bugs, each with a callee that lies when asked again (raising, garbage, or the
    answers of one of the callee's own catalogued bugs)."""
    out = []
    for caller in CALLERS:
        bugs = [b for b in BUGS if _defines(b.source) == [caller]][:2]
        for callee in callees(caller, tuple(PARAMS)):
            lies = ["raise", "garbage"] + [b.name for b in BUGS
                                           if _defines(b.source) == [callee]][:1]
            out += [(bug.name, callee, lie) for bug in bugs for lie in lies]
    return out


@pytest.mark.parametrize("bug_name, callee, lie", _pairs())
def test_a_callee_that_lies_when_asked_again_gains_nothing(solution, bug_name, callee, lie):
    bug = next(b for b in BUGS if b.name == bug_name)
    caller = _defines(bug.source)[0]
    questions = {_question_of(caller), _question_of(callee)}
    honest = _score(namespace_of(replace_function(solution, bug.source)), questions)
    how = {"raise": _raise, "garbage": _garbage}.get(lie) or _as_bug(
        next(b.source for b in BUGS if b.name == lie), solution)
    cheat = _liar(namespace_of(replace_function(solution, bug.source)), callee, caller, how)
    assert _score(cheat, questions) <= honest, (bug_name, callee, lie)


ONLY_RAISES = '''
def {name}(*args, **kwargs):
    raise RuntimeError("not done")
'''


def test_functions_that_only_raise_gain_nothing_from_lying_callees(solution):
    """Every caller only raises; each callee raises too when asked again (after its caller)."""
    text = solution
    for caller in CALLERS:
        text = replace_function(text, ONLY_RAISES.format(name=caller))
    questions = {_question_of(f) for f in CALLERS} | {
        _question_of(g) for f in CALLERS for g in callees(f, tuple(PARAMS))}
    honest = _score(namespace_of(text), questions)
    cheat = namespace_of(text)
    for caller in CALLERS:
        for callee in callees(caller, tuple(PARAMS)):
            cheat = _liar(cheat, callee, caller, _raise)
    assert _score(cheat, questions) <= honest


def _memo(namespace: dict, function: str, when=None) -> dict:
    """``function`` answers a call whose keyword arguments differ from the previous call's
    (or, with ``when``, where ``when(previous (args, kwargs), (args, kwargs))``) with the
    previous answer: the second ask of a self-comparison, remembered."""
    true = namespace[function]
    last = {}
    when = when or (lambda before, now: before[1] != now[1])

    def remembering(*args, **kwargs):
        if "call" in last and when(last["call"], (args, kwargs)):
            answer = last["answer"]
        else:
            answer = true(*args, **kwargs)
        last.update(call=(args, kwargs), answer=answer)
        return answer

    namespace[function] = remembering
    return namespace


def _self_compared() -> set[str]:
    """The ideas (qualified) of the tests that compare a student's answers with each other."""
    return {t.idea for t in _tests(EXAMPLES) if "either" in t.run.args[0].check.__code__.co_names}


@pytest.mark.parametrize("bug_name", [b.name for b in BUGS if b.idea_id in _self_compared()
                                      and not b.gap])
def test_remembering_an_earlier_answer_gains_nothing(solution, bug_name):
    """A mistake in an idea that a self-comparison checks, with the function answering the
    comparison's second ask from memory, scores no more than the mistake alone. (Limit,
    README: a function with a mistake charged in another idea, whose own answers are then
    accepted as the excuse, may make them agree by remembering.)"""
    bug = next(b for b in BUGS if b.name == bug_name)
    function = _defines(bug.source)[0]
    honest = _score(namespace_of(replace_function(solution, bug.source)), {bug.question})
    cheat = _memo(namespace_of(replace_function(solution, bug.source)), function)
    assert _score(cheat, {bug.question}) <= honest, bug_name


NO_MASK = '''
def causal_attention(q, k, v):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    scores = np.where(causal_mask(q.shape[-2]), scores, scores)  # the mask asked, not used
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights
'''
CONSTANT_PERPLEXITY = '''
def perplexity(logits, targets, ignore_index=None):
    cross_entropy(logits, targets, ignore_index=ignore_index)
    return 7.0
'''


def test_attention_without_the_mask_gains_nothing_from_a_mask_that_lies(solution):
    """The issue's example: a mask right in its own tests and all True when asked again."""
    questions = {"q2_causal_mask"}
    honest = _score(namespace_of(replace_function(solution, NO_MASK)), questions)
    cheat = _liar(namespace_of(replace_function(solution, NO_MASK)), "causal_mask",
                  "causal_attention", lambda true, T: np.ones((T, T), dtype=bool))
    assert honest < 15 and _score(cheat, questions) <= honest


def test_a_constant_perplexity_gains_nothing_from_a_cross_entropy_that_lies(solution):
    """The issue's example: cross_entropy right in its own tests and log(7) when asked again."""
    questions = {"q3_cross_entropy", "q4_perplexity"}
    honest = _score(namespace_of(replace_function(solution, CONSTANT_PERPLEXITY)), questions)
    cheat = _liar(namespace_of(replace_function(solution, CONSTANT_PERPLEXITY)),
                  "cross_entropy", "perplexity", lambda true, *a, **k: float(np.log(7.0)))
    assert honest < 30 and _score(cheat, questions) <= honest


IGNORE_COUNTS_ALL = '''
def cross_entropy(logits, targets, ignore_index=None, reduction="mean"):
    V = logits.shape[-1]
    flat = targets.reshape(-1)
    keep = np.ones(flat.shape, bool) if ignore_index is None else flat != ignore_index
    logp = log_softmax(logits.reshape(-1, V))
    losses = np.where(keep, -logp[np.arange(flat.size), np.where(keep, flat, 0)], 0.0)
    if reduction == "none":
        return losses.reshape(targets.shape)
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / flat.size if keep.any() else float("nan")  # N counts every position
'''


def _kept_positions_of_the_last_call(before, now) -> bool:
    (logits, targets, *_), kwargs = before
    ignore_index = kwargs.get("ignore_index")
    if ignore_index is None or now[1].get("ignore_index") is not None or kwargs.get(
            "reduction", "mean") == "none":
        return False
    keep = np.asarray(targets) != ignore_index
    return np.array_equal(np.asarray(now[0][0]), np.asarray(logits)[keep])


def test_an_ignore_index_bug_gains_nothing_from_remembering_the_self_comparison(solution):
    """The issue's example: the mean divides by every position, and the kept-positions call
    that follows the ignore_index call is answered with the remembered answer."""
    questions = {"q3_cross_entropy"}
    honest = _score(namespace_of(replace_function(solution, IGNORE_COUNTS_ALL)), questions, 50)
    cheat = _memo(namespace_of(replace_function(solution, IGNORE_COUNTS_ALL)), "cross_entropy",
                  _kept_positions_of_the_last_call)
    assert honest < 20 and _score(cheat, questions, 50) <= honest


@pytest.mark.parametrize("mask_bug", ["mask-no-diagonal", "mask-upper", "mask-one-ahead"])
def test_a_correct_function_beside_a_wrong_callee_keeps_its_points(solution, mask_bug):
    """What judging a function on its own gives honest students stays: a wrong mask, charged in
    its own tests, costs causal_attention's comparisons with the reference nothing."""
    bug = next(b for b in BUGS if b.name == mask_bug)
    student = InProcessStudent(namespace_of(replace_function(solution, bug.source)))
    failed = []
    for test in _tests(EXAMPLES):
        if test.question != "q2_causal_mask":
            continue
        try:
            test.run(student)
        except TestFailure:
            failed.append(test.name)
    assert any(" causal_mask " in n for n in failed)
    compared = [n for n in failed if "causal_attention matches" in n or "keeps batch" in n]
    assert not compared, failed


# ============================================================================= rule 4
# Slow machines cost time, never points: the time a worker waits for a CPU (the kernel's
# schedstat) is not charged to a call's limit, up to client.STRETCH times the limit.
import time  # noqa: E402

from autograder.engine.process import WorkerProcess, open_schedstat  # noqa: E402
from autograder.engine.config import GradingConfig  # noqa: E402
from test_hostile import grade_here, hostile_header, build  # noqa: E402

SLOW_CONFIG = GradingConfig(examples_per_test=2, call_timeout_s=1.0, cell_timeout_s=5.0,
                            function_budget_s=60.0)


def _slow_mask(tmp_path, reference):  # noqa: F811
    hostile = hostile_header(tmp_path, call_timeout=SLOW_CONFIG.call_timeout_s)
    path = build(tmp_path / "sub" / "lm_training.py", reference, hostile, after=("slow_mask",))
    return grade_here(path, hostile, SLOW_CONFIG)


def _mask_timed_out(graded) -> bool:
    """causal_mask was stopped (its call timed out, and its tests did not run)."""
    return any(t.question == "q2_causal_mask" and t.status in ("timeout", "disabled")
               for t in graded.result.tests) and "did not return within" in graded.text()


def test_a_call_that_waited_for_a_cpu_is_not_stopped(tmp_path, reference, monkeypatch):  # noqa: F811
    """As if the machine were so loaded that the worker waited for a CPU the whole time."""
    monkeypatch.setattr(WorkerProcess, "waited", lambda self: time.monotonic())
    assert not _mask_timed_out(_slow_mask(tmp_path, reference))


def test_a_call_that_took_its_time_itself_is_stopped(tmp_path, reference):  # noqa: F811
    assert _mask_timed_out(_slow_mask(tmp_path, reference))


def test_the_cpu_wait_of_a_live_process_is_read():
    def read() -> float:
        with open(f"/proc/{os.getpid()}/schedstat", "rb") as f:
            return int(f.read().split()[1]) / 1e9

    process = WorkerProcess(sandbox=None)  # only the schedstat is read
    process.schedstat = open_schedstat(os.getpid())
    before = read()
    waited = process.waited()  # the open descriptor gives the kernel's current figure
    assert before <= waited <= read(), (before, waited)
    os.close(process.schedstat)
    process.schedstat = -1
    assert process.waited() == 0.0


# ============================================================================= every path
from test_hostile import Q2, check, control_for  # noqa: E402


def test_a_lying_callee_gains_nothing_in_the_engine(tmp_path, reference):  # noqa: F811
    """The same rule through the worker (`grade`): stateful code across real calls."""
    graded = run_entry(tmp_path, reference, after=("lying_mask",))
    check(graded, touched={Q2}, control=control_for(tmp_path, reference, after=("lying_mask",)))
    assert graded.by_question[Q2] < 15


@pytest.mark.parametrize("mode", ["user"])
def test_a_lying_callee_gains_nothing_on_gradescope(unprivileged_python, layout_factory,  # noqa: F811
                                                     reference, tmp_path, mode):  # noqa: F811
    """Gradescope's run_autograder as root without a worker namespace."""
    layout = layout_factory(unprivileged_python, False, mode)
    cheat, _ = run_layout(layout, reference, tmp_path, after=("lying_mask",),
                          extra_env={"AUTOGRADER_NAMESPACE": "off"})
    control = control_for(tmp_path, reference, after=("lying_mask",))
    got = sum(t["score"] for t in cheat["tests"] if t["name"].startswith(Q2 + " "))
    assert got <= control.by_question[Q2] + 1e-9 and got < 15


def test_a_called_function_is_judged_before_any_caller_is_asked():
    """The order the engine runs the hidden tests in (on a fresh load: the public checks asked
    every function, runner._grade_one): every test of a function that another calls comes
    before the first test of any caller; so a callee cannot tell its own tests from the second
    asks its callers' tests make by whether a caller was asked."""
    tests = hidden_tests(examples_per_test=1, torch_track=True)
    spec = tuple(PARAMS)
    for f in spec:
        for g in callees(f, spec):
            mine = [i for i, t in enumerate(tests) if g in t.functions]
            theirs = [i for i, t in enumerate(tests) if f in t.functions]
            assert mine and (not theirs or max(mine) < min(theirs)), (g, f)


def test_a_slow_grader_while_the_worker_loads_costs_nothing(tmp_path, reference, monkeypatch):  # noqa: F811
    """The grader reads (and, on a fresh checkout, draws) the hidden tests while the worker
    loads the submission: the time that takes is the grader's, not the load's (a case book
    drawn on a busy machine once cost every statement of every submission of a batch)."""
    from autograder.engine import runner

    real = runner.hidden_tests

    def slow(*args, **kwargs):
        time.sleep(4.0)  # past the load's 3 s (3 cell limits) below
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "hidden_tests", slow)
    config = GradingConfig(examples_per_test=2, cell_timeout_s=1.0)
    hostile = hostile_header(tmp_path)
    path = build(tmp_path / "sub" / "lm_training.py", reference, hostile)
    graded = grade_here(path, hostile, config)
    assert graded.result.score == pytest.approx(full_score()), graded.data["output"][:2000]
