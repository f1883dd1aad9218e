"""``python -m autograder verify``: its engine pass on a sample of the catalog, the verdict
rules (judge), the way entries are written (replace_function, which tests an entry is graded
on), the catalog's own shape; marked slow (out of ``make test``), the seed sweep."""
import ast
import re
from pathlib import Path

import pytest

from autograder.build.release import solutions_module
from autograder.cli import main
from autograder.engine.api import TestOutcome
from autograder.engine.config import load_config
from autograder.engine.results import GradingResult
from autograder.assignment import current
from autograder.engine.runner import hidden_tests
from autograder.questions import FURTHER_QUESTIONS, NUMPY_QUESTIONS
from autograder.verify import Entry, VerifyReport, judge, points
from autograder.verify import run as verify_run
from autograder.verify.run import FURTHER_POINTS
from autograder.verify.catalog import BUGS, CORRECT
from autograder.verify.catalog.kinds import Bug, EditError, reference_function
from autograder.verify.inprocess import namespace_of
from autograder.verify.entries import (affected_tests, call_graph, keep_functions,
                                       replace_function, undefined_names)

MIN_BUGS, MIN_PER_QUESTION, MIN_CORRECT = 40, 5, 10
NUMPY_FUNCTIONS = [f for q in NUMPY_QUESTIONS + FURTHER_QUESTIONS for f in q.functions]


# ----------------------------------------------------------------------------- the engine pass
def test_the_engine_judges_a_sample_of_the_catalog_as_the_in_process_grading_does(
        graded_catalog, tmp_path):
    """verify's engine pass (worker processes, sandboxes, the judge, the report) on a sample
    stratified by question: the reference as a module and as a notebook, the template and every
    correct entry at the configured budget, as verify grades them, and each question's first
    bug at the in-process budget. Each of those bugs fails exactly the tests that the in-process
    grading fails, so the whole catalog, graded in process once per run, stands for the
    engine's grades: tests/test_feedback.py (each bug loses points in its own question, charged
    with its own idea only) and tests/test_hidden.py (its failures stay in its question).
    ``make verify`` grades every entry through the engine."""
    config, in_process_budget = verify_run._config(None), verify_run._config(points.EXAMPLES)
    entries = verify_run._entries(tmp_path, config, only=None, full=False)
    first_bugs = {e.question: e for e in reversed(entries) if e.kind == "bug"}
    sample = [e for e in entries if e.kind != "bug"] + list(first_bugs.values())
    assert len(first_bugs) == len(NUMPY_QUESTIONS + FURTHER_QUESTIONS)
    assert len([e for e in sample if e.kind == "correct"]) == len(CORRECT) >= MIN_CORRECT
    work = [(e, in_process_budget if e.kind == "bug" else config) for e in sample]
    verdicts = verify_run._grade_all(work, jobs=2, progress=None)
    names = verify_run._reported(hidden_tests(config, current()), sample, None)
    report = VerifyReport(verdicts=verdicts, test_names=names)
    out = report.render()
    assert report.ok and "verify PASSED" in out, [(v.entry.name, v.problem, v.detail[:500])
                                                  for v in verdicts if v.problem]
    in_process = {f"bug-{r.name}": r for r in graded_catalog}
    for v in report.of_kind("bug"):
        expected = sorted(n for n in in_process[v.entry.name].failed if n in names)
        assert expected and sorted(v.failed_tests) == expected, (v.entry.name, v.failed_tests)
    n = len(first_bugs)
    assert f"bugs caught in their own question: {n} / {n}" in out
    assert f"correct entries with full marks: {len(CORRECT)} / {len(CORRECT)}" in out
    full = f"{sum(q.points for q in NUMPY_QUESTIONS) + FURTHER_POINTS:g}"  # extra credit too
    assert f"reference {full}/{full}; reference-notebook {full}/{full}; template 0/{full}" in out
    assert f"the class report charges exactly the bug's idea: {n} / {n}" in out
    assert f"every failing test's hint is about the bug's idea (or points to the test that " \
           f"is): {n} / {n}" in out
    for q in NUMPY_QUESTIONS + FURTHER_QUESTIONS:  # one bug of each, caught
        assert re.search(rf"\b{q.id.split('_')[0]} 1/1\b", out), q.id
    assert "== Kill matrix" in out and "== Hidden tests that catch no catalogued bug" in out


def test_only_selects_an_entry_by_its_exact_name_and_reports_its_questions_tests(capsys):
    bug = next(b for b in BUGS if b.name.startswith("pairs-"))
    assert main(["verify", "--only", f"bug-{bug.name}"]) == 0
    out = capsys.readouterr().out
    assert f"bug-{bug.name}" in out and "bugs caught in their own question: 1 / 1" in out
    theirs = [t for t in hidden_tests(load_config(), current())
              if t.question == bug.question and t.points > 0]
    assert re.search(rf"catch no catalogued bug: \d+ / {len(theirs)}\n", out), out[-1500:]
    assert main(["verify", "--only", "bug-pairs-"]) == 2  # a prefix is no name
    assert "ERROR expected a question id or the exact name" in capsys.readouterr().err


def test_only_a_question_id_selects_its_bugs_and_the_variants_that_touch_it(tmp_path):
    from autograder.verify.entries import write_entries

    tests = hidden_tests(load_config(), current())
    question = BUGS[0].question
    entries = write_entries(tmp_path, tests, only=question)
    bugs = {e.name for e in entries if e.kind == "bug"}
    assert bugs == {f"bug-{b.name}" for b in BUGS if b.question == question}
    assert all(e.kind in ("bug", "correct") for e in entries)
    assert write_entries(tmp_path / "none", tests, only=question[:2]) == []  # no prefix match
    assert main(["verify", "--seed", "3", "--seeds", "2"]) == 2


@pytest.mark.slow
def test_seed_sweep_changes_no_verdict(capsys):
    """Every entry under the grading profile and 20 hypothesis seeds (40-50 minutes on 2 cores;
    out of the default run): ``python -m pytest -m slow tests/test_verify.py``."""
    code = main(["verify", "--seeds", "20", "--jobs", "2"])
    out = capsys.readouterr().out
    assert code == 0, out[-6000:]
    assert "verdicts that changed between runs: 0" in out and "sweep PASSED" in out


# ----------------------------------------------------------------------------- judge
def outcome(question, description, points, passed, output=None, status="", idea=""):
    if output is None:
        output = "Passed." if passed else "Expected 1, got 2."
    return TestOutcome(name=f"{question} {description}", question=question,
                       score=points if passed else 0.0, max_score=points, passed=passed,
                       output=output, visibility="after_due_date", status=status, idea=idea)


def result(*tests):
    return GradingResult(submission="x.py", tests=list(tests))


def entry(kind, question="", graded=(), gap=""):
    return Entry(name=f"{kind}-x", kind=kind, path=Path("x.py"), question=question,
                 graded=graded, gap=gap)


Q1, Q3, Q4 = "q1_chunking", "q3_cross_entropy", "q4_perplexity"


def test_judge_a_bug_must_lose_points_in_its_own_question():
    caught = result(outcome(Q3, "a", 3, False), outcome(Q4, "b", 2, False))
    assert judge(entry("bug", Q3), caught).problem == ""
    elsewhere = result(outcome(Q3, "a", 3, True), outcome(Q4, "b", 2, False))
    verdict = judge(entry("bug", Q3), elsewhere)
    assert verdict.problem.startswith("not caught: full marks in q3_cross_entropy")
    assert "q4_perplexity" in verdict.problem
    assert judge(entry("bug", Q3), result(outcome(Q4, "b", 2, False))).problem.startswith(
        "no test of q3_cross_entropy")


def test_judge_a_correct_entry_or_the_reference_loses_nothing():
    half = TestOutcome(name=f"{Q1} a", question=Q1, score=1.5, max_score=2.0, passed=False,
                       output="Expected 1, got 2.", visibility="hidden")
    for kind in ("correct", "reference"):
        verdict = judge(entry(kind), result(outcome(Q1, "b", 3, True), half))
        assert verdict.problem == "lost 0.5 points in q1_chunking"
        assert "Expected 1, got 2." in verdict.detail
        assert judge(entry(kind), result(outcome(Q1, "b", 3, True))).problem == ""


def test_judge_the_template_earns_nothing():
    assert judge(entry("template"), result(outcome(Q1, "a", 3, False))).problem == ""
    assert "earned 3" in judge(entry("template"), result(outcome(Q1, "a", 3, True))).problem


def test_judge_counts_only_the_graded_tests():
    graded = (f"{Q3} a",)
    other_failed = result(outcome(Q3, "a", 3, True), outcome(Q3, "b", 2, False))
    verdict = judge(entry("correct", graded=graded), other_failed)
    assert verdict.problem == "" and (verdict.score, verdict.max_score) == (3, 3)
    verdict = judge(entry("bug", Q3, graded=graded), other_failed)
    assert verdict.problem.startswith("not caught")


def test_judge_unrun_tests_and_grader_failures_are_problems():
    unrun = result(outcome(Q3, "a", 3, False, "Not run: your submission does not define x.",
                           status="missing"))
    assert "not run" in judge(entry("bug", Q3), unrun).problem
    assert "not run" in judge(entry("correct"), unrun).problem
    assert judge(entry("template"), unrun).problem == ""
    broken = result(outcome(Q3, "a", 3, False), outcome(Q1, "autograder error (instructors only)",
                                                         0.0, False, "Traceback ..."))
    assert judge(entry("bug", Q3), broken).problem == "the autograder itself failed"


def test_judge_a_bug_must_be_charged_with_its_own_idea_only():
    from autograder.hidden.ideas import Idea

    ideas = {f"{Q3}:{k}": Idea(Q3, k, 1.0, k, after) for k, after in
             [("pick", ()), ("ignore", ()), ("formula", (f"{Q3}:pick",))]}
    bug = Entry(name="bug-x", kind="bug", path=Path("x.py"), question=Q3, idea=f"{Q3}:pick")
    own = result(outcome(Q3, "a", 3, False, idea=f"{Q3}:pick"),
                 outcome(Q3, "b", 2, False, idea=f"{Q3}:formula"))  # formula comes after pick
    verdict = judge(bug, own, ideas)
    assert verdict.problem == "" and verdict.charged == [f"{Q3}:pick"]
    stray = result(outcome(Q3, "a", 3, False, idea=f"{Q3}:pick"),
                   outcome(Q3, "c", 2, False, idea=f"{Q3}:ignore"))
    assert judge(bug, stray, ideas).problem.startswith("charged with an idea it does not break")
    only_after = result(outcome(Q3, "b", 2, False, idea=f"{Q3}:formula"))
    assert judge(bug, only_after, ideas).problem.startswith("charged with [")


def test_judge_a_known_gap_must_stay_missed_until_its_test_exists():
    missed = result(outcome(Q3, "a", 3, True))
    assert judge(entry("bug", Q3, gap="why"), missed).problem == ""
    caught = result(outcome(Q3, "a", 3, False))
    assert "remove its gap note" in judge(entry("bug", Q3, gap="why"), caught).problem


# ----------------------------------------------------------------------------- writing entries
MODULE = '''"""doc"""
import numpy as np


def a(x):
    return b(x) + 1


def b(x):
    return x


def c(x):
    return 2 * x
'''


def test_replace_function_swaps_a_function_where_it_stood():
    out = replace_function(MODULE, "def b(x):\n    return -x\n")
    assert "return -x" in out and "return x\n" not in out
    assert [n.name for n in ast.parse(out).body if isinstance(n, ast.FunctionDef)] == \
        ["a", "b", "c"]
    assert out.startswith('"""doc"""\nimport numpy as np')


def test_replace_function_several_functions_and_a_new_helper():
    out = replace_function(MODULE, "def _h(x):\n    return x\n\n\ndef c(x):\n    return _h(x)\n"
                                   "\n\ndef a(x):\n    return 0\n")
    names = [n.name for n in ast.parse(out).body if isinstance(n, ast.FunctionDef)]
    assert names == ["_h", "c", "a", "b"]  # the new text stands where the first one (a) stood
    assert "return 2 * x" not in out and "b(x) + 1" not in out


def test_replace_function_rejects_unknown_names_and_non_functions():
    with pytest.raises(ValueError, match="expected"):
        replace_function(MODULE, "def d(x):\n    return x\n")  # a typo, not a helper
    with pytest.raises(ValueError, match="expected a function"):
        replace_function(MODULE, "x = 1\n")


def test_an_edited_bug_is_the_reference_function_with_its_replacements():
    bug = Bug.edit("pad-left", "q6_finetuning", "pads on the left", function="pad_batch",
                   replace=[(":len(x)", "L - len(x):"), (":len(y)", "L - len(y):")])
    assert bug.source == reference_function("pad_batch").replace(
        "[row, :len(x)]", "[row, L - len(x):]").replace("[row, :len(y)]", "[row, L - len(y):]")
    assert bug.source.lstrip("\n").startswith("def pad_batch(") and '"""' not in bug.source
    assert namespace_of("import numpy as np\n" + bug.source)["pad_batch"]  # it runs as written
    base = "def f(x):\n    return x + 1\n"
    assert Bug.edit("b", "q", "d", function="f", base=base, replace=[("+", "-")]).source == \
        "def f(x):\n    return x - 1\n"


def test_an_edit_that_no_longer_applies_names_the_bug_and_the_missing_text():
    with pytest.raises(EditError, match=r"bug='stale'.*count=0.*text='x \+ 2'"):
        Bug.edit("stale", "q", "d", function="f", base="def f(x):\n    return x + 1\n",
                 replace=[("x + 2", "x - 2")])
    with pytest.raises(EditError, match="count=2"):  # ambiguous: which one is the bug?
        Bug.edit("twice", "q", "d", function="f", base="def f(x):\n    return [x] + [x]\n",
                 replace=[("[x]", "x")])
    with pytest.raises(EditError, match="function='no_such_function'"):
        Bug.edit("typo", "q", "d", function="no_such_function", replace=[("a", "b")])


def test_undefined_names_finds_helpers_the_module_lacks():
    fn = "def a(x):\n    y = [b(i) for i in x]\n    return _gone(y) + np.sum(y) + len(y)\n"
    assert undefined_names(MODULE, fn) == {"_gone"}
    assert undefined_names(MODULE, "def a(x):\n    return b(x)\n") == set()


def test_call_graph_and_keep_functions():
    assert call_graph(MODULE) == {"a": {"b"}, "b": set(), "c": set()}
    kept = keep_functions(MODULE, ["a"])
    assert "def a" in kept and "def b" in kept and "def c" not in kept
    assert "import numpy as np" in kept


def test_an_entry_is_graded_on_the_tests_that_reach_its_change():
    tests = hidden_tests(load_config(), current())
    reference = solutions_module()
    reached = affected_tests(reference, ["cross_entropy"], tests)
    functions = {f for t in tests if t.name in reached for f in t.functions}
    assert {"cross_entropy", "perplexity"} <= functions  # perplexity calls cross_entropy
    assert "chunk_tokens" not in functions and "corpus_perplexity" not in functions
    reached = affected_tests(reference, ["clip_grad_norm"], tests)
    assert any(t.name in reached for t in tests if t.functions == ("adamw_step",))
    assert not any(t.name in reached for t in tests if t.functions == ("warmup_cosine_lr",))


# ----------------------------------------------------------------------------- the catalog
def test_the_catalog_covers_every_question_and_function():
    assert len(BUGS) >= MIN_BUGS and len(CORRECT) >= MIN_CORRECT
    assert len({b.name for b in BUGS}) == len(BUGS)
    assert len({c.name for c in CORRECT}) == len(CORRECT)
    graded = NUMPY_QUESTIONS + FURTHER_QUESTIONS
    for q in graded:
        assert sum(b.question == q.id for b in BUGS) >= MIN_PER_QUESTION, q.id
    reference = solutions_module()
    touched = set()
    for bug in BUGS:
        assert bug.question in {q.id for q in graded} and bug.description
        module = replace_function(reference, bug.source)  # parses, names known functions
        assert not undefined_names(module, bug.source), bug.name  # no NameError instead of a bug
        names = {n.name for n in ast.parse(bug.source).body if isinstance(n, ast.FunctionDef)}
        touched |= names
        question = next(q for q in graded if q.id == bug.question)
        assert names & set(question.functions), bug.name  # the bug is in its own question
    assert set(NUMPY_FUNCTIONS) <= touched  # every function has a bug
    for correct in CORRECT:
        assert (correct.render is None) != (not correct.source), correct.name
        if correct.source:
            module = replace_function(reference, correct.source)
            assert not undefined_names(module, correct.source), correct.name
    assert sum(1 for b in BUGS if b.gap) <= 3  # gaps are exceptions, each with a proposal
