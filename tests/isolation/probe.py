"""Run by tests/test_isolation.py in a subprocess (as root or as a plain user, with one Python or
another, Landlock and the namespace switched on or off): start the engine's sandbox here, load
the functions below into a worker, call one, and print one JSON line:
``{"protections": [...], "value": ...}`` or ``{"protections": [...], "aborted": message}``, or
``{"sandbox_error": message}`` when no sandbox may be started (a root grader whose worker would
keep root's powers).

    python tests/isolation/probe.py FUNCTION [JSON_ARGS]
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from autograder.engine.api import CallAborted  # noqa: E402
from autograder.engine.client import WorkerClient  # noqa: E402
from autograder.engine.loader import Cell  # noqa: E402
from autograder.engine.confinement import SandboxError  # noqa: E402
from autograder.engine.sandbox import Sandbox  # noqa: E402

SOURCE = r'''
import errno, fcntl, json, os, socket, stat, termios, time


def _try(action):
    try:
        action()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def _open(path):
    return lambda: os.close(os.open(path, os.O_WRONLY | os.O_NOCTTY))


def powers(socket_path):
    """What this worker may do that a sandboxed one must not (or must)."""
    status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines()
                  if ":\t" in line)
    found = {k: status.get(k, "").split()[0] if status.get(k, "").split() else ""
             for k in ("Uid", "CapEff", "CapPrm", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp")}
    found["groups"] = status.get("Groups", "").split()
    for device in ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom", "/dev/full",
                   "/dev/tty", "/dev/console", "/dev/kmsg", "/dev/ptmx"):
        found["open " + device] = _try(_open(device))
    found["mkfifo"] = _try(lambda: os.mkfifo("fifo"))
    found["mknod"] = _try(lambda: os.mknod("node", 0o600 | stat.S_IFCHR, os.makedev(1, 3)))
    fd = os.open("/dev/null", os.O_RDONLY)
    found["TIOCSTI"] = _try(lambda: fcntl.ioctl(fd, termios.TIOCSTI, b"x"))
    found["socket unix"] = _try(lambda: socket.socket(socket.AF_UNIX).close())
    found["socket inet"] = _try(lambda: socket.socket(socket.AF_INET).close())
    found["socket inet6"] = _try(lambda: socket.socket(socket.AF_INET6).close())

    def connect():
        s = socket.socket(socket.AF_UNIX)
        s.connect(socket_path)
        s.sendall(b"FROM THE WORKER")
    found["connect unix"] = _try(connect)

    def in_a_child(action):  # the worker leads its group: a child it forks may try to leave
        pid = os.fork()
        if pid == 0:
            os._exit({"ok": 0, "EPERM": 1}.get(_try(action), 2))
        return ("ok", "EPERM", "other")[os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])]
    found["setsid"] = in_a_child(os.setsid)
    found["setpgid"] = in_a_child(lambda: os.setpgid(0, 0))
    return json.dumps(found)


def write_outside(name):
    """Try to leave a file in the shared temporary folders; what each attempt gave."""
    found = {}
    for folder in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
        found[folder] = _try(lambda: open(os.path.join(folder, name), "w").close())
    return found


def fill(files, megabytes, then_sleep):
    """Write ``files`` files of ``megabytes`` each as fast as possible; how far it got."""
    written, error = 0, ""
    block = b"x" * 2 ** 20
    try:
        for i in range(files):
            with open(f"fill-{i}", "wb") as f:
                for _ in range(megabytes):
                    f.write(block)
            written += 1
    except OSError as e:
        error = errno.errorcode.get(e.errno, str(e.errno))
    time.sleep(then_sleep)
    return [written, error]


def many(count, then_sleep=0.0):
    """Create ``count`` empty files as fast as possible, then sleep (as ``fill``: a fast machine
    makes them all between two looks of the watchdog, which then stops the worker)."""
    made, error = 0, ""
    try:
        for i in range(count):
            open(f"small-{i}", "wb").close()
            made += 1
    except OSError as e:
        error = errno.errorcode.get(e.errno, str(e.errno))
    time.sleep(then_sleep)
    return [made, error]


def deep(depth):
    """A folder tree ``depth`` deep (past PATH_MAX), left behind in the scratch folder."""
    top = os.open(".", os.O_RDONLY)
    fd = top
    for _ in range(depth):
        os.mkdir("dd", dir_fd=fd)
        child = os.open("dd", os.O_RDONLY, dir_fd=fd)
        if fd != top:
            os.close(fd)
        fd = child
    open("leaf", "w", opener=lambda p, f: os.open(p, f, 0o600, dir_fd=fd)).write("x")
    os.mkdir("locked", 0, dir_fd=fd)
    return depth
'''
FUNCTIONS = ["powers", "write_outside", "fill", "many", "deep"]


def main(argv):
    function, args = argv[1], json.loads(argv[2]) if len(argv) > 2 else []
    try:
        box = Sandbox()
    except SandboxError as e:
        print(json.dumps({"sandbox_error": str(e)}))
        return 0
    with box:
        client = WorkerClient(box, [Cell("probe", SOURCE)], FUNCTIONS, as_main=False,
                              call_timeout_s=20.0, cell_timeout_s=20.0)
        out = {"protections": box.protections, "uid": getattr(box, "uid", None),
               "scratch": str(box.scratch)}
        try:
            try:
                client.start()  # where no mode was probed yet, its failure may probe (settle)
            except SandboxError as e:
                print(json.dumps({"sandbox_error": str(e)}))
                return 0
            out["value"] = client.call(function, *args)
            out["scratch_bytes"] = _usage(box)
        except CallAborted as e:
            out["aborted"] = e.message
            out["scratch_bytes"] = _usage(box)
        finally:
            client.close()
    out["scratch_left"] = Path(out["scratch"]).exists()
    print(json.dumps(out))
    return 0


def _usage(box):
    from autograder.engine import isolation

    # a tmpfs in the worker's namespace: df shows it
    if getattr(box, "confinement", None) and box.confinement.mounts is not None:
        return None
    return isolation.usage(box.scratch, 2 ** 40, 10 ** 9)[0]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
