"""The hidden tests' inputs are drawn once and replayed (autograder/hidden/cases.py).

What must hold: the same book from every fresh process (so every path and regrade replays the
same inputs), a stale or forged book is never used, a failing case is still shrunk by
hypothesis to the smallest failing input, and replaying gives the verdicts hypothesis gives.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from checkout import run_checked
from hypothesis import strategies as st

from autograder.engine.api import Kind, Status, TestFailure
from autograder.hidden import cases, framework
from autograder.hidden.inprocess import InProcessStudent
from autograder.paths import ROOT

EXAMPLES = 3  # a small book: drawing it takes a second or two


def _draw(out: Path, cwd: Path, extra_env: dict | None = None) -> bytes:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(extra_env or {}))
    run_checked([sys.executable, "-m", "autograder.hidden.draw", "--examples",
                 str(EXAMPLES), "--out", str(out)], cwd=cwd, env=env)
    return out.read_bytes()


def test_fresh_processes_draw_the_same_book_byte_for_byte(tmp_path):
    first = _draw(tmp_path / "a.json", ROOT)
    # another folder, another hash seed
    second = _draw(tmp_path / "b.json", tmp_path, {"PYTHONHASHSEED": "123"})
    assert first == second
    book = json.loads(first)
    assert book["examples"] == EXAMPLES and book["seed"] is None
    counts = {key: len(entry["cases"]) for key, entry in book["tests"].items()}
    assert len(counts) >= 60 and set(counts.values()) <= {EXAMPLES}, counts
    assert cases.is_current(book["fingerprint"])


@pytest.mark.assignment
def test_every_hidden_test_with_a_strategy_is_in_the_book():
    from autograder import hidden

    book = cases.book(EXAMPLES)
    for module in hidden.modules(torch_track=True):
        for spec in module.TESTS:
            if spec.given is not None:
                drawn = book.cases(spec.question, spec.description)
                assert len(drawn) == EXAMPLES, spec.description
                assert all(isinstance(choices, bytes) for _, choices in drawn)


@pytest.fixture
def own_folder(tmp_path, monkeypatch):
    """Books looked for and written in tmp_path only."""
    monkeypatch.setenv(cases.DIR_ENV, str(tmp_path))
    monkeypatch.setattr(cases, "SHIPPED", tmp_path / "shipped")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cases._load.cache_clear()
    yield tmp_path
    cases._load.cache_clear()


def test_a_stale_forged_or_linked_book_is_drawn_again(own_folder):
    path = cases.ensure(EXAMPLES)
    assert path.parent == own_folder
    good = path.read_bytes()
    assert cases.ensure(EXAMPLES) == path and path.read_bytes() == good  # current: kept

    data = json.loads(good)
    name = next(iter(data["fingerprint"]["modules"]))
    data["fingerprint"]["modules"][name] = "0" * 64  # a module changed since the drawing
    path.write_text(json.dumps(data))
    cases.ensure(EXAMPLES)
    assert path.read_bytes() == good

    forged = json.loads(good)  # every test's inputs replaced by one harmless input
    forged["fingerprint"]["versions"]["hypothesis"] = "0.0.0"
    path.write_text(json.dumps(forged))
    cases.ensure(EXAMPLES)
    assert path.read_bytes() == good

    elsewhere = own_folder / "elsewhere.json"
    elsewhere.write_bytes(good)
    path.unlink()
    path.symlink_to(elsewhere)  # a link is never followed: a book of its own is drawn
    cases.ensure(EXAMPLES)
    assert not path.is_symlink() and path.read_bytes() == good

    path.write_text("{not json")
    assert cases.book(EXAMPLES).examples == EXAMPLES and path.read_bytes() == good


def _spec(strategy, check, description="sums a list"):
    return framework.hidden_test(question="q_test", description=description, points=1.0,
                                 functions=["f"], hint="the hint", given=strategy)(check)


def _book_of(spec, strategy, examples=50):
    drawn = cases.draw_test(strategy, examples, seed=7)
    from hypothesis.database import choices_to_bytes

    return cases.Book(examples, None, {cases.test_key(spec.question, spec.description):
                                       [(c, choices_to_bytes(ch)) for c, ch in drawn]})


def _sums(s, xs):
    s.expect_scalar(s("f", xs), float(sum(xs)), "the sum")


def test_a_failing_case_is_shrunk_by_hypothesis_to_the_smallest_input(monkeypatch):
    strategy = st.lists(st.integers(-1000, 1000), max_size=20)
    spec = _spec(strategy, _sums)
    book = _book_of(spec, strategy)
    assert any(len(c) >= 5 for c, _ in book.tests[next(iter(book.tests))])
    monkeypatch.setattr(cases, "book", lambda examples, seed=None: book)

    def wrong(xs):  # drops everything after the fourth number
        return float(sum(xs[:4]))

    test = spec.build(50, shrink=True)
    with pytest.raises(TestFailure) as shrunk:
        test.run(InProcessStudent({"f": wrong}))
    # hypothesis's smallest failing input: five numbers, the last one nonzero
    assert "= `[0, 0, 0, 0, 1]`" in shrunk.value.message, shrunk.value.message
    assert shrunk.value.status == Status.WRONG

    with pytest.raises(TestFailure) as unshrunk:  # the same verdict, the replayed input
        spec.build(50, shrink=False).run(InProcessStudent({"f": wrong}))
    assert "[0, 0, 0, 0, 1]" not in unshrunk.value.message

    spec.build(50).run(InProcessStudent({"f": lambda xs: float(sum(xs))}))  # passes


def test_a_function_that_answers_the_same_input_differently_is_called_flaky(monkeypatch):
    strategy = st.lists(st.integers(1, 9), min_size=1, max_size=5)
    spec = _spec(strategy, _sums, "sums again")
    book = _book_of(spec, strategy, examples=10)
    monkeypatch.setattr(cases, "book", lambda examples, seed=None: book)
    calls = []

    def once_wrong(xs):  # wrong on its fourth call only
        calls.append(1)
        return float(sum(xs)) + (1.0 if len(calls) == 4 else 0.0)

    with pytest.raises(TestFailure) as e:
        spec.build(10).run(InProcessStudent({"f": once_wrong}))
    assert e.value.kind == Kind.FLAKY
    assert "different results when it was called again" in e.value.message
