"""Batch grading on a dask.distributed cluster (``grade DIR --csv ... --scheduler ADDRESS``).

Each submission is one task: a dask worker unpacks it and grades it with the local batch's own
function (:func:`autograder.batchgrade.grade_entry`: ``python -m autograder grade ENTRY`` in a
process of its own, with the same sandbox, limits and file rule) and returns its
``results.json`` as data; the client writes the CSV, the results folder and the class report
with the local batch's code. Needs the optional extra ``pip install .[cluster]``.
"""


class ClusterError(Exception):
    """Grading on the cluster could not run (no dask, no scheduler, no worker, another code
    version); the message is one line for the user."""
