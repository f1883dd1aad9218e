"""The public checks: one otter exception-based test file per question, for ``grader.check``.

``write_otter_tests(folder)`` writes ``folder/<question id>.py`` for every question of
``autograder/questions.py`` from the cases in ``assignments/lecture16/public_cases.py``. The files
are self-contained (the student release has no ``reference`` package): inputs and expected values
are literals (floats with every digit, so a rebuild gives the same bytes) and the checking helpers
of ``public_cases`` are copied in verbatim. The file-level ``points`` is the question's points,
split into whole points over its cases, so that ``otter run`` of a correct notebook gives 100.
Torch-track files import torch inside each check and fail with a clear message without it.
"""
from __future__ import annotations

import inspect
import json
import math
import textwrap
from pathlib import Path

import numpy as np

from assignments.lecture16 import public_cases
from assignments.lecture16.public_cases import EMBEDDED, HINTS, PublicCase
from autograder.questions import QUESTIONS, Question, points_of

WIDTH = 99  # longest line the generated files aim for
NO_TORCH = "PyTorch is not installed: the optional torch track cannot be checked here"
SKIPPED = "optional torch track: skipped (PyTorch is not installed)"


# ----------------------------------------------------------------------------- literals
def _dtype(dtype: np.dtype) -> str:
    return "np.bool_" if dtype.kind == "b" else f"np.{dtype.name}"


def _float(x: float) -> str:
    if math.isnan(x):
        return 'float("nan")'
    if math.isinf(x):
        return 'float("inf")' if x > 0 else 'float("-inf")'
    return repr(x)  # the shortest text that reads back as the same float


def _scalar(x) -> str:
    if isinstance(x, float):
        return _float(x)
    return repr(x)


def _one_line(value) -> str:
    """``value`` as a Python expression on one line (numpy as ``np``)."""
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return json.dumps(value)  # ASCII, double quotes, valid Python
    if isinstance(value, np.bool_):
        return f"np.bool_({bool(value)})"
    if isinstance(value, np.integer):
        return f"{_dtype(value.dtype)}({int(value)})"
    if isinstance(value, np.floating):
        return f"{_dtype(value.dtype)}({_float(float(value))})"
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return f"np.array({_scalar(value.item())}, dtype={_dtype(value.dtype)})"
        if value.size == 0 or not value.any():
            return f"np.zeros({value.shape!r}, dtype={_dtype(value.dtype)})"
        return f"np.array({_one_line(value.tolist())}, dtype={_dtype(value.dtype)})"
    if isinstance(value, list):
        return "[" + ", ".join(_one_line(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_one_line(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_one_line(k)}: {_one_line(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"expected plain data (numbers, strings, arrays, lists, tuples, dicts) in "
                    f"a public case, got {type(value).__name__}")


def _is_flat(values) -> bool:
    return all(not isinstance(v, (list, tuple, dict, np.ndarray)) for v in values)


def literal(value, indent: int = 0, start: int | None = None, reserve: int = 0) -> str:
    """``value`` as a Python expression that starts at column ``start`` (default ``indent``) and
    is followed by ``reserve`` characters on its last line, broken over lines indented by
    ``indent`` + 4 when one line would be longer than WIDTH."""
    start = indent if start is None else start
    one = _one_line(value)
    if start + len(one) + reserve <= WIDTH:
        return one
    pad, end = " " * (indent + 4), " " * indent
    if isinstance(value, str):
        pieces = textwrap.wrap(value, WIDTH - indent - 8, drop_whitespace=False,
                               break_on_hyphens=False)
        assert "".join(pieces) == value
        return "(\n" + "".join(f"{pad}{json.dumps(p)}\n" for p in pieces) + end + ")"
    if isinstance(value, np.ndarray) and value.ndim > 0 and value.any():
        opening, closing = "np.array(", f", dtype={_dtype(value.dtype)})"
        return (opening + literal(value.tolist(), indent, start + len(opening),
                                  reserve + len(closing)) + closing)
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            key = f"{pad}{_one_line(k)}: "
            items.append(f"{key}{literal(v, indent + 4, len(key), 1)},")
        return "{\n" + "\n".join(items) + "\n" + end + "}"
    if isinstance(value, (list, tuple)):
        opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
        if _is_flat(value):  # numbers: as many to a line as fit
            lines, line = [], ""
            for text in (_one_line(v) + "," for v in value):
                if line and len(pad) + len(line) + 1 + len(text) > WIDTH:
                    lines.append(line)
                    line = text
                else:
                    line = f"{line} {text}" if line else text
            lines.append(line)
            body = "\n".join(pad + line for line in lines)
        else:
            body = "\n".join(f"{pad}{literal(v, indent + 4, reserve=1)}," for v in value)
        return opening + "\n" + body + "\n" + end + closing
    return one


# ----------------------------------------------------------------------------- the file
def split_points(points: float, n: int) -> list[float]:
    """``points`` over ``n`` cases: whole points, the larger shares first, summing exactly (with
    more cases than points, the last cases are worth 0: feedback only)."""
    if n == 0:
        return []
    if float(points).is_integer():
        base, extra = divmod(int(points), n)
        return [base + 1] * extra + [base] * (n - extra)
    return [points / n] * n  # fewer points than cases (a small extra credit): equal shares


def _header(question: Question, n_cases: int) -> str:
    torch_note = ("\nThis is the optional torch track: it needs PyTorch, and its checks give "
                  "feedback only\n(0 points here).\n" if question.track == "torch" else "")
    if question.track == "further":
        torch_note = ("\nThis is the optional \"Going further\" part: extra credit, set by your "
                      "instructor (0 points\nby default: feedback only).\n")
    points = _points_text(points_of(question))
    return f'''"""Public checks for {question.id}: {question.title} ({points}).

Run them in the notebook with grader.check("{question.id}"). Each of the {n_cases} checks calls one
of your functions on a small input and compares what comes back with the expected result; a
failing check says which function, the input, what was expected and what came back.
Gradescope runs more (hidden) tests on many generated inputs: passing these is a good sign,
not a guarantee.
{torch_note}
Generated by `python -m autograder build` from assignments/lecture16/public_cases.py: editing
this file changes nothing on Gradescope.
"""
'''


def _points_text(points: float) -> str:
    value = int(points) if float(points).is_integer() else points
    return f"{value} point" + ("" if value == 1 else "s")


def _test_function(case: PublicCase, number: int, points: float, question: Question) -> str:
    fn = case.function
    test_name = f"{fn.rstrip('_')}_{number}"
    lines = [f"@test_case(name={json.dumps(f'{question.id} {fn} {number}')}, "
             f"points={points!r}, hidden=False)",
             f"def {test_name}({fn}):"]
    if case.track == "torch":
        lines.append("    torch = _import_torch()")
    for variable, value in (("description", case.description), ("args", tuple(case.args)),
                            ("kwargs", dict(case.kwargs)), ("expected", case.expected)):
        prefix = f"    {variable} = "
        lines.append(prefix + literal(value, 4, len(prefix)))
    how = [f"rtol={case.rtol!r}", f"atol={case.atol!r}"]
    if case.observe != ("return",):
        how.append(f"observe={_one_line(tuple(case.observe))}")
        how.append(f"labels={_one_line(case.labels)}")
    if case.hint != HINTS[fn]:  # a case of its own (inputs unchanged): the hidden test's hint
        lines.append("    hint = " + literal(case.hint, 4, len("    hint = ")))
        how.append("hint=hint")
    if case.track == "torch":
        how.append("torch=torch")
    if case.raises:
        how.append(f"raises={json.dumps(case.raises)}")
    if case.callees:  # the notebook's names, to judge the callees on their own cases
        lines[1] = f"def {test_name}({fn}, env):"
        how.append("env=env")
    lines.append(f"    _check({json.dumps(fn)}, {fn}, args, kwargs, expected, description,\n"
                 f"           " + ", ".join(how) + ")")
    return "\n".join(lines) + "\n"


CHECK = '''
_STUBS = []  # the functions (objects) already reported as not implemented yet
_FAILED = []  # the functions (objects) whose first failure is already reported in full
_CALLEE_FAILS = {}  # callee name: whether it fails one of its own checks


def _check(function, fn, args, kwargs, expected, description, rtol=1e-6, atol=1e-8,
           observe=("return",), labels=("the result",), torch=None, raises="", hint=None,
           env=None):
    """Fail (AssertionError, shown by otter) with the feedback of check_call, if any; a
    function still raising NotImplementedError is reported in full once, then in one line; so is
    any other failure of a function; a note when a function it calls (``env``: the notebook's
    names) fails that function's own checks: the failure may come from there."""
    if any(fn is stub for stub in _STUBS):
        raise AssertionError(function + " is not implemented yet (reported once, above).")
    message = check_call(function, fn, args, kwargs, expected, description=description,
                         hint=HINTS[function] if hint is None else hint, rtol=rtol, atol=atol,
                         observe=observe, labels=labels, torch=torch, raises=raises)
    if message is None:
        return
    if message.startswith(function + " raised NotImplementedError"):
        _STUBS.append(fn)
        raise AssertionError(message)
    failing = [(callee, question) for callee, question in CALLEES.get(function, [])
               if _callee_fails(callee, env)]
    if any(fn is failed for failed in _FAILED):  # said in full above: one line
        lines = message.split("\\n")
        problem = [line[12:] for line in lines if line.startswith("  problem:  ")]
        message = "; ".join(["Also: " + lines[0]] + problem[:1])
        if failing:
            message += " (this may come from " + " or ".join(c for c, _ in failing) + ")"
        raise AssertionError(message)
    _FAILED.append(fn)
    for callee, question in failing:
        message += ("\\n  note:     " + function + " calls " + callee + ", which fails its "
                    "own public check (grader.check(\\"" + question + "\\")): this failure "
                    "may come from " + callee + ". Fix " + callee + " first.")
    raise AssertionError(message)


def _callee_fails(callee, env):
    """Whether the notebook's ``callee`` fails one of its own public cases (CALLEE_CASES)."""
    if callee not in _CALLEE_FAILS:
        fn = (env or {}).get(callee)
        _CALLEE_FAILS[callee] = fn is not None and any(
            check_call(callee, fn, args, kwargs, expected, rtol=rtol, atol=atol,
                       observe=observe, labels=labels, raises=raises) is not None
            for args, kwargs, expected, rtol, atol, observe, labels, raises
            in CALLEE_CASES[callee])
    return _CALLEE_FAILS[callee]
'''

DISPLAY = '''

def _summary_text(test_file):
    """One question's checks as the student reads them: one line when every check passed (or
    the optional track was skipped), else that line and each failing check's message."""
    results = test_file.test_case_results
    failed = [r for r in results if not r.passed]
    notes = [r.test_case.success_message for r in results if r.test_case.success_message]
    if not failed:
        return test_file.name + ": " + (" ".join(notes) if notes else
                                        "all " + str(len(results)) + " checks passed")
    lines = [test_file.name + ": " + str(len(failed)) + " of " + str(len(results))
             + " checks failed (the others passed)"]
    for r in failed:
        message = (r.message or "").split("\\n", 1)
        text = message[1] if len(message) == 2 and "Test case failed" in message[0] else r.message
        text = "[" + r.test_case.name.split(" ", 1)[-1] + "] " + (text or "")
        lines += ["", text] if "\\n" in text else [text]  # a blank line before each in full
    return "\\n".join(lines)


def _plain_display():
    """How otter shows these checks in the notebook and in check_all(): a failing check's own
    message, without otter's "Error at line N in test ..." framing, and the passing checks of a
    question in one line. otter 7 has no setting for either, so the two methods that write them
    are replaced when a check file loads (in this Python process only; nothing else changes)."""
    try:
        from otter.test_files import GradingResults
        from otter.test_files.abstract_test import TestFile
        from otter.test_files.exception_test import ExceptionTestFile
    except ImportError:  # run_checks.py's stand-in for otter: it prints its own report
        return

    def message(self, excp, context=0):
        return str(excp)

    def summary(self, public_only=False):
        return _summary_text(self)

    def html(self):
        import html as escape

        color = "" if self.passed_all else " style='color: #b00'"
        return "<pre" + color + ">" + escape.escape(_summary_text(self)) + "</pre>"

    def summary_all(self, public_only=False):
        """check_all(): a line per question, one line for a skipped optional track, and a
        blank line around a failing question's messages."""
        if self._catastrophic_error:
            return str(self._catastrophic_error)
        blocks, skipped = [], False
        for test_file in self.results.values():
            notes = {r.test_case.success_message for r in test_file.test_case_results}
            if test_file.passed_all and notes == {SKIPPED_TRACK}:
                skipped = True
            else:
                blocks.append(_summary_text(test_file))
        if skipped:  # the optional track in one line, whatever its number of questions
            blocks.append(SKIPPED_TRACK)
        text, previous = "", ""
        for block in blocks:
            if text:
                text += "\\n\\n" if "\\n" in block or "\\n" in previous else "\\n"
            text, previous = text + block, block
        return text

    ExceptionTestFile._generate_error_message = message
    TestFile.summary = summary
    TestFile._repr_html_ = html
    GradingResults.summary = summary_all


SKIPPED_TRACK = "{SKIPPED}"


_plain_display()
'''

IMPORT_TORCH = f'''

def _skip_without_torch():
    """Without PyTorch, the torch track's checks give way to one passing line that says so:
    the track is optional, and nothing the student chose not to install shows as a failure."""
    import importlib.util

    if importlib.util.find_spec("torch") is not None:
        return
    for key in [key for key, value in globals().items() if isinstance(value, test_case)]:
        del globals()[key]
    globals()["skipped"] = test_case(name=name, points=0, hidden=False,
                                     success_message=SKIPPED)(lambda: None)


SKIPPED = "{SKIPPED}"
_skip_without_torch()


def _import_torch():
    """torch, imported when a check runs (the torch track is optional)."""
    try:
        import torch
    except ImportError:
        raise AssertionError(
            "{NO_TORCH}: "
            "install PyTorch (pip install torch) to get feedback on it, or skip this optional "
            "part.") from None
    return torch
'''


def _callee_tables(cases: list[PublicCase], every: list[PublicCase]) -> tuple[dict, dict]:
    """CALLEES (function: [[callee, its question]]) and CALLEE_CASES (callee: its cases as
    [args, kwargs, expected, rtol, atol, observe, labels, raises]) for the functions of
    ``cases``, from ``every`` case of the assignment."""
    question_of = {case.function: case.question for case in every}
    callees = {case.function: [[c, question_of[c]] for c in case.callees]
               for case in cases if case.callees}
    names = dict.fromkeys(c for case in cases for c in case.callees)
    callee_cases = {name: [[c.args, c.kwargs, c.expected, c.rtol, c.atol, c.observe, c.labels,
                            c.raises] for c in every if c.function == name]
                    for name in names}
    return callees, callee_cases


def render_test_file(question: Question, cases: list[PublicCase],
                     every: list[PublicCase] | None = None) -> str:
    """The text of ``<question id>.py``; ``every``: all the assignment's cases (the callees'
    cases come from there; default: ``cases``)."""
    if not cases:
        raise ValueError(f"expected public cases for {question.id}, got none")
    callees, callee_cases = _callee_tables(cases, cases if every is None else every)
    shares = split_points(points_of(question), len(cases))
    functions = list(dict.fromkeys(case.function for case in cases))
    hints = {fn: HINTS[fn] for fn in functions}
    counts: dict[str, int] = {}
    tests = []
    for case, share in zip(cases, shares, strict=True):
        counts[case.function] = counts.get(case.function, 0) + 1
        tests.append(_test_function(case, counts[case.function], share, question))
    helpers = "\n\n\n".join(inspect.getsource(getattr(public_cases, name)).rstrip()
                          for name in EMBEDDED)
    parts = [
        _header(question, len(cases)),
        "import copy\n\nimport numpy as np\nfrom otter.test_files import test_case\n\n",
        "OK_FORMAT = False\n\n",
        f"name = {json.dumps(question.id)}\n",
        f"points = {_points_text(points_of(question)).split()[0]}\n\n",
        f"HINTS = {literal(hints, 0, len('HINTS = '))}\n\n",
        "# the functions each function calls (as the solution does), with their questions, and\n"
        "# their own cases: a failure may come from a callee that fails its own checks\n",
        f"CALLEES = {literal(callees, 0, len('CALLEES = '))}\n\n",
        f"CALLEE_CASES = {literal(callee_cases, 0, len('CALLEE_CASES = '))}\n\n",
        "\n",
        "# " + "=" * 76 + " the checks\n",
        "\n\n".join(tests),
        "\n\n# " + "=" * 76 + " how they compare\n",
        "# (the same helpers in every check file; you do not need to read them)\n",
        CHECK,
        DISPLAY.replace("{SKIPPED}", SKIPPED),
        IMPORT_TORCH if question.track == "torch" else "",
        "\n\n" + helpers + "\n",
    ]
    text = "".join(parts)
    text.encode("ascii")  # otter reads test files with the platform's default encoding
    compile(text, f"{question.id}.py", "exec")
    return text


def otter_test_texts() -> dict[str, str]:
    """``{"<question id>.py": text}`` for every question, in the spec's order."""
    cases = public_cases.cases_with_expected()
    return {f"{q.id}.py": render_test_file(q, [c for c in cases if c.question == q.id], cases)
            for q in QUESTIONS}


def write_otter_tests(folder: Path) -> None:
    """Write ``folder/<question id>.py`` for every question (the folder is created if needed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in otter_test_texts().items():
        with open(folder / name, "w", encoding="ascii", newline="\n") as f:
            f.write(text)
