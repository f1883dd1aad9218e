"""Issue 12: every grading owns its sandbox, and the worker keeps none of root's powers, in every
mode the engine runs in (see the README's security model):

- ``root-ns``: the grader is root and the project's Python lives under /root (mode 700, as on
  this machine and a typical one): the worker gets a uid of the grading's own in a private mount
  namespace that shows it the Python; Landlock on, and off (``AUTOGRADER_LANDLOCK=off``);
- ``root-direct``: the grader is root where mount namespaces are not allowed (a container; here
  ``AUTOGRADER_NAMESPACE=off``) with a Python that others can run (a venv of the system Python);
  Landlock on and off;
- ``root-blocked``: the same without a Python that others can run: no worker at all (it would
  have to stay root), the grading says why;
- ``plain``: the grader is a plain user (``nobody`` here, standing in for an instructor's
  laptop), Landlock on and off.

Each mode runs ``tests/isolation/probe.py`` in a subprocess, which starts the engine's sandbox,
calls one function in a worker and prints what came back. Tests that need root, the system
Python or Landlock skip with the reason where this machine lacks them.
"""
from __future__ import annotations

import csv
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from checkout import run_checked, full_score

from autograder.engine import isolation, landlock
from autograder.paths import ROOT
from test_hostile import (FULL, LAYOUT_CONFIG, Q2, Q4, build, check,  # noqa: F401
                          draw_cases, hostile_header, layout_factory, project_tree,
                          protected_layout,
                          reference, run_entry, run_layout, unprivileged_python)

PROBE = Path(__file__).parent / "isolation" / "probe.py"
MODES = ["root-ns", "root-ns-nolandlock", "root-direct", "root-direct-nolandlock", "plain",
         "plain-nolandlock"]
SAFE_DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")
DANGEROUS_DEVICES = ("/dev/tty", "/dev/console", "/dev/kmsg")


def _as_nobody():
    nobody = pwd.getpwnam("nobody")
    os.setgroups([])
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)


def mode_setup(mode: str, request) -> tuple[str, dict, object]:
    """(python, environment, preexec) for ``mode``; skips where this machine cannot offer it."""
    if os.geteuid() != 0:
        pytest.skip("the modes are set up from root (CI runs as root): not root here")
    if mode.endswith("-nolandlock") is False and mode != "root-blocked" and landlock.abi() < 1:
        pytest.skip("this kernel has no Landlock")
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp",
           "TMPDIR": "/tmp", "AUTOGRADER_LANDLOCK": "off" if mode.endswith("nolandlock") else "on"}
    if mode.startswith("root-ns"):
        return sys.executable, env, None
    if mode == "root-blocked":
        blocked = isolation._blocked_ancestor(os.path.realpath(sys.executable))
        if blocked is None:
            pytest.skip(f"{sys.executable} is reachable by every user here")
        return sys.executable, {**env, "AUTOGRADER_NAMESPACE": "off"}, None
    python = request.getfixturevalue("unprivileged_python")
    if mode.startswith("root-direct"):
        return python, {**env, "AUTOGRADER_NAMESPACE": "off"}, None
    return python, env, _as_nobody


def probe(mode: str, request, function: str, *args, timeout: float = 180) -> dict:
    python, env, preexec = mode_setup(mode, request)
    done = subprocess.run([python, str(PROBE), function, json.dumps(list(args))], cwd=ROOT,
                          env=env, preexec_fn=preexec, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# ============================================================================= 2, 3: powers
@pytest.fixture
def listening_socket():
    """A UNIX socket in the test's own folder that anyone may connect to."""
    folder = Path(tempfile.mkdtemp(prefix="ag-socket-", dir="/tmp"))
    folder.chmod(0o777)
    server = socket.socket(socket.AF_UNIX)
    path = folder / "bus"
    server.bind(str(path))
    path.chmod(0o777)
    server.listen(1)
    server.settimeout(0.5)
    yield str(path), server
    server.close()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("mode", MODES)
def test_the_worker_keeps_no_power(mode, request, listening_socket):
    path, server = listening_socket
    out = probe(mode, request, "powers", path)
    powers = json.loads(out["value"])
    uid = int(powers["Uid"])
    if mode.startswith("root"):  # a uid of this grading's own, no capability at all
        assert uid == out["uid"] and uid >= isolation.UID_BASE, (uid, out)
        assert powers["CapBnd"] == "0000000000000000" and powers["groups"] == []
        assert any(p.startswith("a uid of its own") for p in out["protections"])
    else:
        assert uid == pwd.getpwnam("nobody").pw_uid
    assert uid != 0
    assert powers["CapEff"] == powers["CapPrm"] == powers["CapAmb"] == "0000000000000000"
    assert powers["NoNewPrivs"] == "1" and powers["Seccomp"] == "2"
    for device in SAFE_DEVICES:
        assert powers[f"open {device}"] == "ok", (device, powers)
    for device in DANGEROUS_DEVICES:  # no terminal, console or kernel log, in any mode
        assert powers[f"open {device}"] != "ok", (device, powers)
    if not mode.endswith("nolandlock") or mode.startswith("root-ns"):  # Landlock or a /dev of
        for device in ("/dev/full", "/dev/ptmx"):                       # its own: only four
            assert powers[f"open {device}"] != "ok", (device, powers)
    # seccomp, in every mode: no device node or FIFO, no TIOCSTI, no socket of any family, no
    # new session or process group
    assert powers["mkfifo"] == powers["mknod"] == powers["TIOCSTI"] == "EPERM", powers
    assert powers["socket unix"] == powers["socket inet"] == powers["socket inet6"] == "EPERM"
    assert powers["connect unix"] == "EPERM"
    assert powers["setsid"] == powers["setpgid"] == "EPERM"  # whatever it starts stays in its group
    with pytest.raises(socket.timeout):
        server.accept()  # nothing reached the test's socket
    assert any("seccomp" in p for p in out["protections"])
    assert not out["scratch_left"]


@pytest.mark.parametrize("mode", MODES)
def test_nothing_outside_the_scratch_folder_is_writable(mode, request):
    """In a mount namespace every other mount is read-only; under Landlock only the scratch
    folder is writable. Without either (a root grader in a container without Landlock, or a
    plain user without it) /tmp stays writable: the README's limits say so."""
    name = f"ag-outside-{os.getpid()}-{mode}"
    try:
        out = probe(mode, request, "write_outside", name)
    finally:
        for folder in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
            Path(folder, name).unlink(missing_ok=True)
    confined = mode.startswith("root-ns") or not mode.endswith("nolandlock")
    if confined:
        assert "ok" not in out["value"].values(), out["value"]
    else:
        assert out["value"]["/tmp"] == "ok", out["value"]  # the limit, shown


def test_a_root_grader_without_a_runnable_python_starts_no_worker(request):
    out = probe("root-blocked", request, "powers", "/nonexistent")
    assert "sandbox_error" in out and "root's powers" in out["sandbox_error"], out


# ============================================================================= 6: disk
@pytest.mark.parametrize("mode", ["root-ns", "root-direct-nolandlock", "plain-nolandlock"])
def test_the_scratch_folder_is_bounded_in_size(mode, request):
    """200 MB in 20 files, written as fast as possible: a tmpfs says ENOSPC past 64 MB; where no
    tmpfs is possible, the watchdog stops the worker and empties the folder."""
    out = probe(mode, request, "fill", 20, 10, 3.0)
    if mode == "root-ns":
        written, error = out["value"]
        assert error == "ENOSPC" and written < 7, out
    else:
        assert "wrote more than 64 MB or 4096 files" in out.get("aborted", ""), out
        assert out["scratch_bytes"] <= 64 * 2 ** 20, out
    assert not out["scratch_left"]


@pytest.mark.parametrize("mode", ["root-ns", "plain-nolandlock"])
def test_the_scratch_folder_is_bounded_in_files(mode, request):
    out = probe(mode, request, "many", 20_000, 1.0)
    if mode == "root-ns":
        made, error = out["value"]
        assert error == "ENOSPC" and made < 4096, out
    else:
        assert "4096 files" in out.get("aborted", ""), out
    assert not out["scratch_left"]


# ============================================================================= 7: scratch removal
@pytest.mark.parametrize("mode", ["root-ns", "root-direct-nolandlock", "plain-nolandlock"])
def test_a_deep_tree_left_in_scratch_is_removed(mode, request):
    out = probe(mode, request, "deep", 3000)
    assert out["value"] == 3000 and not out["scratch_left"], out


@pytest.fixture
def deep_folder():
    """A folder of its own (not pytest's tmp_path, whose clean-up uses shutil.rmtree and would
    fail on a deep tree left by a failing test); removed with ``rm -rf`` at the end."""
    folder = Path(tempfile.mkdtemp(prefix="ag-deep-"))
    yield folder
    run_checked(["rm", "-rf", str(folder)])


def test_remove_tree_has_no_depth_limit(deep_folder):
    """Bottom-up removal without recursion: 3,000 levels (past PATH_MAX and Python's recursion
    limit, where shutil.rmtree fails), a folder of mode 0, a link that must not be followed."""
    tmp_path = deep_folder
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("keep")
    top = tmp_path / "scratch"
    top.mkdir()
    os.symlink(outside, top / "link")
    fd = os.open(top, os.O_RDONLY)
    for _ in range(3000):
        os.mkdir("dd", dir_fd=fd)
        child = os.open("dd", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = child
    os.symlink(outside, "link", dir_fd=fd)
    os.mkdir("locked", 0, dir_fd=fd)
    os.close(fd)
    isolation.remove_tree(top)
    assert not top.exists()
    assert (outside / "keep").read_text() == "keep"


def test_a_deep_tree_left_by_a_submission_costs_nothing(tmp_path, reference):
    """Graded end to end in this process's mode: a 3,000-deep tree made at import is cleaned up,
    and every question keeps its points (it was an autograder failure)."""
    graded = run_entry(tmp_path, reference, before=("deep_scratch",))
    check(graded, touched=set())
    assert "autograder failed" not in graded.text().lower()


# ============================================================================= 7: 10**400
def test_an_integer_too_large_is_the_students_failure(tmp_path, reference):
    graded = run_entry(tmp_path, reference, after=("huge_integer",))
    check(graded, touched={Q4}, message="returned an integer too large for an array")
    assert "autograder failed" not in graded.text().lower()


# ============================================================================= 1: batch
@pytest.fixture
def project_copy():
    """The project's tracked files (not docs or tests) in a folder every user can read, graded
    with the hostile suite's short limits."""
    root = project_tree("ag-isolation-project-")
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _batch(project: Path, python: str, reference, tmp: Path, names: dict[str, tuple], env: dict,
           preexec) -> dict:
    work = Path(tempfile.mkdtemp(prefix="ag-isolation-class-", dir="/tmp"))
    try:
        folder, out = work / "class", work / "out"
        for name, payloads in names.items():
            build(folder / name / "lm_training.py", reference, hostile_header(tmp), after=payloads)
        out.mkdir()
        if preexec is not None:  # the grader is nobody: its class folder and output are its own
            nobody = pwd.getpwnam("nobody")
            for path in [work, folder, out, *folder.rglob("*")]:
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
        done = subprocess.run([python, "-m", "autograder", "grade", str(folder), "--csv",
                               str(out / "grades.csv"), "--jobs", "2"], cwd=project, env=env,
                              preexec_fn=preexec, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        with open(out / "grades.csv") as f:
            return {row["submission"]: row for row in csv.DictReader(f)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


BATCH = {"a-correct": (), "b-hangs": ("loop_forever",), "c-correct": (),
         "d-crashes": ("exit_in_function",), "e-correct": (),
         "f-kills-everyone": ("kill_everyone",),
         "g-correct": ()}


@pytest.mark.parametrize("mode", ["root-ns", "root-direct-nolandlock", "plain"])
def test_parallel_grading_keeps_every_correct_submission_whole(mode, request, project_copy,
                                                                reference, tmp_path):
    """``grade DIR --jobs 2`` with hanging, crashing and killing submissions beside correct
    ones: every correct one keeps 100. (A plain user without Landlock ABI 6 is not covered: a
    submission that hunts the other grading's processes by pid, as the same user, can kill
    them; see the README's limits.)"""
    python, env, preexec = mode_setup(mode, request)
    if preexec is not None and landlock.abi() < 6:
        pytest.skip("Landlock ABI 6 (signal scoping) is what separates two gradings of one "
                    "plain user; this kernel has less")
    rows = _batch(project_copy, python, reference, tmp_path, BATCH, env, preexec)
    for name in BATCH:
        if name.endswith("correct"):
            assert float(rows[name]["total"]) == pytest.approx(full_score()), (name, rows[name])
    assert float(rows["b-hangs"][Q2]) < FULL[Q2]
    assert float(rows["f-kills-everyone"][Q2]) < FULL[Q2]


# ========================================================================= 9: Gradescope's files
def test_layout_metadata_is_unreadable_and_modes_are_reasserted(protected_layout, reference,
                                                                tmp_path):
    """run_autograder, at every run: submission_metadata.json (the previous submission's results,
    hidden feedback included) unreadable to the worker, the source and results folders the
    grader's alone again, whatever changed them since set-up."""
    root = protected_layout.root
    metadata = root / "submission_metadata.json"
    metadata.write_text(json.dumps({"previous_submissions": [{"results": {"tests": [
        {"output": "HIDDEN-FEEDBACK-OF-LAST-TIME"}]}}]}))
    metadata.chmod(0o644)
    run_checked(["chmod", "-R", "a+rwX", str(protected_layout.source)])
    (root / "results").chmod(0o777)
    data, _ = run_layout(protected_layout, reference, tmp_path, before=("read_metadata",),
                         metadata=str(metadata))
    assert "METADATA denied" in data["output"], data["output"][:2000]
    assert "HIDDEN-FEEDBACK-OF-LAST-TIME" not in json.dumps(data)
    assert metadata.stat().st_mode & 0o077 == 0
    assert (root / "results").stat().st_mode & 0o777 == 0o700
    loose = [p for p in [protected_layout.source, *protected_layout.source.rglob("*")]
             if p.stat().st_mode & 0o077]
    assert not loose, loose[:5]
    assert data["score"] == pytest.approx(full_score()), data["score"]


# ============================================================================= 6: results.json
FILL_DISK = r"""
import json, sys
from autograder.engine.api import TestOutcome
from autograder.engine.results import GradingResult, reserve_results, write_results
path = sys.argv[1] + "/results/results.json"
reserve_results(path)                         # before any student code runs
try:                                          # then the disk fills up
    with open(sys.argv[1] + "/filler", "wb") as f:
        while True:
            f.write(b"x" * 65536)
except OSError as e:
    print("full", e.errno)
tests = [TestOutcome(name=f"q1_chunking test {i}", question="q1_chunking", score=1.0,
                     max_score=1.0, passed=True, output="Passed. " * 400,
                     visibility="visible") for i in range(100)]
write_results(GradingResult(submission="s", tests=tests, messages=["done"]), path)
data = json.load(open(path))
print("score", data["score"], len(data["tests"]))
"""


def test_results_json_is_written_on_a_full_disk(tmp_path):
    """The placeholder written before grading reserves results.json's blocks: a disk that the
    submission fills cannot stop the final write (a 2 MB tmpfs, in a mount namespace)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) to mount a small tmpfs (CI runs as root)")
    script = tmp_path / "fill.py"
    script.write_text(FILL_DISK)
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         'mount -t tmpfs -o size=2m tmpfs "$1" && "$2" "$3" "$1"', "sh", str(disk),
         sys.executable, str(script)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "full 28" in done.stdout and "score 100.0 100" in done.stdout, done.stdout
