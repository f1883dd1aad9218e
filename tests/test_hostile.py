"""Hostile and broken submissions (issue 5): the grader keeps control and nothing is lost.

Every entry is a submission built from the reference solution plus a payload from
``tests/hostile/`` (or broken bytes made here), graded with a small example budget. For each one
the suite checks what issue 5 requires:

- grading ends within ``BOUND_S`` and gives a ``results.json`` that validates against Gradescope's
  schema, with a visible message saying what went wrong;
- the questions the payload does not touch keep all their points;
- a cheat never scores more than the same submission without the cheat (the "garbage" control);
- no code of the submission ran in the grader (a marker file that such code would write, and the
  grader's own numpy/math/hypothesis functions), no reference or hidden-test line is visible to
  the student (hints excepted: they quote the reference on purpose), no process that the
  submission started is alive afterwards, and the sandbox's folders are gone.

The entries graded in this process run with whatever confines the worker here (on this
project's machines: a uid of the grading's own, a mount namespace, Landlock and seccomp). Attacks
on the grader's files, on ``results.json``, on the grader process, and those that need another user,
run end to end through ``run_autograder`` in a temporary copy of the unpacked Gradescope layout
(never the real checkout), each protection on its own:

- ``user``: the grader is root and the worker runs as a uid of the grading's own (with a Python
  that others can run, built here from ``/usr/bin/python3.X``), Landlock switched off
  (``AUTOGRADER_LANDLOCK=off``): Gradescope on a kernel or container without Landlock;
- ``landlock``: the grader is root with this environment's Python (under /root: the worker sees
  it through its own mount namespace), Landlock on: a developer's or an instructor's machine;
- ``plain``: the grader itself is a plain user (``nobody`` here, standing in for an instructor
  grading on a laptop), for the process cap.

Where a mode is not available (not root, no such Python, no Landlock), its tests are skipped
with the reason. Without any of them (``AUTOGRADER_LANDLOCK=off`` and the grader's own user) a
submission can read and write whatever the grader's user can: the last test shows that weaker
situation and checks only what still holds there.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import pwd
import re
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from checkout import copy_checkout, full_score, owner, reaching, run_checked

import autograder.engine.runner as runner
from autograder.assignment import current
from autograder.build.gradescope import write_autograder_zip
from autograder.build.leaks import secret_lines
from autograder.build.release import solutions_module
from autograder.engine import landlock
from autograder.engine.isolation import UID_BASE
from autograder.engine.client import WorkerClient
from autograder.engine.config import GradingConfig
from autograder.engine.loader import from_bytes
from autograder.engine.results import GradingResult, to_gradescope
from autograder.engine.limits import Limits, fitted
from autograder.engine.sandbox import Sandbox
from autograder.paths import ROOT
from autograder.questions import ALL_FUNCTIONS, NUMPY_QUESTIONS

HERE = Path(__file__).parent
PAYLOADS = HERE / "hostile"
SCHEMA = json.loads((HERE / "gradescope_results.schema.json").read_text())

CONFIG = GradingConfig(examples_per_test=5, call_timeout_s=1.0, cell_timeout_s=1.0,
                       function_budget_s=4.0, grading_timeout_s=90.0)
BOUND_S = CONFIG.grading_timeout_s + 15  # no grading in this suite may take longer
FULL = {q.id: float(q.points) for q in NUMPY_QUESTIONS}
FUNCTIONS = [f for q in NUMPY_QUESTIONS for f in q.functions]
# the questions the payloads aim at, named by the function each payload replaces
Q1, Q2, Q3, Q4, Q5 = map(owner, ("chunk_tokens", "causal_mask", "log_softmax", "perplexity",
                                 "adamw_step"))


# ----------------------------------------------------------------------------- building
@pytest.fixture(scope="module")
def reference() -> str:
    return solutions_module()


def _planted_secret() -> str:
    """Lines of the hidden tests and the reference, as if a student had them already."""
    lines = secret_lines()
    hidden = [line for line in sorted(lines) if "hidden" in lines[line]][:3]
    ref = [line for line in sorted(lines) if "reference" in lines[line]][:2]
    return "\n".join(hidden + ref)


SECRET = _planted_secret()


def payload(name: str, cheat: bool = True) -> str:
    text = (PAYLOADS / f"{name}.py").read_text()
    if not cheat:  # the control: the same submission without the cheat
        text = re.sub(r"# >>> cheat\n.*?# <<< cheat\n", "", text, flags=re.S)
    return text


def hostile_header(tmp: Path, **extra) -> dict:
    return {"grader_pid": os.getpid(), "marker": str(tmp / "RAN-IN-GRADER"),
            "token": f"hostile-{uuid.uuid4().hex}", "results": [], "hunt": [str(ROOT)],
            "grader_files": [], "secret": SECRET, "functions": FUNCTIONS,
            "call_timeout": CONFIG.call_timeout_s, **extra}


def build(path: Path, reference: str, hostile: dict, *, before=(), after=(),
          cheat: bool = True) -> Path:
    parts = [f"HOSTILE = {hostile!r}", payload("_prelude")]
    parts += [payload(n, cheat) for n in before] + [reference] + [payload(n, cheat) for n in after]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(parts), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- watching
def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def live_processes(needles: list[str], uids: set[int] = frozenset()) -> list[str]:
    """Live processes whose environment or command line holds one of ``needles`` (or that run
    as one of ``uids``), zombies excluded."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        status = _read(f"/proc/{entry}/status").decode(errors="replace")
        if not status or "\nState:\tZ" in status:
            continue
        blob = _read(f"/proc/{entry}/environ") + b"\0" + _read(f"/proc/{entry}/cmdline")
        owner = re.search(r"\nUid:\t(\d+)", status)
        if any(n.encode() in blob for n in needles) or (owner and int(owner.group(1)) in uids):
            found.append(f"{entry}: {_read(f'/proc/{entry}/cmdline')[:120]!r}")
    return found


def wait_until_gone(needles: list[str], uids: set[int] = frozenset(),
                    within: float = 2.0) -> list[str]:
    """The processes still alive after ``within`` seconds (a SIGKILLed process takes a moment
    to disappear from /proc)."""
    ends = time.monotonic() + within
    while True:
        alive = live_processes(needles, uids)
        if not alive or time.monotonic() > ends:
            return alive
        time.sleep(0.1)


def grader_state() -> dict:
    """What a submission would patch if its code ran in the grader."""
    import builtins
    import operator

    import hypothesis
    import numpy.testing

    watched = {"np.allclose": np.allclose, "np.isclose": np.isclose,
               "np.array_equal": np.array_equal,
               "np.testing.assert_allclose": numpy.testing.assert_allclose,
               "math.isclose": math.isclose, "operator.eq": operator.eq,
               "builtins.all": builtins.all, "builtins.AssertionError": builtins.AssertionError,
               "hypothesis.given": hypothesis.given, "hypothesis.settings": hypothesis.settings,
               "sys.modules[pytest]": sys.modules.get("pytest")}
    return {name: id(obj) for name, obj in watched.items()}


def visible_text(data: dict) -> str:
    """Everything in results.json a student can ever see, minus the hints (which quote the
    reference on purpose)."""
    parts = [data.get("output", "")]
    parts += [t.get("output", "") for t in data["tests"] if t.get("visibility") != "hidden"]
    text = "\n".join(parts)
    for hint in HINTS:
        text = text.replace(hint, "")
    return text


HINTS = sorted({t.hint for t in runner.hidden_tests(CONFIG, current()) if t.hint}, key=len,
               reverse=True)


def leaked_lines(data: dict) -> list[str]:
    text = visible_text(data)
    return [line for line in secret_lines() if line in text]


# ----------------------------------------------------------------------------- grading here
@dataclass
class Graded:
    result: GradingResult
    data: dict
    elapsed: float
    hostile: dict
    sandboxes: list = field(default_factory=list)

    @property
    def by_question(self) -> dict[str, float]:
        return {q: got for q, (got, _) in self.result.by_question().items()}

    def text(self) -> str:
        return self.data["output"] + "\n" + "\n".join(t["output"] for t in self.data["tests"])


class RecordingSandbox(Sandbox):
    made: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        RecordingSandbox.made.append(self)


def grade_here(path: Path, hostile: dict, config: GradingConfig = CONFIG) -> Graded:
    """Grade in this process (the grader is pytest), recording the sandboxes it made."""
    RecordingSandbox.made = []
    saved = runner.Sandbox
    runner.Sandbox = RecordingSandbox
    before = grader_state()
    started = time.monotonic()
    try:
        result = runner.grade(path, config, assignment=current())
    finally:
        runner.Sandbox = saved
    elapsed = time.monotonic() - started
    assert grader_state() == before, "something in the grader process was patched"
    return Graded(result, to_gradescope(result), elapsed, hostile, list(RecordingSandbox.made))


_controls: dict = {}


def control_for(tmp: Path, reference: str, before=(), after=()) -> Graded:
    """The same submission without its cheat, graded once per module."""
    key = (tuple(before), tuple(after))
    if key not in _controls:
        hostile = hostile_header(tmp)
        path = build(tmp / "control" / "lm_training.py", reference, hostile, before=before,
                     after=after, cheat=False)
        _controls[key] = grade_here(path, hostile)
    return _controls[key]


def check(graded: Graded, *, touched=(), control: Graded | None = None,
          message: str | None = None) -> None:
    """What every entry must satisfy (issue 5's list)."""
    data, result = graded.data, graded.result
    jsonschema.validate(data, SCHEMA)
    assert graded.elapsed < BOUND_S, f"grading took {graded.elapsed:.0f} s"
    assert "autograder failed" not in data["output"], data["output"][-1500:]
    assert not any("autograder error" in t["name"] for t in data["tests"])
    got = graded.by_question
    for qid, points in FULL.items():
        if qid not in touched:
            assert got[qid] == pytest.approx(points), (qid, [
                (t.name, t.output[:400]) for t in result.tests
                if t.question == qid and not t.passed])
    if control is not None:
        assert result.score <= control.result.score + 1e-9, (result.score, control.result.score)
        for qid in touched:
            assert got[qid] <= control.by_question[qid] + 1e-9, qid
    if message is not None:
        # messages wrap at word boundaries: compare with the whitespace folded
        assert " ".join(message.split()) in " ".join(graded.text().split()), graded.text()[:3000]
    assert not Path(graded.hostile["marker"]).exists(), Path(graded.hostile["marker"]).read_text()
    leaked = leaked_lines(data)
    assert not leaked, leaked[:3]
    needles = [graded.hostile["token"]]
    needles += [f"AUTOGRADER_SANDBOX={box.token}" for box in graded.sandboxes]
    assert not wait_until_gone(needles), "processes of the submission outlived grading"
    for box in graded.sandboxes:
        assert not box.scratch.exists() and not box.engine.exists()


def run_entry(tmp: Path, reference: str, *, before=(), after=(), config=CONFIG, **hostile_extra):
    hostile = hostile_header(tmp, **hostile_extra)
    path = build(tmp / "sub" / "lm_training.py", reference, hostile, before=before, after=after)
    return grade_here(path, hostile, config)


def confined_here() -> list[str]:
    """What confines a worker started by this process (e.g. ['landlock ABI 7'])."""
    with Sandbox() as box:
        return box.protections


# ============================================================================= resources
CALL_LIMIT = f"did not return within {CONFIG.call_timeout_s:g} s"
CELL_LIMIT = f"ran longer than {CONFIG.cell_timeout_s:g} s"
RESOURCE_ENTRIES = {  # payload: (placed before the solution?, questions touched, message)
    "loop_forever": (False, {Q2}, CALL_LIMIT),
    "sleep_days": (False, {Q2}, CALL_LIMIT),
    "ignore_signals_in_function": (False, {Q2}, CALL_LIMIT),
    "exit_in_function": (False, {Q3}, "stopped the process that runs your code"),
    # the questions whose functions call the replaced ones may lose points too (fair: the spec)
    "memory_hog": (False, reaching("log_softmax"), "log_softmax"),
    "huge_return": (False, reaching("cross_entropy_grad", "log_softmax"),  # crash or slow
                    "an earlier call of cross_entropy_grad"),
    "memory_at_import": (True, set(), "MemoryError"),
    "exit_at_import": (True, set(), "SystemExit"),
    "loop_at_import": (True, set(), f"timeout ({CELL_LIMIT})"),
    "ignore_signals_at_import": (True, set(), "timeout (ran longer than"),  # killed by the grader
    "flood_at_import": (True, set(), None),
    "flood_per_call": (False, set(), None),
}


@pytest.mark.parametrize("name", list(RESOURCE_ENTRIES))
def test_resource_abuse_costs_only_its_own_question(tmp_path, reference, name):
    first, touched, message = RESOURCE_ENTRIES[name]
    graded = run_entry(tmp_path, reference, before=(name,) if first else (),
                       after=() if first else (name,))
    check(graded, touched=touched, message=message)


def test_a_function_just_under_the_call_limit_is_stopped_by_its_budget(tmp_path, reference):
    graded = run_entry(tmp_path, reference, after=("slow_functions",))
    check(graded, touched={Q2},
          message=f"used up its {CONFIG.function_budget_s:g} s of running time")
    assert graded.elapsed < CONFIG.function_budget_s + 20


def test_slow_everywhere_stops_at_the_grading_deadline(tmp_path, reference):
    config = GradingConfig(examples_per_test=5, call_timeout_s=1.0, cell_timeout_s=1.0,
                           function_budget_s=3.0, grading_timeout_s=10.0)
    graded = run_entry(tmp_path, reference, after=("slow_everything",), config=config,
                       call_timeout=config.call_timeout_s)
    check(graded, touched=set(FULL), message="Grading stopped after 10 s")
    assert graded.elapsed < config.grading_timeout_s + 5


def test_memory_is_bounded_at_a_few_gigabytes():
    """RLIMIT_DATA stops the heap, RLIMIT_AS stops shared memory (which RLIMIT_DATA ignores)."""
    source = ("import mmap\n"
              "def f():\n"
              "    hog = []\n"
              "    try:\n"
              "        while True:\n"
              "            hog.append(bytearray(64 * 2 ** 20))\n"
              "    except MemoryError:\n"
              "        return len(hog) * 64 * 2 ** 20\n"
              "def g():\n"
              "    try:\n"
              "        mmap.mmap(-1, 4 * 2 ** 30)\n"
              "        return 'mapped'\n"
              "    except OSError:\n"
              "        return 'refused'\n")
    submission = from_bytes(source.encode(), "m.py", ALL_FUNCTIONS)
    with Sandbox() as box:
        client = WorkerClient(box, list(submission.cells), ["f", "g"], as_main=False,
                              call_timeout_s=30, cell_timeout_s=5)
        client.start()
        heap = client.call("f")
        assert 0 < heap <= box.limits.memory_bytes <= Limits().memory_bytes
        assert client.call("g") == "refused"
        client.close()


def test_memory_limits_fit_a_small_container():
    """On Gradescope's default 768 MB container the worker must hit its own limit before the
    container's memory is gone (else the whole container is killed, results.json unwritten)."""
    MB = 2 ** 20
    assert fitted(Limits(), available=24 * 2 ** 30) == Limits()
    small = fitted(Limits(), available=768 * MB)
    assert small.memory_bytes == 512 * MB and small.address_space_bytes == 768 * MB
    assert fitted(Limits(), available=300 * MB).memory_bytes == 256 * MB  # never below that
    source = ("def f():\n"
              "    hog = []\n"
              "    try:\n"
              "        while True:\n"
              "            hog.append(bytearray(16 * 2 ** 20))\n"
              "    except MemoryError:\n"
              "        return len(hog) * 16 * 2 ** 20\n")
    submission = from_bytes(source.encode(), "m.py", ALL_FUNCTIONS)
    with Sandbox(limits=small) as box:
        client = WorkerClient(box, list(submission.cells), ["f"], as_main=False,
                              call_timeout_s=30, cell_timeout_s=5)
        client.start()
        heap = client.call("f")
        assert 256 * MB < heap <= 512 * MB
        client.close()


# ============================================================================= cheats
@pytest.mark.parametrize("cheat", ["cheat_numpy", "cheat_math", "cheat_hypothesis",
                                   "cheat_pytest"])
def test_a_cheat_never_beats_its_garbage_control(tmp_path, reference, cheat):
    control = control_for(tmp_path, reference, after=("garbage_q2",))
    graded = run_entry(tmp_path, reference, after=("garbage_q2", cheat))
    check(graded, touched={Q2}, control=control)


def test_lying_values_are_plain_data_in_the_grader(tmp_path, reference):
    control = control_for(tmp_path, reference, after=("garbage_q2",))
    graded = run_entry(tmp_path, reference, after=("garbage_q2", "lying_values"))
    check(graded, touched={Q2}, control=control)
    assert "returned an object of type Liar" in graded.text()


def test_hunting_for_the_reference_finds_nothing(tmp_path, reference):
    if not confined_here():
        pytest.skip("the worker runs unconfined here (no Landlock, no other user): it can read "
                    "what the grader's user can; see the tests at the end")
    control = control_for(tmp_path, reference, after=("garbage_q2",))
    graded = run_entry(tmp_path, reference, after=("garbage_q2", "hunt_reference"))
    check(graded, touched={Q2}, control=control, message="HUNT NOTHING")


def test_leaked_sources_and_planted_secrets_never_reach_the_student(tmp_path, reference):
    graded = run_entry(tmp_path, reference, after=("garbage_q2", "leak_sources"))
    check(graded, touched={Q2}, control=control_for(tmp_path, reference, after=("garbage_q2",)))
    assert "[removed]" in graded.text()  # the planted lines were cut, the rest of it is there
    if confined_here():
        assert "nothing readable" in graded.text() or "Permission denied" in graded.text()


def test_detached_processes_do_not_outlive_grading(tmp_path, reference):
    graded = run_entry(tmp_path, reference, after=("detached_processes",))
    check(graded)  # includes: nothing with the payload's token is alive


CAPPED_BOMB = """
import os, signal, sys, time
ends = time.time() + 20  # every process ends by then whatever happens
if os.fork():
    time.sleep(20)  # the worker
    sys.exit()
try:
    os.setsid()  # out of the worker's process group, where it may
except OSError:
    pass
child = os.getppid()
while time.time() < ends:
    for pid in (os.getppid(), child):
        try:
            os.kill(pid, signal.SIGCONT)  # what is stopped goes on
        except OSError:
            pass
    try:
        child = os.fork() or child  # parent and child go on: a freed slot is taken at once
    except OSError:
        time.sleep(0.001)
"""


@pytest.mark.parametrize("filtered", [True, False], ids=["seccomp", "no-seccomp"])
def test_the_reaper_clears_a_capped_fork_bomb(unprivileged_python, filtered):
    """The layout's fork bomb in a plain user's mode (its processes found by their token, not
    by a uid of their own), as many as RLIMIT_NPROC allows, forking again as soon as a slot is
    free and resuming its stopped neighbours: after ``kill_all`` none is left. Under the
    worker's seccomp filter it cannot leave the worker's process group; without one (a machine
    the filter does not support) it leaves it, and the reaper kills it by pid, in rounds,
    reaping none until all are dead."""
    from autograder.engine import reaper, seccomp

    if filtered and not seccomp.SUPPORTED:
        pytest.skip(f"no seccomp filter for {seccomp.MACHINE}")

    uid, cap = UID_BASE - 16, 48  # a uid nothing else runs as: the cap is the bomb's alone

    def as_the_worker():
        resource.setrlimit(resource.RLIMIT_NPROC, (cap, cap))
        os.setgroups([])
        os.setgid(uid)
        if filtered:
            seccomp.install()
        os.setuid(uid)

    assert reaper.become_subreaper()  # as the grader: orphans come back here to be reaped,
    children_before = reaper.my_children()  # which frees their slots
    find = functools.partial(reaper.strays, token=(token := uuid.uuid4().hex), uid=None,
                             children_before=children_before)
    env = {"PATH": "/usr/bin:/bin", reaper.TOKEN_VARIABLE: token}
    proc = subprocess.Popen([unprivileged_python, "-I", "-c", CAPPED_BOMB], env=env, cwd="/",
                            start_new_session=True, preexec_fn=as_the_worker)
    ends = time.monotonic() + 10
    while len(find()) < cap - 8 and time.monotonic() < ends:
        time.sleep(0.05)
    assert len(find()) >= cap - 8, "the bomb did not start"
    reaper.kill_all(proc, find)
    reaper.reap_zombies(children_before)
    assert not wait_until_gone([token]), "processes of the bomb outlived kill_all"


def test_a_replaced_worker_script_is_never_run(tmp_path, reference):
    if not confined_here():
        pytest.skip("unconfined here: the worker can change its own scripts")
    graded = run_entry(tmp_path, reference, after=("overwrite_worker_scripts",))
    check(graded, touched={Q2}, message="stopped the process that runs your code")


def test_forged_protocol_messages_cost_only_their_functions(tmp_path, reference):
    graded = run_entry(tmp_path, reference, after=("forge_protocol",))
    check(graded, touched={Q2, Q4})
    text = graded.text()
    assert "causal_mask stopped the process" in text and "causal_attention stopped" in text


def test_a_forged_load_and_endless_cell_messages_are_bounded(tmp_path, reference):
    graded = run_entry(tmp_path, reference, before=("forge_protocol_at_import",))
    check(graded, message="crashed")
    assert graded.elapsed < 3 * CONFIG.cell_timeout_s + 30


# ============================================================================= broken input
def _notebook(*sources: str) -> bytes:
    return json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "source": s}
                                 for s in sources], "metadata": {}, "nbformat": 4,
                       "nbformat_minor": 5}).encode()


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


BROKEN = {
    "syntax_error.py": (lambda ref: ref.encode() + b"\ndef causal_mask(T:\n    pass\n",
                        "syntax error at line"),
    "empty.py": (lambda ref: b"", "is empty"),
    "blank.py": (lambda ref: b"\n\n   \n", "is empty"),
    "corrupt.ipynb": (lambda ref: _notebook(ref)[:200], "not a readable Jupyter notebook"),
    "not_a_notebook.ipynb": (lambda ref: b'{"cells": 3}', "not a readable Jupyter notebook"),
    "no_code.ipynb": (lambda ref: json.dumps({"cells": [{"cell_type": "markdown", "metadata": {},
                                                         "source": "# answers"}]}).encode(),
                      "no code cells"),
    "latin1.py": (lambda ref: ref.replace("Lecture", "Lecture \u00e9t\u00e9").encode("latin-1",
                                                                                    "replace"),
                  "is not UTF-8 text"),
    "latin1.ipynb": (lambda ref: _notebook("x = '\u00e9'").replace(b"\\u00e9", b"\xe9"),
                     "is not UTF-8 text"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_unreadable_input_gets_zero_and_says_why(tmp_path, reference, name):
    make, message = BROKEN[name]
    path = tmp_path / name
    path.write_bytes(make(reference))
    graded = grade_here(path, hostile_header(tmp_path))
    check(graded, touched=set(FULL), message=message)
    assert graded.result.score == 0
    assert message in graded.data["output"]  # at the top, always visible


@pytest.mark.parametrize("files,message", [
    ({"notes.txt": b"hello", "data/corpus.txt": b"the cat sat"}, "holds no notebook"),
    ({"a.ipynb": _notebook("x = 1"), "b.ipynb": _notebook("y = 2")},  # the spec's file rule
     "No file of your submission holds your own code"),
    ({"lm_training.py": b"\xff\xfe\x00def f(:"}, "is not UTF-8 text"),
], ids=["no_notebook", "two_notebooks", "bad_file_inside"])
def test_unusable_zips_get_zero_and_say_why(tmp_path, files, message):
    path = _zip(tmp_path / "export.zip", files)
    graded = grade_here(path, hostile_header(tmp_path))
    check(graded, touched=set(FULL), message=message)
    assert graded.result.score == 0


def test_a_zip_that_is_not_a_zip_says_why(tmp_path):
    path = tmp_path / "export.zip"
    path.write_bytes(b"PK\x03\x04 not really")
    graded = grade_here(path, hostile_header(tmp_path))
    check(graded, touched=set(FULL), message="not a readable zip file")


WRONG_VALUES = ["None", "'a string'", "[[1.0, 2.0], [3.0]]", "{'value': 1.0, 'x': [None]}",
                "float('nan')", "(None, 'x')", "{}", "[]"]


def test_wrong_return_types_everywhere_are_reported_per_test(tmp_path):
    """Every function returns something of the wrong type (None, str, list, dict, nan, ...):
    each test fails on its own with a message that shows what came back."""
    source = "\n".join(f"def {name}(*args, **kwargs):\n"
                       f"    return {WRONG_VALUES[i % len(WRONG_VALUES)]}\n"
                       for i, name in enumerate(FUNCTIONS))
    path = tmp_path / "lm_training.py"
    path.write_text(source)
    graded = grade_here(path, hostile_header(tmp_path))
    check(graded, touched=set(FULL))
    failed = [t for t in graded.result.tests if t.max_score > 0 and not t.passed]
    assert failed and all("Called `" in t.output or "Not run" in t.output for t in failed), [
        t.output[:300] for t in failed if "Called `" not in t.output][:3]
    assert graded.result.score <= 15, graded.result.score  # a few value-free properties at most


# ============================================================================= Gradescope layout
def _same_minor_system_python() -> str | None:
    candidate = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    return candidate if os.access(candidate, os.X_OK) else None


def sandbox_uid(data: dict) -> int | None:
    """The uid the grading's worker ran as (the whoami payload's report), when it was one of the
    grading's own (a root grader gives every grading a uid of its own); else None."""
    line = re.search(r"WHOAMI uid=(\d+)", data["output"])
    isolation = " ".join(data.get("extra_data", {}).get("isolation", []))
    if line and "a uid of its own" in isolation and int(line.group(1)) >= UID_BASE:
        return int(line.group(1))
    return None


def _as_nobody():
    nobody = pwd.getpwnam("nobody")
    os.setgroups([])
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)


@pytest.fixture(scope="session")
def unprivileged_python():
    """A Python that ``nobody`` can run, with this environment's packages: a venv of the system
    Python of the same version, pointing at our site-packages (Gradescope uses its system
    Python, so there the worker can run as another user; here the venv's Python is under
    /root, which only root can enter)."""
    if os.geteuid() != 0:
        pytest.skip("not root: the worker cannot run as another user here")
    system = _same_minor_system_python()
    if system is None:
        pytest.skip(f"no /usr/bin/python{sys.version_info.major}.{sys.version_info.minor} "
                    "to build a Python that nobody can run")
    home = Path(tempfile.mkdtemp(prefix="ag-hostile-python-", dir="/tmp"))
    home.chmod(0o755)
    try:
        run_checked([system, "-m", "venv", "--without-pip", str(home / "venv")], timeout=120)
        python = home / "venv" / "bin" / "python"
        purelib = run_checked([str(python), "-c", "import sysconfig; "
                               "print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
        (Path(purelib) / "project.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        probe = subprocess.run([str(python), "-I", "-c", "import numpy, hypothesis"], cwd="/",
                               capture_output=True, timeout=120, preexec_fn=_as_nobody)
        if probe.returncode != 0:
            pytest.skip("nobody cannot import numpy through a venv of the system Python "
                        f"(our packages are not readable by others?): {probe.stderr[-300:]!r}")
        yield str(python)
    finally:
        shutil.rmtree(home, ignore_errors=True)


LAYOUT_CONFIG = {"examples_per_test": 5, "call_timeout_s": CONFIG.call_timeout_s,
                 "cell_timeout_s": CONFIG.cell_timeout_s,
                 "function_budget_s": CONFIG.function_budget_s,
                 "grading_timeout_s": CONFIG.grading_timeout_s}


def _tree_hash(folder: Path) -> dict[str, str]:
    """The grader's files (not the caches the grader itself writes: bytecode, hypothesis')."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()
            and not {"__pycache__", ".hypothesis"} & set(p.relative_to(folder).parts)}


@dataclass
class Layout:
    root: Path
    python: str
    landlock: bool
    mode: str

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def results(self) -> Path:
        return self.root / "results" / "results.json"


def draw_cases(source: Path) -> None:
    """The hidden tests' inputs for ``source``'s budget, drawn as setup.sh draws them."""
    run_checked([sys.executable, "-m", "autograder.hidden.draw"], cwd=source,
                env={**os.environ, "PYTHONPATH": str(source)})


def project_tree(prefix: str) -> Path:
    """A copy of the project's files as git sees them (tracked, and new ones not ignored; not
    docs or tests) in a folder every user can read, graded with this suite's short limits, its
    case book drawn (an instructor's checkout keeps the book it drew at its first grading).
    Removed again when any step fails (the caller removes it after use)."""
    root = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    try:
        copy_checkout(root, skip=("docs", "tests", ".ci"))
        config = json.loads((root / "otter_config.json").read_text())
        config["autograder"].update(LAYOUT_CONFIG)
        (root / "otter_config.json").write_text(json.dumps(config))
        draw_cases(root)
        run_checked(["chmod", "-R", "a+rX", str(root)])
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return root


@pytest.fixture
def layout_factory(reference):
    made = []

    def make(python: str, use_landlock: bool, mode: str) -> Layout:
        root = Path(tempfile.mkdtemp(prefix="ag-hostile-root-", dir="/tmp"))
        root.chmod(0o755)
        made.append(root)
        zipped = write_autograder_zip(root / "autograder.zip")
        with zipfile.ZipFile(zipped) as zf:
            zf.extractall(root / "source")
        zipped.unlink()
        config = json.loads((root / "source" / "otter_config.json").read_text())
        config["autograder"].update(LAYOUT_CONFIG)
        (root / "source" / "otter_config.json").write_text(json.dumps(config))
        draw_cases(root / "source")  # as setup.sh does, for this budget
        for name in ("setup.sh", "run_autograder"):
            (root / "source" / name).chmod(0o755)
        run_checked(["chmod", "-R", "go-rwx", str(root / "source")])  # as setup.sh does
        (root / "results").mkdir(mode=0o700)
        (root / "submission").mkdir(mode=0o755)
        (root / "tmp").mkdir(mode=0o755)
        if mode == "plain":  # an instructor's own checkout, graded as that (non-root) user
            nobody = pwd.getpwnam("nobody")
            run_checked(["chown", "-R", f"{nobody.pw_uid}:{nobody.pw_gid}", str(root)])
        return Layout(root, python, use_landlock, mode)

    yield make
    for root in made:
        shutil.rmtree(root, ignore_errors=True)


def run_layout(layout: Layout, reference: str, tmp: Path, after=(), before=(),
               grader_files=(), extra_env: dict | None = None, **extra) -> tuple[dict, dict]:
    """Grade like Gradescope (run_autograder), then check results.json, the grader's files and
    the processes; return (results, hostile header)."""
    hostile = hostile_header(tmp, grader_pid=-1, hunt=[str(layout.root)],
                             results=[str(layout.results)], grader_files=list(grader_files),
                             **extra)
    build(layout.root / "submission" / "lm_training.py", reference, hostile,
          before=("whoami", *before), after=after)
    (layout.root / "submission" / "lm_training.py").chmod(0o644)
    source_before = _tree_hash(layout.source)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(layout.root),
           "AUTOGRADER_ROOT": str(layout.root), "AUTOGRADER_PYTHON": layout.python,
           "TMPDIR": str(layout.root / "tmp"),
           "AUTOGRADER_LANDLOCK": "on" if layout.landlock else "off", **(extra_env or {})}
    started = time.monotonic()
    done = subprocess.run([str(layout.source / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=BOUND_S + 30, start_new_session=True,
                          preexec_fn=_as_nobody if layout.mode == "plain" else None)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-2000:]
    assert elapsed < BOUND_S + 10
    first = layout.results.read_bytes()
    time.sleep(2.0)  # a detached process would rewrite it now
    assert layout.results.read_bytes() == first, "results.json changed after grading ended"
    data = json.loads(first)
    jsonschema.validate(data, SCHEMA)
    assert "FORGED" not in first.decode()
    assert _tree_hash(layout.source) == source_before, "the grader's files changed"
    assert not Path(hostile["marker"]).exists()
    assert not leaked_lines(data)
    needles = [hostile["token"], str(layout.root / "tmp")]
    uid = sandbox_uid(data)
    uids = {uid} if uid is not None else set()
    assert not wait_until_gone(needles, uids), "processes of the submission outlived grading"
    assert sorted(p.name for p in (layout.root / "tmp").iterdir()) == []
    assert [p.name for p in layout.results.parent.iterdir()] == ["results.json"]
    return data, hostile


def _scores(data: dict) -> dict[str, float]:
    scores = {qid: 0.0 for qid in FULL}
    for test in data["tests"]:
        qid = test["name"].split(" ")[0]
        if qid in scores:
            scores[qid] += test["score"]
    return scores


@pytest.fixture(params=["user", "landlock"])
def protected_layout(request, layout_factory):
    """The Gradescope layout with one protection on: the worker as nobody (Landlock off), or
    Landlock alone (the worker as the grader's own user)."""
    if request.param == "user":
        return layout_factory(request.getfixturevalue("unprivileged_python"), False, "user")
    if landlock.abi() < 1:
        pytest.skip("this kernel has no Landlock")
    return layout_factory(sys.executable, True, "landlock")


def _whoami_holds(data: dict, layout) -> None:
    line = re.search(r"WHOAMI uid=(\d+) root=(\w+)", data["output"])
    assert line, data["output"][:2000]
    if layout.mode == "user":
        assert int(line.group(1)) == sandbox_uid(data) and line.group(2) == "listed"
    elif layout.mode == "plain":
        assert int(line.group(1)) == pwd.getpwnam("nobody").pw_uid
    else:  # root, Landlock on: a uid of this grading's own all the same
        assert int(line.group(1)) == sandbox_uid(data) != 0
        assert line.group(2) == "denied"


def test_layout_forged_results_never_replace_the_graders(protected_layout, reference, tmp_path):
    data, _ = run_layout(protected_layout, reference, tmp_path, after=("forge_results",))
    _whoami_holds(data, protected_layout)
    assert _scores(data) == pytest.approx(FULL), _scores(data)
    assert data["score"] == pytest.approx(full_score()), data["score"]


# Landlock alone (the grader's own user) is checked for these by the tests above, graded here.
def test_layout_detached_processes_are_gone(unprivileged_python, layout_factory, reference,
                                            tmp_path):
    layout = layout_factory(unprivileged_python, False, "user")
    data, _ = run_layout(layout, reference, tmp_path, after=("detached_processes",))
    _whoami_holds(data, layout)
    assert _scores(data) == pytest.approx(FULL)


def test_layout_grader_files_cannot_be_changed(protected_layout, reference, tmp_path):
    source = protected_layout.source
    targets = [source / "autograder" / "engine" / "runner.py",
               source / "autograder" / "hidden" / "__init__.py",
               source / "reference" / "attention.py",
               source / "assignments" / "lecture16" / "public_cases.py",  # imported late
               source / "otter_config.json", source / "run_autograder",
               protected_layout.root / "results" / "results.json"]
    if protected_layout.python != sys.executable:  # a temporary venv: safe to aim at
        purelib = run_checked([protected_layout.python, "-c", "import sysconfig; "
                               "print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
        targets.append(Path(purelib) / "sitecustomize.py")
    data, _ = run_layout(protected_layout, reference, tmp_path, after=("overwrite_grader_files",),
                         grader_files=[str(t) for t in targets])
    _whoami_holds(data, protected_layout)
    assert ": done" not in data["output"], data["output"]
    scores = _scores(data)
    assert all(scores[q] == pytest.approx(FULL[q]) for q in FULL if q != Q2), scores
    if protected_layout.python != sys.executable:
        assert not targets[-1].exists()


def test_layout_the_grader_cannot_be_stopped_or_killed(protected_layout, reference, tmp_path):
    data, _ = run_layout(protected_layout, reference, tmp_path, after=("kill_grader",))
    _whoami_holds(data, protected_layout)
    assert _scores(data) == pytest.approx(FULL)


def test_layout_hunting_and_leaking_find_nothing(unprivileged_python, layout_factory, reference,
                                                 tmp_path):
    layout = layout_factory(unprivileged_python, False, "user")
    data, _ = run_layout(layout, reference, tmp_path,
                         after=("garbage_q2", "hunt_reference", "leak_sources"))
    _whoami_holds(data, layout)
    assert "HUNT NOTHING" in data["output"], data["output"][:3000]
    scores = _scores(data)
    assert scores[Q2] < FULL[Q2] and all(scores[q] == pytest.approx(FULL[q])
                                         for q in FULL if q != Q2)


@pytest.mark.parametrize("mode", ["user", "plain"])
def test_layout_a_fork_bomb_is_capped_and_cleared(unprivileged_python, layout_factory, reference,
                                                  tmp_path, mode):
    """As its own user the worker gets RLIMIT_NPROC; under a grader that is a plain user (an
    instructor's machine: here ``nobody`` runs run_autograder) it gets that user's current
    count plus a margin. Root ignores RLIMIT_NPROC, so a root grader with the worker as root
    has no cap: never run this there."""
    layout = layout_factory(unprivileged_python, mode == "plain", mode)
    data, _ = run_layout(layout, reference, tmp_path, after=("fork_bomb",))
    _whoami_holds(data, layout)
    assert _scores(data) == pytest.approx(FULL)


# ============================================================================= unconfined
def test_without_confinement_the_weaker_properties_still_hold(tmp_path, reference, monkeypatch):
    """With the worker as the grader's own user and Landlock off, a submission can read the
    reference (the hunt may succeed): what still holds is the process boundary (no code in the
    grader), valid results, the other questions' points, the time bound, no lingering process
    and the scrubbing of verbatim source lines."""
    monkeypatch.setenv("AUTOGRADER_LANDLOCK", "off")
    protections = confined_here()
    graded = run_entry(tmp_path, reference,
                       after=("garbage_q2", "hunt_reference", "leak_sources", "detached_processes"))
    check(graded, touched={Q2})  # no control: the hunt may beat it here
    if not protections:  # nothing confines the worker: the hole this mode leaves, shown
        assert "HUNT FOUND" in graded.text()
        assert "[removed]" in graded.text()  # what it read and raised was cut from the output
