# First in every Gradescope-layout submission: report who the worker is and whether it can list
# "/" (Landlock forbids it), so the test knows which protection it is looking at.
try:
    os.listdir("/")
    _root = "listed"
except OSError:
    _root = "denied"
raise RuntimeError(f"WHOAMI uid={os.getuid()} root={_root}")
