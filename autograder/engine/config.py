"""The grading settings: the ``"autograder"`` key of ``otter_config.json``."""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path

from autograder.paths import otter_config

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


class ConfigError(Exception):
    """otter_config.json is missing a value or holds a wrong one."""


@dataclass(frozen=True)
class RevealSetting:
    """``"reveal_before_due_date"``: before the due date, the full feedback of at most
    ``tests_per_question`` failing hidden tests per question, at most once every
    ``every_hours`` hours (counted from Gradescope's submission times; see
    :mod:`autograder.engine.reveal`)."""

    tests_per_question: int = 1
    every_hours: float = 24.0

    @classmethod
    def read(cls, raw: object, path: object) -> "RevealSetting | None":
        """The setting from its JSON value (None, the default: off)."""
        if raw is None:
            return None
        known = {"tests_per_question", "every_hours"}
        if not isinstance(raw, dict) or set(raw) - known:
            raise ConfigError(f"expected reveal_before_due_date to be null or an object with "
                              f"keys among {sorted(known)} in {path}, got {raw!r}")
        setting = cls(**raw)
        count, hours = setting.tests_per_question, setting.every_hours
        if (isinstance(count, bool) or not isinstance(count, int) or count < 1
                or isinstance(hours, bool) or not isinstance(hours, (int, float))
                or not 0 < hours < 1e6):
            raise ConfigError(f"expected reveal_before_due_date's tests_per_question to be an "
                              f"integer >= 1 and every_hours a positive number of hours in "
                              f"{path}, got tests_per_question={count!r}, every_hours={hours!r}")
        return setting


@dataclass(frozen=True)
class GradingConfig:
    public_visibility: str = "visible"
    """Gradescope visibility of the public checks (0 points, the ones students ran)"""
    hidden_visibility: str = "after_due_date"
    """Gradescope visibility of the hidden tests (they carry the points)"""
    hidden_summary: bool = True
    """while the hidden tests are not visible: show, per question, a visible 0-point entry with
    how many hidden tests failed and what each checks (not its inputs)"""
    torch_track: bool = False
    """grade the optional torch track (its worker imports torch)"""
    torch_track_points: float = 0.0
    """extra credit for the whole torch track, split evenly over its questions"""
    going_further_points: float = 0.0
    """extra credit for the whole optional "Going further" part (numpy, always graded: at 0 its
    tests give feedback only), split evenly over its questions"""
    examples_per_test: int = 50
    """hypothesis examples per hidden test"""
    seed: int | None = None
    """hypothesis seed for the hidden tests' examples (verify's flakiness sweep); None: the
    derandomized grading profile"""
    shrink: bool = True
    """let hypothesis shrink a failing input to the smallest one (for the feedback); False gives
    the same verdicts faster (verify only)"""
    call_timeout_s: float = 5.0
    """wall-clock limit for one call of a student function"""
    cell_timeout_s: float = 20.0
    """wall-clock limit for one notebook cell (or top-level statement) while loading; loading
    the whole submission may take three times this"""
    function_budget_s: float = 30.0
    """wall-clock limit for all the calls of one student function together (the reference
    needs well under a second)"""
    grading_timeout_s: float = 360.0
    """wall-clock limit for grading one submission, loading and restarts included: tests not
    run by then fail with a message (Gradescope stops everything at 10 minutes by default)"""
    reveal_before_due_date: RevealSetting | None = None
    """before the due date, reveal the full feedback (smallest failing input, expected and got,
    hint) of a few failing hidden tests, metered (:class:`RevealSetting`); None: off"""


def load_config(path: Path | None = None) -> GradingConfig:
    """The settings in ``path``; by default in the ``otter_config.json`` that
    :func:`autograder.paths.otter_config` finds, or the defaults above when there is none."""
    if path is None:
        path = otter_config()
        if path is None:
            return GradingConfig()
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8")).get("autograder", {})
    except (OSError, ValueError) as e:
        raise ConfigError(f"expected a JSON file at {path}, got: {e}") from e
    known = {f.name for f in fields(GradingConfig)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"expected keys among {sorted(known)} under 'autograder' in {path}, "
                          f"got {unknown}; remove or rename them")
    config = GradingConfig(**{**raw, "reveal_before_due_date": RevealSetting.read(
        raw.get("reveal_before_due_date"), path)})
    for name in ("public_visibility", "hidden_visibility"):
        if getattr(config, name) not in VISIBILITIES:
            raise ConfigError(f"expected {name} in {VISIBILITIES}, got {getattr(config, name)!r}")
    if (config.reveal_before_due_date is not None
            and config.hidden_visibility != "after_due_date"):
        raise ConfigError(f"expected hidden_visibility 'after_due_date' with "
                          f"reveal_before_due_date in {path}, got hidden_visibility="
                          f"{config.hidden_visibility!r}; set it, or remove the reveal")
    if config.examples_per_test < 1 or min(config.call_timeout_s, config.cell_timeout_s,
                                           config.function_budget_s,
                                           config.grading_timeout_s) <= 0:
        raise ConfigError("expected examples_per_test >= 1 and positive timeouts in "
                          f"{path}, got {raw}")
    return config
