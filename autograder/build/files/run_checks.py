"""Run the public checks on your work without Jupyter, and print the points per question.

    python run_checks.py                         # lecture16.ipynb or lm_training.py
    python run_checks.py my_notebook.ipynb       # a given notebook or .py file
    python run_checks.py --question q1_chunking  # one question (exit status 0: all passed)
    python run_checks.py -v                      # also say what each failing check reported

It runs your code the way the autograder reads it: a notebook's code cells in order, without
the cells tagged "skip-grading" (Put it together), shell and magic lines (!pip, %matplotlib)
and calls to otter's grader; a .py file statement by statement. A cell that fails is reported
and skipped. Then it runs the public checks in tests/, the same ones grader.check runs in the
notebook. GitHub Classroom runs it on every push, one question at a time. Passing them is a
good sign, not a guarantee: the grade comes from hidden tests on many more inputs.

Needs Python 3.10+ and numpy (not Jupyter, not otter).
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import glob
import inspect
import io
import json
import os
import sys
import types
import warnings

TESTS = "tests"
CANDIDATES = ("lecture16.ipynb", "lm_training.py")
SKIP_TAG = "skip-grading"
STUB = "is not implemented yet"  # the message of every function still to write


# ----------------------------------------------------------------------------- a stand-in otter
class _Quiet:
    """Stands in for otter's Notebook: every method does nothing."""

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class test_case:  # noqa: N801 (otter's name)
    """otter's exception-based test case decorator: a check passes when it raises nothing."""

    def __init__(self, name=None, points=None, hidden=False, **kwargs):
        self.name, self.points, self.hidden, self.func = name, points, hidden, None

    def __call__(self, func):
        self.func = func
        return self

    def run(self, env: dict) -> str | None:
        params = inspect.signature(self.func).parameters
        try:
            self.func(**{p: env if p == "env" else env.get(p) for p in params})
        except Exception as e:  # the check's message, as grader.check shows it
            return f"{type(e).__name__}: {e}"
        return None


def _install_otter_stand_in() -> None:
    otter = types.ModuleType("otter")
    otter.Notebook = _Quiet
    otter.test_files = types.ModuleType("otter.test_files")
    otter.test_files.test_case = test_case
    sys.modules["otter"], sys.modules["otter.test_files"] = otter, otter.test_files


# ----------------------------------------------------------------------------- your code
def _cells(path: str) -> list[tuple[str, str]]:
    """(label, source) of the code to run, as the autograder reads it."""
    with open(path, encoding="utf-8-sig") as f:
        text = f.read()
    if not path.endswith(".ipynb"):
        tree = ast.parse(text, filename=path)
        lines = text.splitlines()
        return [(f"line {node.lineno}", "\n" * (node.lineno - 1)
                 + "\n".join(lines[node.lineno - 1:node.end_lineno])) for node in tree.body]
    cells = []
    for i, cell in enumerate(json.loads(text)["cells"], start=1):
        tags = (cell.get("metadata") or {}).get("tags") or []
        if cell.get("cell_type") != "code" or SKIP_TAG in tags:
            continue
        source = "".join(cell.get("source", ""))
        if source.lstrip().startswith("%%"):
            continue  # a cell magic: not Python
        kept = ["" if line.lstrip().startswith(("%", "!")) else line
                for line in source.splitlines()]
        cells.append((f"cell {i}", "\n".join(kept)))
    return cells


def _stub_count(path: str) -> int:
    """How many functions are still to write (the fewer, the more work the file holds)."""
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        text = f.read()
    if path.endswith(".ipynb"):
        try:
            text = "\n".join("".join(c.get("source", "")) for c in json.loads(text)["cells"]
                             if c.get("cell_type") == "code")
        except (ValueError, KeyError, TypeError):
            return 10 ** 6
    return text.count(STUB)


def choose_file() -> str:
    """The file to check: of lecture16.ipynb and lm_training.py, the one with the most work in
    it (the notebook when they tie)."""
    found = [name for name in CANDIDATES if os.path.isfile(name)]
    if not found:
        raise SystemExit(f"found neither {' nor '.join(CANDIDATES)} here: name the file to check")
    return min(found, key=lambda name: (_stub_count(name), CANDIDATES.index(name)))


def run_code(path: str) -> tuple[dict, list[str]]:
    """Run the file's cells in one namespace; returns it and one line per cell that failed."""
    env = {"__name__": "__main__" if path.endswith(".ipynb") else "lm_training"}
    problems = []
    os.environ.setdefault("MPLBACKEND", "Agg")
    for label, source in _cells(path):
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(source, f"{path} {label}", "exec"), env)
        except Exception as e:
            problems.append(f"{label} raised {type(e).__name__}: {e}"[:300])
        except SystemExit:
            problems.append(f"{label} called exit(): skipped")
    return env, problems


# ----------------------------------------------------------------------------- the checks
def load_checks(folder: str = TESTS) -> list[dict]:
    """Every test file of ``folder``: its name, points and cases, in file-name order."""
    files = sorted(glob.glob(os.path.join(folder, "*.py")))
    if not files:
        raise SystemExit(f"found no public checks in {folder}/: restore that folder from the "
                         "assignment (or run the notebook's first cell, which writes it)")
    checks = []
    for path in files:
        env: dict = {}
        with open(path, encoding="utf-8") as f:
            exec(compile(f.read(), path, "exec"), env)
        cases = [v for v in env.values() if isinstance(v, test_case)]
        points = env.get("points") or 0
        for case in cases:
            if case.points is None:
                case.points = points / len(cases)
        checks.append({"name": env["name"], "points": sum(c.points for c in cases),
                       "cases": cases})
    return checks


def run_checks(checks: list[dict], env: dict) -> list[dict]:
    """Per question: points earned, points possible, and the failing cases' messages."""
    results = []
    for check in checks:
        failures = []
        for case in check["cases"]:
            message = case.run(env)
            if message is not None:
                failures.append((case, message))
        earned = check["points"] - sum(case.points for case, _ in failures)
        results.append({"name": check["name"], "earned": earned, "points": check["points"],
                        "cases": len(check["cases"]), "failures": failures})
    return results


def report(results: list[dict], verbose: bool) -> str:
    lines = [f"{'question':<24}{'points':>16}   public checks"]
    for r in results:
        failed = len(r["failures"])
        status = (f"all {r['cases']} passed" if not failed else
                  f"{failed} of {r['cases']} failed")
        optional = "  (optional)" if not r["points"] else ""
        lines.append(f"{r['name']:<24}{r['earned']:>7g} / {r['points']:<6g}   {status}{optional}")
        if verbose:
            for case, message in r["failures"]:
                lines.append(f"    {case.name}: " + message.replace("\n", "\n      "))
    earned = sum(r["earned"] for r in results)
    lines.append(f"{'total':<24}{earned:>7g} / {sum(r['points'] for r in results):g}")
    return "\n".join(line.rstrip() for line in lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", help="the notebook or .py file (default: "
                        "lecture16.ipynb or lm_training.py, whichever holds more of your work)")
    parser.add_argument("--question", help="check only this question; exit status 0 when all "
                        "its public checks pass (GitHub Classroom gives its points then)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print what each failing check reported")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")
    _install_otter_stand_in()
    checks = load_checks()
    if args.question:
        checks = [c for c in checks if c["name"] == args.question]
        if not checks:
            raise SystemExit(f"there are no public checks for {args.question!r} in {TESTS}/")
    path = args.file or choose_file()
    try:
        env, problems = run_code(path)
    except (OSError, ValueError, KeyError, TypeError, SyntaxError) as e:
        print(f"{path} could not be read: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    results = run_checks(checks, env)
    passed = all(not r["failures"] for r in results if r["points"])
    # GitHub Classroom's command grader shows a passing command's output, and only stderr of
    # a failing one: there, the details go to stderr
    out = sys.stderr if args.question and not passed else sys.stdout
    print(f"{path}: public checks", file=out)
    for line in problems:
        print(f"  note: {line}", file=out)
    print(report(results, verbose=args.verbose or bool(args.question)), file=out)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
