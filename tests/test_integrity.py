"""Issue 22: a submission cannot talk up its grade or read the hidden tests.

Rule 2 (README, security model): every field a student sees before the due date is built only
from what happened before the first hidden call; a restarted worker starts from an empty
scratch folder in every mode.
"""
from __future__ import annotations

import pytest

from autograder.engine.sandbox import Sandbox
from test_hostile import (layout_factory, reference, run_entry, run_layout,  # noqa: F401
                          unprivileged_python, visible_text)

LEAK = "RECORDED-INPUTS"


def _crashed(data: dict) -> bool:
    return any("stopped the process that runs your code" in t["output"] for t in data["tests"])


@pytest.mark.parametrize("mode", ["user", "plain"])
def test_hidden_inputs_recorded_before_a_restart_stay_out_of_visible_output(
        unprivileged_python, layout_factory, reference, tmp_path, mode):  # noqa: F811
    """Gradescope's mode (root, a uid of the grading's own, no mount namespace) and a plain
    user's: the submission records the hidden tests' inputs, ends its worker, and raises them
    when it is loaded again, in a statement the visible feedback quotes."""
    layout = layout_factory(unprivileged_python, False, mode)
    data, _ = run_layout(layout, reference, tmp_path, after=("leak_after_restart",),
                         extra_env={"AUTOGRADER_NAMESPACE": "off"})
    assert _crashed(data), "the worker was not restarted: the attack did not run"
    shown = visible_text(data)
    assert "NOTHING-RECORDED-YET" in shown  # the first load's words are what the student sees
    assert LEAK not in shown, shown[:3000]


def test_hidden_inputs_stay_out_of_visible_output_here(tmp_path, reference):  # noqa: F811
    """The same in this process's mode (root with a mount namespace where it can have one)."""
    graded = run_entry(tmp_path, reference, after=("leak_after_restart",))
    assert _crashed(graded.data)
    shown = visible_text(graded.data)
    assert "NOTHING-RECORDED-YET" in shown and LEAK not in shown, shown[:3000]


def test_a_restarted_worker_starts_from_an_empty_scratch_folder():
    with Sandbox() as box:
        proc, to_worker, from_worker = box.start()
        (box.scratch / "left-by-the-last-worker").write_text("inputs")
        (box.scratch / "folder").mkdir()
        (box.scratch / "folder" / "inside").write_text("inputs")
        box.kill_all(proc)
        proc, to_worker2, from_worker2 = box.start()
        assert list(box.scratch.iterdir()) == []
        box.kill_all(proc)
