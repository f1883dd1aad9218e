"""Calls pipelined to the worker: requests written ahead of their replies (a test's cases' first
calls, :meth:`Pipeline.prefetch`), replies read in order and kept until asked for, each call's
time counted from the previous reply (or from when it was written whole)."""
from __future__ import annotations

import os
import select
import time
from collections import deque
from typing import Any

from autograder.engine.budget import TimeBudget
from autograder.engine.process import WorkerDied, WorkerProcess

AHEAD = 6  # prefetched calls sent before their replies are asked for (at most)


class Pipeline:
    """Requests written or waiting to be, replies not yet read or not yet used."""

    def __init__(self, process: WorkerProcess, budget: TimeBudget):
        self.process, self.budget = process, budget
        self.outbox: deque = deque()  # (numbers, bytes not yet written), in order
        self.queued: deque = deque()  # (number, function, key) whose replies are due
        # request number -> when it was written whole: (time, the worker's CPU wait by then)
        self.written: dict[int, tuple[float, float]] = {}
        self.numbers = 0
        self.last_reply = (0.0, 0.0)  # when the last reply was read (time, CPU wait)
        self.replies: dict[Any, deque] = {}  # key -> (kind, reply) read, not yet used
        self.ahead: deque = deque()  # (function, key, request) prefetched, not yet sent

    def clear(self) -> None:
        """What was sent and not answered is lost with the worker."""
        self.outbox.clear()
        self.queued.clear()
        self.written.clear()

    def stop(self) -> None:
        self.clear()
        self.process.stop()

    def prefetch(self, calls: list[tuple[str, Any, bytes]]) -> None:
        """Drop the replies nobody asked for; send these (function, key, request) calls ahead."""
        self.replies, self.ahead = {}, deque(calls)
        self.send_ahead()

    def send_ahead(self) -> None:
        """Keep up to :data:`AHEAD` prefetched calls due, sent a few at a time in one write
        when half of them are answered: after a test's failure, at most that many run in vain
        (and count towards their function's time)."""
        if not self.process.running or len(self.queued) > AHEAD // 2:
            return
        batch = []
        while self.ahead and len(self.queued) + len(batch) < AHEAD:
            batch.append(self.ahead.popleft())
        if batch:
            self.enqueue(batch)

    def expected(self, key: Any) -> bool:
        """Whether a reply to the call ``key`` stands for was read and not used, or is due."""
        return bool(self.replies.get(key)) or any(q[2] == key for q in self.queued)

    def enqueue(self, calls: list[tuple[str, Any, bytes]]) -> None:
        """Send these (function, key, request) calls, written together."""
        numbers = []
        for function, key, _ in calls:
            self.numbers += 1
            numbers.append(self.numbers)
            self.queued.append((self.numbers, function, key))
        self.outbox.append((numbers, memoryview(b"".join(r for _, _, r in calls))))
        self.write()

    def write(self) -> None:
        """Write what the outbox holds, as far as the pipe takes it without blocking; a worker
        that closed its end has crashed on the first call it did not answer."""
        while self.outbox:
            numbers, view = self.outbox[0]
            try:
                view = view[os.write(self.process.to_worker, view[:65536]):]
            except BlockingIOError:
                return
            except OSError as e:
                self.lose(("crash", self.process.crash_text(self.queued[0][1], e)))
                return
            if view:
                self.outbox[0] = (numbers, view)
            else:
                self.outbox.popleft()
                self.written.update(dict.fromkeys(numbers, (time.monotonic(),
                                                            self.process.waited())))

    def wait_for(self, key: Any) -> tuple[str, Any] | None:
        """Read the replies in order until the one to ``key``'s call comes: (kind, reply) with
        kind "reply", or "timeout"/"crash" and the message; None when the worker stopped
        before it."""
        process, budget = self.process, self.budget
        while True:
            kept = self.replies.get(key)
            if kept:
                return kept.popleft()
            if not self.queued or key not in (q[2] for q in self.queued):
                return None
            number, function, head = self.queued[0]
            limit = budget.limit(function)
            now = time.monotonic()
            started, waited = max(self.last_reply,
                                  self.written.get(number) or (now, process.waited()))
            left = started + limit - now
            if left <= 0:  # time the worker spent waiting for a CPU is not the call's
                left += budget.stolen(process.waited() - waited, limit)
            readable, writable, _ = select.select(
                [process.from_worker], [process.to_worker] if self.outbox else [], [],
                max(left, 0.0))
            if writable:
                self.write()
            if not readable:
                if left <= 0:
                    budget.spend(function, time.monotonic() - started
                                 - budget.stolen(process.waited() - waited, limit))
                    self.lose(("timeout", budget.timeout_text(function, limit)))
                continue
            try:
                reply = process.receive(max(left - (time.monotonic() - now), 0.0))
            except WorkerDied as e:
                reply, failure = None, ("crash", process.crash_text(function, e))
            else:
                failure = None
                if reply is None:  # the limit passed before the whole reply came
                    failure = ("timeout", budget.timeout_text(function, limit))
            now = time.monotonic()
            budget.spend(function, now - started - budget.stolen(process.waited() - waited,
                                                                 limit))
            if reply is None:
                self.lose(failure)
                continue
            self.queued.popleft()
            self.written.pop(number, None)
            self.keep(head, ("reply", reply))
            self.last_reply = (now, process.waited())

    def lose(self, failure: tuple[str, str]) -> None:
        """The first call still due failed (timeout or crash): kept as its answer; the worker
        is stopped and the calls sent after it are lost."""
        self.keep(self.queued[0][2], failure)
        self.stop()

    def keep(self, key: Any, answer: tuple[str, Any]) -> None:
        self.replies.setdefault(key, deque()).append(answer)
