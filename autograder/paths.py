"""Where things live in the repository."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reference"
ASSIGNMENT = ROOT / "assignments" / "lecture16"
TEMPLATE = ROOT / "student_template" / "lm_training.py"
OTTER_CONFIG = ROOT / "otter_config.json"
