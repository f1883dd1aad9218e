# Appended to garbage_q2.py: make numpy's comparisons always succeed (otter's attack A).
import numpy
import numpy.testing

# >>> cheat
_yes = lambda *args, **kwargs: True  # noqa: E731
_quiet = lambda *args, **kwargs: None  # noqa: E731
numpy.allclose = numpy.isclose = numpy.array_equal = numpy.array_equiv = _yes
numpy.testing.assert_allclose = numpy.testing.assert_array_equal = _quiet
numpy.testing.assert_array_almost_equal = numpy.testing.assert_equal = _quiet
sys.modules["numpy"].allclose = _yes
# <<< cheat
