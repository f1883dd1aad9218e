"""``make bench`` (``python -m autograder.bench``): the project's speed, measured side by side.

One module per measurement, each with a ``measure(...)`` that returns plain data (dicts and
lists) and never raises for a failure of what it measures (it says what went wrong instead):

* :mod:`.machine`: the machine (cores, memory, versions, GPU, load average);
* :mod:`.latency`: grading one correct submission with ``python -m autograder grade`` and with
  stock ``otter run``, on two cores and pinned to one;
* :mod:`.power`: the share of the bug catalog caught, and the grading time, per example budget
  (and the plot);
* :mod:`.batch`: a folder of submissions graded with ``--jobs 1`` and ``--jobs 2``;
* :mod:`.scale`: the reference at GPT-2 scale against PyTorch on the CPU;
* :mod:`.gpu`: the torch track against PyTorch's built-ins on CUDA (skipped without a GPU).

:mod:`.report` writes ``BENCHMARKS.md``; :mod:`.procs` holds the timing and memory helpers.
Instructor-only: not shipped in the Gradescope zip.
"""
