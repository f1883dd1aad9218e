"""A hidden test that is declared is a test that runs: no list to keep in step by hand."""
import sys
import textwrap
import types

import numpy as np
import pytest

import reference
from autograder import hidden
from autograder.engine.api import TestFailure
from autograder.hidden import declare
from autograder.hidden.inprocess import InProcessStudent
from autograder.questions import BY_ID

MODULE = "assignments.lecture16.questions.q4_perplexity.hidden"
PLANTED = '''

@hidden_test(question=Q, idea="exp-mean", description="perplexity of one certain position is 1",
             functions=["perplexity"], hint="A model that is sure and right has perplexity 1.",
             cases=[(np.array([[0.0, 50.0]]), np.array([1]))])
def planted(s, case):
    logits, targets = case
    s.expect_scalar(s("perplexity", logits, targets), 1.0, "the perplexity")
'''


@pytest.fixture
def planted_module(monkeypatch):
    """q4's hidden.py with one more test at its end, listed nowhere, in place of the real one
    (this process only; the declarations made here are forgotten afterwards)."""
    real = sys.modules[MODULE] if MODULE in sys.modules else __import__(MODULE, fromlist=["_"])
    monkeypatch.setattr(declare, "_DECLARED", {k: dict(v) for k, v in
                                                declare._DECLARED.items()})
    source = open(real.__file__).read() + textwrap.dedent(PLANTED)
    copy = types.ModuleType(MODULE)
    copy.__file__, copy.__package__ = real.__file__, real.__package__
    monkeypatch.setitem(sys.modules, MODULE, copy)
    exec(compile(source, real.__file__, "exec"), copy.__dict__)
    return copy


def test_a_planted_test_listed_nowhere_runs_and_is_graded(planted_module):
    tests = {t.description: t for t in hidden.hidden_tests(examples_per_test=5)}
    test = tests["perplexity of one certain position is 1"]
    assert test.question == "q4_perplexity" and test.idea == "q4_perplexity:exp-mean"
    assert test.points > 0  # it shares its idea's points: the question still adds up
    q4 = [t.points for t in tests.values() if t.question == "q4_perplexity"]
    assert round(sum(q4), 6) == BY_ID["q4_perplexity"].points

    test.run(InProcessStudent({"perplexity": reference.perplexity}))  # the reference passes
    with pytest.raises(TestFailure, match="perplexity of one certain position is 1"):
        test.run(InProcessStudent({"perplexity": lambda logits, targets: np.float64(2.0)}))


def test_the_declared_order_is_the_order_tests_run_in_a_question(planted_module):
    names = [t.description for t in hidden.declared(planted_module)]
    assert names[-1] == "perplexity of one certain position is 1"
    assert names[:-1] == [t.description for t in hidden.declared(sys.modules[MODULE])][:-1]


def test_an_explicit_order_must_list_every_declared_test(planted_module):
    planted_module.TESTS = tuple(hidden.declared(planted_module))[:-1]
    with pytest.raises(ValueError, match="perplexity of one certain position is 1"):
        hidden.declared(planted_module)


def test_a_test_declared_for_another_question_than_its_folder_fails_loudly(planted_module):
    source = PLANTED.replace("question=Q", 'question="q3_cross_entropy"')
    with pytest.raises(ValueError, match="q4_perplexity"):
        exec(compile(textwrap.dedent(source), planted_module.__file__, "exec"),
             planted_module.__dict__)
