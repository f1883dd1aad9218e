"""The grader's side of the worker: the :class:`~autograder.engine.api.Student` that hidden tests
and public checks call.

It loads the submission's cells into a worker, sends calls and waits for each reply with a time
limit. A call that times out, or a worker that dies, costs that call (:class:`CallAborted`) and
disables the function for the rest of the run; the next call of another function starts a fresh
worker, which loads the submission again (skipping any cell that hung or killed the worker).
"""
from __future__ import annotations

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

START_TIMEOUT_S = 60.0  # python + numpy (+ torch) start-up, on a loaded machine


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
    return wire.decode(obj, tensor_value=lambda a, device, dtype, rg: TensorValue(a, device, dtype, rg))


class WorkerClient:
    """A running worker with the submission loaded. Implements the Student protocol."""

    def __init__(self, sandbox: Sandbox, cells: list[Cell], functions: Sequence[str], *,
                 as_main: bool, call_timeout_s: float, cell_timeout_s: float):
        self.sandbox = sandbox
        self.cells = cells
        self.functions = list(functions)
        self.as_main = as_main
        self.call_timeout_s = call_timeout_s
        self.cell_timeout_s = cell_timeout_s
        self.skip: set[int] = set()
        self.crashed_cells: dict[int, tuple[str, str]] = {}  # cell index -> (status, message)
        self.disabled: dict[str, str] = {}  # function -> why
        self.proc = None
        self.report = LoadReport()
        self.load_time_s = 0.0

    # ------------------------------------------------------------------------- pipes
    def _send(self, message: dict) -> None:
        data = wire.dumps(message)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.to_worker, view):]
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

        try:
            message = wire.read_message(read_exactly)
        except TimeoutError:
            return None
        except (wire.WireError, ValueError, UnicodeDecodeError) as e:
            raise WorkerDied(f"the worker sent an unreadable message ({e})") from e
        if message is None:
            raise WorkerDied("the worker process ended")
        if not isinstance(message, dict):
            raise WorkerDied("the worker sent an unreadable message")
        return message

    # ------------------------------------------------------------------------- life cycle
    def start(self) -> LoadReport:
        """Start a worker and load the submission, restarting past cells that hang or crash it."""
        started = time.monotonic()
        while True:
            self.stop()
            self.proc, self.to_worker, self.from_worker = self.sandbox.start()
            current = None
            try:
                self._send({"op": "load", "cells": [{"label": c.label, "source": c.source}
                                                     for c in self.cells],
                            "skip": sorted(self.skip), "cell_timeout": self.cell_timeout_s,
                            "as_main": self.as_main, "functions": self.functions,
                            "block_torch": not self.sandbox.torch})
                while True:
                    wait = START_TIMEOUT_S if current is None else self.cell_timeout_s + 10
                    message = self._receive(wait)
                    if message is None:
                        raise WorkerDied(f"ran longer than {self.cell_timeout_s:g} s "
                                         "and did not stop")
                    if "cell" in message:
                        current = int(message["cell"])
                    elif "loaded" in message:
                        break
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
            statuses = message["loaded"]
            cells = []
            for i, (cell, status) in enumerate(zip(self.cells, statuses)):
                kind, text = status.get("status", "error"), str(status.get("message", ""))
                if i in self.crashed_cells:
                    kind, text = self.crashed_cells[i]
                cells.append(CellReport(cell.label, kind, text))
            self.report = LoadReport(cells=cells, defined=set(message.get("defined", [])))
            break
        self.load_time_s = time.monotonic() - started
        return self.report

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
        if self.proc is None:
            self.start()
            if function not in self.report.defined:
                raise MissingFunction(function, f"your submission does not define {function}")
        request = {"op": "call", "function": function, "args": _encode_arg(tuple(args)),
                   "kwargs": _encode_arg(dict(kwargs or {})), "return_args": return_args,
                   "backward": backward}
        try:
            self._send(request)
            reply = self._receive(self.call_timeout_s)
        except WorkerDied as e:
            self._abort(function, "crash", f"{function} stopped the process that runs your code "
                        f"(it exited, crashed or ran out of memory): {e}")
        if reply is None:
            self._abort(function, "timeout", f"{function} did not return within "
                        f"{self.call_timeout_s:g} s (an endless loop, or far too slow)")
        try:
            return self._result(function, reply)
        except (wire.WireError, KeyError, TypeError, ValueError) as e:
            self._abort(function, "crash", f"{function}'s reply could not be read: {e}")

    def _result(self, function: str, reply: dict) -> CallResult:
        error = reply.get("error")
        if error is not None:
            kind, exc_type, message = error["kind"], str(error["type"]), str(error["message"])
            if kind == "missing":
                raise MissingFunction(function, message)
            if kind == "bad_return":
                raise BadReturn(function, f"{function} {message}")
            raise StudentRaised(function, exc_type, message)
        return CallResult(value=_decode(reply["value"]),
                          args=_decode(reply["args"]) if "args" in reply else (),
                          grads=tuple(_decode(reply["grads"])) if "grads" in reply else ())

    def _abort(self, function: str, kind: str, message: str):
        self.disabled[function] = (f"not run: an earlier test of {function} stopped "
                                   f"({message.split(':')[0]})")
        self.stop()  # the next call starts a fresh worker
        raise CallAborted(function, kind, message)
