"""The GitHub Classroom template repository: ``dist/classroom/``.

The student release (notebook, template ``.py``, ``tests/``, ``corpus.txt``) plus a README for
students, ``run_checks.py`` (the public checks without Jupyter, points per question) and
``.github/workflows/classroom.yml``. The workflow is the one GitHub Classroom itself generates
for "run command" tests: one ``classroom-resources/autograding-command-grader@v1`` step per
question (its points when the command exits 0, i.e. when all of the question's public checks
pass), then ``classroom-resources/autograding-grading-reporter@v1``, which reports the points to
GitHub Classroom. Hidden tests never go into this folder (the build's leak check scans it).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from autograder.build.pins import pinned
from autograder.questions import NUMPY_QUESTIONS

FILES = Path(__file__).parent / "files"
RUNNER = "run_checks.py"
WORKFLOW = Path(".github") / "workflows" / "classroom.yml"
PYTHON = "3.11"
COMMAND_GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
GITIGNORE = ".ipynb_checkpoints/\n__pycache__/\n.OTTER_LOG\n*_20[0-9][0-9]_*.zip\n"


def step_id(question_id: str) -> str:
    return question_id  # letters, digits and "_": a valid step id and environment name


def workflow_text() -> str:
    """``.github/workflows/classroom.yml``: GitHub Classroom's layout, one step per question."""
    lines = [
        "# Runs the public checks on every push and reports the points per question to GitHub",
        "# Classroom (a question's points when all of its public checks pass). The grade comes",
        "# from the hidden tests, which are not in this repository.",
        "name: Autograding Tests",
        "'on':",
        "- push",
        "- repository_dispatch",
        "permissions:",
        "  checks: write",
        "  actions: read",
        "  contents: read",
        "jobs:",
        "  run-autograding-tests:",
        "    runs-on: ubuntu-latest",
        "    if: github.actor != 'github-classroom[bot]'",
        "    steps:",
        "    - name: Checkout code",
        "      uses: actions/checkout@v4",
        "    - name: Set up Python",
        "      uses: actions/setup-python@v5",
        "      with:",
        f"        python-version: '{PYTHON}'",
        "    - name: Install numpy",
        f"      run: python -m pip install --quiet {pinned('numpy', 'grader.txt')}",
    ]
    for q in NUMPY_QUESTIONS:
        lines += [
            f"    - name: {q.id}",
            f"      id: {step_id(q.id)}",
            f"      uses: {COMMAND_GRADER}",
            "      with:",
            f"        test-name: {q.id}",
            f"        command: python {RUNNER} --question {q.id}",
            "        timeout: 10",
            f"        max-score: {q.points:g}",
        ]
    lines += ["    - name: Autograding Reporter", f"      uses: {REPORTER}", "      env:"]
    lines += [f'        {step_id(q.id).upper()}_RESULTS: "${{{{steps.{step_id(q.id)}.outputs.result}}}}"'
              for q in NUMPY_QUESTIONS]
    lines += ["      with:", "        runners: " + ",".join(step_id(q.id) for q in NUMPY_QUESTIONS)]
    return "\n".join(lines) + "\n"


def readme_text() -> str:
    rows = ["| Question | You write | Points |", "| --- | --- | --- |"]
    rows += [f"| `{q.id}`: {q.title} | {', '.join(f'`{f}`' for f in q.functions)} | {q.points:g} |"
             for q in NUMPY_QUESTIONS]
    return (FILES / "classroom_README.md").read_text(encoding="utf-8").replace(
        "{questions}", "\n".join(rows))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return path


def write_classroom(folder: Path, student: Path) -> list[Path]:
    """``folder``: a copy of the student release ``student`` plus the Classroom files."""
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(student, folder)
    _write(folder / "README.md", readme_text())
    _write(folder / RUNNER, (FILES / RUNNER).read_text(encoding="utf-8"))
    _write(folder / WORKFLOW, workflow_text())
    _write(folder / ".gitignore", GITIGNORE)
    return sorted(p for p in folder.rglob("*") if p.is_file())
