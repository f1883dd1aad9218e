# A fork bomb at import (bounded: every process sleeps and ends after 30 s; RLIMIT_NPROC caps
# how many there are when the worker runs as its own user).
import time


def _bomb():
    started = time.time()
    while time.time() - started < 30:
        try:
            if os.fork() == 0:
                continue  # the child forks too
        except OSError:
            time.sleep(0.01)
    os._exit(0)


if os.fork() == 0:
    _attempt(os.setsid)
    _bomb()
