"""Checking that a student's function raises the error the spec asks for (``ValueError`` on an
empty prompt, a budget that is not positive, ...)."""
from __future__ import annotations

import re
from typing import Any

from autograder.engine.api import MissingFunction, StudentError, StudentRaised
from autograder.show import show

from .calls import Calls


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
        detail = re.sub(r"0x[0-9a-fA-F]{4,}", "0x...", e.detail)  # the same on every run
        s.fail(f"Expected `{error}`, got `{e.exc_type}: {detail}`.\n\n{fix}")
    except StudentError as e:  # it returned something that cannot come back, say
        s.fail(f"Expected `{error}`, but: {re.sub(r'0x[0-9a-fA-F]{4,}', '0x...', e.message)}"
               f"\n\n{fix}")
    s.fail(f"Expected `{error}`, but it returned `{show(returned)}`.\n\n{fix}")
