"""Feedback and points (the contract's "Feedback and points"): one property per test, points that
follow ideas, hints chosen from what went wrong, a stub said once, a summary before the due date,
the class report one row per idea. The catalog runs in process here (fast); ``verify`` runs the
same checks through the engine."""
import difflib
from pathlib import Path

import numpy as np
import pytest

from autograder.batchgrade import Graded
from autograder.classreport.stats import class_stats
from autograder.engine.api import HiddenTest, Kind, Status, TestFailure, TestOutcome
from autograder.engine.config import GradingConfig
from autograder.engine.feedback import HiddenRun, summaries, top_line, wrap
from autograder.hidden import all_ideas, hidden_tests, show
from autograder.hidden.calls import Calls
from autograder.hidden.declare import TestSpec
from autograder.hidden.ideas import Idea, charged
from autograder.questions import BY_ID, FURTHER_QUESTIONS, NUMPY_QUESTIONS
from autograder.verify import points
from autograder.verify.catalog import BUGS
from autograder.verify.model import _explained_by


@pytest.fixture(scope="module")
def catalog(graded_catalog):
    """Every catalogued bug graded in process at the points table's budget (once per run:
    conftest's ``graded_catalog``)."""
    return hidden_tests(points.EXAMPLES, shrink=False), graded_catalog


def test_every_catalogued_bug_is_charged_with_its_own_idea_only(catalog):
    _, results = catalog
    ideas = all_ideas(torch_track=False)
    assert len(results) == len(BUGS)
    labelled = {q.id for q in NUMPY_QUESTIONS + FURTHER_QUESTIONS
                if any(i.question == q.id for i in ideas.values())}
    assert all(b.idea for b in BUGS if b.question in labelled)
    for r in results:
        assert r.lost > 0, r.name  # loses points in its own question
        if not r.idea:  # a question that declares no ideas yet
            continue
        stray = [i for i in r.failed.values() if not _explained_by(i, r.idea, ideas)]
        assert not stray, (r.name, stray)  # every failing test's hint is about its idea
        assert charged(r.failed.values(), ideas) == [r.idea], r.name  # one row per bug


def test_one_mistake_fails_few_tests(catalog):
    _, results = catalog
    direct = [len(r.direct) for r in results]
    assert max(direct) <= 3, [(r.name, r.direct) for r in results if len(r.direct) > 3]
    assert sum(n <= 2 for n in direct) >= 0.9 * len(direct)


def test_the_feedback_speaks_of_the_mistake_the_failing_input_shows(catalog):
    _, results = catalog
    said = {b.name: b.says for b in BUGS if b.says}
    assert len(said) >= 10  # the catalog keeps saying what its bugs' feedback must name
    for r in results:
        words = said.get(r.name, ())
        if not words:
            continue
        own = [m.lower() for name, m in r.messages.items() if name in r.own()]
        assert any(all(w.lower() in m for w in words) for m in own), (
            r.name, words, [m[:300] for m in own])


def test_the_points_table_is_current(catalog):
    # the results were graded in a fresh process, as the command runs (hypothesis draws some
    # constants from the modules a process has loaded): the table is the command's
    tests, results = catalog
    text = points.render(results, tests, all_ideas(torch_track=False))
    current = points.PATH.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(current.splitlines(True), text.splitlines(True),
                                        "docs/points.md", "computed", n=0))
    assert text == current, ("docs/points.md is out of date: run python -m "
                             f"autograder.verify.points\n{diff[:3000]}")


def test_points_follow_the_ideas_and_add_up_to_the_question():
    tests = hidden_tests(1)
    ideas = all_ideas(torch_track=False)
    for q in NUMPY_QUESTIONS + FURTHER_QUESTIONS:  # the second's points: shares of 1
        mine = [i for i in ideas.values() if i.question == q.id]
        total = sum(i.weight for i in mine)
        points = 1.0 if q.track == "further" else q.points
        for idea in mine:
            share = sum(t.points for t in tests if t.idea == idea.id)
            assert share == pytest.approx(points * idea.weight / total), idea.id


# ----------------------------------------------------------------------------- hints by kind
def _spec(**kw):
    return TestSpec("q1_chunking", "d", None, ("f",), "the own hint", "m", lambda s: None, **kw)


def test_the_hint_follows_what_went_wrong():
    value = _spec()
    assert value.hint_for(Status.WRONG, Kind.VALUE) == "the own hint"
    assert "nan or inf" in value.hint_for(Status.WRONG, Kind.NAN)
    assert value.hint_for(Status.WRONG, Kind.SHAPE) == "the own hint"  # a value, too
    assert "Return what the docstring says" in value.hint_for(Status.WRONG, Kind.TYPE)
    assert "dtype" in value.hint_for(Status.WRONG, Kind.DTYPE)
    assert "in place" in value.hint_for(Status.WRONG, Kind.CHANGED_INPUT)
    assert value.hint_for(Status.NOT_IMPLEMENTED, "") == ""
    assert "raised an error" in value.hint_for(Status.RAISED, "")
    stable = _spec(checks=Kind.NAN, hints=((Kind.SHAPE, "a shape hint"),))
    assert stable.hint_for(Status.WRONG, Kind.NAN) == "the own hint"
    assert stable.hint_for(Status.WRONG, Kind.SHAPE) == "a shape hint"


class _Returns:
    def __init__(self, value, args=()):
        self.value, self.args = value, args

    def call_ex(self, function, args, kwargs, **kw):
        from autograder.engine.api import CallResult

        return CallResult(self.value, self.args)


@pytest.mark.parametrize("got, kind", [
    (np.array([1.0, np.nan]), Kind.NAN), (np.array([1.0]), Kind.SHAPE),
    (np.array([1.0, 3.0]), Kind.VALUE), ([1.0, 2.0], Kind.TYPE)])
def test_a_failure_says_what_went_wrong(got, kind):
    s = Calls(_Returns(got))
    with pytest.raises(TestFailure) as failure:
        s.expect_array(s("f"), np.array([1.0, 2.0]))
    assert failure.value.kind == kind and failure.value.status == Status.WRONG


def test_the_hidden_tests_and_the_public_checks_show_a_difference_alike():
    from assignments.lecture16.public_cases import compare

    expected, got = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 2.0], [3.0, 4.5]])
    s = Calls(_Returns(got))
    with pytest.raises(TestFailure) as failure:
        s.expect_array(s("f"), expected, rtol=1e-6, scale=1.0)
    same = "at index [1, 1] expected 4.0, got 4.5 (1 of 4 entries differ beyond rtol=1e-06, " \
        "atol=1e-06)"
    assert f"Wrong values: {same}." in failure.value.message
    assert f"`{show(got)}`" in failure.value.message  # np.array([[1.0, 2.0], [3.0, 4.5]])
    public = compare(expected, got, rtol=1e-6, atol=1e-6)
    assert public == f"the result has wrong values: {same}.", public


def test_a_dtype_test_looks_at_the_dtype_only_and_a_value_test_not_at_it():
    s = Calls(_Returns(np.array([1.0, 2.0])))
    s.expect_array(s("f"), np.array([1, 2]))  # values equal: the dtype is another test's
    with pytest.raises(TestFailure) as failure:
        s.expect_dtype(s("f"), "iu")
    assert failure.value.kind == Kind.DTYPE


def test_a_changed_input_is_its_own_kind():
    before = np.array([1.0, 2.0])
    s = Calls(_Returns(None, (np.array([0.0, 2.0]),)))
    result = s.ex("f", before, return_args=True)
    with pytest.raises(TestFailure) as failure:
        s.expect_unchanged(result, ["x"])
    assert failure.value.kind == Kind.CHANGED_INPUT


# ----------------------------------------------------------------------------- runs and summaries
def _test(description, idea, functions=("f",)):
    return HiddenTest("q1_chunking", description, 1.0, functions, lambda s: None, "h", "m", idea)


def _out(test, passed, status):
    return TestOutcome(test.name, test.question, 1.0 if passed else 0.0, 1.0, passed, "x",
                       "after_due_date", status, test.idea)


def test_a_stub_is_said_once_and_a_later_failure_points_to_the_first():
    ideas = {"q1_chunking:a": Idea("q1_chunking", "a", 1, "A"),
             "q1_chunking:b": Idea("q1_chunking", "b", 1, "B", ("q1_chunking:a",))}
    run = HiddenRun(ideas)
    first, second = _test("one", "q1_chunking:a"), _test("two", "q1_chunking:a")
    run.record(first, _out(first, False, Status.NOT_IMPLEMENTED), "f")
    assert "said once" in run.stubbed(second) and run.stubbed(_test("x", "", ("g",))) == ""
    run = HiddenRun(ideas)
    run.record(first, _out(first, False, Status.WRONG))
    later = _test("three", "q1_chunking:b", ("g",))
    assert "Probably the same mistake as" in run.explain(later, "msg")
    assert run.explain(first, "msg") == "msg"


def test_before_the_due_date_students_see_counts_and_ideas_not_inputs():
    tests = [t for t in hidden_tests(1) if t.question == "q1_chunking"]
    outcomes = [_out(t, i != 1, Status.PASSED if i != 1 else Status.WRONG)
                for i, t in enumerate(tests)]
    (summary,) = summaries(outcomes, NUMPY_QUESTIONS[:1], GradingConfig(), all_ideas())
    assert summary.visibility == "visible" and summary.max_score == 0
    assert summary.output.startswith(f"**1 of {len(tests)} hidden tests failed.**")
    assert all(len(line) <= 100 for line in summary.output.splitlines())
    assert summaries(outcomes, NUMPY_QUESTIONS[:1], GradingConfig(hidden_summary=False),
                     all_ideas()) == []
    assert summaries(outcomes, NUMPY_QUESTIONS[:1],
                     GradingConfig(hidden_visibility="visible"), all_ideas()) == []
    assert "after the due date" in top_line(GradingConfig())
    assert top_line(GradingConfig(hidden_visibility="visible")).startswith("**You see everything")


def test_wrap_breaks_at_word_boundaries_only():
    text = "- " + " ".join(["word"] * 40) + " `a_very_long_code_span_that_must_stay_whole`"
    wrapped = wrap(text)
    assert all(len(line) <= 100 for line in wrapped.splitlines()[:-1])
    assert "`a_very_long_code_span_that_must_stay_whole`" in wrapped
    assert wrapped.split() == text.split()  # no word cut


# ----------------------------------------------------------------------------- class report
def test_the_class_report_charges_each_student_once_per_idea():
    tests = {t.description: t for t in hidden_tests(1)}
    ce = tests["cross_entropy's per-position losses (reduction='none') match the reference on "
               "random logits (float64 and float32)"]
    ppl = tests["perplexity is exp of the mean cross-entropy on random logits"]
    stub = tests["corpus_perplexity weights every token equally, not every batch"]

    def failed(test, status=Status.WRONG):
        return {"name": test.name, "score": 0, "max_score": 1, "status": "failed",
                "output": "x", "extra_data": {"status": status, "idea": test.idea}}

    ann = Graded("ann", Path("."), graded=True, tests=[failed(ce), failed(ppl),
                                                          failed(stub, Status.NOT_IMPLEMENTED)])
    ben = Graded("ben", Path("."), graded=True, tests=[failed(ppl)])
    rows = class_stats([ann, ben]).mistakes()
    # ann's perplexity failure follows from her cross-entropy: charged once, to q3's idea
    assert [(r.idea, r.wrong) for r in rows] == [(ppl.idea, ["ben"]), (ce.idea, ["ann"])] or \
        [(r.idea, r.wrong) for r in rows] == [(ce.idea, ["ann"]), (ppl.idea, ["ben"])]
    assert all(len(r.wrong) == 1 for r in rows)


# ----------------------------------------------------------------------------- public checks
def test_public_unchanged_checks_use_the_hidden_tests_wording_and_hint():
    from assignments.lecture16.public_cases import UNCHANGED, cases_with_expected

    hidden = {t.description: t for t in hidden_tests(1)}
    for function, (description, hint) in UNCHANGED.items():
        assert hidden[description].hint == hint, function
        assert hidden[description].functions == (function,)
    covered = {c.function for c in cases_with_expected() if c.description in hidden}
    assert covered == set(UNCHANGED)
    # every function whose hidden tests check its inputs has a public check of them
    with_ideas = {i.question for i in all_ideas(torch_track=False).values()}
    unchanged = ("unchanged", "unchanged (default arguments)", "not views of them")
    assert {t.functions[0] for t in hidden.values()
            if t.question in with_ideas and t.description.endswith(unchanged)} == set(UNCHANGED)


@pytest.mark.parametrize("name", ["chunk-appends-to-docs", "lsm-in-place", "ce-targets-in-place",
                                  "attn-scales-q-in-place", "clip-shallow-copy",
                                  "adam-state-in-place", "adam-increments-input-step",
                                  "grad-shifts-logits-in-place", "corpus-scales-losses-in-place",
                                  "q6-extends-the-prompt", "q7-fit-logs-in-place",
                                  "init-zeroes-params-in-place"])
def test_the_public_checks_catch_a_changed_input(name):
    from assignments.lecture16.public_cases import UNCHANGED, cases_with_expected
    from autograder.build.release import solutions_module
    from autograder.verify.entries import replace_function
    from autograder.verify.inprocess import namespace_of

    bug = next(b for b in BUGS if b.name == name)
    namespace = namespace_of(replace_function(solutions_module(), bug.source))
    failed = [c for c in cases_with_expected()
              if c.question == bug.question and c.run(namespace[c.function]) is not None]
    assert any(c.description == UNCHANGED[c.function][0] for c in failed if c.function in
               UNCHANGED), [c.description for c in failed]


def test_a_question_without_ideas_keeps_its_declared_points():
    """q6/q7 style: tests declared with points (weights, scaled to the question's points) and no
    idea still work, each its own idea."""
    from autograder.engine.config import GradingConfig
    from autograder.hidden import hidden_test, points

    @hidden_test(question="q1_chunking", description="an old-style test", points=2.5,
                 functions=["chunk_tokens"], hint="a hint", misconception="a misconception")
    def old(s):
        pass

    ((spec, points_, idea),) = points([old], GradingConfig())
    test = spec.build(1, points=points_, idea=idea)
    assert test.points == BY_ID["q1_chunking"].points  # the only test: all the points
    assert test.idea == "q1_chunking:an old-style test"
    assert charged([test.idea], all_ideas()) == [test.idea]
