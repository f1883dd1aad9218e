# At import: 300 MB on stdout and stderr, through print and straight to the file descriptors.
import sys

_chunk = "x" * (10 * 2 ** 20) + "\n"
for _ in range(10):
    print(_chunk, end="")
    sys.stderr.write(_chunk)
    os.write(1, _chunk.encode())
try:
    with open("/dev/tty", "w") as _tty:
        _tty.write(_chunk)
except OSError:
    pass
