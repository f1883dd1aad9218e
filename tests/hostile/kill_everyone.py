# Every call of causal_mask sends SIGKILL to every process this user may signal (kill(-1)), for
# two seconds: where two gradings share a user, the other grading's worker (and, as a plain
# user, its grader) would die; each grading's own sandbox keeps them apart.
import signal
import time


def causal_mask(T):
    ends = time.time() + 2.0
    while time.time() < ends:
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        for pid in os.listdir("/proc"):  # and every process of this uid, one by one
            if pid.isdigit() and int(pid) != os.getpid():
                try:
                    if os.stat(f"/proc/{pid}").st_uid == os.getuid():
                        os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass
        time.sleep(0.05)
    raise RuntimeError("still here")
