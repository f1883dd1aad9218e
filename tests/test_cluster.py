"""Issue 26: batch grading on dask.distributed, with real ``dask scheduler`` and ``dask worker``
processes on this machine (ports picked by the scheduler itself: other runs may be going on).

A folder of submissions (correct, buggy, hanging, crashing, hostile: built with the hostile
suite's helpers) is graded with ``grade DIR --jobs 2`` and on a cluster of two workers, one of
which is killed while it grades: the CSVs are the same, byte for byte, with one row per
submission. A worker that runs another code version is refused before anything is graded; a
run resumed grades only what is missing. Everything is graded in a copy of the project with the
hostile suite's short limits (one example budget, one-second calls), as tests/test_isolation.py
does. No timing is asserted; the timeouts only bound a run that went wrong.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from checkout import run_checked, full_score

from autograder.batchgrade import entries
from autograder.build.release import solutions_module
from autograder.build.template import template_text
from autograder.cluster.pack import pack, unpack
from autograder.cluster.version import code_version
from autograder.engine import choose
from autograder.questions import ALL_FUNCTIONS
from test_hostile import build, hostile_header, project_tree

DASK = str(Path(sys.executable).parent / "dask")
RUN_TIMEOUT_S = 900  # a whole batch; it takes a minute or two here
START_TIMEOUT_S = 120  # a scheduler or a worker to come up

# 30 submissions, as the issue asks: 28 of six kinds, the untouched template, a damaged notebook
KINDS = {
    "correct": (), "buggy": ("garbage_q2",), "hangs": ("loop_forever",),
    "crashes": ("exit_in_function",), "kills-everyone": ("kill_everyone",),
    "lies": ("lying_values",),
}
COPIES = {"correct": 10, "buggy": 8, "hangs": 3, "crashes": 3, "kills-everyone": 2, "lies": 2}


# ----------------------------------------------------------------------------- the class
@pytest.fixture(scope="module")
def reference() -> str:
    return solutions_module()


@pytest.fixture(scope="module")
def project():
    """The project's tracked files (not docs or tests) with the hostile suite's short limits."""
    root = project_tree("ag-cluster-project-")
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def klass(reference, tmp_path_factory):
    """The class folder: every kind of submission, a folder (a repository) among them, the
    untouched template and a damaged notebook."""
    tmp = tmp_path_factory.mktemp("cluster-class")
    folder = tmp / "class"
    for kind, payloads in KINDS.items():
        for i in range(COPIES[kind]):
            name = f"{kind}-{i}"
            path = folder / name / "lm_training.py" if i == 0 else folder / f"{name}.py"
            build(path, reference, hostile_header(tmp), after=payloads)
    (folder / "untouched.py").write_text(template_text())
    (folder / "damaged.ipynb").write_text("{oops")
    run_checked(["chmod", "-R", "a+rX", str(tmp)])
    return folder


# ----------------------------------------------------------------------------- processes
def _env(project: Path) -> dict:
    """A dask process of ``project``'s code (the scheduler reads the tasks, the workers run
    them: both import the grader)."""
    return {**os.environ, "PYTHONPATH": str(project), "OMP_NUM_THREADS": "1"}


class Cluster:
    """A ``dask scheduler`` and its ``dask worker`` processes, each in a session of its own (so
    that the grading processes a worker started go with it at the end)."""

    def __init__(self, work: Path, project: Path, env: dict | None = None):
        self.work, self.workers = work, []
        # the workers' temporary folders (a killed worker leaves its grading's behind): one
        # folder that every grading's user can pass through, removed at close
        self.tmp = Path(tempfile.mkdtemp(prefix="ag-cluster-tmp-", dir="/tmp"))
        self.tmp.chmod(0o755)
        self.file = work / "scheduler.json"
        self.scheduler = self._start([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0",
                                      "--no-dashboard", "--scheduler-file", str(self.file)],
                                     project, "scheduler", {**_env(project), **(env or {})})
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.file.is_file() and time.monotonic() < deadline:
            assert self.scheduler.poll() is None, self._log("scheduler")
            time.sleep(0.2)
        assert self.file.is_file(), self._log("scheduler")
        self.address = json.loads(self.file.read_text())["address"]

    def _start(self, cmd: list[str], cwd: Path, log: str, env: dict | None = None):
        out = open(self.work / f"{log}.log", "w")
        return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def _log(self, name: str) -> str:
        return (self.work / f"{name}.log").read_text()[-3000:]

    def add_worker(self, project: Path, name: str, nanny: bool = False) -> subprocess.Popen:
        """A worker process grading one submission at a time with the grading code of
        ``project``; without a nanny, killed, it stays dead (a nanny starts another)."""
        worker = self._start([DASK, "worker", "--scheduler-file", str(self.file), "--nthreads",
                              "1", "--nanny" if nanny else "--no-nanny", "--no-dashboard",
                              "--name", name], project, name,
                             {**_env(project), "TMPDIR": str(self.tmp)})
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, n: int) -> None:
        probe = ("import sys; from distributed import Client; c = Client(sys.argv[1], "
                 "timeout=60); c.wait_for_workers(int(sys.argv[2]), timeout=110); c.close()")
        done = subprocess.run([sys.executable, "-c", probe, self.address, str(n)],
                              capture_output=True, text=True, timeout=START_TIMEOUT_S + 30)
        assert done.returncode == 0, done.stderr[-2000:] + self._log("scheduler")

    def close(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=60)
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture
def cluster(tmp_path):
    made = []

    def make(project: Path, env: dict | None = None) -> Cluster:
        made.append(Cluster(tmp_path, project, env))
        return made[-1]

    yield make
    for c in made:
        c.close()


def grade(project: Path, folder: Path, csv_path: Path, *options: str,
          wait: bool = True) -> subprocess.Popen | subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autograder", "grade", str(folder), "--csv", str(csv_path),
           *options]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if wait:
        return subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True,
                               timeout=RUN_TIMEOUT_S)
    log = open(csv_path.parent / "grade.log", "w")
    return subprocess.Popen(cmd, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT)


def rows(csv_path: Path) -> list[dict]:
    with open(csv_path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def results_of(folder: Path) -> list[Path]:
    """The results.json files of a results folder (not its code-version stamp)."""
    return [p for p in folder.glob("*.json") if not p.name.startswith(".")]


def wait_for_group(pgid: int, timeout_s: float = 300) -> None:
    """Until the processes of the session ``pgid`` are gone (a grading whose dask worker was
    killed goes on alone until it ends, within its grading timeout); no assertion: only so that
    the cleanup at the end never stops a grading in the middle."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)


def parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def gradings() -> dict[int, list[bytes]]:
    """Every ``python -m autograder grade`` process: pid -> its command line."""
    found = {}
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().split(b"\0")
        except OSError:
            continue
        if b"autograder" in cmdline and b"grade" in cmdline:
            found[int(entry)] = cmdline
    return found


def grading_children(pid: int) -> list[int]:
    """The ``python -m autograder grade`` processes that the process ``pid`` started."""
    return [child for child in gradings() if parent(child) == pid]


# ----------------------------------------------------------------------------- the tests
def test_a_cluster_grades_as_a_local_batch_and_a_killed_worker_loses_nothing(
        project, klass, cluster, tmp_path):
    """The issue's test: two worker processes, one killed with SIGKILL while it grades (after
    a few results came back): the CSV equals ``grade DIR --jobs 2``'s, byte for byte, one row
    per submission; the class report is written as a local batch writes it."""
    local = tmp_path / "local" / "grades.csv"
    local.parent.mkdir()
    done = grade(project, klass, local, "--jobs", "2")
    assert done.returncode == 0, done.stderr[-3000:]

    c = cluster(project)
    victim = c.add_worker(project, "victim")
    c.add_worker(project, "survivor")
    c.wait_for_workers(2)
    remote = tmp_path / "remote" / "grades.csv"
    remote.parent.mkdir()
    results = tmp_path / "remote" / "results"
    run = grade(project, klass, remote, "--scheduler", c.address, "--results-dir", str(results),
                wait=False)
    killed_while_grading = False
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while run.poll() is None and time.monotonic() < deadline:
        arrived = len(results_of(results)) if results.is_dir() else 0
        if arrived >= 2 and grading_children(victim.pid):
            victim.send_signal(signal.SIGKILL)  # the worker alone: its grading is orphaned
            killed_while_grading = True
            break
        time.sleep(0.05)
    run.wait(timeout=max(1.0, deadline - time.monotonic()))
    log = (remote.parent / "grade.log").read_text()
    assert run.returncode == 0, log[-3000:]
    assert killed_while_grading, "the victim never graded after two results had come back"
    assert victim.wait(timeout=60) == -signal.SIGKILL
    wait_for_group(victim.pid)  # its orphaned grading ends on its own, its sandbox cleaned up

    assert remote.read_bytes() == local.read_bytes(), log[-3000:]
    names = [r["submission"] for r in rows(remote)]
    assert sorted(names) == names == [e.name for e in entries(klass)]  # each once, in order
    assert sorted(p.name for p in results_of(results)) == sorted(f"{n}.json" for n in names)
    for report in ("report.md", "gradebook.csv"):
        assert (remote.parent / report).is_file()
    by_name = {r["submission"]: r for r in rows(remote)}
    assert float(by_name["correct-0"]["total"]) == pytest.approx(full_score()), by_name
    assert float(by_name["hangs-0"]["total"]) < full_score(), by_name
    assert "worker(s) took part" in log and "submissions a minute" in log
    assert f"{len(names)} submission(s) graded in" in log  # one result each reached the client


def test_a_worker_with_another_code_version_is_refused(project, klass, cluster, tmp_path):
    """A worker whose reference differs by one comment: nothing is graded, and the message
    says which worker, which part differs and what to do."""
    other = tmp_path / "other"
    shutil.copytree(project, other, ignore=shutil.ignore_patterns("__pycache__"))
    with open(other / "reference" / "__init__.py", "a") as f:
        f.write("\n# another version\n")
    c = cluster(project)
    c.add_worker(other, "other-version")
    c.wait_for_workers(1)
    out = tmp_path / "out" / "grades.csv"
    out.parent.mkdir()
    done = grade(project, klass, out, "--scheduler", c.address)
    assert done.returncode == 2, done.stderr[-3000:]
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("ERROR expected every dask worker to grade with this code version")
    assert "other-version" in message or "tcp://" in message
    assert "sources:" in message and "same checkout" in message
    assert not out.exists()
    assert not results_of(out.parent / "grades-results")


def test_a_submission_whose_worker_dies_every_time_is_marked_after_bounded_tries(
        project, klass, cluster, tmp_path):
    """A worker (restarted by its nanny) is killed whenever it grades one submission: that
    submission is tried allowed-failures + 1 times (the scheduler's setting, 1 here), then
    recorded as not finished with a note; the others are graded."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("correct-1.py", "buggy-1.py"):
        shutil.copy(klass / name, folder / name)
    shutil.copy(klass / "correct-2.py", folder / "poison.py")
    c = cluster(project, {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"})
    nanny = c.add_worker(project, "restarted", nanny=True)
    c.wait_for_workers(1)
    out = tmp_path / "out" / "grades.csv"
    out.parent.mkdir()
    run = grade(project, folder, out, "--scheduler", c.address, wait=False)
    killed: set[int] = set()
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while run.poll() is None and time.monotonic() < deadline:
        for pid, cmdline in gradings().items():
            worker = parent(pid)
            if not any(a.endswith(b"/poison.py") for a in cmdline):
                continue
            if worker not in killed and parent(worker) == nanny.pid:
                os.kill(worker, signal.SIGKILL)
                killed.add(worker)
        time.sleep(0.05)
    run.wait(timeout=max(1.0, deadline - time.monotonic()))
    log = (out.parent / "grade.log").read_text()
    assert run.returncode == 0, log[-3000:]
    assert len(killed) == 2, (killed, log[-3000:])  # tried twice, then never again
    by_name = {r["submission"]: r for r in rows(out)}
    assert by_name["poison.py"]["note"].startswith("grading did not finish: the dask worker "
                                                   "grading it died 2 times"), by_name
    assert float(by_name["correct-1.py"]["total"]) == pytest.approx(full_score()), by_name
    assert float(by_name["buggy-1.py"]["total"]) < full_score(), by_name


@pytest.fixture
def small_class(klass, tmp_path):
    """Six of the class's submissions (every kind but the hostile ones)."""
    folder = tmp_path / "small-class"
    folder.mkdir()
    for name in ("buggy-0", "buggy-1.py", "correct-1.py", "correct-2.py", "hangs-1.py",
                 "untouched.py"):
        (shutil.copytree if (klass / name).is_dir() else shutil.copy)(klass / name,
                                                                      folder / name)
    return folder


def test_a_scheduler_that_cannot_load_the_grader_is_refused(project, klass, cluster, tmp_path):
    """dask reads the tasks on the scheduler: one started outside the checkout is named, with
    the fix, before anything is submitted."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    c = cluster(elsewhere, {"PYTHONPATH": ""})
    c.add_worker(project, "w")
    c.wait_for_workers(1)
    out = tmp_path / "out" / "grades.csv"
    done = grade(project, klass, out, "--scheduler", c.address)
    assert done.returncode == 2, done.stderr[-3000:]
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith(f"ERROR expected the dask scheduler at {c.address} to load the "
                              "grader"), message
    assert "PYTHONPATH=CHECKOUT dask scheduler" in message
    assert not out.parent.exists()


def test_a_run_resumed_grades_only_what_is_missing(project, small_class, cluster, tmp_path):
    """Results of an interrupted run (all but three here) are read back, not graded again; the
    CSV is that of a whole run; resuming results of another code version is refused."""
    klass = small_class
    c = cluster(project)
    c.add_worker(project, "w")
    c.wait_for_workers(1)
    first = tmp_path / "first" / "grades.csv"
    first.parent.mkdir()
    results = tmp_path / "results"
    done = grade(project, klass, first, "--scheduler", c.address, "--results-dir", str(results))
    assert done.returncode == 0, done.stderr[-3000:]
    for name in ("buggy-1.py", "correct-2.py", "untouched.py"):
        (results / f"{name}.json").unlink()
    kept = {p.name: p.stat().st_mtime_ns for p in results_of(results)}
    second = tmp_path / "second" / "grades.csv"
    second.parent.mkdir()
    done = grade(project, klass, second, "--scheduler", c.address, "--results-dir",
                 str(results), "--resume")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "3 submission(s) graded" in done.stdout
    assert f"{len(kept)} graded already" in done.stdout
    assert second.read_bytes() == first.read_bytes()
    assert {p.name: p.stat().st_mtime_ns for p in results_of(results) if p.name in kept} == kept

    stamp = results / ".code-version.json"
    stamp.write_text(json.dumps({"digest": "0" * 16}))
    done = grade(project, klass, second, "--scheduler", c.address, "--results-dir",
                 str(results), "--resume")
    assert done.returncode == 2 and "run without --resume" in done.stderr, done.stderr[-2000:]


def test_a_packed_entry_is_what_the_file_rule_sees(tmp_path, reference):
    """Packed here and laid out elsewhere, a folder gives the file rule the same files, the same
    notes (links reported, not followed) and the same bytes; files the rule never reads travel
    as their size."""
    entry = tmp_path / "repo"
    (entry / "nested" / "deeper").mkdir(parents=True)
    (entry / "lm_training.py").write_text(reference)
    (entry / "nested" / "deeper" / "draft.ipynb").write_text("{oops")
    (entry / "notes.txt").write_bytes(b"x" * 10_000)
    (entry / ".git").mkdir()
    (entry / ".git" / "config").write_text("[core]")
    os.symlink("/etc/passwd", entry / "link.py")
    os.symlink("/etc", entry / "nested" / "linked-folder")
    packed = pack(entry)
    assert ("notes.txt", "sized", 10_000) in packed.items
    assert not any(rel.startswith(".git/") for rel, _, _ in packed.items)
    there = unpack(packed, tmp_path / "there")
    assert there == tmp_path / "there" / "repo"
    assert os.readlink(there / "link.py") == "/etc/passwd"

    def seen(folder: Path, scratch: Path):
        scratch.mkdir()
        found, notes = choose.gather(folder, scratch, ALL_FUNCTIONS)
        return [(f.name, f.work, f.error, f.size) for f in found], notes

    assert seen(there, tmp_path / "s2") == seen(entry, tmp_path / "s1")
    assert (there / "notes.txt").stat().st_size == 10_000
    single = unpack(pack(entry / "lm_training.py"), tmp_path / "single")
    assert single.read_text() == reference
    link = unpack(pack(entry / "link.py"), tmp_path / "link")
    assert os.path.islink(link)


def test_the_code_version_follows_the_sources_and_the_settings(project, tmp_path):
    other = tmp_path / "other"
    for name in ("autograder", "reference", "assignments"):
        shutil.copytree(project / name, other / name,
                        ignore=shutil.ignore_patterns("__pycache__", "_cases"))
    shutil.copy(project / "otter_config.json", other / "otter_config.json")
    same = code_version(other)
    assert same == code_version(project)  # the drawn books and caches do not count
    (other / "otter_config.json").write_text("{}")
    changed = code_version(other)
    assert changed.digest != same.digest
    assert [d.split(":")[0] for d in same.differences(changed)] == ["otter_config.json"]
