"""A new question is a folder (docs/adding-a-question.md): on a copy of the tree, add a throwaway
question (one tiny function, its reference, a public case, a hidden test, a catalog bug and a
correct variant) and nothing else; the build, the grade and verify take it in."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder.paths import ROOT

QID = "q8_throwaway"
FOLDER = {
    "__init__.py": '"""q8_throwaway: a question added by a test."""\n',
    "question.py": '''
        ID = "q8_throwaway"
        TITLE = "Doubling, a question added by a test"
        POINTS = 5
        FUNCTIONS = ("double_tokens",)
        TRACK = "numpy"
        IDEAS = {
            "twice": (1, "every value is doubled"),
        }
        ''',
    "text.md": "Double every token id: `double_tokens(ids)` returns `2 * ids`.\n",
    "public.py": '''
        from __future__ import annotations

        import numpy as np

        from assignments.lecture16.public_cases import PublicCase

        HINTS = {"double_tokens": "Multiply by 2: `2 * np.asarray(ids)`."}


        def cases(rng) -> list[PublicCase]:
            return [PublicCase("q8_throwaway", "double_tokens", (np.array([1, 2, 3]),), {},
                               "three ids are doubled")]
        ''',
    "hidden.py": '''
        from __future__ import annotations

        import numpy as np
        from hypothesis import strategies as st
        from hypothesis.extra import numpy as nps

        import reference

        from autograder.hidden.framework import hidden_test
        from autograder.hidden.ideas import ideas

        from .question import ID as Q
        from .question import IDEAS as _IDEAS

        IDEAS = ideas(Q, _IDEAS)


        @hidden_test(question=Q, idea="twice", description="double_tokens doubles every id",
                     functions=["double_tokens"], hint="Multiply by 2.",
                     given=nps.arrays(np.int64, st.integers(1, 6), elements=st.integers(0, 99)))
        def doubled(s, ids):
            s.expect_array(s("double_tokens", ids), reference.double_tokens(ids), "the ids")


        TESTS = (doubled,)
        ''',
    "catalog.py": '''
        from autograder.verify.catalog.kinds import Bug, Correct

        BUGS = [Bug("throwaway-triple", "q8_throwaway", "triples instead of doubling", """
        def double_tokens(ids):
            return 3 * np.asarray(ids)
        """, idea="twice")]
        CORRECT = [Correct("throwaway-add", "adds the ids to themselves", """
        def double_tokens(ids):
            ids = np.asarray(ids)
            return ids + ids
        """)]
        ''',
}
REFERENCE = '''"""Doubling (a module added by a test)."""
import numpy as np


def double_tokens(ids):
    """Return every token id doubled.

    >>> double_tokens([1, 2]).tolist()
    [2, 4]
    """
    return 2 * np.asarray(ids)
'''


def _copy_tree(to: Path) -> None:
    """The checkout's files (tracked, or new and not ignored), without the environment."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        source = ROOT / rel
        if rel.split("/")[0] == ".venv" or not source.is_file():
            continue
        (to / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, to / rel)


def _add_the_question(tree: Path) -> None:
    folder = tree / "assignments" / "lecture16" / "questions" / QID
    folder.mkdir()
    for name, text in FOLDER.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    (tree / "reference" / "doubling.py").write_text(REFERENCE, encoding="utf-8")
    init = tree / "reference" / "__init__.py"
    text = init.read_text(encoding="utf-8")
    text = text.replace("from .chunking import", "from .doubling import double_tokens\n"
                        "from .chunking import", 1)
    text = text.replace('    "training_flops", "chinchilla_optimal", "fit_power_law",\n',
                        '    "training_flops", "chinchilla_optimal", "fit_power_law",\n'
                        '    "double_tokens",\n', 1)
    assert "double_tokens" in text and text.count("double_tokens") == 2
    init.write_text(text, encoding="utf-8")


def _run(tree: Path, *args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree), "AUTOGRADER_CASES": str(tree / "cases")}
    done = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-3000:])
    return done


def _scores(results: Path) -> dict[str, tuple[float, float]]:
    tests = json.loads(results.read_text())["tests"]
    by_question: dict[str, list[float]] = {}
    for test in tests:
        qid = test["name"].split(" ")[0]
        got, top = by_question.setdefault(qid, [0.0, 0.0]), test.get("max_score", 0)
        got[0] += test.get("score", 0)
        got[1] += top
    return {qid: (round(s, 6), round(m, 6)) for qid, (s, m) in by_question.items()}


def test_a_new_question_is_one_folder_and_its_reference(tmp_path):
    tree = tmp_path / "tree"
    _copy_tree(tree)
    _add_the_question(tree)

    # 1. the build takes it in: its section, its stub, its public checks
    _run(tree, "build", "--out", "dist", "--no-execute")
    dist = tree / "dist"
    notebook = (dist / "student" / "lecture16.ipynb").read_text(encoding="utf-8")
    assert f"Question 8: Doubling, a question added by a test (`{QID}`, 5 points)" in notebook
    assert f'grader.check(\\"{QID}\\")' in notebook
    assert "def double_tokens(ids):" in (dist / "student" / "lm_training.py").read_text()

    # 2. grading: the reference gets full marks, the new question included; the template zero
    _run(tree, "grade", str(dist / "solutions" / "lecture16.ipynb"), "--results", "ref.json")
    scores = _scores(tree / "ref.json")
    assert scores[QID] == (5.0, 5.0)
    assert all(got == top for got, top in scores.values()), scores
    assert sum(top for _, top in scores.values()) == pytest.approx(105.0)
    _run(tree, "grade", str(dist / "student" / "lm_training.py"), "--results", "template.json")
    assert _scores(tree / "template.json")[QID] == (0.0, 5.0)

    # 3. verify, restricted to the new question's catalog: the bug is caught, the variant passes
    done = _run(tree, "verify", "--only", QID, timeout=300)
    assert "verify PASSED" in done.stdout, done.stdout[-2000:]
    assert "throwaway-triple" in done.stdout and "throwaway-add" in done.stdout
