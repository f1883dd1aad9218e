"""A grading's time, bounded three ways: each call (``call_timeout_s``), each function's calls
together (``function_budget_s``: a function just under the per-call limit cannot make every
hypothesis example slow), and the whole grading (``deadline``, a ``time.monotonic()`` value;
loading counts too). Time a worker spent waiting for a CPU is a loaded machine's, not the
call's."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from autograder.engine.api import CallAborted

STRETCH = 5.0  # a call's limit grows by the time its worker waited for a CPU, up to this factor


@dataclass
class TimeBudget:
    call_timeout_s: float
    function_budget_s: float = math.inf
    deadline: float = math.inf
    spent: dict[str, float] = field(default_factory=dict)  # function -> seconds its calls took

    def time_left(self) -> float:
        """Seconds until the grading deadline."""
        return self.deadline - time.monotonic()

    def limit(self, function: str) -> float:
        """How long the next call of ``function`` may take."""
        budget_left = self.function_budget_s - self.spent.get(function, 0.0)
        return min(self.call_timeout_s, budget_left, self.time_left())

    def spend(self, function: str, seconds: float) -> None:
        self.spent[function] = self.spent.get(function, 0.0) + seconds

    def stolen(self, waited: float, limit: float) -> float:
        """Of ``waited`` seconds the worker spent waiting for a CPU, those that are a loaded
        machine's, not the call's (at most STRETCH - 1 times the limit, and never past the
        grading's deadline). A call that loops uses its CPU and is stopped on time; one that
        sleeps waits for nothing and is too."""
        stolen = min(max(waited, 0.0), (STRETCH - 1) * limit)
        return max(min(stolen, self.time_left()), 0.0)

    def timeout_text(self, function: str, limit: float) -> str:
        if limit == self.call_timeout_s:
            return (f"{function} did not return within {self.call_timeout_s:g} s (an endless "
                    "loop, or far too slow)")
        return self.over_time(function)

    def over_time(self, function: str) -> str:
        if self.time_left() <= 0:
            return ("grading stopped: the submission used up the time that grading may take "
                    "(far too slow, or stuck, in several places)")
        return (f"{function} used up its {self.function_budget_s:g} s of running time "
                f"for all its calls together ({self.spent.get(function, 0.0):.1f} s): "
                f"it is far too slow")

    def check(self, function: str, disabled: dict[str, str]) -> None:
        """Raise CallAborted when no time is left for ``function`` (disabling it when its own
        budget is spent)."""
        if self.time_left() <= 0:
            raise CallAborted(function, "timeout", self.over_time(function))
        if self.spent.get(function, 0.0) >= self.function_budget_s:
            disabled[function] = (f"not run: {function} used up its "
                                  f"{self.function_budget_s:g} s of running time earlier")
            raise CallAborted(function, "timeout", self.over_time(function))
