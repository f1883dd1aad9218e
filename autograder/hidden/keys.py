"""What shapes a hidden test's drawn inputs, hashed: the test's key in the case book.

Hypothesis draws a test's inputs from its strategy under the test's seed, and nothing else in
the process counts (the book's drawing turns hypothesis's pool of "local constants" off:
:mod:`autograder.hidden.cases`). So a test's key hashes the versions (Python, numpy,
hypothesis, the book's format), the test's name, budget and seed, and the code that builds its
strategy: the test's own definition (the arguments of its decorator, where ``given`` is
written, and its body), then every module-level name that this code uses from the grader's
packages (strategies, composites, helpers, constants, the reference functions it calls), and
theirs, transitively. Each piece of code is hashed as its syntax tree, without comments and
docstrings. Editing a test, or a helper that only it uses, changes that test's key alone; a
comment or a docstring changes none. The decorator (``@hidden_test(...)``, declaring) is not
followed, its arguments are.

The code is read, never imported or run. A name bound at a module's top level by a definition,
an assignment, a ``for`` or an import is followed (``module.name`` too, for a module of ours;
a name that a package does not bind, the ``def`` of one of its modules: ``reference`` exposes
its modules' functions without a line per name); a test made inside a top-level function
(``make(...).<locals>.check``) hashes that function (the test's name tells its calls apart),
any other test that is not a top-level definition its whole module. Data files a strategy
might read do not count: a strategy is code.
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import os
import pkgutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PACKAGES = ("autograder", "reference", "assignments")
"""the packages whose code a key follows (numpy, hypothesis and Python count by version)"""


def hypothesis_version() -> str:
    """hypothesis's version, read from its installed metadata's folder name (a grading that
    passes never imports hypothesis), else from hypothesis."""
    spec = importlib.util.find_spec("hypothesis")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            found = list(Path(location).parent.glob("hypothesis-*.dist-info"))
            if len(found) == 1:
                return found[0].name[len("hypothesis-"):-len(".dist-info")]
    import hypothesis

    return hypothesis.__version__


def versions() -> dict[str, str]:
    """The versions that shape every test's inputs."""
    return {"python": "%d.%d" % sys.version_info[:2], "numpy": np.__version__,
            "hypothesis": hypothesis_version()}


def file_hash(module: str) -> str | None:
    """The sha256 of a module's file (None: no such file)."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not os.path.isfile(spec.origin):
        return None
    return hashlib.sha256(Path(spec.origin).read_bytes()).hexdigest()


@dataclass
class _Module:
    name: str
    package: bool
    digest: str
    bindings: dict[str, list[ast.stmt]]


def _top_level(body: list[ast.stmt]):
    """The statements run at a module's top level (inside ``if`` and ``try`` too)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.If, ast.Try)):
            for block in (stmt.body, stmt.orelse, getattr(stmt, "finalbody", []),
                          *[h.body for h in getattr(stmt, "handlers", [])]):
                yield from _top_level(block)


def _targets(node: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]


def _bound(stmt: ast.stmt) -> list[str]:
    """The names a top-level statement binds."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    if isinstance(stmt, ast.Assign):
        return [name for target in stmt.targets for name in _targets(target)]
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign, ast.For)):
        return _targets(stmt.target)
    if isinstance(stmt, ast.Import):
        return [a.asname or a.name.split(".")[0] for a in stmt.names]
    if isinstance(stmt, ast.ImportFrom):
        return [a.asname or a.name for a in stmt.names]  # "*": a star import
    return []


def _without_docstrings(node: ast.AST) -> ast.AST:
    for n in ast.walk(node):
        body = getattr(n, "body", None)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) \
                and body and isinstance(body[0], ast.Expr) \
                and isinstance(getattr(body[0].value, "value", None), str):
            n.body = body[1:] or [ast.Pass()]
    return node


@dataclass
class Reader:
    """Reads the grader's modules once and gathers the code a test's inputs depend on."""

    modules: dict[str, _Module | None] = field(default_factory=dict)
    hashes: dict[int, str] = field(default_factory=dict)
    """each statement's hash, by id (the parsed modules keep the statements alive)"""
    used: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    """the names each statement uses, by id"""

    def module(self, name: str) -> _Module | None:
        """One of our modules, parsed (None: not ours, or no source)."""
        if name not in self.modules:
            self.modules[name] = self._parse(name)
        return self.modules[name]

    @staticmethod
    def _parse(name: str) -> _Module | None:
        if name.split(".")[0] not in PACKAGES:
            return None
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        if spec is None or not spec.origin or not spec.origin.endswith(".py") \
                or not os.path.isfile(spec.origin):
            return None
        data = Path(spec.origin).read_bytes()
        bindings: dict[str, list[ast.stmt]] = {}
        tree = _without_docstrings(ast.parse(data, filename=spec.origin))
        for stmt in _top_level(tree.body):
            for bound in _bound(stmt):
                bindings.setdefault(bound, []).append(stmt)
        return _Module(name, spec.submodule_search_locations is not None,
                       hashlib.sha256(data).hexdigest(), bindings)

    def sources(self) -> dict[str, str]:
        """{module: sha256 of its file} of every module read so far."""
        return {name: m.digest for name, m in sorted(self.modules.items()) if m is not None}

    def code(self, module: str, name: str) -> list[str]:
        """The hashes of the code ``module.name`` depends on (sorted): its own definition and
        those of the names it uses, transitively."""
        found: dict[tuple[str, int], str] = {}
        self._name(module, name, found, set())
        return sorted(found.values())

    def _name(self, module: str, name: str, found: dict, seen: set) -> None:
        if (module, name) in seen:
            return
        seen.add((module, name))
        mod = self.module(module)
        if mod is None:
            return
        if name not in mod.bindings:  # perhaps from a star import
            for star in mod.bindings.get("*", []):
                self._name(self._absolute(mod, star.module, star.level), name, found, seen)
            if mod.package:  # or registered: reference/ exposes what its modules define
                for sub in self._defining(module, name):
                    self._name(sub, name, found, seen)
        for stmt in mod.bindings.get(name, []):
            if (module, id(stmt)) in found and not isinstance(stmt, ast.ImportFrom):
                continue
            found[(module, id(stmt))] = self._hash(module, stmt)
            if isinstance(stmt, ast.ImportFrom):
                source = self._absolute(mod, stmt.module, stmt.level)
                for alias in stmt.names:
                    if (alias.asname or alias.name) == name:
                        self._name(source, alias.name, found, seen)
            elif not isinstance(stmt, ast.Import):
                if id(stmt) not in self.used:
                    self.used[id(stmt)] = list(dict.fromkeys(self._uses(mod, stmt)))
                for used_module, used in self.used[id(stmt)]:
                    self._name(used_module, used, found, seen)

    def _hash(self, module: str, stmt: ast.stmt) -> str:
        if id(stmt) not in self.hashes:
            dump = ast.dump(stmt)
            self.hashes[id(stmt)] = hashlib.sha256(f"{module}\n{dump}".encode()).hexdigest()
        return self.hashes[id(stmt)]

    def _uses(self, mod: _Module, stmt: ast.stmt):
        """(module, name) of each name the statement uses: its own module's names, and
        ``m.name`` for a module ``m`` of ours. A decorator call's callee is not followed."""
        nodes = list(ast.walk(stmt))
        skipped = {id(d.func) for node in nodes for d in getattr(node, "decorator_list", [])
                   if isinstance(d, ast.Call)}
        for node in nodes:
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Name):
                yield mod.name, node.id
            elif isinstance(node, ast.Attribute):
                target = self._module_of(mod, node.value)
                if target is not None:
                    yield target, node.attr

    def _module_of(self, mod: _Module, expr: ast.expr) -> str | None:
        """The module of ours that ``expr`` (``m`` or ``m.sub``) names, if any."""
        if isinstance(expr, ast.Attribute):
            base = self._module_of(mod, expr.value)
            return self._submodule(base, expr.attr) if base else None
        if not isinstance(expr, ast.Name):
            return None
        for stmt in mod.bindings.get(expr.id, []):
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname == expr.id:
                        return alias.name if self.module(alias.name) else None
                    if alias.asname is None and alias.name.split(".")[0] == expr.id:
                        return expr.id if self.module(expr.id) else None
            if isinstance(stmt, ast.ImportFrom):
                source = self._absolute(mod, stmt.module, stmt.level)
                for alias in stmt.names:
                    if (alias.asname or alias.name) == expr.id:
                        return self._submodule(source, alias.name)
        return self._submodule(mod.name, expr.id) if mod.package else None

    def _defining(self, package: str, name: str) -> list[str]:
        """The submodules of ``package`` whose top level defines ``name`` (a ``def``)."""
        spec = importlib.util.find_spec(package)
        subs = [f"{package}.{info.name}" for info in
                sorted(pkgutil.iter_modules(spec.submodule_search_locations or []),
                       key=lambda info: info.name)]
        return [sub for sub in subs if (m := self.module(sub)) is not None and any(
            isinstance(stmt, ast.FunctionDef) for stmt in m.bindings.get(name, []))]

    def _submodule(self, package: str, name: str) -> str | None:
        return f"{package}.{name}" if self.module(f"{package}.{name}") else None

    @staticmethod
    def _absolute(mod: _Module, module: str | None, level: int) -> str:
        if level == 0:
            return module or ""
        parts = mod.name.split(".")
        base = parts[:len(parts) - level + (1 if mod.package else 0)]
        return ".".join(base + ([module] if module else []))


def key_of(reader: Reader, *, test: str, module: str, qualname: str, examples: int,
             seed: int | None, versions: dict) -> str:
    """The key of the test named ``test`` whose check is ``module.qualname``: the top-level
    definition it is (or is made in, ``make.<locals>.check``), else its whole module."""
    mod = reader.module(module)
    top = qualname.split(".")[0]
    names = [top] if mod is not None and top in mod.bindings else list(mod.bindings if mod else ())
    code = sorted({h for name in names for h in reader.code(module, name)})
    text = json.dumps({"test": test, "examples": examples, "seed": seed, "versions": versions,
                       "code": code}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
