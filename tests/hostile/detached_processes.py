# Start processes that try to outlive the grader: double fork + new session + an empty
# environment (no sandbox token), a subprocess in a new session, a shell with setsid and nohup,
# and a plain child that ignores every catchable signal. Each stops by itself after 40 s and
# carries HOSTILE["token"] in its command line. Done at import and again inside chunk_tokens.
# (Under the worker's seccomp filter the new sessions are refused: each attempt goes on anyway.)
import signal
import subprocess

_LINGER = f"""# {HOSTILE['token']}
import signal, time
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1):
    signal.signal(s, signal.SIG_IGN)
started = time.time()
while time.time() - started < 40:
    time.sleep(0.05)
"""


def _spawn():
    if os.fork() == 0:
        _attempt(os.setsid)
        if os.fork() == 0:
            os.execve(sys.executable, [sys.executable, "-c", _LINGER], {})
        os._exit(0)
    os.waitpid(-1, os.WNOHANG)
    null = subprocess.DEVNULL
    _attempt(subprocess.Popen, [sys.executable, "-c", _LINGER], start_new_session=True, env={},
             stdin=null, stdout=null, stderr=null)
    subprocess.Popen(["setsid", "nohup", "sh", "-c", f"sleep 40 # {HOSTILE['token']}"],
                     stdin=null, stdout=null, stderr=null)
    if os.fork() == 0:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        os.execv(sys.executable, [sys.executable, "-c", _LINGER])


_spawn()
_spawned = [False]


def chunk_tokens(docs, block_size, eos_id=None, _solution=chunk_tokens):
    if not _spawned[0]:
        _spawned[0] = True
        _spawn()
    return _solution(docs, block_size, eos_id)
