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
    config = GradingConfig(**raw)
    for name in ("public_visibility", "hidden_visibility"):
        if getattr(config, name) not in VISIBILITIES:
            raise ConfigError(f"expected {name} in {VISIBILITIES}, got {getattr(config, name)!r}")
    if config.examples_per_test < 1 or min(config.call_timeout_s, config.cell_timeout_s,
                                           config.function_budget_s,
                                           config.grading_timeout_s) <= 0:
        raise ConfigError("expected examples_per_test >= 1 and positive timeouts in "
                          f"{path}, got {raw}")
    return config
