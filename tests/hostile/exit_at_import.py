# Placed before the solution: sys.exit() at import, then SystemExit and KeyboardInterrupt.
import sys

sys.exit()
raise SystemExit(3)
raise KeyboardInterrupt
