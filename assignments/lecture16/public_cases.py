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

How values are shown and compared is ``autograder/show.py``'s (the hidden tests' too).
This module imports only the standard library, numpy, the reference and that module, and runs
on Python 3.10.
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
from autograder.show import clip, compare, describe, show

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
            return f"it should raise {self.raises}, but it returned {show(got, 300)}."
        return compare_observed(self.expected, got, self.rtol, self.atol, self.labels)

    def compare_raised(self, exc_type: str, message: str) -> str | None:
        """None when the call was to raise ``exc_type`` (a class name), else what went wrong."""
        if self.raises and exc_type == self.raises:
            return None
        if self.raises:
            return f"it should raise {self.raises}, but it raised {clip(message)}"
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
# (autograder/build/public_tests.py), after the source of autograder/show.py (how a
# value is shown and compared, the same for the hidden tests): plain functions that need only
# copy, numpy and show.py, no annotations, ASCII only, and no "<" or ">" in what they print
# (otter shows failures as HTML in the notebook).

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
    parts = [show(a, 150) for a in args] + [f"{k}={show(v, 150)}" for k, v in kwargs.items()]
    return f"{function}({', '.join(parts)})"


def check_call(function, fn, args, kwargs, expected, description="", hint="", rtol=1e-6,
               atol=1e-8, observe=("return",), labels=("the result",), torch=None, raises=""):
    """Call the student's ``fn`` as a case says and compare; None when it passes, else the
    feedback (which function, the input, expected and got with their types, what differs, a
    hint), one line per item: the page wraps them (text wrapped here would be wrapped again
    there). ``torch``: the torch module for torch-track cases, else None. ``raises``: the
    name of the exception the call must raise ('' when it must return)."""
    call = call_text(function, args, kwargs)
    if fn is None:
        return (f"{function} is not defined: run the cell that defines it (and the cells above "
                f"it), then run this check again.\n  check:    {description}")
    if not callable(fn):
        return (f"{function} should be a function, but it is {describe(fn)}: did a later "
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
        return (f"{function} raised NotImplementedError: {clip(error)}\n"
                f"  {function} is not implemented yet: write its body in its cell (in place of "
                f"the raise NotImplementedError line), run that cell, then run this check "
                f"again.\n  call:     {call}")
    except Exception as error:
        if raises and raises in [kind.__name__ for kind in type(error).__mro__]:
            return None
        wanted = f"it raises {raises}" if raises else show(expected, 300)
        return (f"{function} raised {type(error).__name__}: {clip(error)}\n"
                f"  check:    {description}\n  call:     {call}\n"
                f"  expected: {wanted}\n  hint:     {hint}")
    if raises:
        return (f"{function} should raise {raises}, but it returned. Check: {description}\n"
                f"  call:     {call}\n"
                f"  expected: it raises {raises}\n"
                f"  got:      {show(got, 300)}   [{describe(got)}]\n"
                f"  hint:     {hint}")
    problem = compare_observed(expected, got, rtol, atol, labels)
    if problem is None:
        return None
    if "attention" in function and problem.endswith("(subtract the max first)."):
        problem = problem[:-1] + " or a row had nothing to attend to."
    if len(labels) == 1:
        wanted, found = describe(expected), describe(got)
    else:
        wanted = ", ".join(describe(x) for x in expected)
        found = ", ".join(describe(x) for x in got)
    return (f"{function} gave a wrong result. Check: {description}\n"
            f"  call:     {call}\n"
            f"  expected: {show(expected, 300)}   [{wanted}]\n"
            f"  got:      {show(got, 300)}   [{found}]\n"
            f"  problem:  {problem}\n"
            f"  hint:     {hint}")


# Copied into every generated test file, in this order.
EMBEDDED = ("compare_observed", "observe_call", "_arrays", "_shares_memory", "to_torch",
            "from_torch", "call_text", "check_call")


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


