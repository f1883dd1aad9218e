"""The spec functions (every question's ``FUNCTIONS``) and their parameters, read from the
reference: shown in a message as ``cross_entropy(logits, targets, ...)``, and the functions
whose callees :mod:`autograder.hidden.callees` reads.

The numpy track's parameters come from ``inspect.signature`` of the reference function; the
torch track's module imports torch, which the grader never does, so theirs are read from the
reference's source (the same names, by ``ast``).
"""
from __future__ import annotations

import ast
import functools
import inspect
from collections.abc import Iterator, Mapping

from autograder.paths import REFERENCE
from autograder.questions import ALL_FUNCTIONS


@functools.cache
def parameters(function: str) -> tuple[str, ...]:
    """The parameter names of the reference's ``function``, in order."""
    import reference

    if function in vars(reference):  # imported already (the numpy track): no torch needed
        return tuple(inspect.signature(getattr(reference, function)).parameters)
    for path in sorted(REFERENCE.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name == function:
                a = node.args
                return tuple(x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs))
    raise KeyError(f"expected a reference function {function!r} (a question's FUNCTIONS), got "
                   f"none in {REFERENCE}; write it there")


class _Params(Mapping):
    """Spec function -> its parameter names, read when first asked."""

    def __getitem__(self, function: str) -> tuple[str, ...]:
        if function not in ALL_FUNCTIONS:
            raise KeyError(function)
        return parameters(function)

    def __iter__(self) -> Iterator[str]:
        return iter(ALL_FUNCTIONS)

    def __len__(self) -> int:
        return len(ALL_FUNCTIONS)


PARAMS: Mapping[str, tuple[str, ...]] = _Params()
"""every spec function (the question table's order) -> its parameter names"""
SPEC_FUNCTIONS: tuple[str, ...] = ALL_FUNCTIONS
"""every question's functions: the ones a callee can be"""
