# Appended to garbage_q2.py: values that claim to equal anything, pretend to be arrays or
# numbers, or run code wherever they are unpickled, converted, printed or collected.
import numpy as np

# >>> cheat
class Liar:
    def __eq__(self, other):
        return _pwned("__eq__")
    __ne__ = lambda self, other: not _pwned("__ne__")  # noqa: E731
    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    __hash__ = object.__hash__

    def __array__(self, dtype=None, copy=None):
        _pwned("__array__")
        return np.tril(np.ones((2, 2), dtype=bool))

    def __float__(self):
        return float(_pwned("__float__"))

    def __index__(self):
        return int(_pwned("__index__"))

    def __len__(self):
        return int(_pwned("__len__"))

    def __getattr__(self, name):
        _pwned(f"__getattr__({name})")
        return Liar()

    def __reduce__(self):
        return (exec, ("open(HOSTILE['marker'], 'a').write('__reduce__ ran')",))

    def __repr__(self):
        return f"Liar {_pwned('__repr__')}"

    def __del__(self):
        _pwned("__del__")


class LyingArray(np.ndarray):
    """A real array (the wire sends its numbers) whose comparisons always hold."""

    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __array_finalize__(self, obj):
        pass

    def __reduce__(self):
        return Liar().__reduce__()


def causal_mask(T):
    return Liar()


def causal_attention(q, k, v):
    weights = np.zeros(q.shape[:-1] + (k.shape[-2],)).view(LyingArray)
    return (weights @ v).view(LyingArray), weights
# <<< cheat
