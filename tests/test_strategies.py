"""The hidden tests' strategies, built when first used: a grading that passes never imports
hypothesis, and a deferred strategy draws exactly what hypothesis's own does."""
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import hypothesis
import numpy as np
import pytest
from hypothesis import strategies as hst
from hypothesis.extra import numpy as hnps

from autograder.build.release import solutions_module
from autograder.hidden import cases, keys, strategies
from autograder.hidden.strategies import Deferred, st, strategy

ROOT = Path(__file__).resolve().parents[1]


def _pairs(st, nps):
    """One strategy of every kind the question folders use, written with ``st`` and ``nps``:
    hypothesis's own modules or the deferred ones."""
    elements = st.floats(-3, 3, allow_nan=False, width=32)  # module-level: drawn in a composite
    tokens = st.integers(0, 9) | st.sampled_from([100, 200])

    @st.composite
    def pairs(draw, *, n=(1, 4), dtype=np.float64):
        if isinstance(dtype, st.SearchStrategy):
            dtype = draw(dtype)
        k = draw(st.integers(*n))
        x = draw(nps.arrays(dtype, (k,), elements=elements))
        return x, draw(st.lists(tokens | st.just(-1), min_size=k, max_size=k))

    return st.tuples(pairs(dtype=st.sampled_from([np.float32, np.float64])),
                     st.fixed_dictionaries({"lr": st.sampled_from([0.1, 0.5])}).map(
                         lambda d: {**d, "wd": 0.0}))


@pytest.mark.parametrize("loaded", [True, False], ids=["built-at-once", "recorded"])
def test_a_deferred_strategy_draws_and_records_what_hypothesis_own_does(loaded, monkeypatch):
    if not loaded:  # as in a grading, where hypothesis is imported only to shrink
        monkeypatch.setattr(strategies, "sys", types.SimpleNamespace(modules={}))
    deferred = _pairs(strategies._Module("hypothesis.strategies"),
                      strategies._Module("hypothesis.extra.numpy"))
    assert isinstance(deferred, Deferred) and "built when first used" in repr(deferred)
    eager, built = cases.draw_test(_pairs(hst, hnps), 30, 7), cases.draw_test(deferred, 30, 7)
    assert len(built) == 30
    for (case_a, choices_a), (case_b, choices_b) in zip(eager, built, strict=True):
        assert choices_a == choices_b and cases._same(case_a, case_b)
    assert isinstance(strategy(deferred), hst.SearchStrategy)
    assert strategy(deferred) is strategy(deferred)  # built once
    assert strategy(3) == 3  # anything else as it is


def test_classes_are_hypothesis_own_and_private_names_are_not_deferred():
    assert st.SearchStrategy is hst.SearchStrategy
    deferred = st.integers(0, 1)
    for name in ("_built_yet", "__deepcopy__"):
        try:
            getattr(deferred, name)
        except AttributeError:
            continue
        raise AssertionError(f"{name} was deferred")


def test_a_grading_that_passes_never_imports_hypothesis_one_that_fails_shrinks(tmp_path):
    source = solutions_module()
    right = tmp_path / "right" / "lm_training.py"
    right.parent.mkdir()
    right.write_text(source)
    wrong = tmp_path / "wrong" / "lm_training.py"  # scores twice too large from T = 4 on
    wrong.parent.mkdir()
    wrong.write_text(source + "\n\n_right_attention = causal_attention\n\n\n"
                     "def causal_attention(q, k, v):\n"
                     "    return _right_attention(2.0 * q if q.shape[-2] >= 4 else q, k, v)\n")
    code = ("import json, sys; from pathlib import Path; from autograder.assignment import grade; "
            "r = grade(Path(sys.argv[1])); "
            "print(json.dumps([r.score, 'hypothesis' in sys.modules, "
            "[t.output for t in r.tests if not t.passed]]))")

    def run(path):
        done = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    score, imported, _ = run(right)
    assert score == 100 and not imported
    score, imported, failed = run(wrong)
    assert score < 100 and imported  # hypothesis shrank the failing case
    shrunk = [text for text in failed if text.startswith("**Checked:** causal_attention matches")]
    one = r"\[-?[0-9.e-]+\]"  # T = 4 rows of d = 1: the smallest input that fails
    assert len(shrunk) == 1 and re.search(rf"`q` = `np\.array\(\[({one}, ){{3}}{one}\]\)`",
                                          shrunk[0]), failed


def test_the_book_reads_hypothesis_version_without_importing_it():
    assert keys.hypothesis_version() == hypothesis.__version__
