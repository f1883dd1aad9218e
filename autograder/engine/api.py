"""The contract between the grading engine and the hidden tests.

A hidden test receives a :class:`Student`: a proxy whose ``call`` runs one of the student's
functions *in a separate worker process* and returns the decoded result (numpy arrays and plain
Python data only). It never gets the student's objects themselves.

Errors from the student's side are typed:

* :class:`StudentError` subclasses (ordinary ``Exception``): the function is missing, raised, or
  returned something that cannot cross the process boundary. Hypothesis may shrink on these,
  which gives the student the smallest input that makes their function raise.
* :class:`CallAborted` (a ``BaseException``): the call timed out, or the worker died/exited, or
  the function was already disabled by an earlier timeout/crash. Hypothesis does not catch
  ``BaseException``, so the test stops at once (no shrinking on slow calls) and the engine marks
  the test failed with the abort's message.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence


# ----------------------------------------------------------------------------- student errors
class StudentError(Exception):
    """Something went wrong inside the student's code (never inside the grader)."""

    def __init__(self, function: str, message: str):
        super().__init__(message)
        self.function = function
        self.message = message


class MissingFunction(StudentError):
    """The submission does not define ``function`` (or defines it as something not callable)."""


class StudentRaised(StudentError):
    """The student's function raised. ``exc_type`` is the exception's class name, ``detail``
    its (truncated, sanitized) message."""

    def __init__(self, function: str, exc_type: str, detail: str):
        super().__init__(function, f"{function} raised {exc_type}: {detail}")
        self.exc_type = exc_type
        self.detail = detail


class BadReturn(StudentError):
    """The function returned a value that cannot be sent back (an object, a generator, ...)."""


class CallAborted(BaseException):
    """A call that must stop the current test at once.

    ``kind`` is ``"timeout"`` (over the per-call time limit), ``"crash"`` (the worker process
    died: exit, segfault, out of memory) or ``"disabled"`` (an earlier call of this function timed
    out or crashed, so later tests of it fail without being run).
    """

    def __init__(self, function: str, kind: str, message: str):
        super().__init__(message)
        self.function = function
        self.kind = kind
        self.message = message


# ----------------------------------------------------------------------------- torch values
@dataclass(frozen=True)
class TorchTensor:
    """An argument that the worker turns into a ``torch.Tensor`` before the call.

    ``device="auto"`` means CUDA when the worker sees a GPU, else the CPU.
    """

    array: Any  # np.ndarray
    requires_grad: bool = False
    device: str = "auto"


@dataclass(frozen=True)
class TensorValue:
    """A ``torch.Tensor`` that came back from the worker, converted to numpy."""

    array: Any  # np.ndarray (on the host)
    device: str  # e.g. "cpu", "cuda:0"
    dtype: str  # e.g. "torch.float32"
    requires_grad: bool = False


@dataclass(frozen=True)
class CallResult:
    """What :meth:`Student.call_ex` returns."""

    value: Any
    args: tuple = ()
    """the arguments as they were after the call (only with ``return_args=True``): for in-place
    functions and for checking that inputs were not modified"""
    grads: tuple = ()
    """with ``backward=True``: ``.grad`` of every ``TorchTensor(requires_grad=True)`` argument
    after ``value.backward()``, in argument order (``None`` where no gradient was produced)"""
    shared: tuple = ()
    """(path in the result, argument position or keyword, path in it) of each returned numpy
    array that shares memory with an argument: the input itself or a view of it, where the
    contract asks for new arrays"""


class Student(Protocol):
    """The proxy a hidden test gets. Arguments and results are numpy arrays, Python scalars,
    ``None``, str, and lists/tuples/dicts of those (plus :class:`TorchTensor` arguments)."""

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)`` in the worker; returns the decoded value."""

    def call_ex(self, function: str, args: Sequence[Any] = (), kwargs: dict | None = None, *,
                return_args: bool = False, backward: bool = False) -> CallResult:
        """Like :meth:`call`, with the arguments after the call and/or autograd gradients."""

    def has(self, function: str) -> bool:
        """Whether the submission defines ``function`` as a callable."""


# ----------------------------------------------------------------------------- hidden tests
class Status:
    """What happened in a test, as data (consumers read this, never the message's wording)."""

    PASSED = "passed"
    WRONG = "wrong"
    """the function ran and returned a wrong value (see :class:`Kind`)"""
    RAISED = "raised"
    TIMEOUT = "timeout"
    NOT_IMPLEMENTED = "not_implemented"
    """the function is still the template's stub (raises NotImplementedError)"""
    MISSING = "missing"
    """the submission does not define the function"""
    DISABLED = "disabled"
    """an earlier call of the function timed out or crashed, so it is no longer called"""
    BANNED = "banned"
    """the function called a built-in the assignment does not allow (torch track)"""
    NOT_RUN = "not_run"
    """the test could not run (grading out of time, unreadable submission, grader error)"""
    ALL = (PASSED, WRONG, RAISED, TIMEOUT, NOT_IMPLEMENTED, MISSING, DISABLED, BANNED, NOT_RUN)
    NOT_ATTEMPTED = (NOT_IMPLEMENTED, MISSING)
    """the student has not written the function yet: no mistake to attribute"""


class Kind:
    """What was wrong with a wrong answer: the hint is chosen from it."""

    VALUE = "value"
    """a wrong value (the message shows the first differing index)"""
    NAN = "nan"
    """nan or inf where a finite value was expected"""
    SHAPE = "shape"
    DTYPE = "dtype"
    TYPE = "type"
    """not the kind of value expected (a list for an array, a dict without a key, ...)"""
    CHANGED_INPUT = "changed_input"
    SHARES_MEMORY = "shares_memory"
    """a returned array is a view of an input (or of another output)"""
    FLAKY = "flaky"
    """different results for the same input"""
    ALL = (VALUE, NAN, SHAPE, DTYPE, TYPE, CHANGED_INPUT, SHARES_MEMORY, FLAKY)


class TestFailure(AssertionError):
    """A hidden test failed. ``message`` is Markdown written for the student: what was checked,
    the smallest failing input, expected against got, and a hint. ``status`` and ``kind``
    (:class:`Status`, :class:`Kind`) say the same as data."""

    __test__ = False  # not a pytest test class

    def __init__(self, message: str, status: str = Status.WRONG, kind: str = "",
                 function: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.kind = kind or (Kind.VALUE if status == Status.WRONG else "")
        self.function = function
        """the student function it was calling ("" if unknown)"""


@dataclass(frozen=True)
class HiddenTest:
    """One graded test. Its name in results.json is ``f"{question} {description}"``."""

    __test__ = False

    question: str
    """question id (see autograder.questions)"""
    description: str
    """what it checks, e.g. "cross_entropy matches the reference on random logits" """
    points: float
    functions: tuple[str, ...]
    """the student functions it calls (the engine uses this to skip tests of disabled functions)"""
    run: Callable[[Student], None] = field(repr=False, compare=False)
    """raises TestFailure / StudentError / CallAborted on failure; returns None on success"""
    hint: str = ""
    """a hint in the lecture's terms, shown under a failure"""
    misconception: str = ""
    """the misconception this test reveals, in the lecture's words (for the class report)"""
    idea: str = ""
    """the idea it checks, ``"<question id>:<key>"`` (see autograder.hidden.ideas); "" for a
    test that declares none (then it is its own idea)"""

    @property
    def name(self) -> str:
        return f"{self.question} {self.description}"


@dataclass(frozen=True)
class TestOutcome:
    """The result of running one HiddenTest (or a public check) against a submission."""

    __test__ = False

    name: str
    question: str
    score: float
    max_score: float
    passed: bool
    output: str
    """Markdown shown to the student"""
    visibility: str
    """Gradescope visibility: visible, after_due_date, after_published, hidden"""
    status: str = ""
    """:class:`Status` (by default passed or wrong, from ``passed``)"""
    idea: str = ""
    """the idea the test checks (``"<question id>:<key>"``), "" if none"""
    kind: str = ""
    """for a wrong answer: :class:`Kind`"""

    def __post_init__(self):
        if not self.status:
            object.__setattr__(self, "status", Status.PASSED if self.passed else Status.WRONG)
        if self.status not in Status.ALL:
            raise ValueError(f"expected a status in {Status.ALL}, got status={self.status!r}")


class Question(Protocol):
    """What the engine reads of a question (``autograder.questions.Question`` is one)."""

    id: str
    title: str
    points: float
    functions: tuple[str, ...]
    track: str
    """``numpy`` (graded), ``further`` (numpy, extra credit) or ``torch`` (optional, extra
    credit)"""


@dataclass(frozen=True)
class Assignment:
    """What the engine grades against, passed in by the entry points (the engine imports no
    assignment): the questions, and functions that give the hidden tests, the ideas they check
    and the public cases."""

    questions: tuple[Question, ...]
    """in order, numpy track first"""
    hidden_tests: Callable[..., list[HiddenTest]] = field(repr=False)
    """``config -> [HiddenTest]``, in order, with their finished points (extra credit included)"""
    ideas: Callable[[bool], dict[str, Any]] = field(repr=False)
    """``torch_track -> {idea id: idea}`` (an idea has ``.text`` and ``.after``)"""
    public_cases: Callable[[], list[Any]] = field(repr=False)
    """the public cases with their expected values (``.question``, ``.function``, ``.compare``)"""
    preferred_files: tuple[str, ...] = ()
    """file names graded first among candidates with as much work (the notebook, the template)"""

    def track(self, name: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.track == name)

    @property
    def functions(self) -> tuple[str, ...]:
        """Every function a student writes, in question order."""
        return tuple(f for q in self.questions for f in q.functions)

    def question(self, question_id: str) -> Question:
        return next(q for q in self.questions if q.id == question_id)
