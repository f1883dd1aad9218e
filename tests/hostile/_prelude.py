# Prepended to every hostile submission by tests/test_hostile.py, after a line that defines
# HOSTILE = {"grader_pid": ..., "marker": ..., "token": ..., "results": ..., "hunt": [...], ...}.
import os
import sys


def _pwned(where):
    """Called from code that must never run in the grader: if it does, leave a trace there."""
    if os.getpid() == HOSTILE["grader_pid"] or not sys.argv[0].endswith("worker.py"):
        with open(HOSTILE["marker"], "a") as f:
            f.write(f"{where} ran in pid {os.getpid()}\n")
    return True


def _attempt(call, *args, **kwargs):
    """An escape the sandbox may refuse (``setsid`` and its kind fail with EPERM under the
    seccomp filter): try it, go on either way."""
    try:
        return call(*args, **kwargs)
    except OSError:
        return None
