# Gradescope's /autograder/submission_metadata.json holds the previous submission's results,
# hidden feedback included: report whether the worker can read it (HOSTILE["metadata"]).
try:
    with open(HOSTILE["metadata"]) as _f:
        _seen = "read " + _f.read(200)
except OSError as _e:
    _seen = f"denied ({type(_e).__name__})"
raise RuntimeError(f"METADATA {_seen}")
