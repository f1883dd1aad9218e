"""The grader's side of the worker: the :class:`~autograder.engine.api.Student` that hidden tests
and public checks call.

It loads the submission's cells into a worker, sends calls and waits for each reply with a time
limit. A call that times out, or a worker that dies, costs that call (:class:`CallAborted`) and
disables the function for the rest of the run; the next call of another function starts a fresh
worker, which loads the submission again (skipping any cell that hung or killed the worker).

Time is bounded three ways: each call (``call_timeout_s``), each function's calls together
(``function_budget_s``: a function just under the per-call limit cannot make every hypothesis
example slow), and the whole grading (``deadline``, a ``time.monotonic()`` value; loading counts
too). A load gets ``load_timeout_s`` in all, each cell ``cell_timeout_s``.

Everything the worker sends is untrusted data: replies are capped in size, parsed as JSON only,
and anything unexpected counts as a crash of the worker, never as an error of the grader.
"""
from __future__ import annotations

import math
import os
import select
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from autograder.engine import wire
from autograder.engine.api import (BadReturn, CallAborted, CallResult, MissingFunction,
                                   StudentRaised, TensorValue, TorchTensor)
from autograder.engine.loader import Cell
from autograder.engine.sandbox import Sandbox
from autograder.engine.scrub import scrub

START_TIMEOUT_S = 60.0  # python + numpy (+ torch) start-up, on a loaded machine
CELL_GRACE_S = 2.0  # past a cell's limit, for the worker to report the timeout itself
MAX_REPLY = 4 * 2 ** 20  # bytes; the largest real reply is a few KB, and the grader must parse it


class WorkerDied(Exception):
    """The worker stopped answering: it exited, crashed, or sent something unreadable."""


@dataclass
class CellReport:
    label: str
    status: str  # ok, error, timeout, crashed, skipped
    message: str = ""


@dataclass
class LoadReport:
    cells: list[CellReport] = field(default_factory=list)
    defined: set[str] = field(default_factory=set)


def _encode_arg(value: Any) -> Any:
    if isinstance(value, TorchTensor):
        return {"__torch_arg__": [wire._array(value.array), value.requires_grad, value.device]}
    if isinstance(value, (list, tuple)):
        encoded = [_encode_arg(v) for v in value]
        return encoded if isinstance(value, list) else {"__tuple__": encoded}
    if isinstance(value, dict):
        return {"__dict__": [[k, _encode_arg(v)] for k, v in value.items()]}
    return wire.encode(value)


def _decode(obj: Any) -> Any:
    """A value from the worker: plain data, every string in it scrubbed (see scrub.py)."""
    return _scrubbed(wire.decode(obj, tensor_value=lambda a, device, dtype, rg: TensorValue(
        a, _text(device, 100), _text(dtype, 100), rg)))


def _shared(value: Any) -> tuple:
    """The worker's list of shared arrays, checked: (str, int or str, str) triples only."""
    if not isinstance(value, list):
        raise TypeError("a list of shared arrays that is not a list")
    out = []
    for item in value[:8]:
        if not (isinstance(item, list) and len(item) == 3 and type(item[0]) is str
                and type(item[1]) in (int, str) and type(item[2]) is str):
            raise TypeError("a shared array that is not (path, argument, path)")
        where = item[1] if type(item[1]) is int else _text(item[1], 100)
        out.append((_text(item[0], 200), where, _text(item[2], 200)))
    return tuple(out)


def _text(value: Any, limit: int = 2000) -> str:
    return scrub(str(value)[:limit])


def _scrubbed(value: Any) -> Any:
    """Strings cut to 2000 characters (no answer is text) and scrubbed, at any depth."""
    if type(value) is str:
        return _text(value)
    if type(value) in (list, tuple):
        items = [_scrubbed(v) for v in value]
        return items if type(value) is list else tuple(items)
    if type(value) is dict:
        return {_text(k): _scrubbed(v) for k, v in value.items()}
    return value


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
        self.call_timeout_s = call_timeout_s
        self.cell_timeout_s = cell_timeout_s
        self.load_timeout_s = 3 * cell_timeout_s if load_timeout_s is None else load_timeout_s
        self.function_budget_s = function_budget_s
        self.deadline = deadline
        self.skip: set[int] = set()
        self.crashed_cells: dict[int, tuple[str, str]] = {}  # cell index -> (status, message)
        self.disabled: dict[str, str] = {}  # function -> why
        self.spent: dict[str, float] = {}  # function -> seconds its calls took
        self.banned_for = frozenset(banned_for)  # functions that may not call banned built-ins
        self.banned: dict[str, str] = {}  # function -> the banned built-in it called
        self.proc = None
        self.report = LoadReport()

    # ------------------------------------------------------------------------- pipes
    def _send(self, message: dict) -> None:
        """Write a request; a worker that stops reading cannot block the grader."""
        data = wire.dumps(message)
        deadline = time.monotonic() + min(START_TIMEOUT_S, max(self.time_left(), 0.0) + 5.0)
        try:
            view = memoryview(data)
            while view:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([], [self.to_worker], [], left)[1]:
                    raise WorkerDied("the worker stopped reading its requests")
                view = view[os.write(self.to_worker, view[:65536]):]
        except OSError as e:
            raise WorkerDied(f"could not write to the worker: {e}") from e

    def _receive(self, timeout: float) -> dict | None:
        """The next message, or None when ``timeout`` seconds pass first."""
        deadline = time.monotonic() + timeout

        def read_exactly(n: int) -> bytes | None:
            chunks, got = [], 0
            while got < n:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self.from_worker], [], [], left)[0]:
                    raise TimeoutError
                chunk = os.read(self.from_worker, min(n - got, 1 << 20))
                if not chunk:
                    return None
                chunks.append(chunk)
                got += len(chunk)
            return b"".join(chunks)

        if timeout <= 0:
            return None
        try:
            message = wire.read_message(read_exactly, MAX_REPLY)
        except TimeoutError:
            return None
        except (wire.WireError, ValueError, RecursionError, MemoryError) as e:
            raise WorkerDied(f"the worker sent an unreadable message ({_text(e, 100)})") from e
        if message is None:
            raise WorkerDied("the worker process ended")
        if not isinstance(message, dict):
            raise WorkerDied("the worker sent an unreadable message")
        return message

    # ------------------------------------------------------------------------- life cycle
    def time_left(self) -> float:
        """Seconds until the grading deadline."""
        return self.deadline - time.monotonic()

    def start(self) -> LoadReport:
        """Start a worker and load the submission, restarting past cells that hang or crash it."""
        while True:
            self.stop()
            self.proc, self.to_worker, self.from_worker = self.sandbox.start()
            load_ends = min(time.monotonic() + self.load_timeout_s, self.deadline)
            current = None
            try:
                self._send({"op": "load", "cells": [{"label": c.label, "source": c.source,
                                                      "line": getattr(c, "line", 1)}
                                                     for c in self.cells],
                            "skip": sorted(self.skip), "cell_timeout": self.cell_timeout_s,
                            "as_main": self.as_main, "functions": self.functions,
                            "block_torch": not self.sandbox.torch})
                while True:
                    wait = (START_TIMEOUT_S if current is None
                            else self.cell_timeout_s + CELL_GRACE_S)
                    message = self._receive(min(wait, load_ends - time.monotonic()))
                    if message is None:
                        raise WorkerDied(f"ran longer than {self.cell_timeout_s:g} s "
                                         "and did not stop" if current is not None
                                         and time.monotonic() < load_ends else
                                         f"ran longer than the {self.load_timeout_s:g} s that "
                                         "loading the whole submission may take")
                    if "cell" in message:
                        current = self._cell_index(message["cell"], current)
                    elif "loaded" in message:
                        report = self._load_report(message)
                        break
                    else:
                        raise WorkerDied("the worker sent an unexpected message")
            except WorkerDied as e:
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
            kind, text = status.get("status"), _text(status.get("message", ""))
            if kind not in ("ok", "error", "timeout", "skipped"):
                kind = "error"
            if i in self.crashed_cells:
                kind, text = self.crashed_cells[i]
            cells.append(CellReport(cell.label, kind, text))
        return LoadReport(cells=cells, defined=set(defined) & set(self.functions))

    def stop(self) -> None:
        if self.proc is not None:
            for fd in (self.to_worker, self.from_worker):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.sandbox.kill_all(self.proc)
            self.proc = None

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self._send({"op": "exit"})
            except WorkerDied:
                pass
        self.stop()

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
        self._check_time(function)
        if self.proc is None:
            self.start()
            if function not in self.report.defined:
                raise MissingFunction(function, f"your submission does not define {function}")
            self._check_time(function)
        request = {"op": "call", "function": function, "args": _encode_arg(tuple(args)),
                   "kwargs": _encode_arg(dict(kwargs or {})), "return_args": return_args,
                   "backward": backward, "ban": function in self.banned_for}
        budget_left = self.function_budget_s - self.spent.get(function, 0.0)
        limit = min(self.call_timeout_s, budget_left, self.time_left())
        started = time.monotonic()
        try:
            self._send(request)
            reply = self._receive(limit)
        except WorkerDied as e:
            overflow = self.sandbox.take_overflow()
            self._abort(function, "crash", f"{function}: {overflow}" if overflow else
                        f"{function} stopped the process that runs your code "
                        f"(it exited, crashed or ran out of memory): {e}")
        finally:
            self.spent[function] = self.spent.get(function, 0.0) + time.monotonic() - started
        if reply is None:
            if limit == self.call_timeout_s:
                self._abort(function, "timeout", f"{function} did not return within "
                            f"{self.call_timeout_s:g} s (an endless loop, or far too slow)")
            self._abort(function, "timeout", self._over_time(function))
        try:
            outcome = self._result(reply)
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

    def _over_time(self, function: str) -> str:
        if self.time_left() <= 0:
            return ("grading stopped: the submission used up the time that grading may take "
                    "(far too slow, or stuck, in several places)")
        return (f"{function} used up its {self.function_budget_s:g} s of running time "
                f"for all its calls together ({self.spent.get(function, 0.0):.1f} s): "
                f"it is far too slow")

    def _check_time(self, function: str) -> None:
        if self.time_left() <= 0:
            raise CallAborted(function, "timeout", self._over_time(function))
        if self.spent.get(function, 0.0) >= self.function_budget_s:
            self.disabled[function] = (f"not run: {function} used up its "
                                       f"{self.function_budget_s:g} s of running time earlier")
            raise CallAborted(function, "timeout", self._over_time(function))

    def _result(self, reply: dict) -> CallResult | tuple[str, str, str]:
        """The decoded value, or (kind, exception type, message) of a student-side error."""
        error = reply.get("error")
        if error is not None:
            kind, exc_type, message = error["kind"], error["type"], error["message"]
            if not all(type(x) is str for x in (kind, exc_type, message)):
                raise TypeError("an error that is not text")
            return kind, _text(exc_type, 200), _text(message)
        return CallResult(value=_decode(reply["value"]),
                          args=_decode(reply["args"]) if "args" in reply else (),
                          grads=tuple(_decode(reply["grads"])) if "grads" in reply else (),
                          shared=_shared(reply.get("shared", [])))

    def _abort(self, function: str, kind: str, message: str):
        what = "took too long" if kind == "timeout" else "stopped the process that runs your code"
        self.disabled[function] = f"not run: an earlier call of {function} {what}"
        self.stop()  # the next call starts a fresh worker
        raise CallAborted(function, kind, message)
