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
