"""The hidden tests' inputs are drawn once and replayed (autograder/hidden/cases.py).

What must hold: the same book from every fresh process (so every path and regrade replays the
same inputs), a stale or forged book is never used, editing one test redraws that test alone
(every other test's inputs stay byte for byte), a failing case is still shrunk by hypothesis to
the smallest failing input, replaying gives the verdicts hypothesis gives, and every private
hook of hypothesis the drawing uses is there.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from checkout import run_checked
from hypothesis import strategies as st

from autograder.engine.api import Kind, Status, TestFailure
from autograder.hidden import cases, hidden_test, keys
from autograder.hidden.inprocess import InProcessStudent
from autograder.paths import ROOT

EXAMPLES = 3  # a small book: drawing it takes a second or two


def _python(args: list[str], cwd: Path, env: dict) -> str:
    return run_checked([sys.executable, *args], cwd=cwd, env=env).stdout


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
    names = {cases.test_key(s.question, s.description) for s in cases.declared()}
    assert cases.is_current(book, names)


@pytest.mark.assignment
def test_every_hidden_test_with_a_strategy_is_in_the_book():
    book = cases.book(EXAMPLES)
    for spec in cases.declared():
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
    name = next(iter(data["sources"]))
    data["sources"][name] = "0" * 64  # a module changed since the drawing
    path.write_text(json.dumps(data))
    cases.ensure(EXAMPLES)
    assert path.read_bytes() == good

    forged = json.loads(good)  # another hypothesis's draws, and one test's inputs replaced
    forged["versions"]["hypothesis"] = "0.0.0"
    test = next(iter(forged["tests"]))
    forged["tests"][test]["key"] = "0" * 64
    forged["tests"][test]["cases"] = forged["tests"][test]["cases"][:1]
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
    return hidden_test(question="q_test", description=description, points=1.0,
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


# ----------------------------------------------------------------------------- a book per test
STRATEGY = "given=st.tuples(docs(), st.integers(1, 8), st.sampled_from([None, 7]))"
"""the strategy of q1's chunk_dtype, which the test below edits"""


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"expected {old!r} once in {path}, got {text.count(old)}"
    path.write_text(text.replace(old, new))


def test_a_reference_function_is_followed_into_the_module_that_defines_it():
    """reference/__init__.py names no function (it exposes what its modules define): a key
    still hashes the definition of a reference function that a test uses."""
    reader = keys.Reader()
    code = reader.code("reference", "chunk_tokens")
    assert code and "reference.chunking" in reader.sources(), (
        f"expected the key of reference.chunk_tokens to read reference/chunking.py, got "
        f"{len(code)} pieces of code from {sorted(reader.sources())}")
    assert reader.code("reference", "no_such_function") == []


def test_editing_one_test_redraws_that_test_alone(tmp_path):
    root = tmp_path / "grader"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "_cases")
    for name in ("autograder", "reference", "assignments"):
        shutil.copytree(ROOT / name, root / name, ignore=ignore)
    shutil.copy(ROOT / "otter_config.json", root)
    env = {k: v for k, v in os.environ.items() if k != cases.DIR_ENV}
    env.update(PYTHONPATH=str(root), XDG_CACHE_HOME=str(tmp_path / "cache"))
    draw = ["-m", "autograder.hidden.draw", "--examples", "2"]
    book_path = Path(_python(draw, root, env).strip())
    assert book_path.parent == root / "autograder" / "hidden" / "_cases", book_path
    before = json.loads(book_path.read_text())

    q1 = root / "assignments" / "lecture16" / "questions" / "q1_chunking" / "hidden.py"
    _edit(q1, STRATEGY, STRATEGY.replace("st.integers(1, 8)", "st.integers(10, 12)"))
    _edit(q1, "def chunk_unchanged(s, case):\n",
          "def chunk_unchanged(s, case):\n    assert case is not None  # planted\n")
    q3 = root / "assignments" / "lecture16" / "questions" / "q3_cross_entropy" / "hidden.py"
    q3.write_text(q3.read_text() + "\n# a comment\n")  # a comment, and a new constant elsewhere
    chunking = root / "reference" / "chunking.py"
    chunking.write_text(chunking.read_text() + "\nPLANTED = 987654321\n")

    assert Path(_python(draw, root, env).strip()) == book_path
    after = json.loads(book_path.read_text())
    named = {s.check.__name__: cases.test_key(s.question, s.description)
             for s in cases.declared()}
    strategy, body = named["chunk_dtype"], named["chunk_unchanged"]
    assert set(after["tests"]) == set(before["tests"])
    changed = sorted(name for name in before["tests"]
                     if json.dumps(after["tests"][name]) != json.dumps(before["tests"][name]))
    assert changed == sorted([strategy, body]), changed
    assert after["tests"][strategy]["cases"] != before["tests"][strategy]["cases"]
    assert after["tests"][body]["key"] != before["tests"][body]["key"]  # its body changed...
    assert after["tests"][body]["cases"] == before["tests"][body]["cases"]  # ...not its inputs

    whole = tmp_path / "whole.json"  # drawn from nothing: the same, byte for byte
    _python(draw + ["--out", str(whole)], root, env)
    assert whole.read_bytes() == book_path.read_bytes()


def test_every_private_hook_of_hypothesis_the_drawing_uses_is_there():
    for hook in cases.HOOKS:
        assert cases._hook(hook) is not None  # raises CaseBookError naming a missing one
    with pytest.raises(cases.CaseBookError, match="hypothesis.control.gone"):
        cases._hook("hypothesis.control:gone")
    drawn = cases.draw_test(st.integers(0, 9), 5, seed=3)  # current_build_context().data.choices
    assert len(drawn) == 5 and all(isinstance(c, tuple) and c for _, c in drawn), drawn
    assert all(choices == (case,) for case, choices in drawn), drawn


_POOL = """
import sys
sys.path.insert(0, sys.argv[1])
from hypothesis.internal.conjecture import providers
from autograder.hidden import cases
if sys.argv[2] == "off":
    cases._no_local_constants()
import planted  # a local module: hypothesis would mix its constants into the draws
print(planted.PLANTED in providers._get_local_constants().integers)
"""


def test_the_pool_of_local_constants_is_off_while_drawing(tmp_path):
    """providers.is_local_module_file, turned off: no module's constants are in the pool that
    hypothesis mixes into its draws (read with providers._get_local_constants)."""
    (tmp_path / "planted.py").write_text("PLANTED = 987654321\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    seen = {mode: _python(["-c", _POOL, str(tmp_path), mode], ROOT, env).strip()
            for mode in ("on", "off")}
    assert seen == {"on": "True", "off": "False"}, seen
