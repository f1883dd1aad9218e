"""``python -m autograder verify``: prove the grading right on known submissions.

The reference must earn full marks (as .py and as the solutions notebook), the untouched template
zero, every entry of the bug catalog (``catalog.BUGS``: the reference with one realistic bug)
must lose points in the question its bug is in, and every entry of the correct catalog
(``catalog.CORRECT``: right, but written differently) must lose none. The report prints a kill
matrix (bug x hidden test) and the hidden tests that catch nothing in the catalog. A seed sweep
(:func:`sweep`) grades everything again under other hypothesis seeds: no verdict may change.
Not shipped to Gradescope.

Modules: ``catalog/`` (the entries), ``entries`` (writing them as submissions), ``model``
(verdicts and :func:`judge`), ``run`` (grading them in parallel), ``render`` (the report).
"""
from autograder.verify.model import Entry, SweepReport, Verdict, VerifyReport, judge
from autograder.verify.run import VerifyError, sweep, verify

__all__ = ["Entry", "SweepReport", "Verdict", "VerifyError", "VerifyReport", "judge", "sweep",
           "verify"]
