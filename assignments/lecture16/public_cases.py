"""The public checks' cases: what ``grader.check("q1_chunking")`` runs, as plain data.

Every case calls one spec function on a small, concrete input (the lecture's worked examples
among them) and says how to compare what comes back. The expected values are computed here with
the reference (``cases_with_expected()``); where the lecture gives a number (0.69, 0.16, a
uniform model's perplexity V) the case also records it and ``cases_with_expected`` checks that
the reference agrees.

Two consumers:

* ``autograder/build/public_tests.py`` writes one otter test file per question for the student
  release, with the inputs and expected values as literals and the checking helpers of the
  section below copied verbatim (the release has no ``reference`` package);
* the grading engine runs the same cases as visible 0-point tests on Gradescope.

The API, in short::

    for case in cases_with_expected():          # PublicCase objects, expected filled in
        message = case.run(student_function)    # None when it passes, else the feedback
        # or, with the observed value in hand: case.compare(got) -> None | message

How a case is called and observed (``PublicCase.observe``):

* ``"return"``: the function's return value (the default, and all the numpy track needs);
* ``"argN"``: argument N after the call (in-place functions, and "inputs are left unchanged");
* ``"gradN"`` (torch only): the gradient of argument N after ``returned.backward()``;
* ``"viewsN"``: whether an array the call returned shares memory with argument N (a view of it:
  the contract asks for new arrays), a bool.

With one item the observed value is that item; with several, a tuple in that order. A runner
must pass fresh copies of ``args``/``kwargs`` to every call (``observe_call`` deep-copies them).
Torch-track cases hold numpy arrays too: ``to_torch`` turns every array into a tensor (same
dtype) before the call and ``from_torch`` turns tensors back into arrays after it; their
expected values come from the numpy reference (the same math), so this module needs no torch.

A case with ``raises`` (an exception's class name, e.g. ``"ValueError"``) passes when the call
raises that exception (or a subclass of it) and fails when it returns; its ``expected`` is None.

How values are compared (``compare``): dicts key by key (extra keys in the result are allowed),
tuples and lists item by item (a list for a tuple is fine), arrays by type, shape, dtype kind
(bool, integer or float) and values (exact for bool and integer arrays, ``numpy.isclose`` with
the case's rtol/atol and nan equal to nan for floats), scalars as numbers (Python, numpy scalar
or 0-d array).

This module imports only the standard library, numpy and the reference, and runs on Python 3.10.
"""
from __future__ import annotations

import copy
import importlib
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import numpy as np

import reference

# ====================================================================== the question folders
# Each question folder's public.py holds its cases (``cases(rng)``), the hints of its functions
# (``HINTS``), the texts of its "leaves its inputs unchanged" cases (``UNCHANGED``, optional), the
# parameter names that label observed arguments (``PARAMETERS``, optional) and, on the torch
# track, ``expected(case)``. The folders are taken in question order, as autograder/questions.py
# takes them (q2 before q10; the numpy track's q before the torch track's t).
FOLDERS = Path(__file__).resolve().parent / "questions"
PACKAGE = "assignments.lecture16.questions"


def _order(name):
    match = re.match(r"([a-z]+)(\d+)_", name)
    return (match.group(1), int(match.group(2)), name) if match else ("~", 0, name)


def public_modules() -> list[ModuleType]:
    """The ``public`` module of every question folder that has one, in question order."""
    names = sorted((p.name for p in FOLDERS.iterdir() if (p / "public.py").is_file()), key=_order)
    return [importlib.import_module(f"{PACKAGE}.{name}.public") for name in names]


def _merged(table: str) -> dict:
    """One of the folders' tables (HINTS, UNCHANGED, PARAMETERS), merged by function name."""
    return {k: v for module in public_modules() for k, v in getattr(module, table, {}).items()}


def __getattr__(name: str):  # HINTS, UNCHANGED and PARAMETERS of every question, on demand
    if name in ("HINTS", "UNCHANGED", "PARAMETERS"):
        return _merged(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ====================================================================== the case
@dataclass(frozen=True)
class PublicCase:
    """One public check: call ``function(*args, **kwargs)`` and compare with ``expected``."""

    question: str
    """question id, e.g. ``q1_chunking``"""
    function: str
    """the spec function it calls"""
    args: tuple
    kwargs: dict
    description: str
    """what the case checks, for students (one line)"""
    rtol: float = 1e-6
    atol: float = 1e-8
    """tolerances for float values (bool and integer values must be equal)"""
    hint: str = ""
    """what to look at when it fails; ``cases_with_expected`` fills in ``HINTS[function]``"""
    observe: tuple[str, ...] = ("return",)
    """what is compared: ``return``, ``argN`` or ``gradN`` (see the module docstring)"""
    lecture: float | None = None
    """the number the lecture gives for this example (to 2 decimals), checked against the
    reference"""
    expected: Any = None
    """the observed value of the reference, filled in by ``cases_with_expected``"""
    raises: str = ""
    """the exception the call must raise (a class name, e.g. ``"ValueError"``); '' when it must
    return"""
    callees: tuple[str, ...] = ()
    """the spec functions the reference ``function`` calls, directly or not (``perplexity``:
    ``cross_entropy``, ``log_softmax``): when the case fails and one of them fails its own
    public cases, the feedback says the failure may come from it; filled in by
    ``cases_with_expected``"""

    @property
    def track(self) -> str:
        return "torch" if self.function.rstrip("_").endswith("_torch") else "numpy"

    @property
    def labels(self) -> tuple[str, ...]:
        """What each observed item is called in the feedback."""
        parameters = _merged("PARAMETERS").get(self.function, ())
        return observe_labels(self.function, self.observe, parameters)

    def call_text(self) -> str:
        return call_text(self.function, self.args, self.kwargs)

    def compare(self, got) -> str | None:
        """None when the observed ``got`` agrees with ``expected``, else what differs."""
        if self.raises:
            return f"it should raise {self.raises}, but it returned {_short(got, 300)}."
        return compare_observed(self.expected, got, self.rtol, self.atol, self.labels)

    def compare_raised(self, exc_type: str, message: str) -> str | None:
        """None when the call was to raise ``exc_type`` (a class name), else what went wrong."""
        if self.raises and exc_type == self.raises:
            return None
        if self.raises:
            return f"it should raise {self.raises}, but it raised {_clip(message)}"
        return message

    def run(self, fn: Callable, torch=None) -> str | None:
        """Call ``fn`` as this case says; None when it passes, else the student's feedback.

        ``torch``: the torch module, for torch-track cases (their arrays become tensors).
        """
        return check_call(self.function, fn, self.args, self.kwargs, self.expected,
                          description=self.description, hint=self.hint, rtol=self.rtol,
                          atol=self.atol, observe=self.observe, labels=self.labels, torch=torch,
                          raises=self.raises)


# ====================================================================== checking helpers
# The functions named in EMBEDDED (below) are copied verbatim into every generated test file
# (autograder/build/public_tests.py): plain functions that need only copy and numpy, no
# annotations, ASCII only, and no "<" or ">" in what they print (otter shows failures as HTML in
# the notebook).

def _type_name(x):
    """``float``, ``numpy.ndarray``, ``torch.Tensor``, ..."""
    kind = type(x)
    module = kind.__module__.split(".")[0]
    if module == "builtins":
        return kind.__qualname__
    return f"{module}.{kind.__qualname__}"


def _is_number(x):
    """A single real number: int, float, numpy integer/float scalar or 0-d array (not bool)."""
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (int, float, np.integer, np.floating)):
        return True
    return isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "iuf"


def _number_text(x):
    """A number with every digit that matters (``0.6931471805599453``, ``nan``, ``3``)."""
    value = np.asarray(x).item()
    return repr(value)


def _array_text(x):
    """An array in one line: its values when small, a summary when large."""
    if x.size == 0:
        return f"array([], shape={x.shape}, dtype={x.dtype})"
    if x.size > 12 and x.dtype.kind in "biuf" and bool(np.all(x == x.flat[0])):
        return f"array of shape {x.shape} filled with {_number_text(x.flat[0])}"
    if x.size > (64 if x.dtype.kind in "biu" else 24):
        text = f"array of shape {x.shape} and dtype {x.dtype}"
        if x.dtype.kind == "b":
            return text + f", {int(x.sum())} True"
        finite = x[np.isfinite(x)] if x.dtype.kind == "f" else x
        if finite.size and x.dtype.kind in "biuf":
            low, high = np.asarray(finite.min()).item(), np.asarray(finite.max()).item()
            text += f", values from {low:.6g} to {high:.6g}"
        if finite.size < x.size:
            text += ", some nan or inf"
        return text

    def nested(value):
        if isinstance(value, list):
            return "[" + ", ".join(nested(v) for v in value) + "]"
        # a float stays a float (0.0, not 0), with 6 significant digits
        return repr(float(f"{value:.6g}")) if isinstance(value, float) else repr(value)

    return f"array({nested(x.tolist())})"


def _short(x, limit=200):
    """A value written compactly on one line, for feedback."""
    if isinstance(x, np.ndarray) and x.ndim > 0:
        text = _array_text(x)
    elif isinstance(x, dict):
        text = "{" + ", ".join(f"{k!r}: {_short(v, limit)}" for k, v in x.items()) + "}"
    elif isinstance(x, (list, tuple)):
        inner = ", ".join(_short(v, limit) for v in x)
        if isinstance(x, list):
            text = f"[{inner}]"
        else:
            text = f"({inner},)" if len(x) == 1 else f"({inner})"
    elif _is_number(x) or isinstance(x, (bool, np.bool_)):
        text = _number_text(x)
    else:
        text = " ".join(repr(x).split())
    text = text.replace("<", "(").replace(">", ")")
    return text if len(text) <= limit else text[:limit - 4] + " ..."


def _clip(text, limit=300):
    """Text for feedback: one paragraph at most ``limit`` long, no angle brackets."""
    text = str(text).replace("<", "(").replace(">", ")")
    return text if len(text) <= limit else text[:limit - 4] + " ..."


def _describe(x):
    """The type of a value, with its shape and dtype when it has them."""
    name = _type_name(x)
    if x is None:
        return "None"
    if hasattr(x, "shape") and hasattr(x, "dtype") and not _is_number(x):
        return f"{name} of shape {tuple(x.shape)} and dtype {x.dtype}"
    if isinstance(x, (tuple, list)):
        return f"{name} of {len(x)} items"
    if isinstance(x, dict):
        return f"dict with the keys {_short(list(x))}"
    if _is_number(x) or isinstance(x, (bool, np.bool_)):
        return name
    return name.replace("<", "(").replace(">", ")")


def _compare_arrays(expected, got, rtol, atol, where):
    if not isinstance(got, np.ndarray):
        return (f"{where} should be a numpy array of shape {expected.shape} and dtype "
                f"{expected.dtype}, but got {_describe(got)}.")
    if got.shape != expected.shape:
        return f"{where} should have shape {expected.shape}, but got shape {got.shape}."
    kind = expected.dtype.kind
    if kind == "b" and got.dtype.kind != "b":
        return f"{where} should be a bool array (True/False), but its dtype is {got.dtype}."
    if kind in "iu" and got.dtype.kind not in "iu":
        return (f"{where} should have an integer dtype (token ids, like int64), but its dtype "
                f"is {got.dtype}.")
    if kind == "f" and got.dtype.kind != "f":
        return f"{where} should have a float dtype (like float64), but its dtype is {got.dtype}."
    if kind in "biu":
        same = np.asarray(got == expected)
        tolerance = ""
    else:
        same = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
        tolerance = f" beyond rtol={rtol:g}, atol={atol:g}"
    if bool(same.all()):
        return None
    bad = np.argwhere(~same)
    first = tuple(int(i) for i in bad[0])
    text = (f"{where} has wrong values: at index {list(first)} expected "
            f"{_number_text(expected[first])}, got {_number_text(got[first])} "
            f"({len(bad)} of {expected.size} entries differ{tolerance}).")
    if kind == "f" and np.isfinite(expected[first]) and not np.isfinite(got[first]):
        text += (" A nan or inf where a finite number belongs usually means exp overflowed "
                 "(subtract the max first).")
    return text


def _compare_scalars(expected, got, rtol, atol, where):
    if not _is_number(got):
        return (f"{where} should be a single number (a float, a numpy scalar or a 0-d array), "
                f"but got {_describe(got)}.")
    want, have = np.asarray(expected), np.asarray(got)
    if want.dtype.kind in "iu":
        if have.dtype.kind not in "iu":
            return (f"{where} should be an integer ({_number_text(want)}), but got "
                    f"{_describe(got)}.")
        if int(have) != int(want):
            return f"{where} should be {_number_text(want)}, but got {_number_text(have)}."
        return None
    if bool(np.isclose(float(have), float(want), rtol=rtol, atol=atol, equal_nan=True)):
        return None
    return (f"{where} should be {_number_text(want)}, but got {_number_text(have)} "
            f"(they differ beyond rtol={rtol:g}, atol={atol:g}).")


def compare(expected, got, rtol=1e-6, atol=1e-8, where="the result"):
    """None when ``got`` agrees with ``expected``, else one paragraph saying what differs.

    Dicts key by key (extra keys in ``got`` are fine), tuples/lists item by item, arrays by type,
    shape, dtype kind and values (exact for bool/int, isclose with nan == nan for floats), scalars
    as numbers, a bool (an observation such as ``viewsN``) as a bool. ``where`` names the
    compared value in the message.
    """
    if isinstance(expected, (bool, np.bool_)):
        if isinstance(got, (bool, np.bool_)) and bool(got) == bool(expected):
            return None
        return f"{where}: expected {bool(expected)}, got {_short(got, 60)}."
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return (f"{where} should be a dict with the keys {_short(list(expected))}, but got "
                    f"{_describe(got)}.")
        missing = [key for key in expected if key not in got]
        if missing:
            return (f"{where} should have the keys {_short(list(expected))}, but "
                    f"{_short(missing)} missing (its keys: {_short(list(got))}).")
        for key in expected:
            problem = compare(expected[key], got[key], rtol, atol, f"{where}[{key!r}]")
            if problem is not None:
                return problem
        return None
    if isinstance(expected, (tuple, list)):
        kind = type(expected).__name__
        if not isinstance(got, (tuple, list)):
            return (f"{where} should be a {kind} of {len(expected)} items, but got "
                    f"{_describe(got)}.")
        if len(got) != len(expected):
            return (f"{where} should be a {kind} of {len(expected)} items, but got "
                    f"{len(got)} items.")
        for i, (want, have) in enumerate(zip(expected, got)):
            problem = compare(want, have, rtol, atol, f"{where}[{i}]")
            if problem is not None:
                return problem
        return None
    if expected is None:
        return None if got is None else f"{where} should be None, but got {_describe(got)}."
    if isinstance(expected, np.ndarray) and expected.ndim > 0:
        return _compare_arrays(expected, got, rtol, atol, where)
    return _compare_scalars(expected, got, rtol, atol, where)


def compare_observed(expected, got, rtol, atol, labels):
    """``compare`` for an observation: one value, or a tuple of them named by ``labels``."""
    if len(labels) == 1:
        return compare(expected, got, rtol, atol, labels[0])
    for want, have, label in zip(expected, got, labels):
        problem = compare(want, have, rtol, atol, label)
        if problem is not None:
            return problem
    return None


def observe_labels(function, observe, parameters=()):
    """How the feedback names each observed item (``the result``, ``state after the call``)."""
    labels = []
    for item in observe:
        if item == "return":
            labels.append("the result")
            continue
        index = int(item.lstrip("abcdefghijklmnopqrstuvwxyz"))
        name = parameters[index] if index < len(parameters) else f"argument {index}"
        if item.startswith("views"):
            labels.append(f"whether a returned array is a view of {name}")
        elif item.startswith("grad"):
            labels.append(f"{name}.grad after loss.backward()")
        else:
            labels.append(f"{name} after the call")
    return tuple(labels)


def observe_call(fn, args, kwargs, observe=("return",)):
    """Call ``fn`` on copies of ``args``/``kwargs`` and return what ``observe`` asks for."""
    args, kwargs = copy.deepcopy(list(args)), copy.deepcopy(dict(kwargs))
    for item in observe:
        if item.startswith("grad"):
            args[int(item[4:])].requires_grad_(True)
    returned = fn(*args, **kwargs)
    seen, backward_done = [], False
    for item in observe:
        if item == "return":
            seen.append(returned)
        elif item.startswith("arg"):
            seen.append(args[int(item[3:])])
        elif item.startswith("views"):
            seen.append(_shares_memory(returned, args[int(item[5:])]))
        elif item.startswith("grad"):
            if not backward_done and getattr(returned, "requires_grad", False):
                returned.backward()
            backward_done = True
            seen.append(args[int(item[4:])].grad)  # None when no gradient reached it
        else:
            raise ValueError(f"expected 'return', 'argN', 'gradN' or 'viewsN', got {item!r}")
    return seen[0] if len(seen) == 1 else tuple(seen)


def _arrays(value):
    """Every numpy array in ``value`` (lists, tuples and dict values inside)."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _arrays(v)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arrays(v)]
    return []


def _shares_memory(returned, argument):
    """Whether a (non-empty) array in ``returned`` shares memory with one in ``argument``."""
    return any(out.size and arg.size and np.may_share_memory(out, arg)
               for out in _arrays(returned) for arg in _arrays(argument))


def to_torch(value, torch):
    """Every numpy array in ``value`` (lists, tuples, dicts inside) as a tensor of its dtype."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, list):
        return [to_torch(v, torch) for v in value]
    if isinstance(value, tuple):
        return tuple(to_torch(v, torch) for v in value)
    if isinstance(value, dict):
        return {k: to_torch(v, torch) for k, v in value.items()}
    return value


def from_torch(value, torch):
    """Every tensor in ``value`` as a numpy array (a 0-d tensor as a 0-d array)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, list):
        return [from_torch(v, torch) for v in value]
    if isinstance(value, tuple):
        return tuple(from_torch(v, torch) for v in value)
    if isinstance(value, dict):
        return {k: from_torch(v, torch) for k, v in value.items()}
    return value


def call_text(function, args, kwargs):
    """The call written compactly: ``chunk_tokens([[5, 6, 7], [8, 9]], 3, eos_id=0)``; arrays
    as ``np.array([[0.0, 1.0]])``, so that a pasted call runs in the notebook."""
    parts = [_short(a, 150) for a in args] + [f"{k}={_short(v, 150)}" for k, v in kwargs.items()]
    text = f"{function}({', '.join(parts)})"
    return text.replace("array([", "np.array([").replace("np.np.", "np.")


def check_call(function, fn, args, kwargs, expected, description="", hint="", rtol=1e-6,
               atol=1e-8, observe=("return",), labels=("the result",), torch=None, raises=""):
    """Call the student's ``fn`` as a case says and compare; None when it passes, else the
    feedback (which function, the input, expected and got with their types, what differs, a
    hint), one line per item: the page wraps them (text wrapped here would be wrapped again
    there). ``torch``: the torch module for torch-track cases, else None. ``raises``: the
    name of the exception the call must raise ('' when it must return)."""
    message = _check_call(function, fn, args, kwargs, expected, description, hint, rtol, atol,
                          observe, labels, torch, raises)
    return message


def _check_call(function, fn, args, kwargs, expected, description, hint, rtol, atol, observe,
                labels, torch, raises):
    call = call_text(function, args, kwargs)
    if fn is None:
        return (f"{function} is not defined: run the cell that defines it (and the cells above "
                f"it), then run this check again.\n  check:    {description}")
    if not callable(fn):
        return (f"{function} should be a function, but it is {_describe(fn)}: did a later "
                f"cell assign to the name {function}?")
    import warnings

    try:
        if torch is not None:
            args, kwargs = to_torch(args, torch), to_torch(kwargs, torch)
        with warnings.catch_warnings():  # numpy's warnings are not the check's verdict: the
            warnings.simplefilter("ignore", RuntimeWarning)  # mean of no positions is nan
            got = observe_call(fn, args, kwargs, observe)
        if torch is not None:
            got = from_torch(got, torch)
    except NotImplementedError as error:
        return (f"{function} raised NotImplementedError: {_clip(error)}\n"
                f"  {function} is not implemented yet: write its body in its cell (in place of "
                f"the raise NotImplementedError line), run that cell, then run this check "
                f"again.\n  call:     {call}")
    except Exception as error:
        if raises and raises in [kind.__name__ for kind in type(error).__mro__]:
            return None
        wanted = f"it raises {raises}" if raises else _short(expected, 300)
        return (f"{function} raised {type(error).__name__}: {_clip(error)}\n"
                f"  check:    {description}\n  call:     {call}\n"
                f"  expected: {wanted}\n  hint:     {hint}")
    if raises:
        return (f"{function} should raise {raises}, but it returned. Check: {description}\n"
                f"  call:     {call}\n"
                f"  expected: it raises {raises}\n"
                f"  got:      {_short(got, 300)}   [{_describe(got)}]\n"
                f"  hint:     {hint}")
    problem = compare_observed(expected, got, rtol, atol, labels)
    if problem is None:
        return None
    if "attention" in function and problem.endswith("(subtract the max first)."):
        problem = problem[:-1] + " or a row had nothing to attend to."
    if len(labels) == 1:
        wanted, found = _describe(expected), _describe(got)
    else:
        wanted = ", ".join(_describe(x) for x in expected)
        found = ", ".join(_describe(x) for x in got)
    return (f"{function} gave a wrong result. Check: {description}\n"
            f"  call:     {call}\n"
            f"  expected: {_short(expected, 300)}   [{wanted}]\n"
            f"  got:      {_short(got, 300)}   [{found}]\n"
            f"  problem:  {problem}\n"
            f"  hint:     {hint}")


# Copied into every generated test file, in this order.
EMBEDDED = ("_type_name", "_is_number", "_number_text", "_array_text", "_short", "_clip",
            "_describe",
            "_compare_arrays", "_compare_scalars", "compare", "compare_observed",
            "observe_call", "_arrays", "_shares_memory", "to_torch", "from_torch", "call_text",
            "check_call", "_check_call")


# ====================================================================== helpers for the cases
def rng_array(rng, shape, scale=1.0):
    # small, readable inputs: two decimals
    return np.round(rng.normal(scale=scale, size=shape), 2)


def lecture_logits(probs):
    return np.log(np.array([probs]))  # (1, V): logits whose softmax is probs


LECTURE_PROBS = [0.1, 0.2, 0.5, 0.15, 0.05]  # over [the, cat, sat, on, mat]
BETTER_PROBS = [0.03, 0.05, 0.85, 0.05, 0.02]  # a better guess for "sat"


def unchanged(question, function, args, kwargs, observe):
    """The case "``function`` leaves its inputs unchanged": the inputs after the call."""
    description, hint = _merged("UNCHANGED")[function]
    return PublicCase(question, function, args, kwargs, description, hint=hint, observe=observe)


def as_dict(arrays):
    return {str(i): a for i, a in enumerate(arrays)}


def as_list(by_name):
    return [by_name[str(i)] for i in range(len(by_name))]


SEED = 1617


# ====================================================================== the cases
def cases() -> list[PublicCase]:
    """Every public case, in question order, without expected values (one random generator
    for all the folders, in question order)."""
    rng = np.random.default_rng(SEED)
    return [case for module in public_modules() for case in module.cases(rng)]


def _expected(case: PublicCase, expected_by: dict):
    if case.question in expected_by:  # the torch track: the folder computes it
        return expected_by[case.question](case)
    if case.raises:  # the reference must raise it too
        try:
            got = observe_call(getattr(reference, case.function), case.args, case.kwargs)
        except Exception as error:
            if case.raises in [kind.__name__ for kind in type(error).__mro__]:
                return None
            raise
        raise AssertionError(f"expected the reference to raise {case.raises} for "
                             f"{case.call_text()}, got {got!r}")
    return observe_call(getattr(reference, case.function), case.args, case.kwargs, case.observe)


def spec_callees(function: str, spec: frozenset) -> tuple[str, ...]:
    """The spec functions (``spec``) that the reference ``function`` calls, read from its code,
    and those they call, in order (autograder/hidden/callees.py reads them the same way)."""
    found: list[str] = []
    todo = [function]
    while todo:
        code = getattr(vars(reference).get(todo.pop(0)), "__code__", None)
        for name in (code.co_names if code is not None else ()):
            if name in spec and name != function and name not in found:
                found.append(name)
                todo.append(name)
    return tuple(found)


def cases_with_expected() -> list[PublicCase]:
    """Every public case with ``expected`` (the reference's observed value) and ``hint`` filled
    in. Raises AssertionError when the reference disagrees with a number the lecture gives."""
    expected_by = {m.__name__.split(".")[-2]: m.expected for m in public_modules()
                   if hasattr(m, "expected")}
    hints = _merged("HINTS")
    every = cases()
    spec = frozenset(case.function for case in every)
    done = []
    for case in every:
        expected = _expected(case, expected_by)
        if case.lecture is not None and not math.isclose(round(float(expected), 2),
                                                         case.lecture):
            raise AssertionError(f"expected the reference to give the lecture's "
                                 f"{case.lecture} for {case.call_text()}, got {expected}")
        done.append(replace(case, expected=expected, hint=case.hint or hints[case.function],
                            callees=spec_callees(case.function, spec)))
    return done


