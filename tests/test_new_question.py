"""An instructor extends the assignment, on a copy of the checkout, exactly as
docs/adding-a-question.md says and nothing else: a real new question (label smoothing, under the
next free number: its folder and its reference module, no line of ``reference/__init__.py``)
and another question's points changed (so the total changes too). Then, in that copy: the tests
that read the question table (marked ``assignment``), the build, and gradings of the reference
(full marks out of the new total) and of the template (zero)."""
from __future__ import annotations

import json
import os
import re
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest

from checkout import copy_checkout, run_checked

from autograder.questions import NUMPY_QUESTIONS, QUESTIONS

NUMBER = 1 + max(int(re.match(r"q(\d+)_", q.id).group(1)) for q in QUESTIONS
                 if re.match(r"q(\d+)_", q.id))
QID = f"q{NUMBER}_label_smoothing"  # the next free number: it cannot collide with a question
CHANGED = NUMPY_QUESTIONS[-1]
"""the question whose points the instructor changes (one more point)"""
NEW_POINTS = 5

FOLDER = {
    "__init__.py": f'"""{QID}: label smoothing."""\n',
    "question.py": f'''
        ID = "{QID}"
        TITLE = "Label smoothing: keep some probability for every token"
        POINTS = {NEW_POINTS}
        FUNCTIONS = ("label_smoothing_loss",)
        TRACK = "numpy"
        IDEAS = {{
            "mix": (2, "the target keeps 1 - smoothing for the true token and spreads smoothing "
                       "evenly over all V tokens"),
            "stable": (1, "finite for logits of magnitude up to 1e4: log-softmax, never the log "
                          "of a softmax", ("mix",)),
        }}
        ''',
    "text.md": '''
        A model trained on one-hot targets is pushed to put all its probability on the true
        token. Label smoothing keeps some for every token: the target puts `1 - smoothing` on
        the true token and spreads `smoothing` evenly over all `V` tokens.

        Write `label_smoothing_loss(logits, targets, smoothing=0.1)`: the mean over positions of
        `-(1 - smoothing) * logp[target] - smoothing * mean(logp)`, where `logp` is the
        log-softmax of the logits over the last axis. With `smoothing=0` it is the cross-entropy
        of Question 3.
        ''',
    "public.py": f'''
        from __future__ import annotations

        import numpy as np

        from assignments.lecture16.public_cases import LECTURE_PROBS, PublicCase, lecture_logits

        HINTS = {{"label_smoothing_loss": (
            "Take the log-softmax over the last axis, then mix: `-(1 - smoothing) * "
            "logp[true token] - smoothing * logp.mean(axis=-1)`, averaged over positions.")}}


        def cases(rng) -> list[PublicCase]:
            q = "{QID}"
            return [
                PublicCase(q, "label_smoothing_loss",
                           (lecture_logits(LECTURE_PROBS), np.array([2])), {{"smoothing": 0.0}},
                           "the lecture's example without smoothing: -log(0.5) = 0.69"),
                PublicCase(q, "label_smoothing_loss", (np.zeros((1, 4)), np.array([2])), {{}},
                           "a uniform model: every target gives log(4)"),
                PublicCase(q, "label_smoothing_loss",
                           (np.array([[2.0, 0.5, -1.0]]), np.array([0])), {{"smoothing": 0.2}},
                           "one position, smoothing 0.2"),
            ]
        ''',
    "hidden.py": '''
        from __future__ import annotations

        import numpy as np

        import reference

        from autograder.hidden import hidden_test, ideas, nps, st

        from .question import ID as Q
        from .question import IDEAS as _IDEAS

        IDEAS = ideas(Q, _IDEAS)


        def batches(scale):
            """(logits (n, V), numbers whose remainders mod V are the n targets, smoothing),
            logits in [-scale, scale]."""
            return st.tuples(
                nps.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 6)),
                           elements=st.floats(-scale, scale)),
                nps.arrays(np.int64, 4, elements=st.integers(0, 719)),
                st.floats(0.0, 1.0))


        def unpack(case):
            logits, numbers, smoothing = case
            return logits, numbers[:len(logits)] % logits.shape[-1], smoothing


        @hidden_test(question=Q, idea="mix",
                     description="label_smoothing_loss mixes the true token and the uniform "
                                 "target",
                     functions=["label_smoothing_loss"],
                     hint="The target puts 1 - smoothing on the true token and smoothing / V on "
                          "every token: `-(1 - smoothing) * logp[target] - smoothing * "
                          "logp.mean(axis=-1)`, averaged over positions.",
                     given=batches(10.0))
        def mixes(s, case):
            logits, targets, smoothing = unpack(case)
            got = s("label_smoothing_loss", logits, targets, smoothing)
            s.expect_scalar(got, reference.label_smoothing_loss(logits, targets, smoothing),
                            "the loss")


        @hidden_test(question=Q, idea="stable",
                     description="label_smoothing_loss stays finite for logits up to 1e4",
                     functions=["label_smoothing_loss"],
                     hint="Subtract the largest logit before exponentiating (log-softmax): "
                          "`np.log(softmax)` overflows or gives log(0).",
                     given=batches(1e4))
        def stable(s, case):
            logits, targets, smoothing = unpack(case)
            got = s("label_smoothing_loss", logits, targets, smoothing)
            s.expect_scalar(got, reference.label_smoothing_loss(logits, targets, smoothing),
                            "the loss")
        ''',
    "catalog.py": f'''
        from autograder.verify.catalog.kinds import Bug, Correct

        Q = "{QID}"

        BUGS = [
            Bug.edit("smoothing-ignored", Q, "the plain cross-entropy: smoothing is ignored",
                     function="label_smoothing_loss", replace=[(
                         "np.mean(-(1 - smoothing) * true - smoothing * logp.mean(axis=-1))",
                         "-true.mean()")], idea="mix"),
            Bug("smoothing-log-of-softmax", Q, "the log of a softmax: -inf, then nan, for large "
                "logits", """
        def label_smoothing_loss(logits, targets, smoothing=0.1):
            logits = np.asarray(logits, dtype=np.float64)
            p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
            logp = np.log(p)
            true = np.take_along_axis(logp, np.asarray(targets)[..., None], axis=-1)[..., 0]
            return float(np.mean(-(1 - smoothing) * true - smoothing * logp.mean(axis=-1)))
        """, idea="stable"),
            Bug("smoothing-over-the-others", Q, "spreads smoothing over the V - 1 wrong tokens "
                "only (another convention; PyTorch's includes the true token)", """
        def label_smoothing_loss(logits, targets, smoothing=0.1):
            logits = np.asarray(logits, dtype=np.float64)
            v = logits.shape[-1]
            shifted = logits - logits.max(axis=-1, keepdims=True)
            logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
            true = np.take_along_axis(logp, np.asarray(targets)[..., None], axis=-1)[..., 0]
            others = (logp.sum(axis=-1) - true) / (v - 1)
            return float(np.mean(-(1 - smoothing) * true - smoothing * others))
        """, idea="mix"),
            Bug.edit("smoothing-weights-swapped", Q, "smoothing on the true token, 1 - "
                     "smoothing spread", function="label_smoothing_loss", replace=[
                         ("-(1 - smoothing) * true - smoothing * logp",
                          "-smoothing * true - (1 - smoothing) * logp")], idea="mix"),
            Bug.edit("smoothing-sum-over-positions", Q, "the sum over positions, not the mean",
                     function="label_smoothing_loss", replace=[("np.mean(", "np.sum(")],
                     idea="mix"),
        ]
        CORRECT = [Correct("smoothing-as-distribution", "the smoothed target as a distribution",
                           """
        def label_smoothing_loss(logits, targets, smoothing=0.1):
            logits = np.asarray(logits, dtype=np.float64)
            v = logits.shape[-1]
            shifted = logits - logits.max(axis=-1, keepdims=True)
            logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
            target = np.full(logp.shape, smoothing / v)
            np.put_along_axis(target, np.asarray(targets)[..., None],
                              1 - smoothing + smoothing / v, axis=-1)
            return float(-(target * logp).sum(axis=-1).mean())
        """)]
        ''',
}
REFERENCE = '''"""Label smoothing: cross-entropy against a target that keeps some probability
for every token."""
import numpy as np


def label_smoothing_loss(logits, targets, smoothing=0.1):
    """Mean cross-entropy against smoothed targets.

    The target distribution puts ``1 - smoothing`` on the true token and spreads ``smoothing``
    evenly over all V tokens (the true one included), as
    ``torch.nn.functional.cross_entropy(..., label_smoothing=smoothing)``.

    Args:
        logits: float array of shape (..., V), unnormalized scores.
        targets: integer array of shape (...), values in [0, V).
        smoothing: float in [0, 1]; 0 gives the plain cross-entropy.

    Returns:
        float: the mean over positions of
        ``-(1 - smoothing) * logp[target] - smoothing * mean(logp)``, with ``logp`` the
        log-softmax of ``logits`` over the last axis (finite for logits up to 1e4).
    """
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    true = np.take_along_axis(logp, np.asarray(targets)[..., None], axis=-1)[..., 0]
    return float(np.mean(-(1 - smoothing) * true - smoothing * logp.mean(axis=-1)))
'''


def add_the_question(tree: Path) -> None:
    """What the walkthrough says: the folder and the reference module, nothing else (no line of
    ``reference/__init__.py``: the build, the grader and the tests find the module)."""
    folder = tree / "assignments" / "lecture16" / "questions" / QID
    folder.mkdir()
    for name, text in FOLDER.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    (tree / "reference" / "label_smoothing.py").write_text(REFERENCE, encoding="utf-8")


def change_points(tree: Path) -> float:
    """One more point for :data:`CHANGED` (its question.py's ``POINTS``); the new total."""
    path = tree / "assignments" / "lecture16" / "questions" / CHANGED.id / "question.py"
    text, n = re.subn(r"(?m)^POINTS = .*$", f"POINTS = {CHANGED.points + 1:g}",
                      path.read_text(encoding="utf-8"))
    assert n == 1, f"expected one line `POINTS = ...` in {path}, got {n}"
    path.write_text(text, encoding="utf-8")
    return sum(q.points for q in NUMPY_QUESTIONS) + 1 + NEW_POINTS


def scores(results: Path) -> dict[str, tuple[float, float]]:
    """question id -> (score, max score) of a results.json."""
    by_question: dict[str, list[float]] = {}
    for test in json.loads(results.read_text())["tests"]:
        got = by_question.setdefault(test["name"].split(" ")[0], [0.0, 0.0])
        got[0] += test.get("score", 0)
        got[1] += test.get("max_score", 0)
    return {qid: (round(s, 6), round(m, 6)) for qid, (s, m) in by_question.items()}


def test_an_instructor_adds_a_question_and_changes_points(tmp_path):
    tree = copy_checkout(tmp_path / "tree")
    add_the_question(tree)
    total = change_points(tree)
    env = {**os.environ, "PYTHONPATH": str(tree), "AUTOGRADER_CASES": str(tree / "cases")}

    def autograder(*args: str, timeout: int = 300):
        return run_checked([sys.executable, "-m", "autograder", *args], cwd=tree, env=env,
                   timeout=timeout)

    # 1. the build takes it in: its section, its stub, its public checks, the new points
    autograder("build", "--out", "dist", "--no-execute")
    notebook = (tree / "dist" / "student" / "lecture16.ipynb").read_text(encoding="utf-8")
    number = 1 + [q.id for q in NUMPY_QUESTIONS].index(CHANGED.id)
    assert f"(`{CHANGED.id}`, {CHANGED.points + 1:g} points)" in notebook, f"question {number}"
    assert (f"Question {len(NUMPY_QUESTIONS) + 1}: Label smoothing: keep some probability for "
            f"every token (`{QID}`, {NEW_POINTS} points)") in notebook
    assert f'grader.check(\\"{QID}\\")' in notebook
    template = (tree / "dist" / "student" / "lm_training.py").read_text(encoding="utf-8")
    assert "def label_smoothing_loss(logits, targets, smoothing=0.1):" in template

    # 2. the tests that read the question table, in the copy (no cache; its temporary files in
    # this test's folder)
    marked = sorted(str(p.relative_to(tree)) for p in (tree / "tests").glob("test_*.py")
                    if "@pytest.mark.assignment" in p.read_text(encoding="utf-8"))
    run_checked([sys.executable, "-m", "pytest", "-q", "-n", "0", "-m", "assignment", "-p",
         "no:cacheprovider", f"--basetemp={tmp_path / 'pytest'}", *marked], cwd=tree, env=env,
        timeout=900)

    # 3. grading: the reference gets full marks out of the new total, the template zero
    schema = json.loads((tree / "tests" / "gradescope_results.schema.json").read_text())
    autograder("grade", str(tree / "dist" / "solutions" / "lecture16.ipynb"),
               "--results", "ref.json")
    data = json.loads((tree / "ref.json").read_text())
    jsonschema.validate(data, schema)
    got = scores(tree / "ref.json")
    assert got[QID] == (NEW_POINTS, NEW_POINTS), got
    assert got[CHANGED.id] == (CHANGED.points + 1, CHANGED.points + 1), got
    assert all(s == m for s, m in got.values()), got
    assert data["score"] == pytest.approx(total), (data["score"], total)
    autograder("grade", str(tree / "dist" / "student" / "lm_training.py"),
               "--results", "template.json")
    assert scores(tree / "template.json")[QID] == (0.0, NEW_POINTS)

    # 4. verify, on one entry of the new question's catalog (named in full): the bug is caught
    done = autograder("verify", "--only", "bug-smoothing-log-of-softmax")
    assert "verify PASSED" in done.stdout, done.stdout[-3000:]
    assert "bugs caught in their own question: 1 / 1" in done.stdout, done.stdout[-3000:]
