"""The worked examples in the reference's docstrings (they reach students through the template)."""
import doctest
import importlib
import importlib.util

import pytest

NUMPY_MODULES = ["chunking", "attention", "xent", "perplexity", "clipping", "adamw", "schedule",
                 "finetuning", "scaling", "accumulation", "preferences"]
TORCH_MODULES = ["torch_track"]
needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                 reason="torch is not installed")


@pytest.mark.parametrize("name", [*NUMPY_MODULES,
                                  *(pytest.param(m, marks=needs_torch) for m in TORCH_MODULES)])
def test_docstring_examples_run(name):
    module = importlib.import_module(f"reference.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in reference/{name}.py"
    assert result.attempted > 0, f"expected worked examples in reference/{name}.py"
