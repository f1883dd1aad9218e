"""hypothesis's strategies for the hidden tests, built when a strategy is first used.

A grading replays the inputs that hypothesis drew once (:mod:`autograder.hidden.cases`):
hypothesis itself runs only to draw a book and to shrink a failing case. Importing it takes
about 0.3 s of CPU, 8% of a grading that passes (measured: docs/DESIGN.md), so the question
folders write their strategies with ``st`` and ``nps`` from here (a module that imports
hypothesis's own still works, only slower)::

    from autograder.hidden.strategies import nps, st

    TOKENS = st.lists(st.integers(0, 50), min_size=1)   # recorded, not built

    @st.composite
    def batches(draw, *, n=3):
        return [draw(TOKENS) for _ in range(n)]          # draw builds what it is given

Every call (``st.integers(0, 5)``, ``batches(n=2)``), method (``s.map(f)``) and ``a | b`` returns
a :class:`Deferred` that records it; :func:`strategy` builds it, importing hypothesis then, with
every argument built first (once hypothesis is imported, at once). A composite's ``draw``
builds what it is given, so module-level strategies can be drawn inside composites. A class
(``st.SearchStrategy``) is hypothesis's own (``isinstance`` needs it). Built strategies are the
ones hypothesis's own calls make: the same draws, the same shrinks.
"""
from __future__ import annotations

import functools
import importlib
import sys
from typing import Any, Callable


class Deferred:
    """A strategy (or a function that makes one) not built yet: see :func:`strategy`."""

    __slots__ = ("_make", "_built", "_what")

    def __init__(self, make: Callable[[], Any] | None, what: str):
        self._make, self._built, self._what = make, None, what

    def __getattr__(self, name: str) -> Deferred:
        if name.startswith("_"):  # copy, pickle and friends probe these: no such attributes
            raise AttributeError(name)
        return Deferred(lambda: getattr(strategy(self), name), f"{self._what}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Deferred:
        return Deferred(lambda: strategy(self)(*_built(args), **_built(kwargs)),
                        f"{self._what}(...)")

    def __or__(self, other: Any) -> Deferred:
        return Deferred(lambda: strategy(self) | strategy(other), f"{self._what} | ...")

    def __repr__(self) -> str:
        return f"<{self._what}, built when first used>"


def strategy(value: Any) -> Any:
    """``value`` built: a :class:`Deferred` becomes hypothesis's object (once: later calls get
    the same object), anything else is returned as it is."""
    if type(value) is not Deferred:
        return value
    if value._built is None:
        value._built = value._make()
    return value._built


def _built(value: Any) -> Any:
    """Arguments with every Deferred in them built (in lists, tuples and dicts too)."""
    if type(value) is Deferred:
        return strategy(value)
    if type(value) in (list, tuple):
        return type(value)(_built(v) for v in value)
    if type(value) is dict:
        return {k: _built(v) for k, v in value.items()}
    return value


def _composite(function: Callable) -> Callable:
    """``function`` with a ``draw`` that builds what it is given."""
    @functools.wraps(function)  # hypothesis reads the signature (and source) of the original
    def drawing(draw, *args, **kwargs):
        return function(lambda s, *more, **named: draw(strategy(s), *more, **named),
                        *args, **kwargs)

    return drawing


class _Module:
    """A hypothesis module whose functions record calls instead of making them."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name[:1].isupper():  # a class: isinstance and subclassing need the real one
            return getattr(importlib.import_module(self._name), name)
        short = self._name.rpartition(".")[2]
        what = f"{'st' if short == 'strategies' else 'nps'}.{name}"
        module = sys.modules.get(self._name)
        if module is not None:  # hypothesis is loaded (drawing, shrinking): build at once
            function = _at_once(getattr(module, name), what, name == "composite")
            setattr(self, name, function)  # found directly from now on
            return function
        if name == "composite" and short == "strategies":
            return lambda function: Deferred(
                lambda: importlib.import_module(self._name).composite(_composite(function)),
                f"st.composite({function.__name__})")
        return Deferred(lambda: getattr(importlib.import_module(self._name), name), what)


def _at_once(function: Callable, what: str, composite: bool) -> Callable:
    """``function`` calling hypothesis's own with its arguments built, its result a Deferred
    built already (``st`` hands out Deferreds only, so ``|`` never meets a bare strategy on its
    left)."""
    what = f"{what}(...)"

    def call(*args: Any, **kwargs: Any) -> Deferred:
        if composite:
            return _built_already(function(_composite(*args)), what)
        return _built_already(function(*_built(args), **_built(kwargs)), what)
    return call


def _built_already(value: Any, what: str) -> Deferred:
    deferred = Deferred(None, what)
    deferred._built = value
    return deferred


st = _Module("hypothesis.strategies")
"""``hypothesis.strategies``, deferred"""
nps = _Module("hypothesis.extra.numpy")
"""``hypothesis.extra.numpy``, deferred"""

__all__ = ["Deferred", "nps", "st", "strategy"]
