"""The public checks (the cases students ran with ``grader.check``), run through the worker:
one visible, 0-point test per question, listing every case that failed."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from autograder.engine.api import (CallAborted, StudentError, StudentRaised, TensorValue,
                                   TestOutcome, TorchTensor)
from autograder.engine.feedback import wrap

if TYPE_CHECKING:  # annotations only
    from autograder.engine.api import Question
    from autograder.engine.client import WorkerClient


def _count_stub(line: str, stubs: dict[str, int]) -> str:
    for function, n in stubs.items():
        if line == f"- `{function}` is not implemented yet.":
            return (f"- `{function}` is not implemented yet ({n} check{'s' * (n != 1)} wait for "
                    "it).")
    return line


def _as_torch_args(value, grad_of: set[int], index: int | None = None):
    """numpy arrays (inside lists/tuples/dicts too) as TorchTensor arguments."""
    if isinstance(value, np.ndarray):
        return TorchTensor(value, requires_grad=index in grad_of)
    if isinstance(value, (list, tuple)):
        items = [_as_torch_args(v, grad_of) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: _as_torch_args(v, grad_of) for k, v in value.items()}
    return value


def _as_numpy(value):
    """TensorValues back to arrays (0-d tensors to 0-d arrays), recursively."""
    if isinstance(value, TensorValue):
        return value.array
    if isinstance(value, (list, tuple)):
        items = [_as_numpy(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: _as_numpy(v) for k, v in value.items()}
    return value


def observe(student: WorkerClient, case: Any) -> Any:
    """What ``case.observe`` asks for, from one call of the student's function in the worker."""
    args, kwargs = list(case.args), dict(case.kwargs)
    if case.track == "torch":
        grad_of = {int(item[4:]) for item in case.observe if item.startswith("grad")}
        args = [_as_torch_args(a, grad_of, i) for i, a in enumerate(args)]
        kwargs = {k: _as_torch_args(v, set()) for k, v in kwargs.items()}
    wants_args = any(item.startswith("arg") for item in case.observe)
    wants_grads = any(item.startswith("grad") for item in case.observe)
    result = student.call_ex(case.function, args, kwargs, return_args=wants_args,
                             backward=wants_grads)
    seen, grads = [], list(result.grads)
    for item in case.observe:
        if item == "return":
            seen.append(result.value)
        elif item.startswith("arg"):
            seen.append(result.args[int(item[3:])])
        elif item.startswith("views"):  # the worker names the arguments a result shares
            seen.append(any(where == int(item[5:]) for _, where, _ in result.shared))
        else:  # gradN: the grads come back in argument order
            seen.append(grads.pop(0) if grads else None)
    seen = [_as_numpy(v) for v in seen]
    return seen[0] if len(seen) == 1 else tuple(seen)


def _failure_text(case: Any, problem: str, failed: set[str]) -> str:
    """One failed case, and the functions it calls that fail their own cases (``failed``): the
    failure may come from them (``case.callees``: as the reference calls them)."""
    text = f"- **{case.description}** (`{case.call_text()}`): {problem} Hint: {case.hint}"
    for callee in getattr(case, "callees", ()):
        if callee in failed:
            text += (f" Note: `{case.function}` calls `{callee}`, which fails its own public "
                     f"check: this failure may come from `{callee}`; fix it first.")
    return text


def run_public_checks(student: WorkerClient, questions: Sequence[Question], visibility: str,
                      cases: Sequence[Any]) -> list[TestOutcome]:
    """One visible 0-point outcome per question: the public ``cases`` (with their expected
    values; see ``Assignment.public_cases``) run against ``student``."""
    ids = [q.id for q in questions]
    problems: dict[str, list[str]] = {qid: [] for qid in ids}
    stubs: dict[str, int] = {}  # a function still the stub: said once, with how many checks
    failing: list[str] = []  # the functions that failed a case
    for case in cases:
        if case.question not in problems:
            continue
        if case.function in stubs:
            stubs[case.function] += 1
            continue
        try:
            problem = case.compare(observe(student, case))
        except StudentRaised as e:
            if e.exc_type == "NotImplementedError":
                stubs[case.function] = 1
                problems[case.question].append(f"- `{case.function}` is not implemented yet.")
                continue
            problem = case.compare_raised(e.exc_type, e.message)  # or what `raises` expects
        except (StudentError, CallAborted) as e:
            problem = e.message
        if problem:
            failing.append(case.function)
            problems[case.question].append((case, problem))
    for qid in ids:  # the failures' text, once every function's own verdict is known
        problems[qid] = [item if isinstance(item, str) else
                         wrap(_failure_text(*item, failed=set(failing) | set(stubs)))
                         for item in problems[qid]]
    for qid in ids:  # how many checks each stub stands for
        problems[qid] = [_count_stub(line, stubs) for line in problems[qid]]
    outcomes = []
    for qid in ids:
        failed = problems[qid]
        text = ("All public checks passed." if not failed else
                "These public checks (the ones `grader.check` runs) failed:\n\n"
                + "\n".join(failed))
        outcomes.append(TestOutcome(name=f"{qid} public checks", question=qid, score=0.0,
                                    max_score=0.0, passed=not failed, output=text,
                                    visibility=visibility))
    return outcomes
