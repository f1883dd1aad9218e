"""The worker process as the grader sees it: started by the sandbox, two pipes, killed with all
it started. Everything it sends is untrusted: messages are capped in size, parsed as JSON only,
and anything unexpected is :class:`WorkerDied`, never an error of the grader."""
from __future__ import annotations

import os
import select
import time
from typing import Any

from autograder.engine import wire
from autograder.engine.replies import text
from autograder.engine.sandbox import Sandbox

START_TIMEOUT_S = 60.0  # python + numpy (+ torch) start-up, on a loaded machine
MAX_REPLY = 4 * 2 ** 20  # bytes; the largest real reply is a few KB, and the grader must parse it


class WorkerDied(Exception):
    """The worker stopped answering: it exited, crashed, or sent something unreadable."""


def open_schedstat(pid: int) -> int:
    """A descriptor of ``/proc/PID/schedstat`` (-1 where there is none), read again at every
    call of :meth:`WorkerProcess.waited`."""
    try:
        return os.open(f"/proc/{pid}/schedstat", os.O_RDONLY)
    except OSError:
        return -1


class WorkerProcess:
    """One worker at a time: :meth:`start` replaces the one before."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.proc: Any = None
        self.to_worker = self.from_worker = -1
        self.schedstat = -1  # the worker's /proc/PID/schedstat, kept open: read at every call

    @property
    def running(self) -> bool:
        return self.proc is not None

    def start(self) -> None:
        self.stop()
        self.proc, self.to_worker, self.from_worker = self.sandbox.start()
        os.set_blocking(self.to_worker, False)  # a full pipe never blocks the grader
        self.schedstat = open_schedstat(self.proc.pid)

    def stop(self) -> None:
        if self.proc is not None:
            for fd in (self.to_worker, self.from_worker, self.schedstat):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.sandbox.kill_all(self.proc)
            self.proc, self.schedstat = None, -1

    def close(self, time_left: float) -> None:
        """Ask the worker to exit, then stop it."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.send({"op": "exit"}, time_left=time_left)
            except WorkerDied:
                pass
        self.stop()

    def send(self, message: dict, *, time_left: float) -> None:
        """Write a request; a worker that stops reading cannot block the grader."""
        data = wire.dumps(message)
        deadline = time.monotonic() + min(START_TIMEOUT_S, max(time_left, 0.0) + 5.0)
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

    def receive(self, timeout: float) -> dict | None:
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
            raise WorkerDied(f"the worker sent an unreadable message ({text(e, 100)})") from e
        if message is None:
            raise WorkerDied("the worker process ended")
        if not isinstance(message, dict):
            raise WorkerDied("the worker sent an unreadable message")
        return message

    def waited(self) -> float:
        """Seconds the worker has waited for a CPU since it started (the kernel's schedstat:
        time runnable but not running), 0.0 where the kernel does not say."""
        try:  # read again from its start: the kernel writes it anew (a tenth of an open's cost)
            return int(os.pread(self.schedstat, 128, 0).split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            return 0.0

    def crash_text(self, function: str, e: Exception) -> str:
        overflow = self.sandbox.take_overflow()
        return (f"{function}: {overflow}" if overflow else f"{function} stopped the process "
                f"that runs your code (it exited, crashed or ran out of memory): {e}")
