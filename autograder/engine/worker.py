"""The worker process: it runs the submission's code and answers the grader's calls.

Started by :mod:`autograder.engine.sandbox` as ``python -I worker.py REQUEST_FD RESPONSE_FD`` from
a scratch folder (a copy of this file, ``worker_torch.py`` and ``wire.py``), as an unprivileged
user when the grader is root, with resource limits. It imports only the standard library, numpy and
(for the torch track, on first use) torch. Its stdout and stderr go to /dev/null, so a submission
that prints gigabytes only wastes its own time. Requests and replies are framed JSON messages (see
``wire.py``):

    {"op": "load", "cells": [{"label", "source"}...], "skip": [i...], "cell_timeout": s,
     "as_main": bool, "functions": [names], "block_torch": bool}
        -> {"cell": i} before each cell, then {"loaded": [{"status", "message"}...],
           "defined": [names]}
    {"op": "call", "function", "args", "kwargs", "return_args", "backward"}
        -> {"value", "args", "grads", "shared"} or {"error": {"kind", "type", "message"}}
"""
import ast
import builtins
import importlib.util
import os
import signal
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402

import wire  # noqa: E402
from worker_torch import ban_watch, tensor_or_none, torch_arg, torch_module  # noqa: E402

MAX_DETAIL = 600  # characters of an exception's message sent back
EXTRA_PACKAGES = ("matplotlib", "tqdm")  # what the student notebook imports (setup.sh installs)


class CellTimeout(BaseException):
    """A cell ran past its time limit (raised by SIGALRM inside the cell)."""


def _short(text):
    text = str(text)
    return text if len(text) <= MAX_DETAIL else text[:MAX_DETAIL] + " ..."


def _describe(exc):
    try:
        return _short(exc)
    except BaseException:  # a __str__ that raises
        return "(its message could not be shown)"


# ----------------------------------------------------------------------------- the namespace
class _Quiet:
    """Stands in for otter's Notebook (and anything display-like): every method does nothing."""

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _install_stand_ins():
    otter = types.ModuleType("otter")
    otter.Notebook = _Quiet
    sys.modules["otter"] = otter
    if importlib.util.find_spec("IPython") is None:  # else a cell imports the real one (0.1 s)
        ipython = types.ModuleType("IPython")
        display = types.ModuleType("IPython.display")
        for name in ("display", "Markdown", "HTML", "Image", "clear_output"):
            setattr(display, name, _Quiet)
        ipython.display = display
        sys.modules["IPython"], sys.modules["IPython.display"] = ipython, display


class _NoTorch:
    """A meta path finder that makes ``import torch`` fail (the numpy track never needs it)."""

    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("PyTorch is not available while the numpy track is graded")
        return None


def _new_namespace(as_main):
    return {"__name__": "__main__" if as_main else "submission", "__builtins__": builtins,
            "display": lambda *args, **kwargs: None, "get_ipython": _Quiet}


def _hide_worker():
    """Before any student code runs: nothing of the worker's own reporting (the inputs-unchanged
    and new-array checks, ``wire``'s encoding) can be reached by import. Its folder leaves
    ``sys.path``, ``wire`` and ``worker_torch`` leave ``sys.modules`` (the worker keeps its own
    references: a module imported again is another object) and ``__main__`` becomes the
    submission's module (see :func:`_as_module`), as in Jupyter. What stays reachable without an
    import (frames, the garbage collector, a signal handler's globals) is the README's limit."""
    folder = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != folder]
    sys.modules.pop("wire", None)
    sys.modules.pop("worker_torch", None)
    sys.modules["__main__"] = types.ModuleType("__main__")


def _as_module(namespace):
    """``namespace`` as the module ``import __main__`` gives (a notebook's) or a blank one."""
    module = types.ModuleType(namespace["__name__"])
    module.__dict__.update(namespace)
    sys.modules["__main__"] = module if namespace["__name__"] == "__main__" else \
        types.ModuleType("__main__")
    return module.__dict__


def _on_alarm(signum, frame):
    raise CellTimeout()


def _compile(source, label, line):
    """Compile one statement so that its line numbers are those of its cell (no padding)."""
    tree = ast.parse(source, label, "exec")
    ast.increment_lineno(tree, max(0, int(line) - 1))
    return compile(tree, label, "exec")


def _error_text(e, line=""):
    text = f"{type(e).__name__}{line}: {_describe(e)}"
    if isinstance(e, ModuleNotFoundError):
        text += f" ({missing_package_hint(e)})"
    return text


def missing_package_hint(e):
    package = (getattr(e, "name", None) or "").split(".")[0] or "a package"
    return (f"the package {package} is not installed where your code is graded: the grader "
            f"has numpy, the standard library, {', '.join(EXTRA_PACKAGES)}; the assignment is "
            "numpy only")


def run_cell(source, label, namespace, timeout, line=1):
    """Execute one statement; return {"status": "ok" | "error" | "timeout", "message": ...}."""
    try:
        code = _compile(source, label, line)
    except SyntaxError as e:
        return {"status": "error", "message": f"SyntaxError at line {e.lineno}: {e.msg}"}
    except (ValueError, TypeError, RecursionError, MemoryError) as e:
        return {"status": "error", "message": f"{type(e).__name__}: {_describe(e)}"}
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        exec(code, namespace)
        return {"status": "ok", "message": ""}
    except CellTimeout:
        return {"status": "timeout", "message": f"ran longer than {timeout:g} s"}
    except BaseException as e:  # SystemExit and KeyboardInterrupt included: a cell may not stop us
        where = ""
        tb = e.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == label:
                where = f" (line {tb.tb_lineno})"
            tb = tb.tb_next
        return {"status": "error", "message": _error_text(e, where)}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _banned(name, hits):
    return {"error": {"kind": "banned", "type": "", "message": (
        f"{name} called {hits[0]}, a built-in that the torch track does not allow inside its "
        "functions (it is what you are asked to write yourself): no points for its tests")}}


# ----------------------------------------------------------------------------- the loop
class Worker:
    def __init__(self, request_fd, response_fd):
        self.requests = os.fdopen(request_fd, "rb", buffering=0)
        self.response_fd = response_fd
        self.namespace = _new_namespace(False)

    def send(self, message):
        data = wire.dumps(message)
        view = memoryview(data)
        while view:
            n = os.write(self.response_fd, view)
            view = view[n:]

    def read_exactly(self, n):
        chunks, got = [], 0
        while got < n:
            chunk = self.requests.read(n - got)
            if not chunk:
                return None
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def load(self, request):
        self.namespace = _as_module(_new_namespace(request["as_main"]))
        if request.get("block_torch"):
            sys.meta_path.insert(0, _NoTorch())
        statuses = []
        for i, cell in enumerate(request["cells"]):
            if i in request["skip"]:
                statuses.append({"status": "skipped", "message": ""})
                continue
            self.send({"cell": i})
            statuses.append(run_cell(cell["source"], cell["label"], self.namespace,
                                     request["cell_timeout"], cell.get("line", 1)))
        defined = [name for name in request["functions"] if callable(self.namespace.get(name))]
        _warm_up()
        self.send({"loaded": statuses, "defined": defined})

    def call(self, request):
        name = request["function"]
        fn = self.namespace.get(name)
        if not callable(fn):
            return {"error": {"kind": "missing", "type": "", "message": f"{name} is not defined"}}
        try:
            args = wire.decode(request["args"], torch_arg=torch_arg, exact_ints=True)
            kwargs = wire.decode(request["kwargs"], torch_arg=torch_arg, exact_ints=True)
        except ImportError:
            return {"error": {"kind": "raised", "type": "ImportError",
                              "message": "PyTorch is not installed where your code runs"}}
        watch = ban_watch() if request.get("ban") and torch_module() is not None else None
        try:
            if watch is not None:
                with watch:
                    value = fn(*args, **kwargs)
            else:
                value = fn(*args, **kwargs)
            grads = []
            if request["backward"]:
                value.backward()
                torch = torch_module()
                grads = [a.grad for a in args if isinstance(a, torch.Tensor) and a.requires_grad]
        except BaseException as e:  # SystemExit too: a function may not stop the worker
            if watch is not None and watch.hits:
                return _banned(name, watch.hits)
            message = _describe(e)
            if isinstance(e, ModuleNotFoundError):
                message += f" ({missing_package_hint(e)})"
            return {"error": {"kind": "raised", "type": type(e).__name__, "message": message}}
        if watch is not None and watch.hits:
            return _banned(name, watch.hits)
        try:
            reply = {"value": wire.encode(value, tensor_or_none)}
            shared = wire.shared_arrays(value, args, kwargs)
            if shared:
                reply["shared"] = shared
            if request["return_args"]:
                reply["args"] = wire.encode(args, tensor_or_none)
            if grads:
                reply["grads"] = wire.encode(grads, tensor_or_none)
            return reply
        except wire.WireError as e:
            return {"error": {"kind": "bad_return", "type": "", "message": f"returned {e}"}}
        except BaseException as e:  # a returned object whose conversion raises
            message = f"returned a value that could not be read: {_describe(e)}"
            return {"error": {"kind": "bad_return", "type": type(e).__name__,
                              "message": message}}

    def serve(self):
        while True:
            request = wire.read_message(self.read_exactly)
            if request is None or request.get("op") == "exit":
                return
            if request["op"] == "load":
                self.load(request)
            elif request["op"] == "call":
                self.send(self.call(request))
            elif request["op"] == "ping":
                self.send({"pong": True})


def _warm_up():
    """Start-up paid while loading, never inside a call's time limit: numpy's first BLAS call
    and, when the submission imported torch, torch's first operations, its backward pass, the
    device and the ban's watchers (seconds on a busy machine)."""
    a = np.ones((8, 8))
    float((a @ a).sum())
    torch = torch_module()
    if torch is None:
        return
    try:
        device = "cuda" if torch.cuda.is_available() else "cpu"
        x = torch.ones((4, 4), device=device, dtype=torch.float64, requires_grad=True)
        torch.softmax(x @ x.T, dim=-1).logsumexp(-1).sum().backward()
        with ban_watch():
            float((x.detach() * 2).sum())
    except Exception:  # a torch that does not work: the calls will say so
        pass


def main(argv):
    request_fd, response_fd = int(argv[1]), int(argv[2])
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # student output goes nowhere; input() gets end-of-file
        os.dup2(devnull, fd)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-long file write fails, not the worker
    np.seterr(all="ignore")
    os.environ["MPLBACKEND"] = "Agg"  # plots draw nowhere; plt.show() returns at once
    os.environ.setdefault("MPLCONFIGDIR", os.path.join(os.getcwd(), ".matplotlib"))
    _install_stand_ins()
    _hide_worker()
    Worker(request_fd, response_fd).serve()
    os._exit(0)  # skip interpreter teardown (atexit hooks the submission registered)


if __name__ == "__main__":
    main(sys.argv)
