# Slow everywhere: cells that disarm the cell timeout and sleep (each costs a restart), and every
# function just under the per-call limit. Only the whole-grading deadline bounds this.
import functools
import signal
import time


def _slow(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        time.sleep(0.9 * HOSTILE["call_timeout"])
        return fn(*args, **kwargs)
    return wrapper


for _name in list(globals()):
    if _name in HOSTILE["functions"]:
        globals()[_name] = _slow(globals()[_name])

if True:  # one statement each: the .py loader runs each top-level statement as its own cell
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    time.sleep(3600)
if True:
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    time.sleep(3600)
if True:
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    time.sleep(3600)
