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
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from autograder.engine import wire
from autograder.engine.api import (BadReturn, CallAborted, CallResult, MissingFunction,
                                   StudentRaised, TensorValue, TorchTensor)
from autograder.engine.loader import Cell
from autograder.engine.sandbox import Sandbox
from autograder.engine.scrub import scrub

START_TIMEOUT_S = 60.0  # python + numpy (+ torch) start-up, on a loaded machine
CELL_GRACE_S = 2.0  # past a cell's limit, for the worker to report the timeout itself
STRETCH = 5.0  # a call's limit grows by the time its worker waited for a CPU, up to this factor
AHEAD = 6  # prefetched calls sent before their replies are asked for (at most)
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
    return wire.encode(value, exact_ints=True)  # a Python int of any size is an argument


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


def _key(value: Any) -> Any:
    """What a call (function, args, kwargs, flags) is, as a hashable value that is equal only
    for calls whose requests are byte-identical (arrays by dtype, shape and bytes; floats by
    their exact hex, so -0.0 is not 0.0), without encoding it; None for anything else (such a
    call is matched by its encoded request)."""
    kind = type(value)
    if kind is np.ndarray:
        return ("a", value.dtype.str, value.shape, value.tobytes())
    if kind is float:
        return ("f", value.hex())
    if value is None or kind in (bool, int, str):
        return (kind.__name__, value)
    if isinstance(value, np.generic):
        return ("g", value.dtype.str, value.tobytes())
    if kind in (tuple, list):
        items = tuple(_key(v) for v in value)
        return None if None in items else (kind.__name__, items)
    if kind is dict:
        items = tuple((k, _key(v)) for k, v in value.items())
        return None if any(k is None for _, k in items) else ("d", items)
    return None


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
        self.first_report: LoadReport | None = None
        """the first load's report: what visible feedback may quote (a reload happens during
        the hidden tests, and what the submission says then may hold their inputs)"""
        # the pipeline (see prefetch): requests written or waiting to be, replies not yet read
        self._outbox: deque = deque()  # (number, bytes not yet written), in order
        self._queued: deque = deque()  # (number, function, key) whose replies are due
        # request number -> when it was written whole: (time, the worker's CPU wait by then)
        self._written: dict[int, tuple[float, float]] = {}
        self._numbers = 0
        self._last_reply = (0.0, 0.0)  # when the last reply was read (time, CPU wait)
        self._replies: dict[Any, deque] = {}  # key -> (kind, reply) read, not yet used
        self._ahead: deque = deque()  # (function, key, request) prefetched, not yet sent

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
                try:
                    view = view[os.write(self.to_worker, view[:65536]):]
                except BlockingIOError:  # the pipe is full: wait until it is not
                    continue
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

    def start(self, meanwhile: Callable[[], None] | None = None) -> LoadReport:
        """Start a worker and load the submission, restarting past cells that hang or crash it.
        ``meanwhile()`` runs once, in this process, while the first worker loads."""
        while True:
            self.stop()
            self.proc, self.to_worker, self.from_worker = self.sandbox.start()
            os.set_blocking(self.to_worker, False)  # a full pipe never blocks the grader
            load_ends = min(time.monotonic() + self.load_timeout_s, self.deadline)
            current = None
            try:
                self._send({"op": "load", "cells": [{"label": c.label, "source": c.source,
                                                      "line": getattr(c, "line", 1)}
                                                     for c in self.cells],
                            "skip": sorted(self.skip), "cell_timeout": self.cell_timeout_s,
                            "as_main": self.as_main, "functions": self.functions,
                            "block_torch": not self.sandbox.torch})
                if meanwhile is not None:
                    meanwhile, run = None, meanwhile
                    run()  # the grader's own time (drawing a case book can take a minute):
                    load_ends = min(time.monotonic() + self.load_timeout_s, self.deadline)
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
            kind, text = status.get("status"), _text(status.get("message", ""))
            if kind not in ("ok", "error", "timeout", "skipped"):
                kind = "error"
            if i in self.crashed_cells:
                kind, text = self.crashed_cells[i]
            cells.append(CellReport(cell.label, kind, text))
        return LoadReport(cells=cells, defined=set(defined) & set(self.functions))

    def stop(self) -> None:
        self._outbox.clear()  # what was sent and not answered is lost with the worker
        self._queued.clear()
        self._written.clear()
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
        key = _key((function, args, kwargs, return_args, backward))
        while True:
            if key is None or not self._expected(key):
                if self.proc is None:
                    self.start()
                    if function not in self.report.defined:
                        raise MissingFunction(function,
                                              f"your submission does not define {function}")
                    self._check_time(function)
                request = self._request(function, args, kwargs, return_args, backward)
                key = request if key is None else key
                self._enqueue([(function, key, request)])
            answer = self._await(key)
            if answer is not None:  # else the worker stopped on an earlier call: send it again
                break
        self._send_ahead()
        kind, reply = answer
        if kind != "reply":  # it timed out or crashed the worker (stopped already)
            self._abort(function, kind, reply, stop=False)
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

    def _request(self, function: str, args: Sequence[Any], kwargs: dict | None,
                 return_args: bool, backward: bool) -> bytes:
        return wire.dumps({"op": "call", "function": function, "args": _encode_arg(tuple(args)),
                           "kwargs": _encode_arg(dict(kwargs or {})),
                           "return_args": return_args, "backward": backward,
                           "ban": function in self.banned_for})

    def _limit(self, function: str) -> float:
        """How long the next call of ``function`` may take."""
        budget_left = self.function_budget_s - self.spent.get(function, 0.0)
        return min(self.call_timeout_s, budget_left, self.time_left())

    def _timeout_text(self, function: str, limit: float) -> str:
        if limit == self.call_timeout_s:
            return (f"{function} did not return within {self.call_timeout_s:g} s (an endless "
                    "loop, or far too slow)")
        return self._over_time(function)

    def _crash_text(self, function: str, e: Exception) -> str:
        overflow = self.sandbox.take_overflow()
        return (f"{function}: {overflow}" if overflow else f"{function} stopped the process "
                f"that runs your code (it exited, crashed or ran out of memory): {e}")

    # ------------------------------------------------------------------------- the pipeline
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
        self._replies, self._ahead = {}, deque()
        if self.proc is None:
            return
        for function, args, kwargs, return_args, backward in calls:
            if function not in self.disabled and function in self.report.defined:
                key = _key((function, args, kwargs, return_args, backward))
                if key is not None:
                    self._ahead.append((function, key, self._request(
                        function, args, kwargs, return_args, backward)))
        self._send_ahead()

    def _send_ahead(self) -> None:
        """Keep up to :data:`AHEAD` prefetched calls due, sent a few at a time in one write
        when half of them are answered: after a test's failure, at most that many run in vain
        (and count towards their function's time)."""
        if self.proc is None or len(self._queued) > AHEAD // 2:
            return
        batch = []
        while self._ahead and len(self._queued) + len(batch) < AHEAD:
            batch.append(self._ahead.popleft())
        if batch:
            self._enqueue(batch)

    def _expected(self, key: Any) -> bool:
        """Whether a reply to the call ``key`` stands for was read and not used, or is due."""
        return bool(self._replies.get(key)) or any(q[2] == key for q in self._queued)

    def _enqueue(self, calls: list[tuple[str, Any, bytes]]) -> None:
        """Send these (function, key, request) calls, written together."""
        numbers = []
        for function, key, _ in calls:
            self._numbers += 1
            numbers.append(self._numbers)
            self._queued.append((self._numbers, function, key))
        self._outbox.append((numbers, memoryview(b"".join(r for _, _, r in calls))))
        self._write()

    def _write(self) -> None:
        """Write what the outbox holds, as far as the pipe takes it without blocking; a worker
        that closed its end has crashed on the first call it did not answer."""
        while self._outbox:
            numbers, view = self._outbox[0]
            try:
                view = view[os.write(self.to_worker, view[:65536]):]
            except BlockingIOError:
                return
            except OSError as e:
                self._lose(("crash", self._crash_text(self._queued[0][1], e)))
                return
            if view:
                self._outbox[0] = (numbers, view)
            else:
                self._outbox.popleft()
                self._written.update(dict.fromkeys(numbers, (time.monotonic(),
                                                             self._waited())))

    def _await(self, key: Any) -> tuple[str, Any] | None:
        """Read the replies in order until the one to ``key``'s call comes: (kind, reply) with
        kind "reply", or "timeout"/"crash" and the message; None when the worker stopped
        before it."""
        while True:
            kept = self._replies.get(key)
            if kept:
                return kept.popleft()
            if not self._queued or key not in (q[2] for q in self._queued):
                return None
            number, function, head = self._queued[0]
            limit = self._limit(function)
            now = time.monotonic()
            started, waited = max(self._last_reply,
                                  self._written.get(number) or (now, self._waited()))
            left = started + limit - now
            if left <= 0:  # time the worker spent waiting for a CPU is not the call's
                left += self._stolen(waited, limit)
            readable, writable, _ = select.select(
                [self.from_worker], [self.to_worker] if self._outbox else [], [], max(left, 0.0))
            if writable:
                self._write()
            if not readable:
                if left <= 0:
                    self._spend(function, time.monotonic() - started
                                - self._stolen(waited, limit))
                    self._lose(("timeout", self._timeout_text(function, limit)))
                continue
            try:
                reply = self._receive(max(left - (time.monotonic() - now), 0.0))
            except WorkerDied as e:
                reply, failure = None, ("crash", self._crash_text(function, e))
            else:
                failure = None
                if reply is None:  # the limit passed before the whole reply came
                    failure = ("timeout", self._timeout_text(function, limit))
            now = time.monotonic()
            self._spend(function, now - started - self._stolen(waited, limit))
            if reply is None:
                self._lose(failure)
                continue
            self._queued.popleft()
            self._written.pop(number, None)
            self._keep(head, ("reply", reply))
            self._last_reply = (now, self._waited())

    # ------------------------------------------------------------------------- a busy machine
    def _waited(self) -> float:
        """Seconds the worker has waited for a CPU since it started (the kernel's schedstat:
        time runnable but not running), 0.0 where the kernel does not say."""
        try:
            with open(f"/proc/{self.proc.pid}/schedstat", "rb") as f:
                return int(f.read().split()[1]) / 1e9
        except (OSError, ValueError, IndexError, AttributeError):
            return 0.0

    def _stolen(self, waited_then: float, limit: float) -> float:
        """The seconds since ``waited_then`` that the worker spent waiting for a CPU: a loaded
        machine's, not the call's (at most STRETCH - 1 times the limit more, and never past
        the grading's deadline). A call that loops uses its CPU and is stopped on time; one
        that sleeps waits for nothing and is too."""
        stolen = min(max(self._waited() - waited_then, 0.0), (STRETCH - 1) * limit)
        return max(min(stolen, self.time_left()), 0.0)

    def _lose(self, failure: tuple[str, str]) -> None:
        """The first call still due failed (timeout or crash): kept as its answer; the worker
        is stopped and the calls sent after it are lost."""
        self._keep(self._queued[0][2], failure)
        self.stop()

    def _keep(self, key: Any, answer: tuple[str, Any]) -> None:
        self._replies.setdefault(key, deque()).append(answer)

    def _spend(self, function: str, seconds: float) -> None:
        self.spent[function] = self.spent.get(function, 0.0) + seconds

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

    def _abort(self, function: str, kind: str, message: str, stop: bool = True):
        what = "took too long" if kind == "timeout" else "stopped the process that runs your code"
        self.disabled[function] = f"not run: an earlier call of {function} {what}"
        if stop:  # the worker that ran it (a prefetch stopped its own at once)
            self.stop()  # the next call starts a fresh worker
        raise CallAborted(function, kind, message)
