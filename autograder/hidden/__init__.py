"""Hidden property-based tests (never shipped to students).

A question's ``hidden.py`` imports what it needs in one line::

    from autograder.hidden import Kind, Worked, hidden_test, ideas, nps, st

and declares its tests with :func:`hidden_test` (:mod:`autograder.hidden.declare`): each test
registers itself, in definition order. :func:`hidden_tests` lists every graded test in a stable
order: each question folder's tests in question order (autograder.questions), callees' tests
first within a question, then the torch track's when it is on, with their finished points
(:func:`points`, the one place points are computed).

Reading order for a test author: ``declare.py`` (a test), ``calls.py`` (what ``s`` checks),
``ideas.py`` (the points), then ``run.py`` (how a test runs) and ``callees.py``.
"""
from __future__ import annotations

import importlib
import sys
from types import ModuleType

from autograder.engine.api import HiddenTest, Kind, Status, TestFailure, TorchTensor
from autograder.engine.config import GradingConfig, load_config
from autograder.engine.results import split_points
from autograder.questions import BY_ID, FURTHER_QUESTIONS, NUMPY_QUESTIONS, TORCH_QUESTIONS
from autograder.show import describe, show

from .callees import depth
from .calls import Calls
from .compare import magnitude, rtol_for
from .declare import TestSpec, Worked, declared, hidden_test
from .ideas import Idea, ideas
from .inputs import arrays, big_or_small, floats
from .params import PARAMS, SPEC_FUNCTIONS
from .raises import expect_raises
from .strategies import nps, st
from .torch_track import DEVICE_HINT, device_of, dtypes, tensor


def modules(torch_track: bool = False) -> list[ModuleType]:
    """The hidden-test modules of the question folders that have one, in question order:
    numpy track first, then the "Going further" part's, then the torch track's."""
    questions = NUMPY_QUESTIONS + FURTHER_QUESTIONS + (TORCH_QUESTIONS if torch_track else ())
    return [importlib.import_module(f"{q.package}.hidden") for q in questions
            if (q.folder / "hidden.py").is_file()]


def all_ideas(torch_track: bool = True) -> dict[str, Idea]:
    """Every declared idea, by qualified id, in question order."""
    return {i.id: i for m in modules(torch_track) for i in getattr(m, "IDEAS", {}).values()}


def hidden_tests(examples_per_test: int | None = None, torch_track: bool = False, *,
                 shrink: bool = True, seed: int | None = None,
                 config: GradingConfig | None = None) -> list[HiddenTest]:
    """Every graded test, in a stable order, each running ``examples_per_test`` hypothesis
    examples (by default the configuration's), with its points (:func:`points`; the extra
    credit as ``config`` gives it).
    The torch-track tests never import torch in this process.

    ``shrink=False`` gives the same verdicts without minimizing failing inputs (faster, for
    bulk checks such as a bug catalogue); ``seed`` replaces the derandomized examples with
    those of this seed (for a flakiness sweep). Grading uses the defaults.
    """
    if examples_per_test is None:
        examples_per_test = (config or load_config()).examples_per_test
    specs = [spec for module in modules(torch_track) for spec in declared(module)]
    return [spec.build(examples_per_test, shrink=shrink, seed=seed, points=share, idea=idea)
            for spec, share, idea in points(specs, config)]


def graded(config: GradingConfig) -> list[HiddenTest]:
    """The hidden tests a grading under ``config`` runs (the engine's
    ``Assignment.hidden_tests``)."""
    return hidden_tests(config.examples_per_test, config.torch_track, shrink=config.shrink,
                        seed=config.seed, config=config)


def points(specs: list[TestSpec], config: GradingConfig | None = None
           ) -> list[tuple[TestSpec, float, str]]:
    """(test, points, qualified idea id) of each test, in the order they run (:func:`_order`):
    the one place points are computed.

    A numpy question's points (its folder's ``question.py``) are split over the ideas of its
    ``IDEAS`` table by weight, then over each idea's tests by their weights (without a table
    the points its tests declare are the weights). A "Going further" question splits 1 the
    same way, a torch question's tests declare weights adding up to 1; each of these two tracks
    is then worth what ``config`` gives it (``going_further_points``, ``torch_track_points``),
    split over its tests by those weights, exactly (split_points). Without a ``config`` (the
    points table, the class report) they keep their weights."""
    questions = list(dict.fromkeys(s.question for s in specs))
    rows = [row for question in questions
            for row in _question_points([s for s in specs if s.question == question])]
    rows.sort(key=lambda row: (questions.index(row[0].question), *_order(row[0])))
    if config is None:
        return rows
    for track, extra in (("torch", config.torch_track_points),
                         ("further", config.going_further_points)):
        mine = [i for i, (spec, _, _) in enumerate(rows) if BY_ID[spec.question].track == track]
        weights = [rows[i][1] for i in mine]
        if any(weights):  # each question's tests weigh 1 in all: the extra credit split exactly
            for i, share in zip(mine, split_points(extra, weights)):
                rows[i] = (rows[i][0], share, rows[i][2])
    return rows


def _order(spec: TestSpec) -> tuple[int, bool]:
    """Within a question, a function's tests run after its callees' (callees first), and a
    test that excuses a failure by the student's own answers (``s.either``) after the plain
    ones: each weighs a failure against what the functions were charged with already
    (:mod:`autograder.hidden.callees`); the engine starts them on a fresh load, so a function's
    own verdict comes from answers given before any caller was asked. Stable: the declared
    order otherwise."""
    level = max((depth(f, SPEC_FUNCTIONS) for f in spec.functions), default=0)
    return level, "either" in spec.check.__code__.co_names


def _question_points(specs: list[TestSpec]) -> list[tuple[TestSpec, float, str]]:
    """One question's tests with their share of its points (weights on the extra tracks)."""
    question = BY_ID[specs[0].question]
    table: dict[str, Idea] = getattr(sys.modules.get(specs[0].check.__module__), "IDEAS", {})
    if not table:  # the declared points are weights, scaled to a numpy question's points
        if question.track != "numpy":
            return [(spec, spec.points, "") for spec in specs]
        shares = split_points(question.points, [s.points for s in specs])
        return [(spec, share, "") for spec, share in zip(specs, shares)]
    unknown = sorted({s.idea for s in specs} - set(table))
    idle = sorted(set(table) - {s.idea for s in specs})
    if unknown or idle:
        raise ValueError(f"expected one idea of {question.id}'s IDEAS per test and a test per "
                         f"idea, got tests of unknown ideas {unknown}, ideas without a test "
                         f"{idle}")
    weights = [table[spec.idea].weight * spec.weight
               / sum(s.weight for s in specs if s.idea == spec.idea) for spec in specs]
    base = 1.0 if question.track == "further" else question.points
    shares = split_points(base, weights)
    return [(spec, share, table[spec.idea].id) for spec, share in zip(specs, shares)]


__all__ = ["Calls", "DEVICE_HINT", "Kind", "PARAMS", "Status", "TestFailure", "TorchTensor",
           "Worked", "all_ideas", "arrays", "big_or_small", "declared", "describe", "device_of",
           "dtypes", "expect_raises", "floats", "graded", "hidden_test", "hidden_tests", "ideas",
           "magnitude", "modules", "nps", "points", "rtol_for", "show", "st", "tensor"]
