"""The worker process and its client: loading, calls, timeouts, crashes, cleanup."""
import json
import os
import time

import numpy as np
import pytest

from autograder.engine import wire
from autograder.engine.api import BadReturn, CallAborted, MissingFunction, StudentRaised
from autograder.engine.client import WorkerClient
from autograder.engine.loader import SubmissionError, from_bytes
from autograder.engine.sandbox import Sandbox
from autograder.questions import ALL_FUNCTIONS

FUNCTIONS = ["f", "g", "h"]


def client_for(sandbox, source, *, name="sub.py", call_timeout_s=2.0, cell_timeout_s=3.0):
    submission = from_bytes(source.encode() if isinstance(source, str) else source, name,
                            ALL_FUNCTIONS)
    client = WorkerClient(sandbox, list(submission.cells), FUNCTIONS, as_main=submission.as_main,
                          call_timeout_s=call_timeout_s, cell_timeout_s=cell_timeout_s)
    client.start()
    return client


@pytest.fixture
def sandbox():
    with Sandbox() as box:
        yield box


def test_values_cross_the_boundary_with_their_types(sandbox):
    client = client_for(sandbox, "import numpy as np\n"
                                 "def f(x):\n"
                                 "    return x, float(x.sum()), np.float32(2), {'a': [1, None]}\n")
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    arr, total, scalar, d = client.call("f", x)
    assert arr.dtype == np.int32 and arr.shape == (2, 3) and np.array_equal(arr, x)
    assert type(total) is float and total == 15.0
    assert isinstance(scalar, np.float32)
    assert d == {"a": [1, None]}
    client.close()


def test_python_ints_of_any_size_reach_the_student_exactly_and_come_back_as_numbers(sandbox):
    # a function's domain may hold Python ints past 64 bits (training_flops(2**64, ...)); the
    # grader's arguments keep their digits, a reply never carries an unbounded int
    client = client_for(sandbox, "def f(n, d):\n"
                                 "    return [type(n).__name__, str(n), str(d['k'][0])], n\n")
    (kind, digits, nested), back = client.call("f", 2 ** 80 + 1, {"k": [-(2 ** 70)]})
    assert (kind, digits, nested) == ("int", str(2 ** 80 + 1), str(-(2 ** 70)))
    assert type(back) is float and back == float(2 ** 80 + 1)
    with pytest.raises(wire.WireError):
        wire.decode({"__int__": "12"})  # a reply (no exact_ints): refused
    with pytest.raises(wire.WireError):
        wire.decode({"__int__": "1" * 400}, exact_ints=True)  # too long
    client.close()


def test_zero_d_arrays_stay_zero_d(sandbox):
    client = client_for(sandbox, "import numpy as np\ndef f():\n    return np.array(3.5)\n")
    value = client.call("f")
    assert isinstance(value, np.ndarray) and value.shape == () and value == 3.5


def test_student_exceptions_and_missing_functions_are_typed(sandbox):
    client = client_for(sandbox, "def f():\n    raise ValueError('bad shape')\n"
                                 "def g():\n    import sys; sys.exit(3)\n"
                                 "def h():\n    return object()\n")
    with pytest.raises(StudentRaised, match="ValueError: bad shape"):
        client.call("f")
    with pytest.raises(StudentRaised, match="SystemExit"):
        client.call("g")
    with pytest.raises(BadReturn, match="object"):
        client.call("h")
    with pytest.raises(MissingFunction):
        client.call("nope")
    assert client.call_ex  # the worker survived all of it
    client.close()


def test_a_hanging_function_times_out_is_disabled_and_others_still_run(sandbox):
    client = client_for(sandbox, "def f():\n    while True:\n        pass\n"
                                 "def g(x):\n    return x + 1\n", call_timeout_s=1.0)
    started = time.monotonic()
    with pytest.raises(CallAborted) as info:
        client.call("f")
    assert info.value.kind == "timeout" and time.monotonic() - started < 5
    with pytest.raises(CallAborted) as again:
        client.call("f")  # no second wait
    assert again.value.kind == "disabled"
    assert client.call("g", 1) == 2  # a fresh worker
    client.close()


def test_a_function_that_kills_its_process_costs_only_itself(sandbox):
    client = client_for(sandbox,
                        "import os\ndef f():\n    os._exit(0)\ndef g():\n    return 'ok'\n")
    with pytest.raises(CallAborted) as info:
        client.call("f")
    assert info.value.kind == "crash"
    assert client.call("g") == "ok"
    client.close()


def test_exit_and_endless_loop_at_import_skip_only_their_statement(sandbox):
    source = ("def f():\n    return 1\n"
              "import sys\nsys.exit()\n"
              "while True:\n    pass\n"
              "def g():\n    return 2\n")
    client = client_for(sandbox, source, cell_timeout_s=1.0)
    statuses = {c.label: c.status for c in client.report.cells}
    assert statuses["sub.py line 4"] == "error" and statuses["sub.py line 5"] == "timeout"
    assert client.call("f") == 1 and client.call("g") == 2
    client.close()


def test_os_exit_at_import_restarts_without_that_cell(sandbox):
    nb = {"cells": [
        {"cell_type": "code", "metadata": {}, "source": "def f():\n    return 1"},
        {"cell_type": "code", "metadata": {}, "source": "import os\nos._exit(1)"},
        {"cell_type": "code", "metadata": {}, "source": "def g():\n    return 2"},
    ]}
    client = client_for(sandbox, json.dumps(nb), name="sub.ipynb")
    # statement by statement: the import still ran, only the exit was skipped
    assert [(c.label, c.status) for c in client.report.cells] == [
        ("cell 1, line 1", "ok"), ("cell 2, line 1", "ok"), ("cell 2, line 2", "crashed"),
        ("cell 3, line 1", "ok")]
    assert client.call("f") == 1 and client.call("g") == 2
    client.close()


def test_notebook_magics_grader_calls_and_failing_cells_do_not_stop_the_rest(sandbox):
    nb = {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# hi"},
        {"cell_type": "code", "metadata": {},
         "source": ["!pip install foo\n", "%matplotlib inline\n", "import otter\n",
                    "grader = otter.Notebook()"]},
        {"cell_type": "code", "metadata": {},
         "source": "def f():\n    return 1\ngrader.check('q1')"},
        {"cell_type": "code", "metadata": {}, "source": "1 / 0"},
        {"cell_type": "code", "metadata": {}, "source": "def g(:"},
        {"cell_type": "code", "metadata": {"tags": ["skip-grading"]}, "source": "while True: pass"},
        {"cell_type": "code", "metadata": {}, "source": "def h():\n    return 3"},
    ]}
    client = client_for(sandbox, json.dumps(nb), name="sub.ipynb")
    statuses = [(c.label, c.status) for c in client.report.cells]
    # magics, shell lines and grader calls are dropped; the rest runs statement by statement
    assert statuses == [("cell 2, line 3", "ok"), ("cell 2, line 4", "ok"),
                        ("cell 3, line 1", "ok"), ("cell 4, line 1", "error"),
                        ("cell 5, line 1", "error"), ("cell 7, line 1", "ok")]
    assert "ZeroDivisionError" in client.report.cells[3].message
    assert "SyntaxError at line 1" in client.report.cells[4].message
    assert client.call("f") == 1 and client.call("h") == 3
    assert not client.has("g")
    client.close()


def test_output_floods_do_not_reach_the_grader(sandbox):
    client = client_for(sandbox, "print('x' * 10_000_000)\n"
                                 "def f():\n    print('y' * 10_000_000)\n    return 7\n")
    assert client.call("f") == 7
    client.close()


def test_detached_processes_are_killed_at_cleanup():
    source = ("import os, time\n"
              "def f(path):\n"
              "    if os.fork() == 0:\n"
              "        try:\n"
              "            os.setsid()  # refused under the seccomp filter\n"
              "        except OSError:\n"
              "            pass\n"
              "        if os.fork() == 0:\n"
              "            while True:\n"
              "                open(path, 'w').write(str(time.time()))\n"
              "                time.sleep(0.05)\n"
              "        os._exit(0)\n"
              "    return 1\n")
    with Sandbox() as box:
        marker = box.scratch / "alive"  # the worker may write only in its scratch folder
        client = client_for(box, source)
        assert client.call("f", str(marker)) == 1
        time.sleep(0.3)
        assert box.seen(marker).exists()  # a tmpfs in the worker's mount namespace, as root
        strays = box.strays()
        assert strays, "the detached grandchild should be found"
        client.close()
        time.sleep(0.3)
        if box.confinement.mounts is None:  # else the tmpfs went with the namespace's processes
            stamp = marker.read_text()
            time.sleep(0.3)
            assert marker.read_text() == stamp, "a process of the submission is still writing"
    for pid in strays:
        assert not os.path.exists(f"/proc/{pid}") or "Z" in open(f"/proc/{pid}/status").read()


def test_wire_rejects_object_arrays_and_forged_dtypes():
    with pytest.raises(wire.WireError):
        wire.encode(np.array([object()], dtype=object))
    with pytest.raises(wire.WireError):
        wire.decode({"__array__": ["|O", [1], "AAAAAAAAAAA="]})
    with pytest.raises(wire.WireError):
        wire.decode({"__array__": ["<f8", [4], "AAAAAAAAAAA="]})  # 8 bytes for 4 floats
    with pytest.raises(wire.WireError):
        wire.decode({"__pickle__": "gASV"})


@pytest.mark.parametrize("data,name,match", [
    (b"def f(:\n", "a.py", "line 1"),
    (b"", "a.py", "empty"),
    (b"{not json", "a.ipynb", "not a readable Jupyter notebook"),
    (json.dumps({"cells": [{"cell_type": "markdown", "source": "x"}]}).encode(), "a.ipynb",
     "no code"),
    (b"\xff\xfe\x00x = 1", "a.py", "UTF-8"),
])
def test_unreadable_submissions_say_why(data, name, match):
    with pytest.raises(SubmissionError, match=match):
        from_bytes(data, name, ALL_FUNCTIONS)


def test_returned_arrays_that_share_memory_with_an_input_are_reported(sandbox):
    client = client_for(sandbox, "import numpy as np\n"
                                 "def f(x, d):\n"
                                 "    return x[:, 1:], {'w': d['w'].reshape(-1)}, x.copy()\n"
                                 "def g(x):\n"
                                 "    return x[:0], np.array(x), x * 1\n"
                                 "def h(x):\n"
                                 "    return x\n")
    x = np.arange(6.0).reshape(2, 3)
    shared = client.call_ex("f", (x,), {"d": {"w": np.ones((2, 2))}}).shared
    assert shared == (("[0]", 0, ""), ("[1]['w']", "d", "['w']"))  # the copy shares nothing
    assert client.call_ex("g", (x,)).shared == ()  # an empty view, a new array, a product
    assert client.call_ex("h", (x,)).shared == (("", 0, ""),)  # the input itself
    client.close()


def test_shared_arrays_finds_views_at_any_depth_and_ignores_copies():
    x = np.arange(12).reshape(3, 4)
    assert wire.shared_arrays((x.T, [x[1]]), [x], {}) == [["[0]", 0, ""], ["[1][0]", 0, ""]]
    assert wire.shared_arrays({"a": x.copy()}, [{"k": x}], {}) == []
    assert wire.shared_arrays(x[:, :2], [], {"blocks": [x]}) == [["", "blocks", "[0]"]]


# ----------------------------------------------------------------------------- prefetched calls
PIPELINE = ("import os, time\n"
            "def f(x):\n"
            "    if x == 3:\n"
            "        while True: pass\n"
            "    if x == 5:\n"
            "        os._exit(1)\n"
            "    return x * 10\n"
            "def g(x):\n"
            "    return -x\n")


def _prefetch(client, function, xs):
    client.prefetch([(function, (x,), {}, False, False) for x in xs])


def test_prefetched_calls_answer_as_calls_do_and_in_any_order(sandbox):
    client = client_for(sandbox, PIPELINE)
    _prefetch(client, "f", [0, 1, 2])
    assert client.call("f", 2) == 20  # the replies before it are kept for their own calls
    assert client.call("g", 7) == -7  # a call that was not prefetched goes after them
    assert [client.call("f", x) for x in (0, 1)] == [0, 10]
    _prefetch(client, "f", [4, 4])
    assert client.call("f", 4) == client.call("f", 4) == 40  # one reply per prefetched call
    assert client.call("f", 4) == 40  # and a third call of its own
    client.close()


def test_a_prefetched_call_that_hangs_is_charged_when_its_case_asks_for_it(sandbox):
    client = client_for(sandbox, PIPELINE, call_timeout_s=1.0)
    _prefetch(client, "f", [0, 1, 3, 2])
    assert [client.call("f", x) for x in (0, 1)] == [0, 10]
    assert "f" not in client.disabled  # the hang is not charged before its call
    with pytest.raises(CallAborted, match="did not return within 1 s") as e:
        client.call("f", 3)
    assert e.value.kind == "timeout"
    with pytest.raises(CallAborted, match="an earlier call of f took too long"):
        client.call("f", 2)  # sent after the hang: lost with that worker, and f is disabled
    assert "f" in client.disabled and client.call("g", 1) == -1  # a fresh worker for the rest
    client.close()


def test_a_prefetched_call_that_kills_the_worker_costs_only_that_call(sandbox):
    client = client_for(sandbox, PIPELINE)
    _prefetch(client, "f", [1, 5, 2])
    assert client.call("f", 1) == 10
    with pytest.raises(CallAborted) as e:
        client.call("f", 5)
    assert e.value.kind == "crash" and "stopped the process" in e.value.message
    assert client.call("g", 2) == -2
    client.close()


def test_a_prefetch_sends_only_a_few_calls_ahead(sandbox):
    from autograder.engine.pipeline import AHEAD

    client = client_for(sandbox, PIPELINE)
    _prefetch(client, "g", range(20))
    assert len(client.pipeline.queued) == AHEAD  # after a failing case, at most AHEAD run in vain
    for x in range(8):
        assert client.call("g", x) == -x and 0 < len(client.pipeline.queued) <= AHEAD
    client.prefetch(())  # dropped: nothing waits any more
    assert client.call("f", 2) == 20 and not client.pipeline.ahead
    client.close()


# --------------------------------------------------------------- the first worker as the probe
@pytest.fixture
def unprobed(monkeypatch):
    """A process that has not probed yet, whose strongest mode fails in the child in the way
    ``breaks(child_confinement)`` says: the probed mode first, the same without seccomp second
    (a mode that works wherever the first does)."""
    from dataclasses import replace

    from autograder.engine import confinement as sb

    works = sb.mode()
    weaker = replace(works, seccomp=False)
    original = sb.Confinement.apply

    def with_breakage(breaks):
        def apply(self):
            original(self)
            if self.mode == works:
                breaks()
        monkeypatch.setattr(sb.Confinement, "apply", apply)

    monkeypatch.setattr(sb, "_candidates", lambda: [works, weaker])
    monkeypatch.setattr(sb, "_WORKED", {})
    sb._mode.cache_clear()
    yield works, weaker, with_breakage
    sb._mode.cache_clear()


def _failing(breaks, unprobed):
    works, weaker, with_breakage = unprobed
    with_breakage(breaks)
    with Sandbox() as box:
        assert (box.mode, box.settled) == (works, False)  # the strongest, taken unprobed
        client = client_for(box, "def f(x):\n    return x + 1\n")
        assert client.call("f", 2) == 3
        assert box.mode == weaker and box.settled  # the probe chose the weaker one
        assert "seccomp" not in " ".join(box.protections)
        client.close()
    with Sandbox() as box:  # the next sandbox of this process starts in it at once
        assert (box.mode, box.settled) == (weaker, True)


def test_an_unprobed_mode_whose_confinement_fails_is_probed_and_replaced(unprobed):
    def refuse():
        raise OSError("operation not permitted")
    _failing(refuse, unprobed)


def test_an_unprobed_mode_whose_worker_never_comes_up_is_probed_and_replaced(unprobed):
    _failing(lambda: os._exit(3), unprobed)  # as a worker that cannot import numpy


def test_a_worker_that_comes_up_settles_the_mode_without_a_probe(unprobed, monkeypatch):
    from autograder.engine import confinement as sb

    works, _, _ = unprobed
    monkeypatch.setattr(sb, "_starts", lambda *a, **k: pytest.fail("probed"))
    with Sandbox() as box:
        client = client_for(box, "def f():\n    return 1\n")
        assert client.call("f") == 1 and box.settled and box.mode == works
        client.close()


REACH_REPORTING = '''
import importlib
import sys

import numpy as np


def _reached():
    """Every module the submission gets by import that holds the worker's reporting."""
    found = []
    for name in ("wire", "worker", "__main__", "autograder.engine.wire"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "shared_arrays") or hasattr(module, "Worker"):
            found.append(name)
    found += [n for n, m in list(sys.modules.items())
              if hasattr(m, "shared_arrays") or hasattr(m, "Worker")]
    return found


def f(x):
    for name in _reached():  # make every reachable report say "a new array, inputs unchanged"
        module = sys.modules.get(name) or importlib.import_module(name)
        module.shared_arrays = lambda *args, **kwargs: []
        if hasattr(module, "wire"):
            module.wire.shared_arrays = lambda *args, **kwargs: []
            module.wire.encode = lambda value, *args, **kwargs: 0
    x *= 2  # changes its input
    return x  # and returns it: shares memory with the input


def g():
    import __main__
    return sorted(_reached()), __main__.__name__, hasattr(__main__, "Worker")
'''


def test_the_workers_own_reporting_cannot_be_reached_by_import(sandbox):
    client = client_for(sandbox, REACH_REPORTING)
    reached, main_name, worker_main = client.call("g")
    assert reached == [] and main_name == "__main__" and not worker_main
    x = np.arange(4.0)
    result = client.call_ex("f", (x,), return_args=True)
    assert result.shared == (("", 0, ""),)  # still reported: the input itself came back
    assert np.array_equal(result.args[0], 2 * x)  # still reported: the input was changed
    assert np.array_equal(x, np.arange(4.0))  # the grader's own copy is untouched


def test_a_notebooks_main_module_is_its_own_namespace(sandbox):
    client = client_for(sandbox, json.dumps({"cells": [{"cell_type": "code", "source": (
        "import __main__\nX = 3\ndef f():\n    return __main__.X, __name__")}]}),
        name="nb.ipynb")
    assert client.call("f") == (3, "__main__")
