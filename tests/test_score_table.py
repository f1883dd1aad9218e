"""The terminal's score table (``python -m autograder grade FILE``): its "failed tests" column
counts the hidden tests that failed, not the 0-point entries beside them."""
from autograder.engine.api import TestOutcome
from autograder.engine.results import GradingResult
from autograder.report import score_table


def _outcome(name, score, max_score, passed, idea=""):
    return TestOutcome(name=f"q1_chunking {name}", question="q1_chunking", score=score,
                       max_score=max_score, passed=passed, output="", visibility="visible",
                       idea=idea)


def test_failed_tests_count_only_the_hidden_tests():
    result = GradingResult("work.py", tests=[
        _outcome("public checks", 0.0, 0.0, False),
        _outcome("hidden tests in short", 0.0, 0.0, False),
        _outcome("chunk_tokens drops the leftover", 0.0, 5.0, False, idea="q1_chunking:blocks"),
        _outcome("chunk_tokens appends eos_id", 10.0, 10.0, True, idea="q1_chunking:eos"),
    ])
    row = [line for line in score_table(result).splitlines() if line.startswith("q1_chunking")]
    assert row[0].split()[-1] == "1", row


def test_a_feedback_only_question_counts_its_failed_tests_with_an_idea():
    result = GradingResult("work.py", tests=[
        _outcome("public checks", 0.0, 0.0, False),
        _outcome("a torch test", 0.0, 0.0, False, idea="q1_chunking:blocks"),
    ])
    row = [line for line in score_table(result).splitlines() if line.startswith("q1_chunking")]
    assert row[0].split()[-1] == "1", row
