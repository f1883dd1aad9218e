"""Checking that a student's function raises the error the spec asks for (``ValueError`` on an
empty prompt, a budget that is not positive, ...)."""
from __future__ import annotations

from typing import Any

from autograder.engine.api import MissingFunction, StudentRaised

from .framework import Calls, show


def expect_raises(s: Calls, error: str, fix: str, function: str, *args: Any, **kwargs: Any
                  ) -> None:
    """Call ``function(*args, **kwargs)``; it must raise ``error`` (a class name such as
    ``"ValueError"``). Anything else fails the test with ``fix`` (what to do) in the message."""
    s.last = (function, args, kwargs)
    try:
        returned = s.student.call_ex(function, args, kwargs).value
    except MissingFunction:
        s.fail(f"Your submission does not define the function `{function}` (or it is not a "
               "function). Check its name and that its cell ran.")
    except StudentRaised as e:
        if e.exc_type == error:
            return
        if e.exc_type == "NotImplementedError":
            s.fail(f"`{function}` is not written yet: it raises `NotImplementedError`.")
        s.fail(f"Expected `{error}`, got `{e.exc_type}: {e.detail}`.\n\n{fix}")
    s.fail(f"Expected `{error}`, but it returned `{show(returned)}`.\n\n{fix}")
