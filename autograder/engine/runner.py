"""Grade one submission: load it into a sandboxed worker, run the public checks and the hidden
tests against it, and return a :class:`GradingResult`. :func:`grade` never raises: whatever goes
wrong (an unreadable submission, a bug in the grader) still gives a result, with a plain message
for the student and, for a grader bug, the traceback in a hidden test for the instructor.

The assignment (its questions, hidden tests, ideas and public cases) is passed in by the entry
points (:mod:`autograder.assignment`): the engine imports nothing above itself.
"""
from __future__ import annotations

import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from autograder.engine.api import (Assignment, CallAborted, HiddenTest, Question, Status,
                                   StudentError, TestFailure, TestOutcome)
from autograder.engine.client import LoadReport, WorkerClient
from autograder.engine.config import GradingConfig, load_config
from autograder.engine.choose import ChoiceError, choose
from autograder.engine.explain import apply_ban, choice_messages, explain_failures
from autograder.engine.feedback import HiddenRun, summaries, top_line
from autograder.engine.loader import SubmissionError, Submission, from_statements
from autograder.engine.public import run_public_checks
from autograder.engine.results import GradingResult
from autograder.engine.reveal import History, apply_reveal
from autograder.engine.sandbox import Sandbox

OUT_OF_TIME = ("Not run: grading stopped because your submission used up the time that "
               "grading may take (see the message at the top).")
GRADER_BUG = ("This test could not be run because of a problem in the autograder, not in your "
              "code. Your instructors can see the details; please tell them.")


def graded_questions(config: GradingConfig, assignment: Assignment) -> tuple[Question, ...]:
    """The numpy track's questions, the "Going further" part's, and the torch track's when it
    is on."""
    return (assignment.track("numpy") + assignment.track("further")
            + (assignment.track("torch") if config.torch_track else ()))


def hidden_tests(config: GradingConfig, assignment: Assignment) -> list[HiddenTest]:
    """The hidden tests a grading under ``config`` runs, with their finished points (the
    assignment computes them, extra credit included)."""
    return assignment.hidden_tests(config)


def _outcome(name: str, question: str, points: float, passed: bool, output: str,
             visibility: str, status: str = "", idea: str = "", kind: str = "") -> TestOutcome:
    return TestOutcome(name=name, question=question, score=points if passed else 0.0,
                       max_score=points, passed=passed, output=output, visibility=visibility,
                       status=status, idea=idea, kind=kind)


def run_hidden_test(test: HiddenTest, student: WorkerClient, visibility: str,
                    run: HiddenRun | None = None) -> TestOutcome:
    """Run one hidden test; ``run`` (what failed so far in this grading) reports an untouched
    stub once per function and points to an earlier failure that explains this one."""
    run = run or HiddenRun()

    def failed(text: str, status: str, kind: str = "", function: str = "") -> TestOutcome:
        outcome = _outcome(test.name, test.question, test.points, False, text, visibility,
                           status, test.idea, kind)
        return run.record(test, outcome, function)

    missing = [f for f in test.functions if not student.has(f)]
    if student.time_left() <= 0:
        return failed(OUT_OF_TIME, Status.NOT_RUN)
    if missing:
        return failed(f"Not run: your submission does not define {', '.join(missing)} (check "
                      "the name, and that its cell runs without an error).", Status.MISSING)
    stub = run.stubbed(test)
    if stub:
        return failed(stub, Status.NOT_IMPLEMENTED)
    disabled = [f for f in test.functions if f in student.disabled]
    if disabled:
        return failed(student.disabled[disabled[0]].capitalize() + ".", Status.DISABLED)
    # the test computes on the student's values, which may be anything: the reference built on
    # a student's causal_mask that hides a whole row (callee attribution) subtracts -inf from
    # -inf, a nan the test judges; numpy's warning about it is for nobody
    try:
        with np.errstate(all="ignore"):
            test.run(student)
    except TestFailure as e:
        return failed(run.explain(test, e.message), e.status, e.kind, e.function)
    except StudentError as e:
        return failed(_failure_text(test, e.message), Status.RAISED)
    except CallAborted as e:
        status = {"timeout": Status.TIMEOUT, "disabled": Status.DISABLED}.get(e.kind,
                                                                            Status.RAISED)
        return failed(_failure_text(test, e.message), status)
    return run.record(test, _outcome(test.name, test.question, test.points, True, "Passed.",
                                     visibility, Status.PASSED, test.idea))


def _failure_text(test: HiddenTest, message: str) -> str:
    hint = f"\n\n**Hint:** {test.hint}" if test.hint and test.hint not in message else ""
    return message + hint


def _load_messages(submission: Submission, student: WorkerClient) -> list[str]:
    what = ("statements in its code cells" if submission.kind == "notebook"
            else "top-level statements")
    lines = [f"Graded `{submission.name}` ({len(submission.cells)} {what})."]
    trouble = [c for c in (student.first_report or student.report).cells
               if c.status not in ("ok", "skipped")]
    if trouble:
        lines.append("These parts of your submission did not run and were skipped (the rest "
                     "was graded):\n\n" + "\n".join(f"- {c.label}: {c.status} ({c.message})"
                                                    for c in trouble[:20]))
    return lines


def _all_failed(questions, tests: list[HiddenTest], config: GradingConfig,
                text: str) -> list[TestOutcome]:
    return [_outcome(t.name, t.question, t.points, False, text, config.hidden_visibility,
                     Status.NOT_RUN, t.idea)
            for t in tests if t.question in {q.id for q in questions}]


@dataclass
class Visible:
    """What a student may see before the due date, taken before any hidden test of the
    submission ran: the load's messages, the public checks and the load report the feedback
    may quote."""

    messages: list[str]
    public: list[TestOutcome]
    report: LoadReport


def _grade_one(submission: Submission, config: GradingConfig, result: GradingResult,
               deadline: float, assignment: Assignment, *, visible: Visible | None = None,
               hidden: bool = True) -> Visible:
    """Grade one file's statements into ``result``; returns its visible part. With ``visible``
    (taken by an earlier run, before any hidden test of the submission), that part is reused,
    not taken again; with ``hidden`` False, only the visible part is taken."""
    questions = graded_questions(config, assignment)
    tests: list[HiddenTest] = []
    functions = [f for q in questions for f in q.functions]
    torch_functions = frozenset(f for q in assignment.track("torch") for f in q.functions)
    with Sandbox(torch=config.torch_track) as sandbox:
        student = WorkerClient(sandbox, list(submission.cells), functions,
                               as_main=submission.as_main, call_timeout_s=config.call_timeout_s,
                               cell_timeout_s=config.cell_timeout_s,
                               function_budget_s=config.function_budget_s, deadline=deadline,
                               banned_for=torch_functions)
        try:
            # the hidden tests are read while the worker loads the submission
            student.start(meanwhile=lambda: tests.extend(hidden_tests(config, assignment))
                          if hidden else None)
            asked = visible is None  # the public checks run in this load
            if asked:
                visible = Visible(_load_messages(submission, student),
                                  run_public_checks(student, questions, config.public_visibility,
                                                    assignment.public_cases()),
                                  student.first_report or student.report)
            student.first_report = visible.report  # what the feedback may quote
            result.messages += visible.messages
            result.tests += visible.public
            if not hidden:
                return visible
            if not tests:  # the worker could not start at all
                tests = hidden_tests(config, assignment)
            run = HiddenRun(assignment.ideas(config.torch_track))
            # the hidden tests start on a fresh load: the public checks asked every function,
            # and a function's own verdict (which may excuse its callers') must come from
            # answers given before any caller was asked in that load (callees' tests run first)
            if asked:
                student.stop()
            for test in tests:
                result.tests.append(run_hidden_test(test, student, config.hidden_visibility,
                                                    run))
            explain_failures(result.tests, student)
            apply_ban(result.tests, tests, student)
            result.tests += summaries(result.tests, questions, config, assignment.ideas(True))
            if student.time_left() <= 0:
                result.messages.append(
                    f"**Grading stopped after {config.grading_timeout_s:g} s**, the most that "
                    "grading one submission may take: your code was far too slow or got stuck "
                    "in several places (loading, or functions near their time limits). The "
                    "tests that had not run by then count as failed.")
        finally:
            student.close()
            result.isolation = sandbox.protections  # as the worker ran (see Sandbox.settle)
    return visible


def _grade(path: Path, config: GradingConfig, result: GradingResult, deadline: float,
           assignment: Assignment) -> None:
    """The spec's file rule: every candidate is graded and the best total counts."""
    with tempfile.TemporaryDirectory(prefix="ag-choose-") as scratch:
        try:
            choice = choose(path, Path(scratch), assignment.functions,
                            preferred=assignment.preferred_files)
            graded = [(found, _submission(found)) for found in choice.candidates]
        except (ChoiceError, SubmissionError) as e:
            result.messages.append(f"**Your submission could not be read:** {e}")
            result.unreadable = str(e)
            result.tests += _all_failed(graded_questions(config, assignment),
                                        hidden_tests(config, assignment), config,
                                        f"Not run: {e}")
            return
    # what a student sees before the due date is taken before any hidden test runs: with
    # several candidates, each one's load and public checks first (a candidate's hidden tests
    # could leave their inputs where a later candidate's load reads them)
    seen: list[Visible | None] = [None] * len(graded)
    if len(graded) > 1:
        seen = [_grade_one(submission, config, GradingResult(submission=result.submission),
                           deadline, assignment, hidden=False) for _, submission in graded]
    outcomes = []
    for (found, submission), visible in zip(graded, seen):
        one = GradingResult(submission=result.submission)
        _grade_one(submission, config, one, deadline, assignment, visible=visible)
        outcomes.append((found, one))
    best_found, best = max(outcomes, key=lambda pair: pair[1].score)  # the first among equals
    result.tests += best.tests
    result.messages += choice_messages(choice, best_found, outcomes) + best.messages
    result.graded_file = best_found.name
    result.other_files = [f.name for f, _ in outcomes if f is not best_found]
    result.as_template = bool(choice.fallback)
    result.isolation = best.isolation


def _submission(found) -> Submission:
    return from_statements(found.statements, PurePosixPath(found.name).name)


def grade(path: Path, config: GradingConfig | None = None, *,
          assignment: Assignment, history: History | None = None) -> GradingResult:
    """Grade the submission at ``path`` against ``assignment``. Never raises (but for
    KeyboardInterrupt). ``history``: its place among the student's submissions (Gradescope's
    metadata), for the reveal before the due date; None: a first submission."""
    started = time.monotonic()
    result = GradingResult(submission=Path(path).name)
    try:
        config = config or load_config()
        _grade(Path(path), config, result, started + config.grading_timeout_s, assignment)
    except Exception:
        detail = traceback.format_exc()
        config = config if isinstance(config, GradingConfig) else GradingConfig()
        result.messages.append(f"**The autograder failed.** {GRADER_BUG}")
        graded = {t.name for t in result.tests}
        try:
            remaining = [t for t in hidden_tests(config, assignment) if t.name not in graded]
        except Exception:
            remaining = []
        questions = graded_questions(config, assignment)
        result.tests += _all_failed(questions, remaining, config, GRADER_BUG)
        first = questions[0].id
        result.tests.append(_outcome(f"{first} autograder error (instructors only)", first, 0.0,
                                     False, f"```\n{detail[-3500:]}\n```", "hidden",
                                     Status.NOT_RUN))
    result.execution_time = time.monotonic() - started
    result.messages.insert(0, top_line(config if isinstance(config, GradingConfig) else
                                       GradingConfig()))
    if isinstance(config, GradingConfig) and config.reveal_before_due_date is not None:
        try:
            apply_reveal(result, config, history)
        except Exception:  # a bug there reveals nothing and costs no grade
            result.reveal = {"now": False, "error": traceback.format_exc()[-2000:]}
    return result
