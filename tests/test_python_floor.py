"""Everything that runs on Gradescope must run on Python 3.10 (Ubuntu 22.04's python3)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_grading_code_needs_at_most_python_3_10():
    paths = [str(ROOT / p) for p in ("autograder", "reference", "assignments")]
    vermin = str(Path(sys.executable).with_name("vermin"))
    done = subprocess.run([vermin, "--target=3.10-", "--violations",
                           "--no-tips", "--eval-annotations", *paths],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
