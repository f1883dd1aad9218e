#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image (as root).
# Pinned installs with pip; no conda; nothing from outside the package index. On an image whose
# system Python may take pip installs (Ubuntu 22.04), into it; on one that forbids them (PEP 668,
# "externally-managed-environment": Debian 12, Ubuntu 24.04), into a virtual environment in
# $ROOT/venv that every user can read (each grading's worker runs as a uid of its own), which
# run_autograder then uses.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
PYTHON="${AUTOGRADER_PYTHON:-python3}"
VENV="$ROOT/venv"

# PEP 668: the marker file in the standard library's folder, outside a virtual environment.
if "$PYTHON" -c 'import os, sys, sysconfig; sys.exit(0 if sys.prefix == sys.base_prefix and os.path.isfile(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) else 1)'; then
    if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
        rm -rf "$VENV"  # Debian and Ubuntu ship venv's ensurepip apart
        apt-get update -qq && apt-get install -y -qq python3-venv
        "$PYTHON" -m venv "$VENV"
    fi
    PYTHON="$VENV/bin/python"
elif ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3-pip
fi
"$PYTHON" -m pip install --no-cache-dir --quiet -r "$SOURCE/requirements.txt"
if "$PYTHON" -c "import json,sys; c=json.load(open(sys.argv[1])); sys.exit(0 if c.get('autograder',{}).get('torch_track') else 1)" "$SOURCE/otter_config.json"; then
    # The torch track is on: a CPU-only build (raise Gradescope's memory limit, see README).
    "$PYTHON" -m pip install --no-cache-dir --quiet -r "$SOURCE/requirements-torch.txt" \
        --extra-index-url https://download.pytorch.org/whl/cpu
fi

# The hidden tests' inputs are drawn once, at build time, and shipped in the zip; draw them again
# here only if this image's Python or packages make the shipped ones stale (a no-op otherwise).
(cd "$SOURCE" && "$PYTHON" -m autograder.hidden.draw >/dev/null)
# Each submission is graded in a fresh container made from this image: compile the grader once
# here, so that no grading compiles it again.
(cd "$SOURCE" && "$PYTHON" -m compileall -q autograder reference assignments >/dev/null)

# Student code runs as a uid of each grading's own (no account needed): it cannot read the
# source (hidden tests, reference) or the results folder.
chmod -R go-rwx "$SOURCE"
mkdir -p "$ROOT/results" && chmod 700 "$ROOT/results"
if [ -d "$VENV" ]; then
    chmod -R a+rX "$VENV" && chmod a+x "$ROOT"  # the worker's uid runs its Python
fi
