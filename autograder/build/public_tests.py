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
    """``points`` over ``n`` cases: whole points, the larger shares first, summing exactly."""
    if n == 0:
        return []
    if float(points).is_integer() and (points == 0 or points >= n):
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
    lines.append(f"    _check({json.dumps(fn)}, {fn}, args, kwargs, expected, description,\n"
                 f"           " + ", ".join(how) + ")")
    return "\n".join(lines) + "\n"


CHECK = '''
_STUBS = []  # the functions (objects) already reported as not implemented yet


def _check(function, fn, args, kwargs, expected, description, rtol=1e-6, atol=1e-8,
           observe=("return",), labels=("the result",), torch=None, raises="", hint=None):
    """Fail (AssertionError, shown by otter) with the feedback of check_call, if any; a
    function still raising NotImplementedError is reported in full once, then in one line."""
    if any(fn is stub for stub in _STUBS):
        raise AssertionError(function + " is not implemented yet (reported once, above).")
    message = check_call(function, fn, args, kwargs, expected, description=description,
                         hint=HINTS[function] if hint is None else hint, rtol=rtol, atol=atol,
                         observe=observe, labels=labels, torch=torch, raises=raises)
    if message is not None:
        if message.startswith(function + " raised NotImplementedError"):
            _STUBS.append(fn)
        raise AssertionError(message)
'''

IMPORT_TORCH = f'''

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


def render_test_file(question: Question, cases: list[PublicCase]) -> str:
    """The text of ``<question id>.py``."""
    if not cases:
        raise ValueError(f"expected public cases for {question.id}, got none")
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
        "\n",
        "# " + "=" * 76 + " the checks\n",
        "\n\n".join(tests),
        "\n\n# " + "=" * 76 + " how they compare\n",
        "# (the same helpers in every check file; you do not need to read them)\n",
        CHECK,
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
    return {f"{q.id}.py": render_test_file(q, [c for c in cases if c.question == q.id])
            for q in QUESTIONS}


def write_otter_tests(folder: Path) -> None:
    """Write ``folder/<question id>.py`` for every question (the folder is created if needed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in otter_test_texts().items():
        with open(folder / name, "w", encoding="ascii", newline="\n") as f:
            f.write(text)
