"""A mistake in a function is charged to it, not to the functions that call it
(autograder/hidden/callees.py): the student's caller is compared with the reference built on the
student's own callee."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import reference
from autograder.engine.api import TestFailure
from autograder.hidden import hidden_tests
from autograder.hidden.inprocess import InProcessStudent
from autograder.paths import REFERENCE
from autograder.verify.entries import replace_function

EXAMPLES = 5
TESTS = hidden_tests(examples_per_test=EXAMPLES, shrink=False)


def _solution() -> str:
    """The reference as one module, as a student's finished file would be."""
    parts = []
    for path in sorted(Path(REFERENCE).glob("*.py")):
        if path.name != "__init__.py":
            parts.append("\n".join(line for line in path.read_text().splitlines()
                                   if not line.startswith(("from .", "from reference"))))
    return "\n\n".join(parts)


def _student(*functions: str) -> dict:
    """The reference solution with these functions replaced; they call each other by name."""
    text = _solution()
    for source in functions:
        for node in ast.parse(source).body:
            text = replace_function(text, ast.get_source_segment(source, node))
    namespace: dict = {"__name__": "student"}
    exec(compile(text, "student.py", "exec"), namespace)
    return namespace


LSM_AXIS_0 = '''
def log_softmax(logits):
    shifted = logits - logits.max(axis=0, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
'''
LSM_IN_PLACE = '''
def log_softmax(logits):
    logits -= logits.max(axis=-1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
'''
CE_SUM = '''
def cross_entropy(logits, targets, ignore_index=None, reduction="mean"):
    V = logits.shape[-1]
    flat_targets = targets.reshape(-1)
    logp = log_softmax(logits.reshape(-1, V))
    keep = np.ones(flat_targets.shape, bool) if ignore_index is None else \\
        flat_targets != ignore_index
    picked = -logp[np.arange(len(flat_targets)), np.where(keep, flat_targets, 0)]
    losses = np.where(keep, picked, 0.0)
    if reduction == "none":
        return losses.reshape(targets.shape)
    return losses.sum()
'''
NORM_RMS = '''
def global_grad_norm(grads):
    squares = [np.mean(np.asarray(g, dtype=np.float64) ** 2) for g in grads.values()]
    return float(np.sqrt(np.sum(squares)))
'''


def _failing(namespace: dict, functions: set[str]) -> set[str]:
    student = InProcessStudent(namespace)
    failed = set()
    for test in TESTS:
        if set(test.functions) & functions:
            try:
                test.run(student)
            except TestFailure:
                failed.add(test.name)
    return failed


def _of(names: set[str], function: str) -> set[str]:
    """The tests among ``names`` that are about ``function`` (its name, or "function's")."""
    return {n for n in names if n.split(" ", 2)[1].split("'")[0] == function}


@pytest.mark.parametrize("bug, callee, callers", [
    (LSM_AXIS_0, "log_softmax", ("cross_entropy", "cross_entropy_grad", "perplexity")),
    (LSM_IN_PLACE, "log_softmax", ("cross_entropy", "cross_entropy_grad", "perplexity")),
    (NORM_RMS, "global_grad_norm", ("clip_grad_norm", "adamw_step")),
])
def test_a_callee_mistake_fails_only_the_callee_tests(bug, callee, callers):
    failed = _failing(_student(bug), {callee, *callers})
    assert _of(failed, callee), "the callee's own tests must catch it"
    for caller in callers:
        assert not _of(failed, caller), failed


def test_the_callers_own_mistake_is_still_caught_beside_a_callee_mistake():
    failed = _failing(_student(LSM_AXIS_0, CE_SUM), {"log_softmax", "cross_entropy"})
    assert _of(failed, "log_softmax")
    assert any("reductions agree" in n or "match the reference" in n
               for n in _of(failed, "cross_entropy")), failed


def test_the_reference_is_unchanged_after_a_second_try():
    modules = [sys.modules[name] for name in sorted(sys.modules) if name.startswith("reference")]

    def bindings():
        return [(m.__name__, k, v) for m in modules for k, v in vars(m).items() if callable(v)]

    before = bindings()
    _failing(_student(LSM_AXIS_0), {"cross_entropy", "perplexity"})
    assert bindings() == before
    assert sys.modules["reference.perplexity"].cross_entropy is reference.cross_entropy
