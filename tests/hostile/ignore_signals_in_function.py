# causal_mask ignores every catchable signal, then loops.
import signal


def causal_mask(T):
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_IGN)
    while True:
        pass
