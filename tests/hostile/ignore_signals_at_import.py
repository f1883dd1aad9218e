# Placed before the solution: ignore every catchable signal, then loop (the worker's own
# SIGALRM cell timeout cannot stop this; the grader must kill it and skip the cell).
import signal

if True:  # one statement: the .py loader runs each top-level statement as its own cell
    for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGHUP, signal.SIGQUIT,
                 signal.SIGUSR1, signal.SIGUSR2, signal.SIGXCPU):
        signal.signal(_sig, signal.SIG_IGN)
    signal.setitimer(signal.ITIMER_REAL, 0)
    while True:
        pass
