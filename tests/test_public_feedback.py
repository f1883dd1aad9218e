"""The public checks as Gradescope shows them (visible 0-point entries, run through the worker):
a caller's failure names the callee that fails its own public check (graded at ``FAST``: the
public checks are the same at any budget)."""
from checkout import FAST

from autograder.assignment import grade
from autograder.build.release import solutions_module
from autograder.verify.catalog import BUGS

CATALOG = {b.name: b for b in BUGS}


def _public_entry(tmp_path, name, qid):
    path = tmp_path / "lm_training.py"
    path.write_text(solutions_module() + "\n\n" + CATALOG[name].source)
    result = grade(path, FAST)
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


def test_the_words_around_the_hidden_tests_are_true_before_and_after_the_due_date():
    """results.json is written once and read both before and after the due date."""
    from autograder.engine.config import GradingConfig
    from autograder.engine.feedback import summaries, top_line
    from autograder.hidden import all_ideas, hidden_tests
    from autograder.engine.api import TestOutcome
    from autograder.questions import NUMPY_QUESTIONS

    tests = [t for t in hidden_tests(1) if t.question == "q1_chunking"]
    outcomes = [TestOutcome(name=t.name, question=t.question, score=0.0, max_score=1.0,
                            passed=i != 0, output="", visibility="after_due_date", idea=t.idea)
                for i, t in enumerate(tests)]
    (summary,) = summaries(outcomes, NUMPY_QUESTIONS[:1], GradingConfig(), all_ideas())
    top = top_line(GradingConfig())
    for text in (summary.name, summary.output, top):
        lowered = " ".join(text.lower().split())
        for tense in ("before the due date", " now", "later", "come after", "will "):
            assert tense not in lowered, (tense, text)
    assert "shown after the due date" in " ".join(summary.output.split())
    assert top.startswith("**Shown from the start:**") and "**Shown after the due date:**" in top
