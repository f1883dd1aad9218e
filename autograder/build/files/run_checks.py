"""Run the PUBLIC checks on your work without Jupyter, and print the points per question.

    python run_checks.py                         # the file the autograder would grade
    python run_checks.py my_notebook.ipynb       # a given notebook or .py file
    python run_checks.py --question q1_chunking  # one question (exit status 0: all passed)
    python run_checks.py -v                      # also say what each failing check reported

These are the public checks only (the ones grader.check runs in the notebook): passing them is a
good sign, not a grade. YOUR GRADE COMES FROM THE HIDDEN TESTS, on many more inputs.

It reads your work exactly as the autograder does (the same rule, in grading_rule/, generated
from the autograder): the graded files are the notebooks and .py files that define at least one
of the assignment's functions with your own code; with two such files (the notebook and
lm_training.py), each is checked and the better total counts, and this script warns you. A
notebook is read as Run All would run it (IPython's own reading of !, % and %% lines, which are
not run), statement by statement: a statement that fails costs only what depends on it.
GitHub Classroom runs it on every push (``--classroom QUESTION``: partial credit per check).

Needs Python 3.10+, numpy and IPython (Jupyter has it; else: pip install ipython).
"""
from __future__ import annotations

import argparse
import ast
import base64
import contextlib
import glob
import inspect
import io
import json
import os
import signal
import sys
import tempfile
import types
import warnings
from pathlib import Path

TESTS = "tests"
STATEMENT_TIMEOUT_S = 20  # one top-level statement, as the grader's cell_timeout_s


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
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def _rule():
    try:
        import grading_rule
    except ImportError as e:
        raise SystemExit(f"could not load the grading rule ({e}): restore grading_rule/ from the "
                         "assignment, and install IPython (pip install ipython)") from e
    return grading_rule


def choose_files(target: str):
    """The autograder's choice in ``target`` (a file or folder): ``.candidates``, read."""
    rule = _rule()
    with tempfile.TemporaryDirectory() as scratch:
        try:
            return rule.choose.choose(Path(target), Path(scratch), rule.FUNCTIONS,
                                    preferred=rule.PREFERRED)
        except rule.choose.ChoiceError as e:
            raise SystemExit(f"nothing to check: {e}") from e
        except ImportError as e:  # IPython reads notebooks as Jupyter does
            raise SystemExit(f"{e}: install IPython (pip install ipython) to check a notebook; "
                             "Jupyter has it") from e


def run_code(found) -> tuple[dict, list[str]]:
    """Run a file's statements in one namespace; returns it and one line per statement that
    failed."""
    name = found.name
    env = {"__name__": "__main__" if name.endswith(".ipynb") else "lm_training",
           "get_ipython": _Quiet, "display": lambda *a, **k: None}
    problems = []
    os.environ["MPLBACKEND"] = "Agg"
    stdin, sys.stdin = sys.stdin, io.StringIO("")  # input() gets end-of-file, as in the grader
    try:
        for statement in found.statements:
            _run_statement(statement, f"{name} {statement.label}", env, problems)
    finally:
        sys.stdin = stdin
    return env, problems


def _on_alarm(signum, frame):
    raise TimeoutError(f"ran longer than {STATEMENT_TIMEOUT_S} s")


def _run_statement(statement, label: str, env: dict, problems: list[str]) -> None:
    timer = hasattr(signal, "SIGALRM")  # not on Windows: no time limit there
    try:
        tree = ast.parse(statement.source)
        ast.increment_lineno(tree, statement.line - 1)
        if timer:
            signal.signal(signal.SIGALRM, _on_alarm)
            signal.alarm(STATEMENT_TIMEOUT_S)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(tree, label, "exec"), env)
    except SystemExit:
        problems.append(f"{statement.label} called exit(): skipped")
    except Exception as e:  # noqa: BLE001 (Ctrl-C still stops this script)
        problems.append(f"{statement.label} ({statement.first_line[:60]}) raised "
                        f"{type(e).__name__}: {e}"[:300])
    finally:
        if timer:
            signal.alarm(0)


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
                       "cases": cases, "skipped": _skipped(env)})
    return checks


def _skipped(env: dict) -> str:
    """Why a test file's checks give way to one line (the optional torch track without PyTorch:
    the file then holds only the case named after its question), else ''."""
    cases = [v for v in env.values() if isinstance(v, test_case)]
    if env.get("SKIPPED") and [c.name for c in cases] == [env["name"]]:
        return env["SKIPPED"]
    return ""


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
                        "cases": len(check["cases"]), "failures": failures,
                        "checks": check["cases"], "skipped": check.get("skipped", "")})
    return results


def report(results: list[dict], verbose: bool) -> str:
    lines = [f"{'question':<24}{'points':>16}   public checks"]
    for r in results:
        failed = len(r["failures"])
        if r.get("skipped"):
            lines.append(f"{r['name']:<24}{'':>16}   {r['skipped']}")
            continue
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


PUBLIC_ONLY = ("These are the PUBLIC checks only, a few cases per question. Your grade comes "
               "from the HIDDEN tests, on many more inputs: passing every public check is a good "
               "sign, not a guarantee.")


def _total(results: list[dict]) -> float:
    return sum(r["earned"] for r in results)


def grade_files(candidates: list, checks: list[dict]) -> list[tuple]:
    """(file, problems, results) per candidate, the best total first (the first among equals)."""
    graded = []
    for found in candidates:
        env, problems = run_code(found)
        graded.append((found, problems, run_checks(checks, env)))
    best = max(graded, key=lambda g: _total(g[2]))
    return [best] + [g for g in graded if g is not best]


def two_files_warning(graded: list[tuple]) -> str:
    others = ", ".join(f"{f.name} ({_total(r):g} points)" for f, _, r in graded[1:])
    best, _, results = graded[0]
    return ("!" * 78 + f"\nWARNING: YOUR WORK IS IN {len(graded)} FILES. Each was checked and "
            f"the best counts: {best.name} ({_total(results):g} points); also: {others}.\n"
            "The autograder does the same, but keep your work in ONE file (the notebook or "
            "lm_training.py) so that what you submit is what you meant.\n" + "!" * 78)


def classroom_result(results: list[dict], question: str) -> dict:
    """GitHub Classroom's runner result (the grading reporter sums the tests' scores)."""
    tests = []
    for r in results:
        failed = {id(case): message for case, message in r["failures"]}
        for case in r["checks"]:
            ok = id(case) not in failed
            tests.append({"name": str(case.name), "status": "pass" if ok else "fail",
                          "score": case.points if ok else 0, "message": failed.get(id(case), ""),
                          "line_no": 0, "execution_time": "0s", "filename": "",
                          "test_code": f"python run_checks.py --question {question}"})
    passed = all(t["status"] == "pass" for t in tests)
    return {"version": 1, "status": "pass" if passed else "fail",
            "max_score": sum(r["points"] for r in results), "tests": tests}


def _write_classroom_output(result: dict) -> None:
    encoded = base64.b64encode(json.dumps(result).encode()).decode()
    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(f"result={encoded}\n")
    else:
        print(f"result={encoded}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", help="the notebook or .py file (default: the "
                        "files of this folder that the autograder would grade)")
    parser.add_argument("--question", help="check only this question; exit status 0 when all "
                        "its public checks pass")
    parser.add_argument("--classroom", metavar="QUESTION", help="GitHub Classroom: check this "
                        "question and write its result (partial credit per check) to "
                        "$GITHUB_OUTPUT")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print what each failing check reported")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")
    _install_otter_stand_in()
    question = args.classroom or args.question
    checks = load_checks()
    if question:
        checks = [c for c in checks if c["name"] == question]
        if not checks:
            raise SystemExit(f"there are no public checks for {question!r} in {TESTS}/")
    choice = choose_files(args.file or ".")
    graded = grade_files(choice.candidates, checks)
    found, problems, results = graded[0]
    passed = all(not r["failures"] for r in results if r["points"])
    # a failing command shows only its stderr in some runners: the details go there then
    out = sys.stderr if args.question and not passed else sys.stdout
    print(f"{found.name}: public checks", file=out)
    print(PUBLIC_ONLY, file=out)
    if choice.fallback:
        print(f"note: no file here holds your own code for the assignment's functions yet: "
              f"checked {found.name} as the untouched template", file=out)
    if len(graded) > 1:
        warning = two_files_warning(graded)
        print(warning, file=out)
        if os.environ.get("GITHUB_ACTIONS"):
            print("::warning title=Your work is in two files::"
                  + warning.replace("\n", " ").replace("!" * 78, "").strip())
    for line in problems:
        print(f"  note: {line}", file=out)
    print(report(results, verbose=args.verbose or bool(question)), file=out)
    if args.classroom:
        _write_classroom_output(classroom_result(results, args.classroom))
        return 0
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
