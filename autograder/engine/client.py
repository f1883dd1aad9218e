"""The grader's side of the worker: the :class:`~autograder.engine.api.Student` that hidden tests
and public checks call.

It loads the submission's cells into a worker, sends calls and waits for each reply with a time
limit. A call that times out, or a worker that dies, costs that call (:class:`CallAborted`) and
disables the function for the rest of the run; the next call of another function starts a fresh
worker, which loads the submission again (skipping any cell that hung or killed the worker).

Three parts, one file each: the worker process and its pipes (process.py), the calls pipelined
to it (pipeline.py), the time budget (budget.py: each call, each function, the whole grading).
A load gets ``load_timeout_s`` in all, each cell ``cell_timeout_s``.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from autograder.engine import wire
from autograder.engine.api import (BadReturn, CallAborted, CallResult, MissingFunction,
                                   StudentRaised)
from autograder.engine.budget import TimeBudget
from autograder.engine.loader import Cell
from autograder.engine.pipeline import Pipeline
from autograder.engine.process import START_TIMEOUT_S, WorkerDied, WorkerProcess
from autograder.engine.replies import call_key, encode_arg, read_reply, text
from autograder.engine.sandbox import Sandbox

CELL_GRACE_S = 2.0  # past a cell's limit, for the worker to report the timeout itself


@dataclass
class CellReport:
    label: str
    status: str  # ok, error, timeout, crashed, skipped
    message: str = ""


@dataclass
class LoadReport:
    cells: list[CellReport] = field(default_factory=list)
    defined: set[str] = field(default_factory=set)


class WorkerClient:
    """A running worker with the submission loaded. Implements the Student protocol."""

    def __init__(self, sandbox: Sandbox, cells: list[Cell], functions: Sequence[str], *,
                 as_main: bool, call_timeout_s: float, cell_timeout_s: float,
                 load_timeout_s: float | None = None, function_budget_s: float = math.inf,
                 deadline: float = math.inf, banned_for: frozenset[str] = frozenset()):
        self.sandbox = sandbox
        self.cells = cells
        self.functions = list(functions)
        self.as_main = as_main
        self.cell_timeout_s = cell_timeout_s
        self.load_timeout_s = 3 * cell_timeout_s if load_timeout_s is None else load_timeout_s
        self.process = WorkerProcess(sandbox)
        self.budget = TimeBudget(call_timeout_s=call_timeout_s,
                                 function_budget_s=function_budget_s, deadline=deadline)
        self.pipeline = Pipeline(self.process, self.budget)
        self.skip: set[int] = set()
        self.crashed_cells: dict[int, tuple[str, str]] = {}  # cell index -> (status, message)
        self.disabled: dict[str, str] = {}  # function -> why
        self.banned_for = frozenset(banned_for)  # functions that may not call banned built-ins
        self.banned: dict[str, str] = {}  # function -> the banned built-in it called
        self.report = LoadReport()
        self.first_report: LoadReport | None = None
        """the first load's report: what visible feedback may quote (a reload happens during
        the hidden tests, and what the submission says then may hold their inputs)"""

    # ------------------------------------------------------------------------- life cycle
    def time_left(self) -> float:
        """Seconds until the grading deadline."""
        return self.budget.time_left()

    def start(self, meanwhile: Callable[[], None] | None = None) -> LoadReport:
        """Start a worker and load the submission, restarting past cells that hang or crash it.
        ``meanwhile()`` runs once, in this process, while the first worker loads."""
        while True:
            self.stop()
            self.process.start()
            load_ends = min(time.monotonic() + self.load_timeout_s, self.budget.deadline)
            current = None
            try:
                self.process.send({
                    "op": "load", "cells": [{"label": c.label, "source": c.source,
                                             "line": getattr(c, "line", 1)} for c in self.cells],
                    "skip": sorted(self.skip), "cell_timeout": self.cell_timeout_s,
                    "as_main": self.as_main, "functions": self.functions,
                    "block_torch": not self.sandbox.torch}, time_left=self.time_left())
                if meanwhile is not None:
                    meanwhile, run = None, meanwhile
                    run()  # the grader's own time (drawing a case book can take a minute):
                    load_ends = min(time.monotonic() + self.load_timeout_s, self.budget.deadline)
                while True:
                    wait = (START_TIMEOUT_S if current is None
                            else self.cell_timeout_s + CELL_GRACE_S)
                    message = self.process.receive(min(wait, load_ends - time.monotonic()))
                    if message is None:
                        raise WorkerDied(f"ran longer than {self.cell_timeout_s:g} s "
                                         "and did not stop" if current is not None
                                         and time.monotonic() < load_ends else
                                         f"ran longer than the {self.load_timeout_s:g} s that "
                                         "loading the whole submission may take")
                    self.sandbox.came_up()
                    if "cell" in message:
                        current = self._cell_index(message["cell"], current)
                    elif "loaded" in message:
                        report = self._load_report(message)
                        break
                    else:
                        raise WorkerDied("the worker sent an unexpected message")
            except WorkerDied as e:
                if current is None and self.sandbox.settle():  # a mode taken unprobed failed
                    continue
                if current is None:  # not even numpy imported: nothing to skip, give up
                    self.report = LoadReport(cells=[CellReport(c.label, "crashed", str(e))
                                                    for c in self.cells])
                    self.stop()
                    break
                self.skip.add(current)
                self.crashed_cells[current] = ("timeout" if "longer" in str(e) else "crashed",
                                               str(e))
                continue
            self.report = report
            break
        if self.first_report is None:
            self.first_report = self.report
        return self.report

    def _cell_index(self, value: Any, current: int | None) -> int:
        """The cell the worker starts next: a later cell than the last one, not a skipped one."""
        if type(value) is not int or not (-1 if current is None else current) < value < len(
                self.cells) or value in self.skip:
            raise WorkerDied("the worker sent an unexpected message")
        return value

    def _load_report(self, message: dict) -> LoadReport:
        statuses, defined = message.get("loaded"), message.get("defined", [])
        if (type(statuses) is not list or len(statuses) != len(self.cells)
                or not all(type(s) is dict for s in statuses)
                or type(defined) is not list or not all(type(d) is str for d in defined)):
            raise WorkerDied("the worker sent an unexpected message")
        cells = []
        for i, (cell, status) in enumerate(zip(self.cells, statuses)):
            kind, message_text = status.get("status"), text(status.get("message", ""))
            if kind not in ("ok", "error", "timeout", "skipped"):
                kind = "error"
            if i in self.crashed_cells:
                kind, message_text = self.crashed_cells[i]
            cells.append(CellReport(cell.label, kind, message_text))
        return LoadReport(cells=cells, defined=set(defined) & set(self.functions))

    def stop(self) -> None:
        self.pipeline.stop()

    def close(self) -> None:
        self.pipeline.clear()
        self.process.close(time_left=self.time_left())

    # ------------------------------------------------------------------------- Student
    def has(self, function: str) -> bool:
        return function in self.report.defined

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        return self.call_ex(function, args, kwargs).value

    def call_ex(self, function: str, args: Sequence[Any] = (), kwargs: dict | None = None, *,
                return_args: bool = False, backward: bool = False) -> CallResult:
        if function in self.disabled:
            raise CallAborted(function, "disabled", self.disabled[function])
        if function not in self.report.defined:
            raise MissingFunction(function, f"your submission does not define {function}")
        self.budget.check(function, self.disabled)
        key = call_key((function, args, kwargs, return_args, backward))
        while True:
            if key is None or not self.pipeline.expected(key):
                if not self.process.running:
                    self.start()
                    if function not in self.report.defined:
                        raise MissingFunction(function,
                                              f"your submission does not define {function}")
                    self.budget.check(function, self.disabled)
                request = self._request(function, args, kwargs, return_args, backward)
                key = request if key is None else key
                self.pipeline.enqueue([(function, key, request)])
            answer = self.pipeline.wait_for(key)
            if answer is not None:  # else the worker stopped on an earlier call: send it again
                break
        self.pipeline.send_ahead()
        kind, reply = answer
        if kind != "reply":  # it timed out or crashed the worker (stopped already)
            self._abort(function, kind, reply, stop=False)
        try:
            outcome = read_reply(reply)
        except Exception as e:  # whatever the worker sent, it is the worker's fault
            self._abort(function, "crash", f"{function}'s reply could not be read: "
                        f"{type(e).__name__}")
        if isinstance(outcome, CallResult):
            return outcome
        kind, exc_type, message = outcome
        if kind == "banned":  # no points for any of its tests (see runner.apply_ban)
            self.banned[function] = message
            self.disabled[function] = f"not run: {message}"
            raise CallAborted(function, "banned", message)
        if kind == "missing":
            raise MissingFunction(function, message)
        if kind == "bad_return":
            raise BadReturn(function, f"{function} {message}")
        raise StudentRaised(function, exc_type, message)

    def prefetch(self, calls: Sequence[tuple[str, Sequence[Any], dict, bool, bool]]) -> None:
        """Send these calls (function, args, kwargs, return_args, backward: as :meth:`call_ex`
        takes them) to the worker now, without waiting for their replies: :meth:`call_ex` with
        the same request then takes its reply (each reply once) instead of a round trip of its
        own. A hidden test sends the first call of each of its cases this way, so that the
        worker runs the next calls while the grader checks a reply. The worker runs the calls
        in order, one at a time, each with a call's time limits (its time counts from the
        previous reply, or from when it was sent). A call that times out or crashes the worker
        is charged when :meth:`call_ex` asks for it, as it would have been; the calls sent
        after it are lost with that worker (a later call_ex sends its own again). Replies that
        nobody asked for are dropped by the next prefetch (``prefetch(())`` drops them)."""
        ahead = []
        if self.process.running:
            for function, args, kwargs, return_args, backward in calls:
                if function not in self.disabled and function in self.report.defined:
                    key = call_key((function, args, kwargs, return_args, backward))
                    if key is not None:
                        ahead.append((function, key, self._request(
                            function, args, kwargs, return_args, backward)))
        self.pipeline.prefetch(ahead)

    def _request(self, function: str, args: Sequence[Any], kwargs: dict | None,
                 return_args: bool, backward: bool) -> bytes:
        return wire.dumps({"op": "call", "function": function, "args": encode_arg(tuple(args)),
                           "kwargs": encode_arg(dict(kwargs or {})),
                           "return_args": return_args, "backward": backward,
                           "ban": function in self.banned_for})

    def _abort(self, function: str, kind: str, message: str, stop: bool = True):
        what = "took too long" if kind == "timeout" else "stopped the process that runs your code"
        self.disabled[function] = f"not run: an earlier call of {function} {what}"
        if stop:  # the worker that ran it (a prefetch stopped its own at once)
            self.stop()  # the next call starts a fresh worker
        raise CallAborted(function, kind, message)
