"""The reference solution of the lecture 16 assignment, one module per topic.

A module registers by being here: every public function (defined in its module, name not
starting with ``_``) of every module is a name of this package. The numpy track is imported
now; the optional torch track (``torch_track.py``) is imported on first use, so
``import reference`` works without torch.
"""
import ast
import importlib
import pkgutil
from importlib.util import find_spec
from pathlib import Path

_LAZY = "torch_track"


def _public_functions(module) -> dict:
    return {name: value for name, value in vars(module).items()
            if callable(value) and not name.startswith("_")
            and getattr(value, "__module__", None) == module.__name__}


def _declared_functions(path: Path) -> tuple[str, ...]:
    """The top-level public ``def``s of a module's source (read, not imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return tuple(node.name for node in tree.body
                 if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"))


_NUMPY = {}
for _info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
    if _info.name != _LAZY:
        _NUMPY.update(_public_functions(importlib.import_module(f".{_info.name}", __name__)))
globals().update(_NUMPY)
_TORCH = _declared_functions(Path(__file__).with_name(f"{_LAZY}.py"))

# `from reference import *` offers the torch track only where torch is installed
__all__ = [*_NUMPY, *(_TORCH if find_spec("torch") else ())]


def __getattr__(name):
    # the torch track on first use (PEP 562): importing it needs torch
    if name in _TORCH:
        return getattr(importlib.import_module(f".{_LAZY}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
