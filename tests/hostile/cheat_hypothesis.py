# Appended to garbage_q2.py: disarm hypothesis, as if the tests ran in this interpreter.
import types

# >>> cheat
try:
    import hypothesis
except ImportError:  # not installed where the worker runs: plant a fake one
    hypothesis = types.ModuleType("hypothesis")
    sys.modules["hypothesis"] = hypothesis
hypothesis.given = lambda *a, **k: (lambda fn: (lambda *args, **kwargs: None))
hypothesis.settings = lambda *a, **k: (lambda fn: fn)
hypothesis.assume = lambda *a, **k: True
hypothesis.note = hypothesis.event = lambda *a, **k: None
sys.modules["hypothesis.strategies"] = types.ModuleType("hypothesis.strategies")
# <<< cheat
