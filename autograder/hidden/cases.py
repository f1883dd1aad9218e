"""Each hidden test's generated inputs, drawn once by hypothesis and replayed at every grading.

Drawing inputs is most of what a grading used to cost (hypothesis generating and mutating
examples), and it is the same work for every submission: the inputs of a derandomized profile
do not depend on the code under test until a test fails. So hypothesis draws each test's
``examples_per_test`` inputs once, here, and a *case book* keeps them with the choice sequence
that produced each. A grading replays the book (no hypothesis), and only when a case fails does
hypothesis run: it starts from that case's choices (its example database) and shrinks it to the
smallest failing input, as it always did.

A book is drawn in a fresh process (``python -m autograder.hidden.draw``) that imports the same
modules every time and takes hypothesis's pool of "local constants" from the grader's own
packages only (``autograder``, ``reference``), wherever they are installed: the inputs are the
same on every machine and path (a checkout, an installed package, Gradescope), whatever else the
grading process has loaded. A book records the hash of every module that shaped it and the
versions of Python, numpy and hypothesis; a stale book is drawn again. The build ships the
default book inside the Gradescope zip.

Books are JSON in the wire format (:mod:`autograder.engine.wire`): nothing is unpickled.
"""
from __future__ import annotations

import base64
import copy
import functools
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograder.engine import wire
from autograder.engine.api import TorchTensor

FORMAT = 1
PACKAGES = ("autograder", "reference", "assignments")
"""the packages whose modules' constants hypothesis may mix into the draws (the question folders'
hidden tests are under ``assignments``)"""
DIR_ENV = "AUTOGRADER_CASES"
"""a folder for the books, instead of the default ones"""
SHIPPED = Path(__file__).resolve().parent / "_cases"
"""where the build puts the books it ships (and a checkout keeps the ones it drew)"""


class CaseBookError(Exception):
    """A book could not be drawn or read."""


def test_key(question: str, description: str) -> str:
    """A test's name in a book."""
    return f"{question}::{description}"


def file_name(examples: int, seed: int | None) -> str:
    return f"cases-{examples}-{'derandomized' if seed is None else f'seed{seed}'}.json"


# ----------------------------------------------------------------------------- encoding
def _encode(value: Any) -> Any:
    def tensor(v):
        if isinstance(v, TorchTensor):
            return {"__torch_arg__": [wire._array(v.array), v.requires_grad, v.device]}
        return None

    return wire.encode(value, tensor, exact_ints=True)


def _decode(obj: Any) -> Any:
    return wire.decode(obj, torch_arg=lambda a, rg, device: TorchTensor(a, rg, device),
                       exact_ints=True)


def _same(a: Any, b: Any) -> bool:
    """Equal in value and in type, at any depth (what replaying needs of a decoded case)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, TorchTensor):
        return a.requires_grad == b.requires_grad and a.device == b.device and _same(
            np.asarray(a.array), np.asarray(b.array))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return repr(a) == repr(b)  # -0.0 and nan too
    return a == b


# ----------------------------------------------------------------------------- fingerprint
def _module_hash(name: str) -> str | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not os.path.isfile(spec.origin):
        return None
    return hashlib.sha256(Path(spec.origin).read_bytes()).hexdigest()


def _hypothesis_version() -> str:
    """hypothesis's version, read from its installed metadata's folder name (importing
    hypothesis takes 0.2 s, and a grading that passes never needs it), else from hypothesis."""
    spec = importlib.util.find_spec("hypothesis")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            found = list(Path(location).parent.glob("hypothesis-*.dist-info"))
            if len(found) == 1:
                return found[0].name[len("hypothesis-"):-len(".dist-info")]
    import hypothesis

    return hypothesis.__version__


def _versions() -> dict[str, str]:
    return {"python": "%d.%d" % sys.version_info[:2], "numpy": np.__version__,
            "hypothesis": _hypothesis_version(), "format": str(FORMAT)}


def _ours(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def fingerprint_now() -> dict:
    """The versions and the hash of each of our modules loaded in this process."""
    modules = {name: _module_hash(name) for name in sorted(sys.modules) if _ours(name)
               and getattr(sys.modules[name], "__file__", None)}
    return {"versions": _versions(), "modules": modules}


def is_current(fingerprint: dict) -> bool:
    """The modules and versions that shaped a book are still those of this installation."""
    if not isinstance(fingerprint, dict) or fingerprint.get("versions") != _versions():
        return False
    modules = fingerprint.get("modules")
    return isinstance(modules, dict) and bool(modules) and all(
        _module_hash(name) == digest for name, digest in modules.items())


# ----------------------------------------------------------------------------- drawing
def _pin_constant_pool() -> None:
    """Let hypothesis take its "local constants" from our packages only (it otherwise reads
    every module it deems local, which depends on where things are installed and on what the
    process imported)."""
    from hypothesis.internal.conjecture import providers

    roots = []
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            roots += [os.path.join(os.path.realpath(p), "") for p in
                      spec.submodule_search_locations]
    providers.is_local_module_file = lambda path: os.path.realpath(path).startswith(tuple(roots))


def _seed_of(key: str, seed: int | None) -> int:
    text = f"{'derandomized' if seed is None else seed}:{key}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def draw_test(strategy: Any, examples: int, seed: int) -> list[tuple[Any, tuple]]:
    """``examples`` inputs from ``strategy`` with the choices that produced each, drawn by
    hypothesis's generate phase under ``seed``."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as seed_
    from hypothesis.control import current_build_context

    from autograder.hidden.strategies import strategy as built

    found = []

    def record(case):
        found.append((copy.deepcopy(case), tuple(current_build_context().data.choices)))

    test = settings(parent=settings.get_profile("default"), database=None, deadline=None,
                    derandomize=False, max_examples=examples, phases=(Phase.generate,),
                    suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
                    print_blob=False)(given(built(strategy))(record))
    seed_(seed)(test)()
    return found


def draw_book(examples: int, seed: int | None) -> dict:
    """Draw every hidden test's inputs (numpy and torch tracks). Run in a fresh process (see
    :func:`main`) so that the draws do not depend on what else was imported."""
    from hypothesis.database import choices_to_bytes

    _pin_constant_pool()
    from autograder import hidden

    tests: dict[str, dict] = {}
    for module in hidden.modules(torch_track=True):
        for spec in hidden.declared(module):
            if spec.given is None:
                continue
            key = test_key(spec.question, spec.description)
            if key in tests:
                raise CaseBookError(f"two hidden tests are called {key!r}")
            cases, choices = [], []
            for case, made_of in draw_test(spec.given, examples, _seed_of(key, seed)):
                encoded = _encode(case)
                if not _same(_decode(json.loads(json.dumps(encoded))), case):
                    raise CaseBookError(f"{key}: the input {case!r} does not survive the wire "
                                        "format (use arrays, numbers, lists, tuples, dicts)")
                cases.append(encoded)
                choices.append(base64.b64encode(choices_to_bytes(made_of)).decode("ascii"))
            tests[key] = {"cases": cases, "choices": choices}
    return {"format": FORMAT, "examples": examples, "seed": seed,
            "fingerprint": fingerprint_now(), "tests": tests}


# ----------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class Book:
    """The drawn inputs of every hidden test for one (examples, seed)."""

    examples: int
    seed: int | None
    tests: dict

    def cases(self, question: str, description: str) -> list[tuple[Any, bytes]]:
        """(input, choices) of each drawn case of a test, in drawing order (copy an input
        before handing it to code that may change it)."""
        entry = self.tests.get(test_key(question, description))
        if entry is None:
            raise CaseBookError(f"no drawn inputs for {test_key(question, description)!r}")
        return list(entry)


_SCRATCH: list[Path] = []  # this process's own folder, when no other can be written


def _folders() -> list[Path]:
    """Where books are looked for, then written: $AUTOGRADER_CASES, the package's own folder,
    the user's cache, else a temporary folder of this process's."""
    folders = []
    if os.environ.get(DIR_ENV):
        folders.append(Path(os.environ[DIR_ENV]))
    folders.append(SHIPPED)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folders.append(Path(cache) / "lm-training-autograder" / "cases")
    return folders + _SCRATCH


def _read(path: Path) -> dict | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            data = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or \
            not is_current(data.get("fingerprint")):
        return None
    return data


def _book(data: dict) -> Book:
    tests = {}
    for key, entry in data["tests"].items():
        cases = [_decode(c) for c in entry["cases"]]
        choices = [base64.b64decode(c) for c in entry["choices"]]
        tests[key] = list(zip(cases, choices, strict=True))
    return Book(data["examples"], data["seed"], tests)


def _draw_in_fresh_process(examples: int, seed: int | None, out: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    env["PYTHONPATH"] = os.pathsep.join([str(root)] + [p for p in
                                                       env.get("PYTHONPATH", "").split(os.pathsep)
                                                       if p])
    command = [sys.executable, "-m", "autograder.hidden.draw", "--examples", str(examples),
               "--out", str(out)] + ([] if seed is None else ["--seed", str(seed)])
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True,
                          timeout=900)
    if done.returncode != 0:
        raise CaseBookError(f"drawing the hidden tests' inputs failed:\n{done.stderr[-3000:]}")


def ensure(examples: int, seed: int | None = None) -> Path:
    """The path of a current book for (examples, seed), drawing it (in a fresh process) into
    the first writable folder when there is none."""
    return _ensure(examples, seed)[0]


def _ensure(examples: int, seed: int | None) -> tuple[Path, dict]:
    """(path, contents) of a current book, read once."""
    name = file_name(examples, seed)
    for folder in _folders():
        data = _read(folder / name)
        if data is not None:
            return folder / name, data
    for folder in _folders():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".drawing-", suffix=".json", dir=folder)
            os.close(fd)
        except OSError:
            continue
        try:
            _draw_in_fresh_process(examples, seed, Path(tmp))
            os.replace(tmp, folder / name)  # atomic: a parallel drawing writes the same book
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        data = _read(folder / name)
        if data is None:
            raise CaseBookError(f"{folder / name} is not a current book of drawn inputs")
        return folder / name, data
    if not _SCRATCH:  # a read-only installation and no home: draw for this process only
        _SCRATCH.append(Path(tempfile.mkdtemp(prefix="ag-cases-")))
        return _ensure(examples, seed)
    raise CaseBookError("no folder to keep the hidden tests' inputs in (set "
                        f"{DIR_ENV} to a writable folder)")


_LOCK = threading.Lock()  # batch grading runs gradings in threads: one drawing at a time


def book(examples: int, seed: int | None = None) -> Book:
    """The book for (examples, seed): read, or drawn once and kept."""
    with _LOCK:
        return _load(examples, seed)


@functools.lru_cache(maxsize=8)
def _load(examples: int, seed: int | None) -> Book:
    return _book(_ensure(examples, seed)[1])


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m autograder.hidden.draw",
                                     description="Draw every hidden test's inputs once.")
    parser.add_argument("--examples", type=int, help="examples per test (default: the "
                        "grading settings')")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", type=Path, help="write the book here (default: keep it where "
                        "grading looks, drawing it only when there is no current one)")
    args = parser.parse_args(argv)
    if args.examples is None:
        from autograder.engine.config import load_config

        args.examples = load_config().examples_per_test
    if args.out is None:
        print(ensure(args.examples, args.seed))
        return 0
    data = draw_book(args.examples, args.seed)
    args.out.write_text(json.dumps(data, separators=(",", ":"), allow_nan=True))
    return 0
