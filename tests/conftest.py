"""Shared test settings: a derandomized hypothesis profile (no database, no deadline)."""
import os
import shutil
import sys
from pathlib import Path

if os.environ.get("PYTEST_XDIST_WORKER"):  # each worker (and what it starts) on one core:
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")  # two workers' BLAS threads would only contend

from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

settings.register_profile(
    "project",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "project"))


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def dist(tmp_path_factory):
    """One full build (student release, executed solutions, both zips) for the whole run, shared
    by pytest-xdist's workers (``make test`` runs two): the first to ask builds it, under a
    lock, and the others wait for it. Tests only read it."""
    import fcntl

    from autograder.cli import main

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        out = tmp_path_factory.mktemp("dist")
        assert main(["build", "--out", str(out)]) == 0
        return out
    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker
    out, done = shared / "dist", shared / "dist.built"
    with open(shared / "dist.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            shutil.rmtree(out, ignore_errors=True)  # a worker that failed to build left it
            assert main(["build", "--out", str(out)]) == 0
            done.touch()
    return out


@pytest.fixture(scope="session")
def graded_catalog(request, tmp_path_factory):
    """The catalog's bugs graded in process (tests/catalog_results.py), once per run: kept in
    pytest's cache folder while the sources stay the same (in the run's temporary folder with
    ``-p no:cacheprovider``)."""
    from catalog_results import graded_catalog as grade

    cache = getattr(request.config, "cache", None)
    folder = (cache.mkdir("catalog") if cache is not None
              else tmp_path_factory.getbasetemp().parent / "catalog")
    return grade(Path(folder))


# The slowest files first (seconds on 2 idle cores, measured with --durations): pytest-xdist
# hands whole files to its workers in this order (``--dist loadfile --no-loadscope-reorder`` in
# pyproject.toml), so that no long file starts last while the other worker idles. A wrong or
# missing figure costs only time.
SLOW_FILES = {"test_paths.py": 180, "test_hostile.py": 120, "test_isolation.py": 80,
              "test_verify.py": 70, "test_build.py": 60, "test_packaging.py": 55,
              "test_bench.py": 50, "test_put_it_together.py": 40, "test_classroom.py": 35,
              "test_grading.py": 30, "test_new_question.py": 100, "test_feedback.py": 15,
              "test_cluster.py": 200, "test_integrity.py": 110, "test_term.py": 75,
              "test_student_text.py": 60, "test_malformed_inputs.py": 50,
              "test_public_checks.py": 45}


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: -SLOW_FILES.get(item.path.name, 0))  # stable: files stay whole
