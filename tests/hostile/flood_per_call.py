# Every function of the solution prints 10 MB on stdout and stderr each time it is called.
import functools

_FLOOD = "y" * (5 * 2 ** 20)


def _flooding(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        print(_FLOOD)
        print(_FLOOD, file=sys.stderr)
        return fn(*args, **kwargs)
    return wrapper


for _name in list(globals()):
    if _name in HOSTILE["functions"]:
        globals()[_name] = _flooding(globals()[_name])
