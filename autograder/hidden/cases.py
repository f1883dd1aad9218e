"""Each hidden test's generated inputs, drawn once by hypothesis and replayed at every grading.

Drawing inputs is most of what a grading used to cost (hypothesis generating and mutating
examples), and it is the same work for every submission: the inputs of a derandomized profile
do not depend on the code under test until a test fails. So hypothesis draws each test's
``examples_per_test`` inputs once, here, and a *case book* keeps them with the choice sequence
that produced each. A grading replays the book (no drawing), and only when a case fails does
hypothesis run: it starts from that case's choices (its example database) and shrinks it to the
smallest failing input, as it always did.

A book holds one entry per test, under the test's key (:mod:`autograder.hidden.keys`): the hash
of what shapes its inputs (its own code and the strategies, helpers and reference functions it
uses, the seed, the versions of Python, numpy and hypothesis). Hypothesis's pool of "local
constants" (numbers it reads from the modules loaded) is off while drawing, so nothing else
shapes them. When a key changes, that test alone is drawn again; every other test's inputs stay
byte for byte what they were. A book also records the hash of each module its keys read: while
they are unchanged, a grading checks no key. Drawing runs in a fresh process
(``python -m autograder.hidden.draw``, which brings the book up to date: the command to run
after editing a hidden test, then commit ``_cases/``); the build ships the book.

Books are JSON in the wire format (:mod:`autograder.engine.wire`), one line per test: nothing is
unpickled.
"""
from __future__ import annotations

import base64
import copy
import functools
import hashlib
import importlib
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
from autograder.hidden import keys

FORMAT = 2
"""the book's format; also how tests are drawn (:func:`draw_test`): a change there bumps it"""
DIR_ENV = "AUTOGRADER_CASES"
"""a folder for the books, instead of the default ones"""
SHIPPED = Path(__file__).resolve().parent / "_cases"
"""where the build puts the books it ships (and a checkout keeps the ones it drew)"""
HOOKS = ("hypothesis.internal.conjecture.providers:is_local_module_file",
         "hypothesis.control:current_build_context", "hypothesis.database:choices_to_bytes")
"""hypothesis's private names the drawing uses (``current_build_context().data.choices`` too):
turning off the pool of local constants, reading a case's choices, storing them"""


class CaseBookError(Exception):
    """A book could not be drawn or read."""


def test_key(question: str, description: str) -> str:
    """A test's name in a book."""
    return f"{question}::{description}"


def file_name(examples: int, seed: int | None) -> str:
    return f"cases-{examples}-{'derandomized' if seed is None else f'seed{seed}'}.json"


def declared() -> list:
    """Every declared hidden test that draws its inputs (``given``), of every track: the one
    place that knows where the tests are declared."""
    from autograder import hidden

    return [spec for module in hidden.modules(torch_track=True) for spec in hidden.declared(module)
            if spec.given is not None]


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


# ----------------------------------------------------------------------------- keys
def _versions() -> dict[str, str]:
    return {**keys.versions(), "format": str(FORMAT)}


def current_keys(specs: list, examples: int, seed: int | None) -> tuple[dict, dict]:
    """({test name: key}, {module: hash of its file}) for ``specs``, read from the source."""
    reader, versions, found = keys.Reader(), _versions(), {}
    for spec in specs:
        name = test_key(spec.question, spec.description)
        if name in found:
            raise CaseBookError(f"expected one hidden test per name, got two called {name!r}; "
                                "give one of them another description")
        found[name] = keys.key_of(reader, test=name, module=spec.check.__module__,
                                  qualname=spec.check.__qualname__, examples=examples,
                                  seed=seed, versions=versions)
    return found, reader.sources()


def is_current(data: dict, names: set[str]) -> bool:
    """The book holds the tests ``names`` and the modules its keys read are unchanged (so is
    every key)."""
    sources = data.get("sources")
    return data.get("versions") == _versions() and set(data.get("tests", ())) == names and \
        isinstance(sources, dict) and bool(sources) and \
        all(keys.file_hash(module) == digest for module, digest in sources.items())


# ----------------------------------------------------------------------------- drawing
def _hook(path: str) -> Any:
    """One of :data:`HOOKS`, or an error that names it."""
    module, _, name = path.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise CaseBookError(
            f"expected hypothesis {keys.hypothesis_version()} to have {module}.{name} (the case "
            "book relies on it), got none; install the version pinned in "
            "requirements/grader.txt, or adapt autograder/hidden/cases.py to this one") from None


def _no_local_constants() -> None:
    """Turn off hypothesis's pool of "local constants": it mixes into the draws the numbers of
    every module it deems local, so an edit anywhere would change every test's inputs. No
    setting does it: no module file is local."""
    _hook(HOOKS[0])
    importlib.import_module(HOOKS[0].partition(":")[0]).is_local_module_file = lambda path: False


def _seed_of(key: str, seed: int | None) -> int:
    text = f"{'derandomized' if seed is None else seed}:{key}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def draw_test(strategy: Any, examples: int, seed: int) -> list[tuple[Any, tuple]]:
    """``examples`` inputs from ``strategy`` with the choices that produced each, drawn by
    hypothesis's generate phase under ``seed``."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as seed_

    from autograder.hidden.strategies import strategy as built

    context = _hook(HOOKS[1])
    found = []

    def record(case):
        data = getattr(context(), "data", None)
        if not hasattr(data, "choices"):
            raise CaseBookError("expected hypothesis's current_build_context().data.choices "
                                f"(the case book relies on it), got none in hypothesis "
                                f"{keys.hypothesis_version()}")
        found.append((copy.deepcopy(case), tuple(data.choices)))

    test = settings(parent=settings.get_profile("default"), database=None, deadline=None,
                    derandomize=False, max_examples=examples, phases=(Phase.generate,),
                    suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
                    print_blob=False)(given(built(strategy))(record))
    seed_(seed)(test)()
    return found


def _draw_entry(spec: Any, name: str, examples: int, seed: int | None) -> dict:
    to_bytes = _hook(HOOKS[2])
    cases, choices = [], []
    for case, made_of in draw_test(spec.given, examples, _seed_of(name, seed)):
        encoded = _encode(case)
        if not _same(_decode(json.loads(json.dumps(encoded))), case):
            raise CaseBookError(f"{name}: expected inputs the wire format keeps (arrays, "
                                f"numbers, lists, tuples, dicts), got {case!r}; change the "
                                "test's strategy")
        cases.append(encoded)
        choices.append(base64.b64encode(to_bytes(made_of)).decode("ascii"))
    return {"cases": cases, "choices": choices}


def draw_book(examples: int, seed: int | None, reuse: dict | None = None) -> dict:
    """Every hidden test's inputs (every track): a test whose key is the same in ``reuse`` (an
    older book) keeps its entry, the others are drawn. Run in a fresh process (see
    :func:`main`), where no draw came before: the pool of local constants is off for all."""
    _no_local_constants()
    specs = declared()
    found, sources = current_keys(specs, examples, seed)
    old = (reuse or {}).get("tests", {}) if (reuse or {}).get("format") == FORMAT else {}
    tests: dict[str, dict] = {}
    for spec in specs:
        name = test_key(spec.question, spec.description)
        entry = old.get(name)
        if not isinstance(entry, dict) or entry.get("key") != found[name] or \
                len(entry.get("cases", ())) != len(entry.get("choices", [None])):
            entry = {"key": found[name], **_draw_entry(spec, name, examples, seed)}
        tests[name] = entry
    return {"format": FORMAT, "examples": examples, "seed": seed, "versions": _versions(),
            "sources": sources, "tests": tests}


def dumps(data: dict) -> str:
    """A book as JSON, one line per module and per test (a redrawn test is one changed line)."""
    def block(items: dict) -> str:
        return "{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}"
                                   for k, v in items.items()) + "}"

    head = {k: v for k, v in data.items() if k not in ("sources", "tests")}
    return (json.dumps(head)[:-1] + ',\n"sources": ' + block(data["sources"]) +
            ',\n"tests": ' + block(data["tests"]) + "}\n")


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


def _read(path: Path, examples: int, seed: int | None) -> dict | None:
    """A book of this format and budget (current or not), else None; a link is not followed."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            data = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or \
            data.get("examples") != examples or data.get("seed") != seed or \
            not isinstance(data.get("tests"), dict):
        return None
    return data


def _book(data: dict) -> Book:
    tests = {}
    for key, entry in data["tests"].items():
        cases = [_decode(c) for c in entry["cases"]]
        choices = [base64.b64decode(c) for c in entry["choices"]]
        tests[key] = list(zip(cases, choices, strict=True))
    return Book(data["examples"], data["seed"], tests)


def _draw_in_fresh_process(examples: int, seed: int | None, out: Path,
                           reuse: Path | None) -> None:
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    env["PYTHONPATH"] = os.pathsep.join([str(root)] + [p for p in
                                                       env.get("PYTHONPATH", "").split(os.pathsep)
                                                       if p])
    command = [sys.executable, "-m", "autograder.hidden.draw", "--examples", str(examples),
               "--out", str(out)] + ([] if seed is None else ["--seed", str(seed)]) + \
        ([] if reuse is None else ["--reuse", str(reuse)])
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True,
                          timeout=900)
    if done.returncode != 0:
        raise CaseBookError(f"drawing the hidden tests' inputs failed:\n{done.stderr[-3000:]}")


def ensure(examples: int, seed: int | None = None) -> Path:
    """The path of a current book for (examples, seed). When there is none, the first book
    found is brought up to date (its tests whose key changed drawn again, in a fresh process)
    into the first writable folder."""
    return _ensure(examples, seed)[0]


def _ensure(examples: int, seed: int | None) -> tuple[Path, dict]:
    """(path, contents) of a current book, read once."""
    name, names, older = file_name(examples, seed), None, None
    for folder in _folders():
        data = _read(folder / name, examples, seed)
        if data is None:
            continue
        names = names or {test_key(s.question, s.description) for s in declared()}
        if is_current(data, names):
            return folder / name, data
        older = older or folder / name
    for folder in _folders():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".drawing-", suffix=".json", dir=folder)
            os.close(fd)
        except OSError:
            continue
        try:
            _draw_in_fresh_process(examples, seed, Path(tmp), older)
            os.replace(tmp, folder / name)  # atomic: a parallel drawing writes the same book
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        data = _read(folder / name, examples, seed)
        names = names or {test_key(s.question, s.description) for s in declared()}
        if data is None or not is_current(data, names):
            raise CaseBookError(f"expected a current book of drawn inputs at {folder / name}, "
                                "got a stale one (did a hidden test change while drawing?); "
                                "run `python -m autograder.hidden.draw` again")
        return folder / name, data
    if not _SCRATCH:  # a read-only installation and no home: draw for this process only
        _SCRATCH.append(Path(tempfile.mkdtemp(prefix="ag-cases-")))
        return _ensure(examples, seed)
    raise CaseBookError("expected a writable folder to keep the hidden tests' inputs in, got "
                        f"none; set {DIR_ENV} to one")


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
                                     description="Bring the book of the hidden tests' inputs up "
                                     "to date (draw the tests whose key changed).")
    parser.add_argument("--examples", type=int, help="examples per test (default: the "
                        "grading settings')")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", type=Path, help="write the book here (default: keep it where "
                        "grading looks, drawing only when it is not current)")
    parser.add_argument("--reuse", type=Path, help="with --out: keep the entries of this book "
                        "whose key is unchanged (default: draw every test)")
    args = parser.parse_args(argv)
    if args.examples is None:
        from autograder.engine.config import load_config

        args.examples = load_config().examples_per_test
    if args.out is None:
        print(ensure(args.examples, args.seed))
        return 0
    reuse = None if args.reuse is None else _read(args.reuse, args.examples, args.seed)
    args.out.write_text(dumps(draw_book(args.examples, args.seed, reuse)))
    return 0
