"""The private hypothesis hooks the shrinking path relies on are still there."""
from autograder.hidden import shrink


def test_every_pinned_hypothesis_hook_is_still_read_by_the_installed_hypothesis():
    import hypothesis

    missing = shrink.missing_hooks()
    assert not missing, (f"expected hypothesis {hypothesis.__version__} to read the private "
                         f"hooks {missing} (autograder/hidden/shrink.py: HOOKS); it no longer "
                         "does: shrinking a failing case needs another way in")


def test_a_hook_that_is_gone_is_named(monkeypatch):
    monkeypatch.setitem(shrink.HOOKS, "_hypothesis_internal_no_such_hook", "hypothesis.core")
    assert shrink.missing_hooks() == ["_hypothesis_internal_no_such_hook"]
