"""The smallest failing input before the due date, metered (``reveal_before_due_date``): the
schedule read from Gradescope's ``submission_metadata.json`` files (``tests/reveal/``, in
Gradescope's documented format, forged ones included), what is revealed, and that with the
setting off nothing changes. Graded through Gradescope's entry point (``run_gradescope``) and
``grade``, on a small submission (q2's and q7's functions, one catalogued bug in each: a few
seconds a grading)."""
import copy
import json
from pathlib import Path

import pytest

from autograder.build.release import solutions_module
from autograder.build.template import write_template
from autograder.cli import main
from autograder.engine import reveal
from autograder.engine.api import Status, TestOutcome
from autograder.engine.config import ConfigError, GradingConfig, RevealSetting, load_config
from autograder.engine.results import encoded
from autograder.engine.reveal import (MAX_PREVIOUS, History, apply_reveal, chosen,
                                      parse_metadata, read_metadata, schedule)
from autograder.assignment import grade
from autograder.gradescope import run_gradescope
from autograder.paths import OTTER_CONFIG
from autograder.verify.catalog import BUGS
from autograder.verify.entries import keep_functions, replace_function

METADATA = Path(__file__).parent / "reveal"
DAILY = RevealSetting(tests_per_question=1, every_hours=24)
ON = GradingConfig(reveal_before_due_date=DAILY)
OFF = load_config(OTTER_CONFIG)
MASK = "q2_causal_mask causal_mask allows j <= i, the diagonal included, for T = 1 to 12"
SEQUENCE = {"1_first.json": True, "2_same_day.json": False, "3_a_second_early.json": False,
            "4_next_day.json": True, "5_eve_of_due_date.json": True,
            "6_after_due_date.json": False}
FORGED = sorted(p.name for p in METADATA.glob("*.json") if not p.name[0].isdigit())


def history(name: str) -> History:
    return read_metadata(METADATA / name)


def revealed(data: dict) -> list[dict]:
    return [t for t in data["tests"] if " revealed now: " in t["name"]]


# ============================================================================ the schedule
def test_gradescope_metadata_is_read_as_documented():
    h = history("4_next_day.json")
    assert h.problem == ""
    assert h.created_at.isoformat() == "2026-12-09T10:00:00.123456-05:00"
    assert [t.isoformat(timespec="minutes") for t in h.previous] == [
        "2026-12-08T10:00-05:00", "2026-12-08T15:30-05:00", "2026-12-09T09:59-05:00"]
    assert h.due.isoformat() == "2026-12-14T23:59:00-05:00"
    assert read_metadata(METADATA / "no such file.json") == History()  # grade FILE: a first one
    late = parse_metadata({**json.loads((METADATA / "1_first.json").read_text()),
                           "assignment": {"due_date": "2026-12-14T23:59:00Z",
                                          "late_due_date": "2026-12-16T23:59:00Z"}})
    assert late.due.isoformat() == "2026-12-16T23:59:00+00:00"  # hidden until the late one
    data = json.loads((METADATA / "4_next_day.json").read_text())
    for entry in data["previous_submissions"]:  # an entry that names its time as the current
        entry["created_at"] = entry.pop("submission_time")
    assert parse_metadata(data) == h


def test_one_reveal_per_window_counted_from_the_submission_times():
    plans = {name: schedule(DAILY, history(name)) for name in SEQUENCE}
    assert {name: plan.now for name, plan in plans.items()} == SEQUENCE
    # the window starts at the last reveal, not at the last submission
    assert plans["3_a_second_early.json"].next.isoformat() == "2026-12-09T10:00:00.123456-05:00"
    assert plans["5_eve_of_due_date.json"].next >= history("5_eve_of_due_date.json").due
    assert plans["6_after_due_date.json"].reason == "after_due"
    assert plans["2_same_day.json"].reason == "window"
    every_five = schedule(RevealSetting(every_hours=5), history("2_same_day.json"))
    assert every_five.now  # 5.5 hours after the first one, windows of 5 hours: a new one


@pytest.mark.parametrize("name", FORGED)
def test_forged_or_malformed_metadata_reveals_nothing_more_than_the_setting_allows(name):
    """A previous result that claims no reveal or one that never happened changes nothing (the
    times alone count); a later submission listed as earlier is not counted; a bad date, a
    time without its zone, wrong types or a file that is not JSON reveal nothing."""
    plan = schedule(DAILY, history(name))
    expected = {"forged_claims_none.json": False, "forged_claims_reveals.json": True,
                "forged_future_previous.json": False}
    assert plan.now == expected.get(name, False)
    if name not in expected:
        assert plan.reason == "history" and history(name).problem
    data = json.loads((METADATA / name).read_text()) if name in expected else None
    if data is not None:  # the same schedule with every previous result dropped
        for entry in data["previous_submissions"]:
            entry.pop("results", None)
        assert schedule(DAILY, parse_metadata(data)) == plan


def test_huge_or_oversized_metadata_reveals_nothing(tmp_path, monkeypatch):
    data = json.loads((METADATA / "1_first.json").read_text())
    data["previous_submissions"] = [{"submission_time": "2026-12-01T00:00:00.000000-05:00",
                                     "score": 0.0}] * (MAX_PREVIOUS + 1)
    path = tmp_path / "submission_metadata.json"
    path.write_text(json.dumps(data))
    assert not schedule(DAILY, read_metadata(path)).now
    monkeypatch.setattr(reveal, "MAX_BYTES", 100)
    assert "larger" in read_metadata(METADATA / "1_first.json").problem


def test_the_setting_is_off_by_default_and_checked(tmp_path):
    assert load_config(OTTER_CONFIG).reveal_before_due_date is None
    path = tmp_path / "otter_config.json"

    def config(**autograder):
        path.write_text(json.dumps({"autograder": autograder}))
        return load_config(path)

    assert config(reveal_before_due_date={"tests_per_question": 2, "every_hours": 12}
                  ).reveal_before_due_date == RevealSetting(2, 12)
    for bad in ({"tests_per_question": 0}, {"every_hours": -1}, {"every_hours": "24"},
                {"per_day": 1}, [1, 24], {"tests_per_question": True}):
        with pytest.raises(ConfigError, match="reveal_before_due_date"):
            config(reveal_before_due_date=bad)
    with pytest.raises(ConfigError, match="after_due_date"):
        config(reveal_before_due_date={}, hidden_visibility="visible")


def _outcome(name, idea, points, status=Status.WRONG, passed=False):
    return TestOutcome(name=f"q5_optimization {name}", question="q5_optimization",
                       score=points if passed else 0.0, max_score=points, passed=passed,
                       output=f"feedback of {name}", visibility="after_due_date",
                       status=status, idea=idea)


def test_the_first_failure_of_the_idea_worth_the_most_points_is_chosen():
    tests = [
        TestOutcome(name="q5_optimization public checks", question="q5_optimization", score=0,
                    max_score=0, passed=False, output="", visibility="visible"),
        _outcome("norm", "q5:norm", 2.0),
        _outcome("decay raises", "q5:decay", 3.0, Status.RAISED),  # the student's own text
        _outcome("decay value", "q5:decay", 3.0),
        _outcome("decay again", "q5:decay", 1.0),
        _outcome("bias ok", "q5:bias", 4.0, Status.PASSED, passed=True),
        _outcome("bias late", "q5:bias", 0.0),
        _outcome("clip", "q5:clip", 2.0),
    ]
    names = [t.name.split(" ", 1)[1] for t in chosen(tests, ON, 1)]
    assert names == ["decay value"]  # decay: 4 points, its first wrong answer (not the raise)
    assert [t.name.split(" ", 1)[1] for t in chosen(tests, ON, 3)] == [
        "decay value", "bias late", "norm"]  # bias 4 (tie with decay: ran later), norm = clip
    assert chosen([t for t in tests if t.status != Status.WRONG], ON, 1) == []


# ======================================================================= graded submissions
@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """q2's and q7's functions only: a causal mask without its diagonal, forward-only FLOPs."""
    source = solutions_module()
    bugs = {b.name: b for b in BUGS}
    for name in ("mask-no-diagonal", "q7-flops-forward-only"):
        source = replace_function(source, bugs[name].source)
    source = keep_functions(source, ["causal_mask", "causal_attention", "training_flops",
                                     "chinchilla_optimal", "fit_power_law"])
    path = tmp_path_factory.mktemp("small") / "lm_training.py"
    path.write_text(source, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def graded(small):
    return grade(small, OFF)


@pytest.fixture
def reveal_on(tmp_path, monkeypatch):
    """The working folder's otter_config.json (it wins over the checkout's): the checkout's
    settings with a reveal once per question per 24 hours."""
    settings = json.loads(OTTER_CONFIG.read_text())
    settings["autograder"]["reveal_before_due_date"] = {"tests_per_question": 1,
                                                        "every_hours": 24}
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "otter_config.json").write_text(json.dumps(settings))
    monkeypatch.chdir(folder)
    return folder


def gradescope(submission: Path, metadata: str | None, tmp_path: Path, monkeypatch) -> dict:
    """Gradescope's run: /autograder/{submission, submission_metadata.json, results}."""
    root = tmp_path / f"autograder-{metadata}"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / submission.name).write_bytes(submission.read_bytes())
    if metadata is not None:
        (root / "submission_metadata.json").write_bytes((METADATA / metadata).read_bytes())
    monkeypatch.setenv("AUTOGRADER_ROOT", str(root))
    assert run_gradescope() == 0
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def test_a_sequence_of_gradescope_runs_reveals_what_the_setting_allows(small, reveal_on,
                                                                       tmp_path, monkeypatch):
    runs = {name: gradescope(small, name, tmp_path, monkeypatch)
            for name in ("1_first.json", "2_same_day.json", "4_next_day.json")}
    first, same_day, next_day = runs.values()
    shown = revealed(first)
    assert [t["name"].split(" ")[0] for t in shown] == ["q2_causal_mask", "q7_scaling"]
    assert shown[0]["name"] == MASK.replace(" ", " revealed now: ", 1)  # its idea: 4 of 15
    assert "training_flops" in shown[1]["name"]
    hidden = {t["name"]: t for t in first["tests"]}
    for entry in shown:
        own = hidden[entry["name"].replace(" revealed now:", "", 1)]
        assert own["visibility"] == "after_due_date" and own["status"] == "failed"
        assert entry["visibility"] == "visible" and entry["max_score"] == 0
        assert entry["output"].endswith(own["output"])  # the same feedback, nothing more
    assert "`causal_mask(T=1)`" in shown[0]["output"] and "**Hint:**" in shown[0]["output"]
    assert "**Revealed before the due date:** for q2_causal_mask, q7_scaling" in first["output"]
    assert ":** at your first submission from 2026-12-09 10:00 UTC-0500 on" in \
        first["output"]
    assert first["extra_data"]["reveal"]["revealed"] == [
        t["name"].replace(" revealed now:", "", 1) for t in shown]
    # within the window: nothing revealed, the rest as before; the next day: the same again
    assert revealed(same_day) == [] and same_day["extra_data"]["reveal"]["now"] is False
    assert "nothing new: your submission of 2026-12-08 10:00 UTC-0500 had this window's " \
           "reveal" in same_day["output"]
    kept = [t for t in first["tests"] if t not in shown and "hidden tests in short" not in
            t["name"]]
    assert [t for t in same_day["tests"] if "hidden tests in short" not in t["name"]] == kept
    assert same_day["score"] == first["score"] == next_day["score"]
    assert [t["output"] for t in revealed(next_day)] == [t["output"] for t in shown]
    summary = next(t for t in same_day["tests"] if t["name"] == "q2_causal_mask hidden tests "
                   "in short")
    assert "**Next reveal of a failing input:** at your first submission from 2026-12-09" in \
        summary["output"]


def test_forged_metadata_through_gradescope_reveals_nothing_more(small, reveal_on, tmp_path,
                                                                 monkeypatch, graded):
    for name in ("forged_claims_none.json", "not_json.json"):
        data = gradescope(small, name, tmp_path, monkeypatch)
        assert revealed(data) == [], name
        assert data["score"] == graded.score
    assert "could not be read" in data["output"]
    assert data["extra_data"]["reveal"]["reason"] == "history"


def test_every_forged_history_on_a_graded_result(graded):
    """What ``run_gradescope`` adds after grading, for every metadata file: at most one entry
    per question, and only where the schedule says."""
    for name in [*SEQUENCE, *FORGED]:
        result = copy.deepcopy(graded)
        apply_reveal(result, ON, history(name))
        entries = [t for t in result.tests if " revealed now: " in t.name]
        assert len(entries) == (2 if schedule(DAILY, history(name)).now else 0), name
        again = copy.deepcopy(graded)
        apply_reveal(again, ON, history(name))
        assert encoded(again) == encoded(result)  # the same history, the same bytes


def test_grade_file_and_dir_reveal_as_a_first_submission(small, reveal_on, tmp_path):
    folder = tmp_path / "repository"
    folder.mkdir()
    (folder / small.name).write_bytes(small.read_bytes())
    names = []
    for path, extra in ((small, []), (folder, []),
                        (small, ["--metadata", str(METADATA / "2_same_day.json")])):
        out = tmp_path / f"results-{len(names)}.json"
        assert main(["grade", str(path), "--results", str(out), "--quiet", *extra]) == 0
        data = json.loads(out.read_text(encoding="utf-8"))
        names.append([t["name"] for t in revealed(data)])
        if not extra:
            assert ":** at a submission 24 hours after this one" in data["output"]
    assert names[0] == names[1] and len(names[0]) == 2
    assert names[2] == []


def test_a_raised_error_is_not_revealed(small, reveal_on, tmp_path, monkeypatch):
    """The student's own text (an exception message) never reaches the output before the due
    date through a reveal: only wrong answers, which the grader prints, are revealed."""
    raising = tmp_path / "raising" / "lm_training.py"
    raising.parent.mkdir()
    raising.write_text(replace_function(small.read_text(), (
        "def training_flops(n_params, n_tokens):\n"
        "    raise ValueError('SMUGGLED-' + repr(n_params))\n")))
    data = gradescope(raising, "1_first.json", tmp_path, monkeypatch)
    assert [t["name"].split(" ")[0] for t in revealed(data)] == ["q2_causal_mask"]
    raised = [t for t in data["tests"] if t["name"].startswith("q7_scaling")
              and t["extra_data"]["status"] == Status.RAISED]
    assert raised and all("SMUGGLED" in t["output"] and t["visibility"] == "after_due_date"
                          for t in raised)  # shown after the due date, as before
    assert not any("SMUGGLED" in t["output"] for t in revealed(data))


@pytest.mark.parametrize("which", ["small", "template", "unreadable"])
def test_with_the_setting_off_results_json_is_byte_identical(which, small, graded, tmp_path,
                                                             monkeypatch):
    """Setting off: reading any history changes no byte of results.json, and Gradescope's path
    with metadata writes what ``grade`` does (but for the time grading took)."""
    path = {"small": small, "template": tmp_path / "template" / "lm_training.py",
            "unreadable": tmp_path / "lm_training.py"}[which]
    if which == "template":
        write_template(path.parent)
    if which == "unreadable":
        path.write_text("def chunk_tokens(docs:\n")
    result = graded if which == "small" else grade(path, OFF)
    before = encoded(result)
    for name in [*SEQUENCE, *FORGED]:
        again = copy.deepcopy(result)
        apply_reveal(again, OFF, history(name))
        assert encoded(again) == before, name
    assert "reveal" not in json.loads(before)["extra_data"]
    monkeypatch.chdir(tmp_path)  # no otter_config.json here: the checkout's (setting off)
    data = gradescope(path, "2_same_day.json", tmp_path, monkeypatch)
    data["execution_time"] = json.loads(before)["execution_time"]
    assert json.dumps(data, indent=1, ensure_ascii=False).encode() == before


def test_grade_metadata_is_one_submissions_history(small, tmp_path, capsys):
    assert main(["grade", str(small.parent), "--csv", str(tmp_path / "grades.csv"),
                 "--metadata", str(METADATA / "1_first.json")]) != 0
    assert main(["grade", str(small), "--metadata", str(tmp_path / "missing.json")]) != 0
    err = capsys.readouterr().err
    assert "--metadata is one submission's history" in err and "found nothing" in err
    assert not (tmp_path / "grades.csv").exists()


@pytest.mark.parametrize("name,now,says", [
    ("5_eve_of_due_date.json", True, "**Next reveal:** none before the due date."),
    ("6_after_due_date.json", False, "nothing more: this submission came after the due date"),
    ("3_a_second_early.json", False, "from 2026-12-09 10:00 UTC-0500 on"),
    ("forged_no_zone.json", False, "could not be read; please tell your instructors"),
])
def test_the_top_line_says_what_is_shown_now_and_when_the_next_reveal_comes(graded, name, now,
                                                                             says):
    result = copy.deepcopy(graded)
    apply_reveal(result, ON, history(name))
    top = result.messages[0]
    assert top.startswith(graded.messages[0]) and says in top, top
    assert "**Shown after the due date:**" in top  # what comes after the due date, as before
    assert result.reveal["now"] is now
