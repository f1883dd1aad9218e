"""The public checks as Gradescope shows them (visible 0-point entries, run through the worker):
a caller's failure names the callee that fails its own public check."""
from autograder.assignment import grade
from autograder.build.release import solutions_module
from autograder.verify.catalog import BUGS

CATALOG = {b.name: b for b in BUGS}


def _public_entry(tmp_path, name, qid):
    path = tmp_path / "lm_training.py"
    path.write_text(solutions_module() + "\n\n" + CATALOG[name].source)
    result = grade(path)
    return next(t for t in result.tests if t.name == f"{qid} public checks")


def test_a_cross_entropy_bug_in_q4s_public_check_names_cross_entropy(tmp_path):
    entry = _public_entry(tmp_path, "ce-n-counts-ignored", "q4_perplexity")
    text = " ".join(entry.output.split())
    assert not entry.passed
    assert ("`perplexity` calls `cross_entropy`, which fails its own public check: this failure "
            "may come from `cross_entropy`") in text, text
    assert "`log_softmax`, which fails" not in text


def test_a_callers_own_mistake_gets_no_callee_note(tmp_path):
    entry = _public_entry(tmp_path, "ppl-base-2", "q4_perplexity")
    assert not entry.passed and "which fails its own public check" not in entry.output
