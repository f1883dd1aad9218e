"""The public checks' cases: what ``grader.check("q1_chunking")`` runs, as plain data.

Every case calls one spec function on a small, concrete input (the lecture's worked examples
among them) and says how to compare what comes back. The expected values are computed here with
the reference (``cases_with_expected()``); where the lecture gives a number (0.69, 0.16, a
uniform model's perplexity V) the case also records it and ``cases_with_expected`` checks that
the reference agrees.

Two consumers:

* ``autograder/build/public_tests.py`` writes one otter test file per question for the student
  release, with the inputs and expected values as literals and the checking helpers of the
  section below copied verbatim (the release has no ``reference`` package);
* the grading engine runs the same cases as visible 0-point tests on Gradescope.

The API, in short::

    for case in cases_with_expected():          # PublicCase objects, expected filled in
        message = case.run(student_function)    # None when it passes, else the feedback
        # or, with the observed value in hand: case.compare(got) -> None | message

How a case is called and observed (``PublicCase.observe``):

* ``"return"``: the function's return value (the default, and all the numpy track needs);
* ``"argN"``: argument N after the call (in-place functions, and "inputs are left unchanged");
* ``"gradN"`` (torch only): the gradient of argument N after ``returned.backward()``.

With one item the observed value is that item; with several, a tuple in that order. A runner
must pass fresh copies of ``args``/``kwargs`` to every call (``observe_call`` deep-copies them).
Torch-track cases hold numpy arrays too: ``to_torch`` turns every array into a tensor (same
dtype) before the call and ``from_torch`` turns tensors back into arrays after it; their
expected values come from the numpy reference (the same math), so this module needs no torch.

A case with ``raises`` (an exception's class name, e.g. ``"ValueError"``) passes when the call
raises that exception (or a subclass of it) and fails when it returns; its ``expected`` is None.

How values are compared (``compare``): dicts key by key (extra keys in the result are allowed),
tuples and lists item by item (a list for a tuple is fine), arrays by type, shape, dtype kind
(bool, integer or float) and values (exact for bool and integer arrays, ``numpy.isclose`` with
the case's rtol/atol and nan equal to nan for floats), scalars as numbers (Python, numpy scalar
or 0-d array).

This module imports only the standard library, numpy and the reference, and runs on Python 3.10.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np

import reference

# ====================================================================== hints (lecture's terms)
HINTS: dict[str, str] = {
    "chunk_tokens": (
        "Concatenate the documents in order into one stream, with eos_id after every document "
        "when it is given (the last one too; 0 is a valid id, so test `eos_id is not None`), "
        "cut the stream into consecutive blocks of block_size tokens and drop the leftover at "
        "the end: no padding, and an int array of shape (n_blocks, block_size)."),
    "next_token_pairs": (
        "Position t predicts token t+1: the inputs are every block without its last token, "
        "the targets every block without its first token, both of shape (n, L - 1)."),
    "causal_mask": (
        "mask[i, j] is True where query i may attend to key j: the past and itself (j at or "
        "before i), a lower triangle with the diagonal included, as a bool array of shape "
        "(T, T)."),
    "causal_attention": (
        "scores = q @ k^T / sqrt(d); give the future keys (j after i) a score of -inf before "
        "the softmax, so that their weights are exactly 0 and every row sums to 1; subtract "
        "each row's max before exp to stay finite for scores of 1e4; output = weights @ v. "
        "Return (output, weights)."),
    "log_softmax": (
        "log_softmax(x) = x - log(sum(exp(x))) over the last axis; subtract each row's max "
        "first (it does not change the result) so that exp never overflows at logits of 1e4."),
    "cross_entropy": (
        "The loss at one position is -log p(true token) = -log_softmax(logits)[..., target] "
        "(natural log); reduction='mean' averages over the positions whose target is not "
        "ignore_index, 'sum' adds them up, 'none' keeps one loss per position (0.0 where "
        "ignored)."),
    "cross_entropy_grad": (
        "The gradient of the mean loss is (softmax(logits) - onehot(targets)) / N, with N the "
        "number of positions not ignored; ignored positions get rows of zeros."),
    "perplexity": (
        "Perplexity = exp(mean cross-entropy) with the natural log (np.exp, not 2 ** ...): a "
        "model that is uniform over V tokens has perplexity V."),
    "corpus_perplexity": (
        "Every token counts the same: exp(sum(losses * counts) / sum(counts)), not the mean of "
        "the per-batch perplexities (nor exp of the unweighted mean loss)."),
    "global_grad_norm": (
        "One norm for all the gradients together, as if they were one long vector: the square "
        "root of the sum over arrays of sum(g ** 2)."),
    "clip_grad_norm": (
        "total_norm is the global norm before clipping; every gradient is multiplied by the "
        "same factor min(1, max_norm / (total_norm + 1e-6)), so nothing changes when the norm "
        "is already small. Return (a new dict, total_norm)."),
    "init_adamw_state": (
        "Before the first step: {'step': 0, 'm': {name: zeros}, 'v': {name: zeros}}, the zeros "
        "shaped like each parameter."),
    "adamw_step": (
        "With t = state['step'] + 1: decay p * (1 - lr * weight_decay); m = b1 * m + "
        "(1 - b1) * g and v = b2 * v + (1 - b2) * g ** 2; bias-correct with 1 - b1 ** t and "
        "1 - b2 ** t; p - lr * m_hat / (sqrt(v_hat) + eps); clip first when max_grad_norm is "
        "given. Return new dicts and a new state with step t: change nothing in place."),
    "warmup_cosine_lr": (
        "Linear warmup from 0: max_lr * step / warmup_steps for the steps before "
        "warmup_steps; then a cosine from max_lr down to min_lr, min_lr + 0.5 * (max_lr - "
        "min_lr) * (1 + cos(pi * progress)), with progress going from 0 at warmup_steps to 1 "
        "at total_steps; min_lr from then on."),
    "sft_example": (
        "The sequence is prompt + response, then eos_id when it is not None (0 is a valid id); "
        "inputs = seq[:-1] and targets = seq[1:] (position t predicts token t+1); the targets "
        "at positions t before len(prompt) - 1 become ignore_index, so the loss learns the "
        "response only (the last prompt position predicts the first response token and "
        "counts). Raise ValueError for an empty prompt or response; int64 arrays."),
    "pad_batch": (
        "Two (n, L) int64 arrays, L the longest example: inputs filled with pad_id and targets "
        "with ignore_index (never pad_id: padding must not be learned), each example copied "
        "into the start of its row (right padding). No examples: shapes (0, 0)."),
    "training_flops": (
        "C = 6 * N * D: about 2 FLOPs per parameter per token forward and 4 backward (2 N D is "
        "the forward pass alone)."),
    "chinchilla_optimal": (
        "Put D = tokens_per_param * N into C = 6 N D: N = sqrt(C / (6 * tokens_per_param)) and "
        "D = tokens_per_param * N. A budget that is not positive raises ValueError."),
    "fit_power_law": (
        "Fit the least-squares line log y = log a - alpha * log x through (log x, log y) with "
        "natural logs (np.polyfit(np.log(x), np.log(y), 1) gives slope and intercept): alpha = "
        "-slope (positive when the loss falls) and a = exp(intercept). Lists are fine."),
    "cross_entropy_torch": (
        "The same loss as cross_entropy, the mean, written with torch operations (logsumexp "
        "for a stable log_softmax); F.cross_entropy, F.nll_loss and nn.CrossEntropyLoss are "
        "not allowed. Keep it differentiable: no .numpy(), .item() or .detach() on the way, so "
        "that loss.backward() reaches the logits."),
    "causal_attention_torch": (
        "The same as causal_attention on tensors: masked_fill the future (j after i) with "
        "-inf before torch.softmax; F.scaled_dot_product_attention is not allowed."),
    "clip_grad_norm_torch_": (
        "Scale the gradient tensors in place (g.mul_(...)) by min(1, max_norm / "
        "(total_norm + 1e-6)) and return the norm before clipping; clip_grad_norm_ is not "
        "allowed."),
    "init_adamw_state_torch": (
        "{'step': 0, 'm': [zeros], 'v': [zeros]}: one zero tensor per parameter, with its "
        "shape, dtype and device (torch.zeros_like)."),
    "adamw_step_torch_": (
        "The same update as adamw_step, in place: the parameters (p.mul_, p.sub_ under "
        "torch.no_grad()), state['m'], state['v'] and state['step']; torch.optim is not "
        "allowed."),
}

# parameter names, for naming what an "argN"/"gradN" observation is
PARAMETERS: dict[str, tuple[str, ...]] = {
    "adamw_step": ("params", "grads", "state"),
    "sft_example": ("prompt_ids", "response_ids"),
    "cross_entropy_torch": ("logits", "targets"),
    "clip_grad_norm_torch_": ("grads", "max_norm"),
    "adamw_step_torch_": ("params", "grads", "state"),
}


# ====================================================================== the case
@dataclass(frozen=True)
class PublicCase:
    """One public check: call ``function(*args, **kwargs)`` and compare with ``expected``."""

    question: str
    """question id, e.g. ``q1_chunking``"""
    function: str
    """the spec function it calls"""
    args: tuple
    kwargs: dict
    description: str
    """what the case checks, for students (one line)"""
    rtol: float = 1e-6
    atol: float = 1e-8
    """tolerances for float values (bool and integer values must be equal)"""
    hint: str = ""
    """what to look at when it fails; ``cases_with_expected`` fills in ``HINTS[function]``"""
    observe: tuple[str, ...] = ("return",)
    """what is compared: ``return``, ``argN`` or ``gradN`` (see the module docstring)"""
    lecture: float | None = None
    """the number the lecture gives for this example (to 2 decimals), checked against the
    reference"""
    expected: Any = None
    """the observed value of the reference, filled in by ``cases_with_expected``"""
    raises: str = ""
    """the exception the call must raise (a class name, e.g. ``"ValueError"``); '' when it must
    return"""

    @property
    def track(self) -> str:
        return "torch" if self.function.rstrip("_").endswith("_torch") else "numpy"

    @property
    def labels(self) -> tuple[str, ...]:
        """What each observed item is called in the feedback."""
        return observe_labels(self.function, self.observe, PARAMETERS.get(self.function, ()))

    def call_text(self) -> str:
        return call_text(self.function, self.args, self.kwargs)

    def compare(self, got) -> str | None:
        """None when the observed ``got`` agrees with ``expected``, else what differs."""
        if self.raises:
            return f"it should raise {self.raises}, but it returned {_short(got, 300)}."
        return compare_observed(self.expected, got, self.rtol, self.atol, self.labels)

    def compare_raised(self, exc_type: str, message: str) -> str | None:
        """None when the call was to raise ``exc_type`` (a class name), else what went wrong."""
        if self.raises and exc_type == self.raises:
            return None
        if self.raises:
            return f"it should raise {self.raises}, but it raised {_clip(message)}"
        return message

    def run(self, fn: Callable, torch=None) -> str | None:
        """Call ``fn`` as this case says; None when it passes, else the student's feedback.

        ``torch``: the torch module, for torch-track cases (their arrays become tensors).
        """
        return check_call(self.function, fn, self.args, self.kwargs, self.expected,
                          description=self.description, hint=self.hint, rtol=self.rtol,
                          atol=self.atol, observe=self.observe, labels=self.labels, torch=torch,
                          raises=self.raises)


# ====================================================================== checking helpers
# The functions named in EMBEDDED (below) are copied verbatim into every generated test file
# (autograder/build/public_tests.py): plain functions that need only copy and numpy, no
# annotations, ASCII only, and no "<" or ">" in what they print (otter shows failures as HTML in
# the notebook).

def _type_name(x):
    """``float``, ``numpy.ndarray``, ``torch.Tensor``, ..."""
    kind = type(x)
    module = kind.__module__.split(".")[0]
    if module == "builtins":
        return kind.__qualname__
    return f"{module}.{kind.__qualname__}"


def _is_number(x):
    """A single real number: int, float, numpy integer/float scalar or 0-d array (not bool)."""
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (int, float, np.integer, np.floating)):
        return True
    return isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "iuf"


def _number_text(x):
    """A number with every digit that matters (``0.6931471805599453``, ``nan``, ``3``)."""
    value = np.asarray(x).item()
    return repr(value)


def _array_text(x):
    """An array in one line: its values when small, a summary when large."""
    if x.size == 0:
        return f"array([], shape={x.shape}, dtype={x.dtype})"
    if x.size > 12 and x.dtype.kind in "biuf" and bool(np.all(x == x.flat[0])):
        return f"array of shape {x.shape} filled with {_number_text(x.flat[0])}"
    if x.size > (64 if x.dtype.kind in "biu" else 24):
        text = f"array of shape {x.shape} and dtype {x.dtype}"
        if x.dtype.kind == "b":
            return text + f", {int(x.sum())} True"
        finite = x[np.isfinite(x)] if x.dtype.kind == "f" else x
        if finite.size and x.dtype.kind in "biuf":
            low, high = np.asarray(finite.min()).item(), np.asarray(finite.max()).item()
            text += f", values from {low:.6g} to {high:.6g}"
        if finite.size < x.size:
            text += ", some nan or inf"
        return text

    def nested(value):
        if isinstance(value, list):
            return "[" + ", ".join(nested(v) for v in value) + "]"
        return f"{value:.6g}" if isinstance(value, float) else repr(value)

    return f"array({nested(x.tolist())})"


def _short(x, limit=200):
    """A value written compactly on one line, for feedback."""
    if isinstance(x, np.ndarray) and x.ndim > 0:
        text = _array_text(x)
    elif isinstance(x, dict):
        text = "{" + ", ".join(f"{k!r}: {_short(v, limit)}" for k, v in x.items()) + "}"
    elif isinstance(x, (list, tuple)):
        inner = ", ".join(_short(v, limit) for v in x)
        if isinstance(x, list):
            text = f"[{inner}]"
        else:
            text = f"({inner},)" if len(x) == 1 else f"({inner})"
    elif _is_number(x) or isinstance(x, (bool, np.bool_)):
        text = _number_text(x)
    else:
        text = " ".join(repr(x).split())
    text = text.replace("<", "(").replace(">", ")")
    return text if len(text) <= limit else text[:limit - 4] + " ..."


def _clip(text, limit=300):
    """Text for feedback: one paragraph at most ``limit`` long, no angle brackets."""
    text = str(text).replace("<", "(").replace(">", ")")
    return text if len(text) <= limit else text[:limit - 4] + " ..."


def _describe(x):
    """The type of a value, with its shape and dtype when it has them."""
    name = _type_name(x)
    if x is None:
        return "None"
    if hasattr(x, "shape") and hasattr(x, "dtype") and not _is_number(x):
        return f"{name} of shape {tuple(x.shape)} and dtype {x.dtype}"
    if isinstance(x, (tuple, list)):
        return f"{name} of {len(x)} items"
    if isinstance(x, dict):
        return f"dict with the keys {_short(list(x))}"
    if _is_number(x) or isinstance(x, (bool, np.bool_)):
        return name
    return name.replace("<", "(").replace(">", ")")


def _compare_arrays(expected, got, rtol, atol, where):
    if not isinstance(got, np.ndarray):
        return (f"{where} should be a numpy array of shape {expected.shape} and dtype "
                f"{expected.dtype}, but got {_describe(got)}.")
    if got.shape != expected.shape:
        return f"{where} should have shape {expected.shape}, but got shape {got.shape}."
    kind = expected.dtype.kind
    if kind == "b" and got.dtype.kind != "b":
        return f"{where} should be a bool array (True/False), but its dtype is {got.dtype}."
    if kind in "iu" and got.dtype.kind not in "iu":
        return (f"{where} should have an integer dtype (token ids, like int64), but its dtype "
                f"is {got.dtype}.")
    if kind == "f" and got.dtype.kind != "f":
        return f"{where} should have a float dtype (like float64), but its dtype is {got.dtype}."
    if kind in "biu":
        same = np.asarray(got == expected)
        tolerance = ""
    else:
        same = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
        tolerance = f" beyond rtol={rtol:g}, atol={atol:g}"
    if bool(same.all()):
        return None
    bad = np.argwhere(~same)
    first = tuple(int(i) for i in bad[0])
    text = (f"{where} has wrong values: at index {list(first)} expected "
            f"{_number_text(expected[first])}, got {_number_text(got[first])} "
            f"({len(bad)} of {expected.size} entries differ{tolerance}).")
    if kind == "f" and np.isfinite(expected[first]) and not np.isfinite(got[first]):
        text += (" A nan or inf where a finite number belongs usually means exp overflowed "
                 "(subtract the max first) or a row had nothing to attend to.")
    return text


def _compare_scalars(expected, got, rtol, atol, where):
    if not _is_number(got):
        return (f"{where} should be a single number (a float, a numpy scalar or a 0-d array), "
                f"but got {_describe(got)}.")
    want, have = np.asarray(expected), np.asarray(got)
    if want.dtype.kind in "iu":
        if have.dtype.kind not in "iu":
            return (f"{where} should be an integer ({_number_text(want)}), but got "
                    f"{_describe(got)}.")
        if int(have) != int(want):
            return f"{where} should be {_number_text(want)}, but got {_number_text(have)}."
        return None
    if bool(np.isclose(float(have), float(want), rtol=rtol, atol=atol, equal_nan=True)):
        return None
    return (f"{where} should be {_number_text(want)}, but got {_number_text(have)} "
            f"(they differ beyond rtol={rtol:g}, atol={atol:g}).")


def compare(expected, got, rtol=1e-6, atol=1e-8, where="the result"):
    """None when ``got`` agrees with ``expected``, else one paragraph saying what differs.

    Dicts key by key (extra keys in ``got`` are fine), tuples/lists item by item, arrays by type,
    shape, dtype kind and values (exact for bool/int, isclose with nan == nan for floats), scalars
    as numbers. ``where`` names the compared value in the message.
    """
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return (f"{where} should be a dict with the keys {_short(list(expected))}, but got "
                    f"{_describe(got)}.")
        missing = [key for key in expected if key not in got]
        if missing:
            return (f"{where} should have the keys {_short(list(expected))}, but "
                    f"{_short(missing)} missing (its keys: {_short(list(got))}).")
        for key in expected:
            problem = compare(expected[key], got[key], rtol, atol, f"{where}[{key!r}]")
            if problem is not None:
                return problem
        return None
    if isinstance(expected, (tuple, list)):
        kind = type(expected).__name__
        if not isinstance(got, (tuple, list)):
            return (f"{where} should be a {kind} of {len(expected)} items, but got "
                    f"{_describe(got)}.")
        if len(got) != len(expected):
            return (f"{where} should be a {kind} of {len(expected)} items, but got "
                    f"{len(got)} items.")
        for i, (want, have) in enumerate(zip(expected, got)):
            problem = compare(want, have, rtol, atol, f"{where}[{i}]")
            if problem is not None:
                return problem
        return None
    if expected is None:
        return None if got is None else f"{where} should be None, but got {_describe(got)}."
    if isinstance(expected, np.ndarray) and expected.ndim > 0:
        return _compare_arrays(expected, got, rtol, atol, where)
    return _compare_scalars(expected, got, rtol, atol, where)


def compare_observed(expected, got, rtol, atol, labels):
    """``compare`` for an observation: one value, or a tuple of them named by ``labels``."""
    if len(labels) == 1:
        return compare(expected, got, rtol, atol, labels[0])
    for want, have, label in zip(expected, got, labels):
        problem = compare(want, have, rtol, atol, label)
        if problem is not None:
            return problem
    return None


def observe_labels(function, observe, parameters=()):
    """How the feedback names each observed item (``the result``, ``state after the call``)."""
    labels = []
    for item in observe:
        if item == "return":
            labels.append("the result")
            continue
        index = int(item[4:] if item.startswith("grad") else item[3:])
        name = parameters[index] if index < len(parameters) else f"argument {index}"
        if item.startswith("grad"):
            labels.append(f"{name}.grad after loss.backward()")
        else:
            labels.append(f"{name} after the call")
    return tuple(labels)


def observe_call(fn, args, kwargs, observe=("return",)):
    """Call ``fn`` on copies of ``args``/``kwargs`` and return what ``observe`` asks for."""
    args, kwargs = copy.deepcopy(list(args)), copy.deepcopy(dict(kwargs))
    for item in observe:
        if item.startswith("grad"):
            args[int(item[4:])].requires_grad_(True)
    returned = fn(*args, **kwargs)
    seen, backward_done = [], False
    for item in observe:
        if item == "return":
            seen.append(returned)
        elif item.startswith("arg"):
            seen.append(args[int(item[3:])])
        elif item.startswith("grad"):
            if not backward_done and getattr(returned, "requires_grad", False):
                returned.backward()
            backward_done = True
            seen.append(args[int(item[4:])].grad)  # None when no gradient reached it
        else:
            raise ValueError(f"expected 'return', 'argN' or 'gradN', got {item!r}")
    return seen[0] if len(seen) == 1 else tuple(seen)


def to_torch(value, torch):
    """Every numpy array in ``value`` (lists, tuples, dicts inside) as a tensor of its dtype."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, list):
        return [to_torch(v, torch) for v in value]
    if isinstance(value, tuple):
        return tuple(to_torch(v, torch) for v in value)
    if isinstance(value, dict):
        return {k: to_torch(v, torch) for k, v in value.items()}
    return value


def from_torch(value, torch):
    """Every tensor in ``value`` as a numpy array (a 0-d tensor as a 0-d array)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, list):
        return [from_torch(v, torch) for v in value]
    if isinstance(value, tuple):
        return tuple(from_torch(v, torch) for v in value)
    if isinstance(value, dict):
        return {k: from_torch(v, torch) for k, v in value.items()}
    return value


def call_text(function, args, kwargs):
    """The call written compactly: ``chunk_tokens([[5, 6, 7], [8, 9]], 3, eos_id=0)``."""
    parts = [_short(a, 150) for a in args] + [f"{k}={_short(v, 150)}" for k, v in kwargs.items()]
    return f"{function}({', '.join(parts)})"


def _wrap(text, width=100):
    """Every line of ``text`` wrapped at word boundaries (never inside a word) at ``width``,
    continuation lines indented under the text after a label such as ``  hint:     ``."""
    import textwrap

    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        body = line.lstrip(" ")
        label = body.split(":", 1)[0]
        indent = len(line) - len(body)
        if ":" in body and len(label) < 12 and " " not in label:
            indent += len(label) + 1 + len(body.split(":", 1)[1]) - len(
                body.split(":", 1)[1].lstrip(" "))
        out += textwrap.wrap(line, width, subsequent_indent=" " * indent,
                             break_long_words=False, break_on_hyphens=False)
    return "\n".join(out)


def check_call(function, fn, args, kwargs, expected, description="", hint="", rtol=1e-6,
               atol=1e-8, observe=("return",), labels=("the result",), torch=None, raises=""):
    """Call the student's ``fn`` as a case says and compare; None when it passes, else the
    feedback (which function, the input, expected and got with their types, what differs, a
    hint), its lines wrapped at word boundaries. ``torch``: the torch module for torch-track
    cases, else None. ``raises``: the name of the exception the call must raise ('' when it
    must return)."""
    message = _check_call(function, fn, args, kwargs, expected, description, hint, rtol, atol,
                          observe, labels, torch, raises)
    return None if message is None else _wrap(message)


def _check_call(function, fn, args, kwargs, expected, description, hint, rtol, atol, observe,
                labels, torch, raises):
    call = call_text(function, args, kwargs)
    if fn is None:
        return (f"{function} is not defined: run the cell that defines it (and the cells above "
                f"it), then run this check again.\n  check:    {description}")
    if not callable(fn):
        return (f"{function} should be a function, but it is {_describe(fn)}: did a later "
                f"cell assign to the name {function}?")
    try:
        if torch is not None:
            args, kwargs = to_torch(args, torch), to_torch(kwargs, torch)
        got = observe_call(fn, args, kwargs, observe)
        if torch is not None:
            got = from_torch(got, torch)
    except NotImplementedError as error:
        return (f"{function} raised NotImplementedError: {_clip(error)}\n"
                f"  {function} is not implemented yet: write its body in its cell (in place of "
                f"the raise NotImplementedError line), run that cell, then run this check "
                f"again.\n  call:     {call}")
    except Exception as error:
        if raises and raises in [kind.__name__ for kind in type(error).__mro__]:
            return None
        wanted = f"it raises {raises}" if raises else _short(expected, 300)
        return (f"{function} raised {type(error).__name__}: {_clip(error)}\n"
                f"  check:    {description}\n  call:     {call}\n"
                f"  expected: {wanted}\n  hint:     {hint}")
    if raises:
        return (f"{function} should raise {raises}, but it returned. Check: {description}\n"
                f"  call:     {call}\n"
                f"  expected: it raises {raises}\n"
                f"  got:      {_short(got, 300)}   [{_describe(got)}]\n"
                f"  hint:     {hint}")
    problem = compare_observed(expected, got, rtol, atol, labels)
    if problem is None:
        return None
    if len(labels) == 1:
        wanted, found = _describe(expected), _describe(got)
    else:
        wanted = ", ".join(_describe(x) for x in expected)
        found = ", ".join(_describe(x) for x in got)
    return (f"{function} gave a wrong result. Check: {description}\n"
            f"  call:     {call}\n"
            f"  expected: {_short(expected, 300)}   [{wanted}]\n"
            f"  got:      {_short(got, 300)}   [{found}]\n"
            f"  problem:  {problem}\n"
            f"  hint:     {hint}")


# Copied into every generated test file, in this order.
EMBEDDED = ("_type_name", "_is_number", "_number_text", "_array_text", "_short", "_clip",
            "_describe",
            "_compare_arrays", "_compare_scalars", "compare", "compare_observed",
            "observe_call", "to_torch", "from_torch", "call_text",
            "_wrap", "check_call", "_check_call")


# ====================================================================== the cases
def _rng_array(rng, shape, scale=1.0):
    # small, readable inputs: two decimals
    return np.round(rng.normal(scale=scale, size=shape), 2)


def _lecture_logits(probs):
    return np.log(np.array([probs]))  # (1, V): logits whose softmax is probs


LECTURE_PROBS = [0.1, 0.2, 0.5, 0.15, 0.05]  # over [the, cat, sat, on, mat]
BETTER_PROBS = [0.03, 0.05, 0.85, 0.05, 0.02]  # a better guess for "sat"


# "Inputs are never modified": one case per function whose hidden tests check it, with the
# hidden test's description and hint (tests/test_public_checks.py checks they stay the same).
UNCHANGED = {
    "chunk_tokens": (
        "chunk_tokens leaves the documents unchanged",
        "Build a new list for the stream (`stream = []; stream.extend(doc)`, or `stream += doc`) "
        "instead of appending to the documents themselves (`doc.append(eos_id)` changes the "
        "caller's list)."),
    "next_token_pairs": (
        "next_token_pairs leaves the blocks unchanged",
        "Slice into new arrays (`blocks[:, :-1].copy()`) instead of changing `blocks`."),
    "causal_attention": (
        "causal_attention leaves q, k and v unchanged",
        "Compute new arrays (`scores = q @ ... / np.sqrt(d)`) instead of updating the inputs in "
        "place (`q /= np.sqrt(d)`)."),
    "log_softmax": (
        "log_softmax leaves its inputs unchanged",
        "Compute new arrays (`shifted = logits - logits.max(...)`) instead of updating the inputs "
        "in place (`logits -= ...`, `targets[...] = 0`)."),
    "cross_entropy": (
        "cross_entropy leaves its inputs unchanged",
        "Compute new arrays (`shifted = logits - logits.max(...)`) instead of updating the inputs "
        "in place (`logits -= ...`, `targets[...] = 0`)."),
    "cross_entropy_grad": (
        "cross_entropy_grad leaves its inputs unchanged",
        "Compute new arrays (`shifted = logits - logits.max(...)`) instead of updating the inputs "
        "in place (`logits -= ...`, `targets[...] = 0`)."),
    "perplexity": (
        "perplexity leaves its inputs unchanged",
        "Compute new arrays instead of changing the inputs (`targets[...] = 0`, "
        "`logits -= ...`)."),
    "corpus_perplexity": (
        "corpus_perplexity leaves its inputs unchanged",
        "Compute new arrays instead of changing the inputs (`losses *= counts`)."),
    "clip_grad_norm": (
        "clip_grad_norm leaves the gradients unchanged",
        "Build a new dict of new arrays (`{k: g * coef for k, g in grads.items()}`) instead of "
        "scaling in place (`g *= coef`, also on a `grads.copy()`: its arrays are the caller's)."),
    "adamw_step": (
        "adamw_step leaves params, grads and state unchanged (default arguments)",
        "Return new dicts of new arrays (`new_p = p * (1 - lr * wd)`, `m_new = b1 * m + ...`) "
        "and a new state dict; do not update `params`, `state` or its arrays in place "
        "(`p -= ...`, `m *= b1`, `state['step'] += 1`, or a `dict(state)` whose inner dicts you "
        "fill)."),
    "sft_example": (
        "sft_example leaves its inputs unchanged",
        "Build a new list: `seq = list(prompt_ids) + list(response_ids)`, not "
        "`prompt_ids += response_ids`, `.extend(...)` or `.append(eos_id)` on the prompt."),
    "pad_batch": (
        "pad_batch leaves its inputs unchanged",
        "Copy each example into a new batch array (`inputs[i, :len(x)] = x`); do not pad the "
        "examples' own arrays or lists in place."),
    "fit_power_law": (
        "fit_power_law leaves its inputs unchanged",
        "Compute new arrays (`log_x = np.log(x)`), not in place (`np.log(x, out=x)`, "
        "`x /= ...`)."),
}


def _unchanged(question, function, args, kwargs, observe):
    """The case "``function`` leaves its inputs unchanged": the inputs after the call."""
    description, hint = UNCHANGED[function]
    return PublicCase(question, function, args, kwargs, description, hint=hint, observe=observe)


def _q1_chunking(rng):
    q = "q1_chunking"
    return [
        PublicCase(q, "chunk_tokens", ([[5, 6, 7], [8, 9]], 3), {"eos_id": 0},
                   "two documents with eos_id=0 (0 is a valid id): the stream is 5 6 7 0 8 9 0, "
                   "two blocks of 3, and the leftover [0] is dropped"),
        PublicCase(q, "chunk_tokens", ([[1, 2, 3], [4, 5, 6, 7, 8]], 4), {},
                   "no eos_id: the 8 tokens divide exactly into two blocks of 4 (nothing left "
                   "over)"),
        PublicCase(q, "chunk_tokens", ([[3, 4], [], [5]], 2), {"eos_id": 9},
                   "an empty document still gets its eos: the stream is 3 4 9 9 5 9"),
        PublicCase(q, "chunk_tokens", ([[2, 3, 4, 5, 6, 7, 8]], 3), {"eos_id": 1},
                   "one long document cut into blocks: 2 3 4 | 5 6 7, the leftover [8, 1] is "
                   "dropped"),
        PublicCase(q, "chunk_tokens", ([[5, 6]], 4), {},
                   "fewer tokens than block_size: no block at all, an int array of shape (0, 4)"),
        PublicCase(q, "next_token_pairs", (np.array([[10, 11, 12, 13]]),), {},
                   "one block: the inputs drop its last token, the targets its first"),
        PublicCase(q, "next_token_pairs", (np.array([[5, 6, 7], [0, 8, 9]]),), {},
                   "two blocks: position t predicts token t+1 within each block"),
        _unchanged(q, "chunk_tokens", ([[5, 6, 7], [], [8, 9]], 2), {"eos_id": 0}, ("arg0",)),
        _unchanged(q, "next_token_pairs", (np.array([[5, 6, 7], [0, 8, 9]]),), {}, ("arg0",)),
    ]


def _q2_causal_mask(rng):
    q = "q2_causal_mask"
    big = np.array([[[100.0], [-100.0], [100.0]]])  # (1, T=3, d=1): scores of +-1e4
    return [
        PublicCase(q, "causal_mask", (3,), {},
                   "T=3, the lecture's mask: a lower triangle, the diagonal included"),
        PublicCase(q, "causal_mask", (1,), {}, "T=1: the only token attends to itself"),
        PublicCase(q, "causal_mask", (5,), {}, "T=5: row i is True up to column i, False after"),
        PublicCase(q, "causal_attention",
                   (np.zeros((1, 3, 2)), np.zeros((1, 3, 2)), np.array([[[1.0], [2.0], [6.0]]])),
                   {}, "equal scores: the weights are uniform over the past and present (rows "
                   "sum to 1, 0 for the future) and the output is a running mean of v"),
        PublicCase(q, "causal_attention",
                   (_rng_array(rng, (2, 4, 3)), _rng_array(rng, (2, 4, 3)),
                    _rng_array(rng, (2, 4, 2))), {},
                   "a batch of 2 sequences, T=4, d=3, dv=2: scaled by sqrt(d), future weights "
                   "exactly 0"),
        PublicCase(q, "causal_attention", (big, big, np.array([[[1.0], [2.0], [3.0]]])), {},
                   "scores of magnitude 1e4: the softmax must stay finite (subtract the row max)",
                   atol=1e-7),
        PublicCase(q, "causal_attention",
                   (_rng_array(rng, (1, 2, 3, 2)), _rng_array(rng, (1, 2, 3, 2)),
                    _rng_array(rng, (1, 2, 3, 2))), {},
                   "leading batch and head axes (B=1, H=2, T=3, d=2) are kept"),
        _unchanged(q, "causal_attention", (_rng_array(rng, (3, 2)), _rng_array(rng, (3, 2)),
                                           _rng_array(rng, (3, 1))), {},
                   ("arg0", "arg1", "arg2")),
    ]


def _q3_cross_entropy(rng):
    q = "q3_cross_entropy"
    logits = _rng_array(rng, (2, 3, 5))  # (B, T, V)
    targets = np.array([[2, 0, 4], [1, 1, 3]])
    ignored = np.array([[2, -100, 4], [-100, 1, 3]])
    return [
        PublicCase(q, "log_softmax", (np.array([[1e4, 0.0, -1e4]]),), {},
                   "logits of magnitude 1e4: finite and exact (subtract the max before exp)",
                   atol=1e-6),
        PublicCase(q, "log_softmax", (_rng_array(rng, (2, 5)),), {},
                   "two rows of 5 logits: each row's exp sums to 1"),
        PublicCase(q, "log_softmax", (_rng_array(rng, (2, 2, 3), scale=3.0),), {},
                   "a (B, T, V) array: log_softmax over the last axis only"),
        PublicCase(q, "cross_entropy", (_lecture_logits(LECTURE_PROBS), np.array([2])), {},
                   "the lecture's example: p = [0.1, 0.2, 0.5, 0.15, 0.05] over [the, cat, sat, "
                   "on, mat], true token 'sat': -log(0.5) = 0.69", lecture=0.69),
        PublicCase(q, "cross_entropy", (_lecture_logits(BETTER_PROBS), np.array([2])), {},
                   "the lecture's better guess, p('sat') = 0.85: -log(0.85) = 0.16",
                   lecture=0.16),
        PublicCase(q, "cross_entropy", (logits, targets), {},
                   "a (B=2, T=3, V=5) batch: the mean over all 6 positions"),
        PublicCase(q, "cross_entropy", (logits, ignored), {"ignore_index": -100},
                   "ignore_index=-100: the 2 ignored positions count for nothing, the mean is "
                   "over the other 4"),
        PublicCase(q, "cross_entropy", (logits, targets), {"reduction": "sum"},
                   "reduction='sum': the sum of the 6 per-position losses"),
        PublicCase(q, "cross_entropy", (logits, ignored),
                   {"ignore_index": -100, "reduction": "none"},
                   "reduction='none': one loss per position, shape (2, 3), 0.0 where ignored"),
        PublicCase(q, "cross_entropy", (logits[:1, :2], np.array([[-100, -100]])),
                   {"ignore_index": -100},
                   "every position ignored: the mean over no positions is nan, as in PyTorch"),
        PublicCase(q, "cross_entropy_grad", (_lecture_logits(LECTURE_PROBS), np.array([2])), {},
                   "the lecture's example: softmax - onehot = [0.1, 0.2, -0.5, 0.15, 0.05]"),
        PublicCase(q, "cross_entropy_grad", (logits, targets), {},
                   "a (B=2, T=3, V=5) batch: (softmax - onehot) / 6, the mean's gradient"),
        PublicCase(q, "cross_entropy_grad", (logits, ignored), {"ignore_index": -100},
                   "ignore_index=-100: zero rows where ignored, the others divided by 4"),
        _unchanged(q, "log_softmax", (logits,), {}, ("arg0",)),
        _unchanged(q, "cross_entropy", (logits, ignored), {"ignore_index": -100},
                   ("arg0", "arg1")),
        _unchanged(q, "cross_entropy_grad", (logits, ignored), {"ignore_index": -100},
                   ("arg0", "arg1")),
    ]


def _q4_perplexity(rng):
    q = "q4_perplexity"
    return [
        PublicCase(q, "perplexity", (np.zeros((2, 3, 50)), np.array([[1, 2, 3], [4, 5, 6]])),
                   {}, "a uniform model over V=50 tokens has perplexity 50", lecture=50.0),
        PublicCase(q, "perplexity", (_lecture_logits(LECTURE_PROBS), np.array([2])), {},
                   "the lecture's example: exp(-log(0.5)) = 2, as unsure as a choice between 2 "
                   "tokens", lecture=2.0),
        PublicCase(q, "perplexity", (_rng_array(rng, (2, 3, 4), scale=2.0),
                                     np.array([[0, 3, -100], [2, -100, 1]])),
                   {"ignore_index": -100},
                   "a batch with ignore_index=-100: exp of the mean over the 4 positions kept"),
        PublicCase(q, "corpus_perplexity", ([0.69, 2.3], [300, 100]), {},
                   "a big batch that went well (300 tokens, loss 0.69) and a small one that "
                   "went badly (100 tokens, loss 2.3): exp(437 / 400), not the mean of the "
                   "batch perplexities"),
        PublicCase(q, "corpus_perplexity", (np.array([1.2, 0.8, 1.0]), np.array([64, 64, 64])),
                   {}, "three batches of 64 tokens each, as numpy arrays: exp(1.0)"),
        _unchanged(q, "perplexity", (_rng_array(rng, (2, 3, 4)),
                                     np.array([[0, 3, 0], [2, 0, 1]])), {"ignore_index": 0},
                   ("arg0", "arg1")),
        _unchanged(q, "corpus_perplexity", (np.array([0.69, 2.3]), np.array([300, 100])), {},
                   ("arg0", "arg1")),
    ]


def _q5_optimization(rng):
    q = "q5_optimization"
    params = {"W": _rng_array(rng, (2, 3)), "b": _rng_array(rng, (3,))}
    grads = {"W": _rng_array(rng, (2, 3)), "b": _rng_array(rng, (3,))}
    _, after_one = reference.adamw_step(params, grads, reference.init_adamw_state(params))
    grads_two = {"W": _rng_array(rng, (2, 3)), "b": _rng_array(rng, (3,))}
    schedule = (3e-4, 100, 1000)  # max_lr, warmup_steps, total_steps
    return [
        PublicCase(q, "global_grad_norm",
                   ({"w": np.array([3.0, 0.0]), "b": np.array([4.0])},), {},
                   "two arrays taken together: sqrt(3**2 + 0**2 + 4**2) = 5"),
        PublicCase(q, "global_grad_norm", (grads,), {},
                   "a (2, 3) weight and a (3,) bias: one norm over all 9 numbers"),
        PublicCase(q, "clip_grad_norm", ({"w": np.array([3.0, 4.0])}, 1.0), {},
                   "norm 5 above max_norm=1: scaled by 1 / (5 + 1e-6), returns (clipped, 5.0)"),
        PublicCase(q, "clip_grad_norm", ({"w": np.array([0.3, 0.4]), "b": np.array([0.0])}, 1.0),
                   {}, "norm 0.5 below max_norm=1: the gradients are left as they are"),
        PublicCase(q, "clip_grad_norm", ({"W": np.array([[3.0, 0.0]]), "b": np.array([4.0])}, 2.5),
                   {}, "clipping is global: both arrays scaled by the same factor, about 0.5"),
        PublicCase(q, "init_adamw_state", ({"W": np.ones((2, 3)), "b": np.zeros(3)},), {},
                   "step 0 and zero moments m and v shaped like every parameter"),
        PublicCase(q, "adamw_step",
                   ({"w": np.array([1.0, 1.0])}, {"w": np.array([0.5, -2.0])},
                    {"step": 0, "m": {"w": np.zeros(2)}, "v": {"w": np.zeros(2)}}),
                   {"lr": 0.1, "weight_decay": 0.0},
                   "the first step moves every parameter by about lr against its gradient's sign"),
        PublicCase(q, "adamw_step", (params, grads, reference.init_adamw_state(params)), {},
                   "one step with the defaults (lr=1e-3, weight_decay=0.01): new params and "
                   "state with step 1"),
        PublicCase(q, "adamw_step", (params, grads_two, after_one), {},
                   "a second step, from the state after the first: t = 2 in the bias "
                   "correction"),
        PublicCase(q, "adamw_step",
                   (params, {"W": 10 * grads["W"], "b": 10 * grads["b"]},
                    reference.init_adamw_state(params)),
                   {"lr": 0.01, "max_grad_norm": 1.0},
                   "max_grad_norm=1.0: the gradients are clipped before the moments are "
                   "updated"),
        _unchanged(q, "adamw_step", (params, grads_two, after_one), {},
                   ("arg0", "arg1", "arg2")),
        _unchanged(q, "clip_grad_norm", ({"w": np.array([3.0, 4.0]), "b": np.array([1.0])}, 1.0),
                   {}, ("arg0",)),
        PublicCase(q, "warmup_cosine_lr", (50, *schedule), {"min_lr": 3e-5},
                   "halfway through the warmup: half of max_lr (the warmup starts at 0, not at "
                   "min_lr)", atol=1e-12),
        PublicCase(q, "warmup_cosine_lr", (100, *schedule), {"min_lr": 3e-5},
                   "the end of the warmup: the peak, max_lr", atol=1e-12),
        PublicCase(q, "warmup_cosine_lr", (550, *schedule), {"min_lr": 3e-5},
                   "halfway through the cosine decay: (max_lr + min_lr) / 2", atol=1e-12),
        PublicCase(q, "warmup_cosine_lr", (1000, *schedule), {"min_lr": 3e-5},
                   "the end of the schedule: min_lr", atol=1e-12),
        PublicCase(q, "warmup_cosine_lr", (1200, *schedule), {"min_lr": 3e-5},
                   "after total_steps it stays at min_lr", atol=1e-12),
    ]


def _q6_finetuning(rng):
    q = "q6_finetuning"
    two = [reference.sft_example([4, 5, 6], [7, 8], eos_id=0),
           reference.sft_example([9], [3, 2, 1], eos_id=0)]
    return [
        PublicCase(q, "sft_example", ([5, 6, 7], [8, 9]), {"eos_id": 0},
                   "prompt 5 6 7, response 8 9, eos_id=0 (a valid id): the sequence is "
                   "5 6 7 8 9 0; the first 2 targets (prompt tokens) are ignored, the last "
                   "prompt position predicts 8 and counts"),
        PublicCase(q, "sft_example", ([12, 4], [7]), {},
                   "no eos_id: the sequence is 12 4 7, one target ignored, then 7"),
        PublicCase(q, "sft_example", ([3], [4, 5]), {"eos_id": 1},
                   "a 1-token prompt: no target is ignored (position 0 predicts the first "
                   "response token)"),
        PublicCase(q, "sft_example", ([1, 2, 3, 4], [5, 6]), {"ignore_index": -1},
                   "ignore_index=-1: the ignored targets hold -1 (the argument), not -100"),
        PublicCase(q, "sft_example", ([], [4, 5]), {"eos_id": 0},
                   "an empty prompt raises ValueError (an empty response too)",
                   raises="ValueError"),
        PublicCase(q, "sft_example", (np.array([5, 6, 7]), np.array([8, 9])), {"eos_id": 0},
                   "numpy arrays in: the same result, and the prompt and response are left "
                   "unchanged", observe=("return", "arg0", "arg1")),
        PublicCase(q, "pad_batch",
                   ([(np.array([5, 6]), np.array([6, 7])), (np.array([8]), np.array([9]))], 0),
                   {}, "two examples, pad_id=0: the short one is right-padded, its inputs with 0 "
                   "and its targets with -100"),
        PublicCase(q, "pad_batch", ([], 0), {}, "no examples: two int64 arrays of shape (0, 0)"),
        _unchanged(q, "sft_example", ([4, 5, 6], [7, 8]), {"eos_id": 0}, ("arg0", "arg1")),
        _unchanged(q, "pad_batch", (two, 2), {}, ("arg0",)),
    ]


def _q7_scaling(rng):
    q = "q7_scaling"
    sizes = np.array([1e6, 4e6, 16e6, 64e6])  # model sizes, and losses near 8 * N ** -0.1
    losses = np.array([2.0, 1.72, 1.54, 1.33])
    return [
        PublicCase(q, "training_flops", (175e9, 300e9), {},
                   "the lecture's example, GPT-3: 6 * 175e9 parameters * 300e9 tokens = "
                   "3.15e23 FLOPs (2 N D would be the forward pass alone)", rtol=1e-9),
        PublicCase(q, "chinchilla_optimal", (3.15e23,), {},
                   "the lecture's example: GPT-3's budget is best spent on about 5.1e10 "
                   "parameters and 1.0e12 tokens (20 tokens per parameter, 6 N D = C)"),
        PublicCase(q, "chinchilla_optimal", (0.0,), {},
                   "a budget that is not positive raises ValueError", raises="ValueError"),
        PublicCase(q, "fit_power_law", (sizes.tolist(), losses.tolist()), {},
                   "four noisy losses as Python lists: the least-squares line through "
                   "(ln x, ln y), as np.polyfit gives (not a line through two of the points); "
                   "alpha = -slope, positive since the loss falls; a = exp(intercept) with "
                   "natural logs (log10 for the fit and exp for a give a wrong a)"),
        _unchanged(q, "fit_power_law", (sizes.copy(), losses.copy()), {}, ("arg0", "arg1")),
    ]


def _t1_cross_entropy(rng):
    q = "t1_cross_entropy"
    logits = _rng_array(rng, (2, 3, 5))
    return [
        PublicCase(q, "cross_entropy_torch", (_lecture_logits(LECTURE_PROBS), np.array([2])), {},
                   "the lecture's example on tensors: -log(0.5) = 0.69", lecture=0.69),
        PublicCase(q, "cross_entropy_torch", (logits, np.array([[2, 0, 4], [1, 1, 3]])), {},
                   "a (B=2, T=3, V=5) batch: the mean over all 6 positions"),
        PublicCase(q, "cross_entropy_torch", (logits, np.array([[2, -100, 4], [-100, 1, 3]])),
                   {"ignore_index": -100},
                   "ignore_index=-100: the mean over the 4 positions kept"),
        PublicCase(q, "cross_entropy_torch",
                   (np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0]]), np.array([1, 1])), {},
                   "logits of magnitude 1e4: finite (a stable log_softmax)"),
        PublicCase(q, "cross_entropy_torch", (logits, np.array([[2, 0, 4], [1, 1, 3]])), {},
                   "differentiable: loss.backward() gives the logits the gradient "
                   "(softmax - onehot) / N", observe=("grad0",)),
    ]


def _t2_causal_attention(rng):
    q = "t2_causal_attention"
    big = np.array([[[100.0], [-100.0], [100.0]]])
    return [
        PublicCase(q, "causal_attention_torch",
                   (np.zeros((1, 3, 2)), np.zeros((1, 3, 2)), np.array([[[1.0], [2.0], [6.0]]])),
                   {}, "equal scores: uniform weights over the past and present, a running mean "
                   "of v"),
        PublicCase(q, "causal_attention_torch",
                   (_rng_array(rng, (2, 4, 3)), _rng_array(rng, (2, 4, 3)),
                    _rng_array(rng, (2, 4, 2))), {},
                   "a batch of 2 sequences, T=4, d=3, dv=2: future weights exactly 0"),
        PublicCase(q, "causal_attention_torch", (big, big, np.array([[[1.0], [2.0], [3.0]]])),
                   {}, "scores of magnitude 1e4: still finite", atol=1e-7),
    ]


def _t3_optimization(rng):
    q = "t3_optimization"
    params = [_rng_array(rng, (2, 3)), _rng_array(rng, (3,))]
    grads = [_rng_array(rng, (2, 3)), _rng_array(rng, (3,))]
    zeros = {"step": 0, "m": [np.zeros_like(p) for p in params],
             "v": [np.zeros_like(p) for p in params]}
    _, after_one = reference.adamw_step(_as_dict(params), _as_dict(grads),
                                        reference.init_adamw_state(_as_dict(params)))
    after_one = {"step": 1, "m": _as_list(after_one["m"]), "v": _as_list(after_one["v"])}
    return [
        PublicCase(q, "clip_grad_norm_torch_", ([np.array([3.0]), np.array([4.0])], 1.0), {},
                   "norm 5 above max_norm=1: returns 5 and scales both tensors in place",
                   observe=("return", "arg0")),
        PublicCase(q, "clip_grad_norm_torch_", ([np.array([0.3]), np.array([0.4])], 1.0), {},
                   "norm 0.5 below max_norm=1: the tensors are left as they are",
                   observe=("return", "arg0")),
        PublicCase(q, "init_adamw_state_torch", ([np.ones((2, 3)), np.zeros(3)],), {},
                   "step 0 and one zero tensor per parameter in m and in v"),
        PublicCase(q, "adamw_step_torch_", (params, grads, zeros), {},
                   "one step with the defaults, in place: the params and the state (step 1, m, "
                   "v)", observe=("arg0", "arg2")),
        PublicCase(q, "adamw_step_torch_", (params, grads, after_one),
                   {"lr": 0.01, "weight_decay": 0.1},
                   "a second step from the state after the first (t = 2), lr=0.01, "
                   "weight_decay=0.1", observe=("arg0", "arg2")),
    ]


def _as_dict(arrays):
    return {str(i): a for i, a in enumerate(arrays)}


def _as_list(by_name):
    return [by_name[str(i)] for i in range(len(by_name))]


# What the torch track's functions compute, with the numpy reference (the same math).
def _torch_expected(case: PublicCase):
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    if case.function == "cross_entropy_torch":
        if case.observe == ("grad0",):
            return reference.cross_entropy_grad(*args, **kwargs)
        return reference.cross_entropy(*args, **kwargs)
    if case.function == "causal_attention_torch":
        return reference.causal_attention(*args, **kwargs)
    if case.function == "clip_grad_norm_torch_":
        clipped, norm = reference.clip_grad_norm(_as_dict(args[0]), args[1])
        return norm, _as_list(clipped)
    if case.function == "init_adamw_state_torch":
        state = reference.init_adamw_state(_as_dict(args[0]))
        return {"step": 0, "m": _as_list(state["m"]), "v": _as_list(state["v"])}
    if case.function == "adamw_step_torch_":
        params, grads, state = args
        state = {"step": state["step"], "m": _as_dict(state["m"]), "v": _as_dict(state["v"])}
        new_params, new_state = reference.adamw_step(_as_dict(params), _as_dict(grads), state,
                                                     **kwargs)
        return _as_list(new_params), {"step": new_state["step"], "m": _as_list(new_state["m"]),
                                      "v": _as_list(new_state["v"])}
    raise KeyError(f"expected a torch-track function, got {case.function!r}")


CASE_BUILDERS = (_q1_chunking, _q2_causal_mask, _q3_cross_entropy, _q4_perplexity,
                 _q5_optimization, _q6_finetuning, _q7_scaling, _t1_cross_entropy,
                 _t2_causal_attention, _t3_optimization)
SEED = 1617


def cases() -> list[PublicCase]:
    """Every public case, in question order, without expected values."""
    rng = np.random.default_rng(SEED)
    return [case for build in CASE_BUILDERS for case in build(rng)]


def _expected(case: PublicCase):
    if case.track == "torch":
        return _torch_expected(case)
    if case.raises:  # the reference must raise it too
        try:
            got = observe_call(getattr(reference, case.function), case.args, case.kwargs)
        except Exception as error:
            if case.raises in [kind.__name__ for kind in type(error).__mro__]:
                return None
            raise
        raise AssertionError(f"expected the reference to raise {case.raises} for "
                             f"{case.call_text()}, got {got!r}")
    return observe_call(getattr(reference, case.function), case.args, case.kwargs, case.observe)


def cases_with_expected() -> list[PublicCase]:
    """Every public case with ``expected`` (the reference's observed value) and ``hint`` filled
    in. Raises AssertionError when the reference disagrees with a number the lecture gives."""
    done = []
    for case in cases():
        expected = _expected(case)
        if case.lecture is not None and not math.isclose(round(float(expected), 2),
                                                         case.lecture):
            raise AssertionError(f"expected the reference to give the lecture's "
                                 f"{case.lecture} for {case.call_text()}, got {expected}")
        done.append(replace(case, expected=expected, hint=case.hint or HINTS[case.function]))
    return done


def cases_for(question: str) -> list[PublicCase]:
    """The cases of one question, expected values filled in."""
    return [case for case in cases_with_expected() if case.question == question]
