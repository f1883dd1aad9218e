"""The public checks (``grader.check``): otter test files written by the build, run by otter.

The reference passes every case, the untouched template fails them all with "not implemented",
realistic bugs fail in their own question with feedback that names the function and shows expected
and got, and the files are self-contained, reproducible and free of reference code.
"""
import ast
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from checkout import numpy_total
from otter.nbmeta_config import NBMetadataConfig
from otter.test_files import create_test_file

import reference
from assignments.lecture16 import public_cases
from assignments.lecture16.public_cases import PublicCase, cases_with_expected, compare
from autograder import show
from autograder.build import leaks
from autograder.build.public_tests import SKIPPED, split_points, write_otter_tests
from autograder.build.template import template_text
from autograder.questions import NUMPY_QUESTIONS, QUESTIONS, TORCH_QUESTIONS, points_of
from autograder.verify.catalog import BUGS as CATALOG_BUGS

NUMPY_IDS = [q.id for q in NUMPY_QUESTIONS]
TORCH_IDS = [q.id for q in TORCH_QUESTIONS]


@pytest.fixture(scope="module")
def tests_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("public") / "tests"
    write_otter_tests(folder)
    return folder


def run_check(tests_dir: Path, qid: str, env: dict):
    """What ``grader.check(qid)`` does: parse the test file and run it on ``env``."""
    test_file = create_test_file(str(tests_dir / f"{qid}.py"), NBMetadataConfig())
    test_file.run(env)
    return test_file


def reference_env() -> dict:
    return {name: getattr(reference, name) for q in QUESTIONS for name in q.functions}


def stub_env() -> dict:
    env: dict = {}
    exec(compile(template_text(), "lm_training.py", "exec"), env)  # the student template
    return env


def failures(test_file) -> list[str]:
    return [r.message for r in test_file.test_case_results if not r.passed]


# ----------------------------------------------------------------------------- the files
@pytest.mark.assignment
def test_one_self_contained_file_per_question_worth_its_points(tests_dir):
    assert sorted(p.stem for p in tests_dir.glob("*.py")) == sorted(q.id for q in QUESTIONS)
    for question in QUESTIONS:
        path = tests_dir / f"{question.id}.py"
        text = path.read_text(encoding="ascii")  # otter opens it with the default encoding
        tree = ast.parse(text)
        top_imports = {alias.name.split(".")[0] for node in tree.body
                       if isinstance(node, (ast.Import, ast.ImportFrom))
                       for alias in (node.names if isinstance(node, ast.Import)
                                     else [ast.alias(node.module)])}
        assert top_imports == {"copy", "numpy", "otter"}, (question.id, top_imports)
        # (a word: preference_loss is not the reference package)
        assert not re.search(r"\breference\b", text.replace("reference solution", ""))
        test_file = create_test_file(str(path), NBMetadataConfig())
        assert test_file.name == question.id
        assert test_file.possible == points_of(question)
        assert all(not tc.hidden for tc in test_file.test_cases)
        assert all(float(tc.points).is_integer() for tc in test_file.test_cases)
        n_cases = sum(c.question == question.id for c in cases_with_expected())
        assert len(test_file.test_cases) == n_cases >= 3


@pytest.mark.assignment
def test_numpy_points_add_up_to_the_total_and_torch_to_0(tests_dir):
    totals = {q.id: create_test_file(str(tests_dir / f"{q.id}.py"), NBMetadataConfig()).possible
              for q in QUESTIONS}
    assert sum(totals[q] for q in NUMPY_IDS) == pytest.approx(numpy_total()), totals
    assert all(totals[q] == 0 for q in TORCH_IDS)
    assert split_points(15, 7) == [3, 2, 2, 2, 2, 2, 2]
    assert split_points(0, 4) == [0, 0, 0, 0]
    assert split_points(5, 6) == [1, 1, 1, 1, 1, 0]


def test_writing_twice_gives_identical_bytes(tests_dir, tmp_path):
    write_otter_tests(tmp_path)
    for path in sorted(tests_dir.glob("*.py")):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_files_leak_no_reference_code(tests_dir):
    assert leaks.find_leaks(tests_dir) == []


def test_files_need_at_most_python_3_10(tests_dir):
    vermin = Path(sys.executable).with_name("vermin")
    if not vermin.exists():
        pytest.skip("vermin is not installed")
    done = subprocess.run([str(vermin), "--target=3.10-", "--violations", "--no-tips",
                           "--eval-annotations", str(tests_dir)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# ----------------------------------------------------------------------------- correct and stubs
@pytest.mark.assignment
@pytest.mark.parametrize("qid", NUMPY_IDS)
def test_reference_passes_every_public_check(tests_dir, qid):
    test_file = run_check(tests_dir, qid, reference_env())
    assert failures(test_file) == []
    assert test_file.score == test_file.possible
    assert test_file.summary() == f"{qid}: all {len(test_file.test_cases)} checks passed"


@pytest.mark.parametrize("qid", TORCH_IDS)
def test_torch_reference_passes_every_public_check(tests_dir, qid):
    pytest.importorskip("torch")
    test_file = run_check(tests_dir, qid, reference_env())
    assert failures(test_file) == []


@pytest.mark.assignment
@pytest.mark.parametrize("qid", NUMPY_IDS + TORCH_IDS)
def test_untouched_template_fails_every_check_as_not_implemented(tests_dir, qid):
    if qid in TORCH_IDS:
        pytest.importorskip("torch")
    test_file = run_check(tests_dir, qid, stub_env())
    messages = failures(test_file)
    assert len(messages) == len(test_file.test_cases)
    assert test_file.score == 0
    for message in messages:
        assert "not implemented" in message, message
        assert "failed" in message
    # said in full once per function, then in one line (not one full report per case)
    functions = {case.name.split(" ")[1] for case in test_file.test_cases}
    assert sum("NotImplementedError" in message for message in messages) == len(functions)
    assert "failed" in test_file._repr_html_()


def test_a_function_not_defined_fails_with_run_the_cell(tests_dir):
    test_file = run_check(tests_dir, "q1_chunking", {})
    for message in failures(test_file):
        assert "is not defined: run the cell that defines it" in message


def test_without_torch_the_torch_track_is_one_passing_line_that_says_so(tests_dir,
                                                                        monkeypatch, tmp_path):
    """check_all() right before submitting shows no red for the optional track: each torch
    question says in one line that it was skipped, and why."""
    import otter

    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
    for qid in TORCH_IDS:
        test_file = run_check(tests_dir, qid, stub_env())
        assert test_file.passed_all and test_file.possible == 0
        assert [tc.name for tc in test_file.test_cases] == [qid]
        assert repr(test_file) == f"{qid}: {SKIPPED}"
    monkeypatch.chdir(tmp_path)  # otter writes its log next to the notebook
    grader = otter.Notebook(tests_dir=str(tests_dir))
    shown = repr(grader.check("t1_cross_entropy", global_env=stub_env()))
    assert shown == f"t1_cross_entropy: {SKIPPED}", shown
    assert "color" not in grader.check("t1_cross_entropy", global_env=stub_env())._repr_html_()


def test_check_all_without_torch_shows_the_torch_track_in_one_line(tests_dir, monkeypatch,
                                                                   tmp_path):
    """The notebook's last check, ``grader.check_all()``, right before submitting: a line per
    numpy question and one line for the whole optional track, whatever its number of files."""
    import otter

    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
    monkeypatch.chdir(tmp_path)  # otter writes its log next to the notebook
    env = {name: getattr(reference, name) for q in QUESTIONS if q.track != "torch"
           for name in q.functions}
    env["grader"] = otter.Notebook(tests_dir=str(tests_dir))
    exec("shown = repr(grader.check_all())", env)  # noqa: S102 (check_all reads its caller's globals)
    lines = env["shown"].splitlines()
    assert lines == [f"{q.id}: all {n} checks passed" for q, n in _case_counts()] + [SKIPPED]
    stub = stub_env()
    stub["grader"] = env["grader"]
    exec("shown = repr(grader.check_all())", stub)  # noqa: S102
    assert stub["shown"].count("torch") == 1 and stub["shown"].endswith("\n" + SKIPPED)
    assert "Error at line" not in stub["shown"] and "Test case failed" not in stub["shown"]


def _case_counts() -> list:
    cases = cases_with_expected()
    return [(q, sum(c.question == q.id for c in cases)) for q in QUESTIONS if q.track != "torch"]


def test_with_torch_the_torch_track_runs_its_checks(tests_dir):
    pytest.importorskip("torch")
    test_file = run_check(tests_dir, "t1_cross_entropy", stub_env())
    assert len(test_file.test_cases) > 1 and not test_file.passed_all
    assert SKIPPED not in repr(test_file)


def test_run_checks_without_torch_says_skipped_in_one_line(tests_dir, tmp_path):
    files = Path(__file__).resolve().parents[1] / "autograder" / "build" / "files"
    (tmp_path / "run_checks.py").write_text((files / "run_checks.py").read_text())
    without_torch = ("import sys; sys.modules['torch'] = None; import run_checks as r; "
                     "r._install_otter_stand_in(); "
                     f"print(r.report(r.run_checks(r.load_checks({str(tests_dir)!r}), {{}}), "
                     "True))")
    done = subprocess.run([sys.executable, "-c", without_torch], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    for qid in TORCH_IDS:
        lines = [line for line in done.stdout.splitlines() if line.startswith(qid)]
        assert len(lines) == 1 and lines[0].endswith(SKIPPED), done.stdout


# ----------------------------------------------------------------------------- realistic bugs
# Bugs of the question folders' catalogs (their catalog.py), with a piece of the feedback the
# public checks must give for each: the public checks are a sample, so not every catalogued bug
# is here, but these must be caught with useful feedback.
PUBLIC_DETAILS = {
    "chunk-pads-leftover": "should have shape (2, 3)",
    "chunk-eos-truthy": "should have shape (2, 3), but got shape (1, 3)",
    "pairs-reversed": "the result[0] has wrong values",
    "mask-no-diagonal": "at index [0, 0] expected True, got False",
    "attn-no-scale": "has wrong values",
    "attn-mask-after-softmax": "has wrong values",
    "lsm-naive-exp": "got nan",
    "ce-sum-not-mean": "the result should be",
    "ce-n-counts-ignored": "the result should be",
    "grad-not-divided": "has wrong values",
    "ppl-base-2": "the result should be 49.9999",
    "corpus-mean-of-ppls": "the result should be 2.9",
    "norm-sum-of-norms": "the result should be 5.0",
    "clip-per-array": "the result[0]['W']",
    "adam-no-bias-correction": "the result[0]",
    "adam-params-in-place": "after the call",
    "adam-l2-decay": "decoupled",
    "pairs-views": "whether a returned array is a view of blocks: expected False, got True",
    "lr-warmup-from-min-lr": "the result should be 0.00015",
    "q6-mask-whole-prompt": "the result[1] has wrong values: at index [2] expected 8, got -100",
    "q6-pad-targets-with-pad-id": "the result[1] has wrong values: at index [1, 1] expected -100, "
                                  "got 0",
    "q7-flops-forward-only": "the result should be 3.15e+23",
    "q7-fit-slope-as-alpha": ", -0.0962599738",  # alpha with the slope's sign
}
CATALOG = {b.name: b for b in CATALOG_BUGS}
BUGS = [(CATALOG[name].question, name, detail) for name, detail in PUBLIC_DETAILS.items()]


def bug_env(name: str) -> dict:
    """The reference with a catalogued bug's functions swapped in (they run in a copy of the
    reference solution's namespace; the other functions stay the reference's)."""
    from autograder.build.release import solutions_module

    namespace = {"__name__": "solution"}
    exec(compile(solutions_module(), "<solution>", "exec"), namespace)  # noqa: S102
    source = CATALOG[name].source
    exec(compile(source, f"<bug {name}>", "exec"), namespace)  # noqa: S102
    defined = [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    env = reference_env()
    return {**env, **{f: namespace[f] for f in defined if f in env}}


@pytest.mark.assignment
def test_the_public_bugs_are_in_the_catalog_and_cover_every_numpy_question(tests_dir):
    assert set(PUBLIC_DETAILS) <= set(CATALOG), set(PUBLIC_DETAILS) - set(CATALOG)
    covered = {CATALOG[name].question for name in PUBLIC_DETAILS}
    for qid in (q for q in NUMPY_IDS if q not in covered):  # a question added since: its own
        tried = [b.name for b in CATALOG_BUGS if b.question == qid and not b.gap]
        caught = [name for name in tried if failures(run_check(tests_dir, qid, bug_env(name)))]
        assert caught, (f"expected a catalogued bug of {qid} that its public check catches, "
                        f"got none of {tried}")


@pytest.mark.parametrize("qid, name, detail", BUGS, ids=[b[1] for b in BUGS])
def test_a_realistic_bug_fails_in_its_question_with_useful_feedback(tests_dir, qid, name,
                                                                    detail):
    env = bug_env(name)
    functions = [f for f in env if env[f] is not reference_env()[f]]
    assert functions, f"{name}: changes no function"
    failing = {q: failures(run_check(tests_dir, q, env)) for q in NUMPY_IDS}
    assert {q for q, messages in failing.items() if messages} == {qid}
    messages = failing[qid]
    assert all(m.splitlines()[0] == "❌ Test case failed" for m in messages)
    wrong = [m for m in messages if any(f"{f} gave a wrong result" in m for f in functions)]
    assert wrong, messages[0]
    for i, message in enumerate(wrong):  # the first in full, the later ones in one line
        if i > 0:
            assert len(message.splitlines()) == 2 and "\nAlso: " in message, message
            continue
        for part in ("  call:     ", "  expected: ", "  got:      ", "  problem:  ",
                     "  hint:     "):
            assert part in message, (part, message)
        assert "<" not in message.split("\n", 3)[3]  # otter shows it as HTML in notebooks
        assert all(not line.startswith(" " * 12) for line in message.splitlines())  # no wrap
    assert any(detail in m for m in wrong), "\n\n".join(wrong)


def _run_checks_report(tests_dir: Path, tmp_path: Path, source: str, question: str) -> str:
    """What ``python run_checks.py -v --question QUESTION`` reports for the functions that
    ``source`` defines (run_checks.py's own loading, checking and report)."""
    files = Path(__file__).resolve().parents[1] / "autograder" / "build" / "files"
    (tmp_path / "run_checks.py").write_text((files / "run_checks.py").read_text())
    (tmp_path / "work.py").write_text(source)
    code = ("import run_checks as r; r._install_otter_stand_in(); env = {}; "
            "exec(open('work.py').read(), env); "
            f"checks = [c for c in r.load_checks({str(tests_dir)!r}) if c['name'] == "
            f"{question!r}]; print(r.report(r.run_checks(checks, env), True))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


# The docstrings' promises that the public checks once left to the hidden tests, and AdamW with
# L2 decay: a student meets each in grader.check and in run_checks.py, named.
STUDENT_SIDE = [
    ("adam-l2-decay", "q5_optimization",
     "only the decoupled weight decay acts, p becomes p * (1 - lr * weight_decay) and m stays 0"),
    ("pairs-views", "q1_chunking", "not views of them"),
    ("q7-fit-no-check", "q7_scaling", "fit_power_law should raise ValueError, but it returned"),
]


@pytest.mark.parametrize("name, qid, detail", STUDENT_SIDE, ids=[b[0] for b in STUDENT_SIDE])
def test_a_docstring_promise_broken_fails_a_named_public_check(tests_dir, tmp_path, monkeypatch,
                                                               name, qid, detail):
    import otter

    from autograder.build.release import solutions_module

    monkeypatch.chdir(tmp_path)  # otter writes its log next to the notebook
    grader = otter.Notebook(tests_dir=str(tests_dir))
    shown = " ".join(repr(grader.check(qid, global_env=bug_env(name))).split())
    assert detail in shown, shown
    assert " ".join(repr(grader.check(qid, global_env=reference_env())).split()).endswith(
        "checks passed")
    source = solutions_module() + "\n\n" + CATALOG[name].source
    report = " ".join(_run_checks_report(tests_dir, tmp_path, source, qid).split())
    assert "1 of" in report or "2 of" in report, report
    assert detail in report, report


def _ce_torch_detached(logits, targets, ignore_index=None):
    import torch

    loss = reference.cross_entropy(logits.detach().numpy(), targets.numpy(), ignore_index)
    return torch.tensor(float(loss), dtype=logits.dtype)  # no gradient reaches the logits


def _clip_torch_not_in_place(grads, max_norm):
    import torch

    total = torch.sqrt(sum((g ** 2).sum() for g in grads))
    _ = [g * min(1.0, max_norm / (float(total) + 1e-6)) for g in grads]  # new tensors, unused
    return total


def _attention_torch_no_diagonal(q, k, v):
    import torch

    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(-1), float("-inf"))
    w = torch.softmax(scores, dim=-1)
    return w @ v, w


TORCH_BUGS = [
    ("t1_cross_entropy", "cross_entropy_torch", _ce_torch_detached,
     "logits.grad after loss.backward() should be a numpy array"),
    ("t2_causal_attention", "causal_attention_torch", _attention_torch_no_diagonal, "got nan"),
    ("t3_optimization", "clip_grad_norm_torch_", _clip_torch_not_in_place, "grads after the call"),
]


@pytest.mark.parametrize("qid, function, bug, detail", TORCH_BUGS,
                         ids=[b[1] for b in TORCH_BUGS])
def test_a_torch_track_bug_fails_with_useful_feedback(tests_dir, qid, function, bug, detail):
    pytest.importorskip("torch")
    env = {**reference_env(), function: bug}
    messages = failures(run_check(tests_dir, qid, env))
    assert messages
    assert any(detail in m and f"{function} gave a wrong result" in m for m in messages), \
        "\n\n".join(messages)


def test_through_otter_notebook_check_like_a_student(tests_dir, tmp_path, monkeypatch):
    import otter

    monkeypatch.chdir(tmp_path)  # otter writes its log next to the notebook
    grader = otter.Notebook(tests_dir=str(tests_dir))
    passed = grader.check("q4_perplexity", global_env=reference_env())
    n_cases = sum(c.question == "q4_perplexity" for c in cases_with_expected())
    assert repr(passed) == f"q4_perplexity: all {n_cases} checks passed"
    assert "passed" in passed._repr_html_()
    env = bug_env("ppl-base-2")
    failed = grader.check("q4_perplexity", global_env=env)
    text = repr(failed)
    assert text.startswith("q4_perplexity: 3 of 7 checks failed")
    assert "\n[perplexity 1] perplexity gave a wrong result." in text
    for framing in ("Error at line", "in test q4_perplexity", "_check(", "Test case"):
        assert framing not in text and framing not in failed._repr_html_()
    assert "perplexity gave a wrong result" in failed._repr_html_()


# ----------------------------------------------------------------------------- the cases module
def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    return imported | {node.module.split(".")[0] for node in ast.walk(tree)
                       if isinstance(node, ast.ImportFrom) and node.level == 0}


def test_cases_module_imports_only_numpy_the_reference_and_show():
    stdlib = {"__future__", "copy", "math", "dataclasses", "typing", "textwrap", "importlib",
              "pathlib", "re", "types", "warnings"}
    assert _imported(Path(public_cases.__file__)) <= stdlib | {"numpy", "reference", "autograder"}
    tree = ast.parse(Path(public_cases.__file__).read_text(encoding="utf-8"))
    assert {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            and node.module.startswith("autograder")} == {"autograder.show"}
    assert _imported(Path(show.__file__)) == {"numpy"}  # copied into the check files
    folders = [Path(m.__file__) for m in public_cases.public_modules()]
    assert [p.parent.name for p in folders] == [q.id for q in QUESTIONS]  # one each, in order
    for path in folders:  # a question's cases: the same, and public_cases itself
        assert _imported(path) <= stdlib | {"numpy", "reference", "assignments"}, path


def test_cases_cover_the_lecture_examples():
    cases = cases_with_expected()
    assert all(isinstance(c, PublicCase) and (c.expected is not None) != bool(c.raises)
               and c.hint for c in cases)
    lecture = {(c.function, c.lecture) for c in cases if c.lecture is not None}
    assert {("cross_entropy", 0.69), ("cross_entropy", 0.16), ("perplexity", 50.0),
            ("cross_entropy_torch", 0.69)} <= lecture
    functions = {c.function for c in cases}
    assert functions == {f for q in QUESTIONS for f in q.functions}
    by_call = {c.call_text(): c for c in cases}
    assert by_call["chunk_tokens([[5, 6, 7], [8, 9]], 3, eos_id=0)"].expected.tolist() == \
        [[5, 6, 7], [0, 8, 9]]
    assert by_call["causal_mask(3)"].expected.tolist() == np.tri(3, dtype=bool).tolist()
    assert by_call["warmup_cosine_lr(100, 0.0003, 100, 1000, min_lr=3e-05)"].expected == 3e-4
    assert by_call["corpus_perplexity([0.69, 2.3], [300, 100])"].expected == \
        pytest.approx(math.exp(437 / 400))
    nan_case = [c for c in cases if "every position ignored" in c.description]
    assert len(nan_case) == 1 and math.isnan(nan_case[0].expected)


def test_q6_q7_cases_hold_the_lecture_numbers_and_the_edge_cases():
    by_call = {c.call_text(): c for c in cases_with_expected()}
    x, y = by_call["sft_example([5, 6, 7], [8, 9], eos_id=0)"].expected
    assert x.tolist() == [5, 6, 7, 8, 9] and y.tolist() == [-100, -100, 8, 9, 0]
    assert by_call["training_flops(175000000000.0, 300000000000.0)"].expected == \
        pytest.approx(3.15e23)
    n, d = by_call["chinchilla_optimal(3.15e+23)"].expected
    assert round(n / 1e10, 1) == 5.1 and round(d / 1e12, 1) == 1.0
    sizes, losses = [1e6, 4e6, 16e6, 64e6], [2.0, 1.72, 1.54, 1.33]
    a, alpha = by_call[f"fit_power_law({sizes}, {losses})"].expected
    slope, intercept = np.polyfit(np.log(sizes), np.log(losses), 1)
    assert alpha == pytest.approx(-slope) and a == pytest.approx(np.exp(intercept))
    empty = by_call["pad_batch([], 0)"].expected
    assert [e.shape for e in empty] == [(0, 0), (0, 0)]
    raising = {c.call_text() for c in cases_with_expected() if c.raises
               and c.question in ("q6_finetuning", "q7_scaling")}
    assert raising == {"sft_example([], [4, 5], eos_id=0)", "chinchilla_optimal(0.0)",
                       "fit_power_law([1000000.0, 4000000.0, 16000000.0], [2.0, 0.0, 1.5])"}
    unchanged = [c for c in cases_with_expected() if c.function == "sft_example"
                 and c.observe == ("return", "arg0", "arg1")]
    assert len(unchanged) == 1


def test_a_case_that_must_raise_passes_only_when_it_raises():
    case = next(c for c in cases_with_expected() if c.call_text() == "chinchilla_optimal(0.0)")
    assert case.run(reference.chinchilla_optimal) is None

    class BudgetError(ValueError):
        pass

    def raises_subclass(flops, tokens_per_param=20.0):
        raise BudgetError("no budget")

    assert case.run(raises_subclass) is None
    returned = case.run(lambda flops, tokens_per_param=20.0: (0.0, 0.0))
    assert "should raise ValueError, but it returned" in returned and "got:      (0.0, 0.0)" in \
        returned
    wrong = case.run(lambda flops, tokens_per_param=20.0: 1 / flops)
    assert "raised ZeroDivisionError" in wrong and "expected: it raises ValueError" in wrong
    assert case.compare((0.0, 0.0)).startswith("it should raise ValueError")
    assert case.compare_raised("ValueError", "chinchilla_optimal raised ValueError: x") is None
    assert "it should raise ValueError" in case.compare_raised("TypeError", "raised TypeError")


def test_feedback_text_is_plain_ascii_without_angle_brackets():
    # otter shows failures as HTML in the notebook: "<" would start a tag
    for case in cases_with_expected():
        for text in (case.description, case.hint, case.call_text(), *case.labels):
            assert text.isascii() and "<" not in text and ">" not in text, text


def test_every_case_runs_through_the_case_api(monkeypatch):
    for case in cases_with_expected():
        if case.track == "numpy":
            assert case.run(getattr(reference, case.function)) is None, case.call_text()
    case = next(c for c in cases_with_expected() if c.function == "cross_entropy")
    assert "not implemented" in case.run(stub_env()["cross_entropy"])
    assert case.compare(case.expected) is None
    assert "should be 0.6931471805599453" in case.compare(0.7)


@pytest.mark.parametrize("expected, got, fragment", [
    (np.array([1.0, 2.0]), [1.0, 2.0], "should be a numpy array of shape (2,) and dtype float64, "
                                       "but got a list of 2 items"),
    (np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0]),
     "should have shape (2,), but got shape (3,)"),
    (np.array([1, 2]), np.array([1.0, 2.0]), "should have an integer dtype"),
    (np.array([True]), np.array([1]), "should be a bool array"),
    (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 2.0], [3.0, 4.5]]),
     "at index [1, 1] expected 4.0, got 4.5 (1 of 4 entries differ"),
    (np.array([1.0]), np.array([np.inf]), "usually means exp overflowed"),
    (0.5, np.array([0.5, 0.5]), "should be a single number"),
    (0.5, "0.5", "should be a single number"),
    (2, 2.0, "should be an integer"),
    ((1.0, 2.0), (1.0,), "should be a tuple of 2 items, but got 1 items"),
    ({"w": 1.0, "b": 2.0}, {"w": 1.0}, "['b'] missing"),
    ({"w": np.array([1.0])}, {"w": np.array([2.0])}, "the result['w'] has wrong values"),
    (None, 1.0, "should be None"),
])
def test_compare_says_what_differs(expected, got, fragment):
    message = compare(expected, got)
    assert message is not None and fragment in message, message


@pytest.mark.parametrize("expected, got", [
    (0.5, np.float64(0.5)), (0.5, np.array(0.5)), (0.5, 0.5 + 1e-12), (2, np.int64(2)),
    (float("nan"), np.nan), ((np.array([1, 2]), 3.0), [np.array([1, 2]), 3.0]),
    ({"step": 0}, {"step": 0, "extra": 1}), (np.array([1.0]), np.array([1.0], dtype=np.float32)),
])
def test_compare_accepts_equivalent_values(expected, got):
    assert compare(expected, got) is None


def test_a_pasted_call_runs_and_floats_stay_floats():
    text = public_cases.call_text("f", (np.array([[0.0, 1.0]]), [np.array([2, 3])]),
                                  {"w": np.array([1e-05, 0.5])})
    assert text == "f(np.array([[0.0, 1.0]]), [np.array([2, 3])], w=np.array([1e-05, 0.5]))"
    args, kwargs = eval(text.replace("f(", "(lambda *a, **k: (a, k))(", 1),  # noqa: S307
                        {"np": np})
    assert args[0].dtype == np.float64 and args[1][0].dtype.kind == "i"
    assert kwargs["w"].tolist() == [1e-05, 0.5]


def _namespace_env(name: str) -> dict:
    """The solution with a catalogued bug in it, every function from that one namespace (so
    that the solution's perplexity calls the buggy cross_entropy, as a student's would)."""
    from autograder.build.release import solutions_module

    namespace = {"__name__": "solution"}
    exec(compile(solutions_module(), "<solution>", "exec"), namespace)  # noqa: S102
    exec(compile(CATALOG[name].source, f"<bug {name}>", "exec"), namespace)  # noqa: S102
    return {f: namespace[f] for f in reference_env()}


def test_a_callers_failure_names_the_callee_that_fails_its_own_check(tests_dir):
    env = _namespace_env("ce-n-counts-ignored")
    messages = failures(run_check(tests_dir, "q4_perplexity", env))
    assert messages
    assert all("perplexity calls cross_entropy, which fails its own public check "
               '(grader.check("q3_cross_entropy"))' in m for m in messages), messages[0]
    assert not any("calls log_softmax" in m for m in messages)  # log_softmax passes its own
    # a caller's own mistake, its callees right: no note
    messages = failures(run_check(tests_dir, "q4_perplexity", _namespace_env("ppl-base-2")))
    assert messages and not any("note:" in m for m in messages)


def test_the_nan_note_speaks_of_attention_only_for_attention():
    nan = np.array([np.nan, 1.0])
    plain = compare(np.array([1.0, 1.0]), nan)
    assert "subtract the max first" in plain and "attend" not in plain
    shown = public_cases.check_call("causal_attention", lambda q: nan, (np.zeros(2),), {},
                                    np.array([1.0, 1.0]))
    assert "nothing to attend to" in shown
    shown = public_cases.check_call("log_softmax", lambda x: nan, (np.zeros(2),), {},
                                    np.array([1.0, 1.0]))
    assert "subtract the max first" in shown and "attend" not in shown


def _ce_with_numpy_mean(logits, targets, ignore_index=None, reduction="mean"):
    """A correct cross_entropy as students write it: ``.mean()`` of no positions warns."""
    targets = np.asarray(targets)
    keep = np.ones(targets.shape, bool) if ignore_index is None else targets != ignore_index
    picked = np.take_along_axis(reference.log_softmax(logits),
                                np.where(keep, targets, 0)[..., None], -1)[..., 0]
    losses = np.where(keep, -picked, 0.0)
    if reduction == "none":
        return losses
    return losses[keep].sum() if reduction == "sum" else losses[keep].mean()


def test_correct_code_shows_no_runtime_warning(tests_dir):
    """The all-ignored cross_entropy case: nan from 0 / 0 in correct code is the expected
    answer, and numpy's RuntimeWarning is kept out of the check's output."""
    import warnings

    with pytest.warns(RuntimeWarning):
        assert np.isnan(_ce_with_numpy_mean(np.zeros((2, 3)), np.array([-1, -1]), -1))

    assert any(c.function == "cross_entropy" and np.isnan(c.expected)
               for c in cases_with_expected() if c.question == "q3_cross_entropy"
               and np.ndim(c.expected) == 0 and not c.raises)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        env = {**reference_env(), "cross_entropy": _ce_with_numpy_mean}
        assert failures(run_check(tests_dir, "q3_cross_entropy", env)) == []


def test_a_single_mistake_shows_under_40_lines_in_its_check(tests_dir, tmp_path, monkeypatch):
    """Every catalogued numpy bug (the Going further part's too), in a copy of the solution (its
    callers call it, as a student's do): what grader.check of its question prints is under 40
    lines, without otter's framing."""
    import otter

    monkeypatch.chdir(tmp_path)
    grader = otter.Notebook(tests_dir=str(tests_dir))
    longest = []
    for bug in CATALOG_BUGS:
        if bug.question in TORCH_IDS:
            continue
        try:
            env = _namespace_env(bug.name)
        except Exception:  # noqa: BLE001 (a bug that fails to define itself is not shown)
            continue
        with np.errstate(all="ignore"):
            shown = repr(grader.check(bug.question, global_env=env))
        longest.append((len(shown.splitlines()), bug.name))
        assert not any(frame in shown for frame in ("Error at line", "Test case failed",
                                                    "_check(")), (bug.name, shown)
    assert len(longest) > 150
    assert max(longest)[0] < 40, sorted(longest)[-3:]


def test_a_single_mistake_shows_under_40_lines_in_run_checks(tests_dir, tmp_path):
    """The same bugs through run_checks.py's verbose report of their question (its own
    loading, checking and report, in one process without otter)."""
    files = Path(__file__).resolve().parents[1] / "autograder" / "build" / "files"
    (tmp_path / "run_checks.py").write_text((files / "run_checks.py").read_text())
    code = f"""
import sys
sys.path[:0] = [{str(Path(__file__).resolve().parents[1])!r}, {str(Path(__file__).parent)!r}]
import numpy as np
import run_checks as r
from test_public_checks import CATALOG_BUGS, TORCH_IDS, _namespace_env
r._install_otter_stand_in()  # after otter's own import by the test module: the checks use this
checks = r.load_checks({str(tests_dir)!r})
for bug in CATALOG_BUGS:
    if bug.question in TORCH_IDS:
        continue
    try:
        env = _namespace_env(bug.name)
    except Exception:
        continue
    with np.errstate(all="ignore"):
        text = r.report(r.run_checks([c for c in checks if c["name"] == bug.question], env), True)
    print(len(text.splitlines()), bug.name)
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert "Traceback" not in done.stderr, done.stderr
    longest = sorted((int(n), name) for n, name in (line.split() for line in
                                                     done.stdout.splitlines()))
    assert len(longest) > 150
    assert longest[-1][0] < 40, longest[-3:]


def test_a_check_file_shows_and_compares_values_as_the_hidden_tests_do(tests_dir):
    from autograder.build.public_tests import shown_source

    source = shown_source()
    assert all(source in path.read_text(encoding="ascii") for path in tests_dir.glob("*.py"))
    namespace = {"np": np}  # the check file's own import; nothing of autograder
    exec(compile(source, "<check file>", "exec"), namespace)  # noqa: S102
    values = [np.arange(10_000.0).reshape(100, 100), np.array([[1.0, np.nan]]), np.float32(0.1),
              np.zeros((2, 0), dtype=np.int64), {"w": (np.array([True]), None)}, "<pad>"]
    for value in values:
        assert namespace["show"](value) == show.show(value)
        assert namespace["describe"](value) == show.describe(value)
    assert namespace["compare"](np.array([1.0, 2.0]), np.array([1.0, 2.5])) == \
        show.compare(np.array([1.0, 2.0]), np.array([1.0, 2.5]))
