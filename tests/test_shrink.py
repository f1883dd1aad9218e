"""The private hypothesis hooks the shrinking path relies on are still there; the hidden core
stays small modules."""
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


def test_the_hidden_core_is_small_modules_of_small_classes():
    """autograder/hidden/: every module at most 400 lines, every class at most 15 methods."""
    import ast
    from pathlib import Path

    folder = Path(shrink.__file__).parent
    for path in sorted(folder.glob("*.py")):
        text = path.read_text()
        assert text.count("\n") <= 400, f"expected at most 400 lines, got {path.name}: " \
                                         f"{text.count(chr(10))}; split it by concern"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                methods = [n for n in node.body if isinstance(n, ast.FunctionDef)]
                assert len(methods) <= 15, (f"expected at most 15 methods, got "
                                            f"{path.name}:{node.name} with {len(methods)}")
